use std::collections::{BTreeMap, BTreeSet};

use leader_core::Code;
use leader_store::{MimicVersion, PRACTICE_MIN_VISITS, PracticeRow, Store};

use crate::common::*;

type Key = (String, String, String, String);

/// `class_practice` recomputed from the patient records, independently of the SQL: for
/// each (class, diagnosis or "", ingredient or "", route or "") the distinct visits.
async fn expected(store: &Store, len: usize) -> BTreeMap<Key, i64> {
    let mut visits: BTreeMap<Key, BTreeSet<(String, String)>> = BTreeMap::new();
    for r in store.all_patients().await.expect("records") {
        for v in &r.visits {
            let id = (r.patient.id.clone(), v.admission_id.clone());
            let orders: BTreeSet<(String, String)> = v
                .prescriptions
                .iter()
                .filter_map(|p| p.medication.as_ref().map(|m| (m, p)))
                .filter(|(m, _)| m.system() == leader_core::CodeSystem::Atc && m.value().len() == 7)
                .map(|(m, p)| (m.value().to_owned(), p.route.as_deref().unwrap_or("").trim().to_uppercase()))
                .collect();
            let dxs: BTreeSet<String> =
                std::iter::once(String::new()).chain(v.diagnoses.iter().map(ToString::to_string)).collect();
            for (ingredient, route) in &orders {
                let class = ingredient[..len].to_owned();
                for dx in &dxs {
                    for key in [
                        (class.clone(), dx.clone(), ingredient.clone(), route.clone()),
                        (class.clone(), dx.clone(), String::new(), String::new()),
                    ] {
                        visits.entry(key).or_default().insert(id.clone());
                    }
                }
            }
        }
    }
    let mut out: BTreeMap<Key, i64> = visits.into_iter().map(|(k, v)| (k, v.len() as i64)).collect();
    // A (class, diagnosis) with too few visits is left out, its ingredients too.
    let small: BTreeSet<(String, String)> = out
        .iter()
        .filter(|((_, dx, ingredient, _), n)| !dx.is_empty() && ingredient.is_empty() && **n < PRACTICE_MIN_VISITS)
        .map(|((class, dx, _, _), _)| (class.clone(), dx.clone()))
        .collect();
    out.retain(|(class, dx, _, _), _| !small.contains(&(class.clone(), dx.clone())));
    out
}

fn keyed(rows: Vec<PracticeRow>) -> BTreeMap<Key, i64> {
    rows.into_iter().map(|r| ((r.class_code, r.diagnosis, r.ingredient, r.route), r.visits)).collect()
}

#[tokio::test]
async fn past_practice_per_class_counts_distinct_visits_overall_and_per_diagnosis() {
    let store = memory_store().await;
    let maps = shared_data().join("mappings/ethos");
    store.import_atc_map(&maps.join("gsn_atc_ndc_mapping.csv.gz"), &P).await.expect("GSN/NDC map loads");
    store.import_atc_map(&maps.join("mimic_drug_to_atc.csv.gz"), &P).await.expect("name map loads");
    store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("import");

    let diagnoses: Vec<Code> =
        sqlx::query_scalar::<_, String>("SELECT DISTINCT system || ':' || code FROM diagnoses ORDER BY 1")
            .fetch_all(store.pool())
            .await
            .expect("diagnoses")
            .iter()
            .map(|c| c.parse().expect("a stored code"))
            .collect();
    for (level, len) in [(3, 4), (4, 5)] {
        let got = keyed(store.class_practice(level, &diagnoses).await.expect("practice"));
        let want = expected(&store, len).await;
        assert!(got.len() > 1000, "level {level}: {} rows", got.len());
        assert_eq!(got, want, "level {level}");
    }
    // Only the diagnoses asked for come back, with the overall rows.
    let one: Code = "ICD10CM:I10".parse().expect("code");
    let rows = store.class_practice(3, std::slice::from_ref(&one)).await.expect("practice");
    assert!(rows.iter().any(|r| r.diagnosis == "ICD10CM:I10"), "hypertension is common in the demo");
    assert!(rows.iter().all(|r| r.is_overall() || r.diagnosis == "ICD10CM:I10"));
    assert!(store.class_practice(5, &diagnoses).await.expect("level 5").is_empty(), "classes are levels 3 and 4");
}

#[tokio::test]
async fn past_practice_is_written_by_the_import_and_rebuilt_when_behind() {
    let store = memory_store().await;
    store.seed_demo().await.expect("seed").expect("seeded");
    // Written inside the seeding transaction, before anyone reads it.
    assert!(count(&store, "class_practice").await > 0);
    let overall = |m: BTreeMap<Key, i64>| -> BTreeMap<Key, i64> {
        m.into_iter().filter(|((_, dx, _, _), _)| dx.is_empty()).collect()
    };
    let rows = store.class_practice(3, &[]).await.expect("practice");
    assert!(
        rows.iter().any(|r| r.class_code == "J01D" && r.is_total() && r.visits >= 1),
        "the demo cohort orders cephalosporins"
    );
    assert_eq!(keyed(rows), overall(expected(&store, 4).await));

    // Rows lost and a stamp behind the audit log: the next read rebuilds them.
    sqlx::query("DELETE FROM class_practice").execute(store.pool()).await.expect("delete");
    sqlx::query("UPDATE settings SET value = '0' WHERE key = 'class_practice'")
        .execute(store.pool())
        .await
        .expect("stamp");
    let again = keyed(store.class_practice(3, &[]).await.expect("practice"));
    assert_eq!(again, overall(expected(&store, 4).await));
}
