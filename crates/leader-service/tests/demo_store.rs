//! The synthetic demo cohort lives only in a store of its own: the app seeds it into an empty
//! store and never beside imported patients; a store holding both (an old store, or one
//! imported into after `leader demo`) is evaluated and exported without the synthetic ones.

use std::path::{Path, PathBuf};

use leader_infer::Engine;
use leader_infer::runtime::SessionOptions;
use leader_service::app::App;
use leader_service::evaluate::{EvalOptions, evaluate};
use leader_service::export::{ExportOptions, export_dataset};
use leader_store::{MimicVersion, NoProgress, Store};

fn mimic_iii() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-store/tests/fixtures/mimic-iii")
}

fn tiny_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-infer/tests/fixtures/tiny-bundle")
}

/// The MIMIC-III fixture (three real-format, non-synthetic patients) with its drug map.
async fn import_real(store: &Store) {
    store.import_atc_map(&mimic_iii().join("atc_map.csv"), &NoProgress).await.expect("atc map");
    store.import_mimic(&mimic_iii(), MimicVersion::Iii, &NoProgress).await.expect("MIMIC-III fixture");
}

async fn synthetic(store: &Store) -> i64 {
    store.stats().await.expect("stats").synthetic_patients
}

#[tokio::test]
async fn the_app_adds_no_demo_patients_to_a_store_with_imported_patients() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let store = Store::open(&db).await.expect("store");
    import_real(&store).await;
    store.close().await;

    let app = App::open(&db, SessionOptions::default()).await.expect("the app opens the imported store");
    let stats = app.store.stats().await.expect("stats");
    assert_eq!(stats.patients, 3, "only the imported patients");
    assert_eq!(stats.synthetic_patients, 0, "no demo patient added");
    assert!(!stats.patients_by_source.contains_key("demo"));
    app.close().await;

    // A fresh store is the demo store, as before.
    let fresh = dir.path().join("fresh.sqlite");
    let app = App::open(&fresh, SessionOptions::default()).await.expect("first run");
    let stats = app.store.stats().await.expect("stats");
    assert!(stats.patients >= 30 && stats.synthetic_patients == stats.patients, "the demo store on first run");
    app.close().await;
}

#[tokio::test]
async fn a_mixed_store_is_exported_and_evaluated_without_its_synthetic_patients() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("leader.sqlite")).await.expect("store");
    store.seed_demo().await.expect("demo").expect("seeded into the empty store");
    import_real(&store).await;
    let demo = synthetic(&store).await;
    assert!(demo >= 30);

    let m = export_dataset(&store, &dir.path().join("dataset"), &ExportOptions::default()).await.expect("export");
    assert_eq!(m.excluded_synthetic_patients as i64, demo, "every synthetic patient is left out and counted");
    assert_eq!(m.sources.keys().collect::<Vec<_>>(), ["mimic-iii"], "only the real patients' source: {:?}", m.sources);
    assert!(m.counts.patients >= 1 && m.counts.patients <= 3, "{:?}", m.counts);
    let lines = std::fs::read_to_string(dir.path().join("dataset/samples.jsonl")).expect("samples");
    assert!(!lines.contains("DEMO-"), "no demo patient in the exported samples");

    let engine = Engine::start(&tiny_bundle(), SessionOptions::default()).expect("fixture model");
    let opts = EvalOptions { split: None, ..EvalOptions::default() };
    let e = evaluate(&store, &engine, &opts).await.expect("evaluate");
    assert_eq!(e.excluded_synthetic_patients as i64, demo);
    assert_eq!(e.samples, m.counts.samples, "the same real visits as the export");
}

#[tokio::test]
async fn the_demo_store_alone_is_exported_with_its_synthetic_patients() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("leader.sqlite")).await.expect("store");
    store.seed_demo().await.expect("demo");
    let m = export_dataset(&store, &dir.path().join("dataset"), &ExportOptions::default()).await.expect("export");
    assert_eq!(m.excluded_synthetic_patients, 0);
    assert_eq!(m.sources.keys().collect::<Vec<_>>(), ["demo"]);
    assert!(m.counts.patients >= 30);
}
