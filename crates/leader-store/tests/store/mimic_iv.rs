use leader_store::MimicVersion;

use crate::common::*;

#[tokio::test]
async fn the_demo_imports_with_exact_counts() {
    let store = memory_store().await;
    let s = store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("the MIMIC-IV demo imports");
    assert_eq!(counts(&store).await, (100, 275, 4_506, 722, 18_087), "every row of the five tables is kept");
    assert_eq!((s.patients, s.visits, s.diagnoses, s.procedures, s.prescriptions), (100, 275, 4_506, 722, 18_087));
    assert_eq!(s.unmapped, 18_087, "without mapping tables nothing is mapped, nothing guessed");
    let icd10: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM diagnoses WHERE system = 'ICD10CM'")
        .fetch_one(store.pool())
        .await
        .expect("q");
    let icd9: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM diagnoses WHERE system = 'ICD9CM'")
        .fetch_one(store.pool())
        .await
        .expect("q");
    assert!(
        icd10 > 0 && icd9 > 0 && icd9 + icd10 == 4_506,
        "ICD-9 and ICD-10 are told apart by icd_version ({icd9} + {icd10})"
    );
    assert_eq!(s.codes_without_title, 0, "the d_icd dictionaries title every code of the demo");
}

#[tokio::test]
async fn ethos_tables_map_at_least_94_percent_by_gsn_then_ndc_then_name() {
    let store = memory_store().await;
    let maps = shared_data().join("mappings/ethos");
    store.import_atc_map(&maps.join("gsn_atc_ndc_mapping.csv.gz"), &P).await.expect("GSN/NDC map loads");
    store.import_atc_map(&maps.join("mimic_drug_to_atc.csv.gz"), &P).await.expect("name map loads");
    let s = store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("import");
    let share = s.mapped() as f64 / s.prescriptions as f64;
    assert!(share >= 0.94, "mapped share {share:.4} is below the 94% goal");
    assert!(s.mapped_by_gsn > s.mapped_by_name, "GSN is tried first");
    let stats = store.stats().await.expect("stats");
    assert!((stats.mapped_share - share).abs() < 1e-9);
    assert!(!stats.top_unmapped.is_empty(), "unmapped names are listed for pharmacists");
    assert!(stats.distinct_medications > 50, "ATC level-3 vocabulary of the demo");
    eprintln!(
        "mapped {:.2}% (gsn {}, ndc {}, name {})",
        100.0 * share,
        s.mapped_by_gsn,
        s.mapped_by_ndc,
        s.mapped_by_name
    );
}

#[tokio::test]
async fn mapping_after_the_import_gives_the_same_result_as_before() {
    let maps = shared_data().join("mappings/ethos");
    let before = memory_store().await;
    before.import_atc_map(&maps.join("gsn_atc_ndc_mapping.csv.gz"), &P).await.expect("map");
    before.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("import");
    let after = memory_store().await;
    after.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("import");
    let m = after.import_atc_map(&maps.join("gsn_atc_ndc_mapping.csv.gz"), &P).await.expect("map");
    assert!(m.prescriptions_remapped > 15_000, "loading a map re-maps the store's prescriptions");
    let q = "SELECT COALESCE(med_code, '-') FROM prescriptions ORDER BY id";
    let a: Vec<String> = sqlx::query_scalar(q).fetch_all(before.pool()).await.expect("q");
    let b: Vec<String> = sqlx::query_scalar(q).fetch_all(after.pool()).await.expect("q");
    assert_eq!(a, b, "the order of loading map and cohort does not matter");
}

#[tokio::test]
async fn re_importing_adds_no_duplicates() {
    let store = memory_store().await;
    store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("first import");
    let first = counts(&store).await;
    let titles = count(&store, "code_titles").await;
    store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("second import");
    assert_eq!(counts(&store).await, first);
    assert_eq!(count(&store, "code_titles").await, titles);
    let imports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'import'")
        .fetch_one(store.pool())
        .await
        .expect("q");
    assert_eq!(imports, 2, "each import is recorded in the audit log");
}

#[tokio::test]
async fn a_patient_timeline_has_visits_in_order_with_titles() {
    let store = memory_store().await;
    store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("import");
    let list = store.patients().await.expect("list");
    assert_eq!(list.len(), 100);
    let multi = list.iter().filter(|p| p.visits >= 2).count();
    assert!(multi >= 38, "{multi} patients with 2+ visits");
    let p = list.iter().max_by_key(|p| p.visits).expect("a patient");
    let record = store.patient(&p.id).await.expect("timeline");
    assert_eq!(record.visits.len() as i64, p.visits);
    assert!(record.visits.windows(2).all(|w| w[0].admit_time <= w[1].admit_time), "visits in time order");
    let dx = &record.visits[0].diagnoses[0];
    assert!(record.titles.contains_key(&dx.to_string()), "diagnoses carry their dictionary title");
    assert!(!p.synthetic);
}
