use crate::common::*;

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let store = memory_store().await;
    store.append_audit("tester", "decision", &serde_json::json!({"accepted": "ATC:B01A"})).await.expect("append");
    let upd = sqlx::query("UPDATE audit_log SET actor = 'someone else'").execute(store.pool()).await;
    assert!(upd.expect_err("UPDATE refused").to_string().contains("append-only"));
    let del = sqlx::query("DELETE FROM audit_log").execute(store.pool()).await;
    assert!(del.expect_err("DELETE refused").to_string().contains("append-only"));
    let events = store.audit_events(Some("decision"), 10).await.expect("read");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payload["accepted"], "ATC:B01A");
}

#[tokio::test]
async fn foreign_keys_are_enforced() {
    let store = memory_store().await;
    let r = sqlx::query("INSERT INTO diagnoses (visit_id, seq_num, system, code) VALUES (12345, 1, 'ICD10CM', 'I10')")
        .execute(store.pool())
        .await;
    assert!(r.is_err(), "a diagnosis of a missing visit is refused");
}

#[tokio::test]
async fn an_existing_file_is_backed_up_before_migrating_and_reopens_without_a_new_backup() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("old.sqlite");
    {
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.expect("raw db");
        sqlx::query("CREATE TABLE legacy (x INTEGER)").execute(&pool).await.expect("legacy table");
        pool.close().await;
    }
    let store = leader_store::Store::open(&path).await.expect("opens and migrates");
    store.close().await;
    let backup = dir.path().join("old.sqlite.before-v0.bak");
    assert!(backup.exists(), "the pre-migration state is kept");
    let store = leader_store::Store::open(&path).await.expect("reopens");
    assert_eq!(count(&store, "patients").await, 0);
    let baks = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().contains(".bak")))
        .count();
    assert_eq!(baks, 1, "an up-to-date store is not backed up again");
}

#[tokio::test]
async fn the_demo_cohort_is_seeded_once_and_marked_synthetic() {
    let store = memory_store().await;
    let first = store.seed_demo().await.expect("seed").expect("seeded the first time");
    assert!(first.patients >= 30);
    assert_eq!(store.seed_demo().await.expect("seed again"), None, "present already: nothing written");
    let stats = store.stats().await.expect("stats");
    assert_eq!(stats.synthetic_patients, stats.patients);
    assert_eq!(stats.mapped_share, 1.0, "demo drugs carry their ATC code");
    assert!(stats.patients_multi_visit >= 10 && stats.patients_single_visit >= 10);
    let r = store.patient("DEMO-001").await.expect("DEMO-001");
    assert!(r.patient.synthetic);
    let dx = &r.visits[0].diagnoses[0];
    assert!(r.titles.contains_key(&dx.to_string()), "demo codes carry our own titles");
    assert!(r.titles.contains_key("ATC:B01A"), "demo medication classes carry our own titles");
}

#[tokio::test]
async fn the_demo_cohort_is_never_added_to_a_store_with_imported_patients() {
    let store = memory_store().await;
    assert!(!store.has_patients().await.expect("empty"));
    store.import_mimic(&fixtures().join("mimic-iii"), leader_store::MimicVersion::Iii, &P).await.expect("MIMIC-III");
    assert!(store.has_patients().await.expect("imported"));
    let before = counts(&store).await;
    let err = store.seed_demo().await.expect_err("refused beside imported patients");
    assert!(matches!(err, leader_store::StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("demo cohort") && err.to_string().contains("3 imported patients"), "{err}");
    assert_eq!(counts(&store).await, before, "nothing written");
    assert_eq!(store.stats().await.expect("stats").synthetic_patients, 0);
}
