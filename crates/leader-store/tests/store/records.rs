use leader_store::{MimicVersion, PatientRecord, Store, StoreError};

use crate::common::*;

/// The record's parts that matter (PatientRecord itself has no `PartialEq`).
fn parts(r: &PatientRecord) -> serde_json::Value {
    serde_json::to_value(r).expect("a record serialises")
}

/// Every record read at once equals the same patient read alone, in id order, and only
/// patients with visits are listed.
async fn all_equal_one_by_one(store: &Store) -> usize {
    let all = store.all_patients().await.expect("all records");
    let with_visits: Vec<String> = sqlx::query_scalar("SELECT DISTINCT patient_id FROM visits ORDER BY patient_id")
        .fetch_all(store.pool())
        .await
        .expect("ids");
    assert_eq!(all.iter().map(|r| r.patient.id.clone()).collect::<Vec<_>>(), with_visits);
    for r in &all {
        let one = store.patient(&r.patient.id).await.expect("one record");
        assert_eq!(parts(&one), parts(r), "{}", r.patient.id);
        assert!(one.visits.windows(2).all(|w| w[0].admit_time <= w[1].admit_time), "visits in time order");
    }
    all.len()
}

#[tokio::test]
async fn every_record_at_once_equals_each_record_alone() {
    let store = memory_store().await;
    store.seed_demo().await.expect("demo");
    assert!(all_equal_one_by_one(&store).await >= 30);
    // Medication classes carry their title and their ATC level 3 title.
    let r = store.patient("DEMO-012").await.expect("DEMO-012");
    let med = r.visits.iter().flat_map(|v| &v.prescriptions).find_map(|p| p.medication.clone()).expect("a med");
    assert!(r.titles.contains_key(&med.to_string()), "{med} titled");
    let l3 = med.at_atc_level(3).expect("level 3");
    assert!(r.titles.contains_key(&l3.to_string()), "{l3} titled");

    let store = memory_store().await;
    store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("import");
    assert_eq!(all_equal_one_by_one(&store).await, 100);
}

#[tokio::test]
async fn an_unknown_patient_is_not_found() {
    let store = memory_store().await;
    store.seed_demo().await.expect("demo");
    let e = store.patient("NOPE").await.expect_err("no such patient");
    assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
    assert!(store.all_patients().await.expect("all").iter().all(|r| r.patient.id != "NOPE"));
}

/// Every patient with the visit count and latest admission, straight from the tables.
async fn list_from_tables(store: &Store) -> Vec<(String, i64, Option<String>)> {
    sqlx::query_as(
        "SELECT p.id, COUNT(v.id), substr(MAX(v.admit_time), 1, 10) FROM patients p \
         LEFT JOIN visits v ON v.patient_id = p.id GROUP BY p.id ORDER BY p.synthetic DESC, p.id",
    )
    .fetch_all(store.pool())
    .await
    .expect("list from the tables")
}

async fn listed(store: &Store) -> Vec<(String, i64, Option<String>)> {
    store.patients().await.expect("list").into_iter().map(|p| (p.id, p.visits, p.last_visit)).collect()
}

#[tokio::test]
async fn the_list_follows_every_import_even_one_written_past_the_store_methods() {
    let store = memory_store().await;
    assert!(listed(&store).await.is_empty());
    // Written straight through the batch writer, not through a Store import method: the
    // list is rebuilt on the next read.
    let batch = leader_store::import::mimic::read_mimic(&fixtures().join("mimic-iii"), MimicVersion::Iii, &P)
        .expect("read the fixture");
    let mut tx = store.pool().begin().await.expect("tx");
    let mapper = leader_store::import::atc::AtcMapper::load(&mut tx).await.expect("mapper");
    leader_store::import::write_batch(&mut tx, &batch, &mapper, &P).await.expect("write");
    tx.commit().await.expect("commit");
    let first = listed(&store).await;
    assert!(!first.is_empty());
    assert_eq!(first, list_from_tables(&store).await);
    // An import through the store: its list is written with it.
    store.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("import");
    let second = listed(&store).await;
    assert_eq!(second.len(), first.len() + 100);
    assert_eq!(second, list_from_tables(&store).await);
}
