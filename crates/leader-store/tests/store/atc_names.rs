use std::collections::BTreeSet;

use leader_core::{Code, CodeSystem};
use leader_store::{MimicVersion, Store};

use crate::common::*;

/// Every ATC code the store's prescriptions and interaction rules carry, with the classes
/// above it down to level 3 (what any display shows: the drug, its subgroup, its class).
async fn atc_codes_in_use(store: &Store) -> BTreeSet<Code> {
    let meds: Vec<String> = sqlx::query_scalar("SELECT DISTINCT med_code FROM prescriptions WHERE med_system = 'ATC'")
        .fetch_all(store.pool())
        .await
        .expect("medication codes");
    let rules: Vec<String> = sqlx::query_scalar(
        "SELECT code_a FROM ddi_pairs WHERE system = 'ATC' UNION SELECT code_b FROM ddi_pairs WHERE system = 'ATC'",
    )
    .fetch_all(store.pool())
    .await
    .expect("interaction codes");
    assert!(!meds.is_empty() && !rules.is_empty());
    let mut out = BTreeSet::new();
    for v in meds.iter().chain(&rules) {
        let c = Code::new(CodeSystem::Atc, v).expect("stored ATC codes are valid");
        let level = c.atc_level().expect("ATC");
        for l in 3..=level {
            out.insert(c.at_atc_level(l).expect("a coarser level"));
        }
    }
    out
}

/// The codes the store cannot name.
async fn unnamed(store: &Store, codes: &BTreeSet<Code>) -> Vec<String> {
    let list: Vec<Code> = codes.iter().cloned().collect();
    let titles = store.titles_of(&list).await.expect("titles");
    list.iter().map(ToString::to_string).filter(|c| !titles.contains_key(c)).collect()
}

#[tokio::test]
async fn every_atc_code_of_the_demo_store_has_a_name() {
    let store = memory_store().await;
    store.seed_demo().await.expect("seed").expect("seeded");
    let codes = atc_codes_in_use(&store).await;
    assert!(codes.len() > 100, "{} codes", codes.len());
    assert_eq!(unnamed(&store, &codes).await, Vec::<String>::new());
    let r = store.patient("DEMO-012").await.expect("DEMO-012");
    assert_eq!(r.titles.get("ATC:J01D").map(String::as_str), Some("Cephalosporin antibiotics"));
}

#[tokio::test]
async fn every_atc_code_of_a_mimic_iv_demo_import_has_a_name() {
    let store = memory_store().await;
    let maps = shared_data().join("mappings/ethos");
    store.import_atc_map(&maps.join("gsn_atc_ndc_mapping.csv.gz"), &P).await.expect("GSN/NDC map loads");
    store.import_atc_map(&maps.join("mimic_drug_to_atc.csv.gz"), &P).await.expect("name map loads");
    store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("import");
    let codes = atc_codes_in_use(&store).await;
    assert!(codes.len() > 500, "levels 3-5 of the demo's medications: {}", codes.len());
    assert_eq!(unnamed(&store, &codes).await, Vec::<String>::new());
    // Every class of the store's vocabulary, at both selectable levels, reads as a name
    // rather than as the drug names prescribed under it.
    for level in [3, 4] {
        let names = store.medication_names(level).await.expect("names");
        for c in codes.iter().filter(|c| c.atc_level() == Some(level)) {
            let want = leader_core::atc_names::name_of(c).expect("named");
            assert_eq!(names.get(&c.to_string()).map(String::as_str), Some(want), "{c}");
        }
    }
}

#[tokio::test]
async fn a_title_the_source_wrote_is_kept_and_the_names_come_back_when_they_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.sqlite");
    let store = Store::open(&path).await.expect("open");
    let leader_rows = |store: Store| async move {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM code_titles WHERE source = 'leader'")
            .fetch_one(store.pool())
            .await
            .expect("count");
        n
    };
    assert_eq!(leader_rows(store.clone()).await as usize, leader_core::atc_names::len());
    // A cohort's own title for an ATC code wins over ours.
    let c = Code::new(CodeSystem::Atc, "J01DD04").expect("code");
    store.upsert_titles(&[(c.clone(), "Ceftriaxone 1 g vial (site formulary)".into())], "fhir").await.expect("upsert");
    let mut conn = store.pool().acquire().await.expect("conn");
    // An older version of the names, one of them since removed from the store.
    sqlx::query("UPDATE settings SET value = 'older' WHERE key = 'atc_names'").execute(&mut *conn).await.expect("q");
    sqlx::query("DELETE FROM code_titles WHERE code = 'J01D'").execute(&mut *conn).await.expect("q");
    drop(conn);
    store.close().await;

    let store = Store::open(&path).await.expect("reopen");
    let j01d = Code::new(CodeSystem::Atc, "J01D").expect("code");
    let titles = store.titles_of(&[c.clone(), j01d]).await.expect("titles");
    assert_eq!(titles.get("ATC:J01D").map(String::as_str), Some("Cephalosporin antibiotics"), "rewritten");
    assert_eq!(titles.get("ATC:J01DD04").map(String::as_str), Some("Ceftriaxone 1 g vial (site formulary)"));
    assert_eq!(leader_rows(store.clone()).await as usize, leader_core::atc_names::len() - 1);
    store.close().await;
}
