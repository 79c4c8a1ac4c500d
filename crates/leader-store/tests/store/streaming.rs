//! Streamed CSV imports: a source of several chunks (`import::CHUNK` rows) gives exactly
//! what the in-memory batch writer gives, a bad row after many written chunks still
//! leaves nothing behind, and the indexes dropped for the bulk load are always back.

use leader_store::import::{self, CHUNK, atc::AtcMapper};
use leader_store::{MimicVersion, StoreError};

use crate::common::*;

/// A generated MIMIC-IV folder with `prescriptions` rows (synthetic values).
fn cohort(prescriptions: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    leader_store::synth::write_mimic_iv_cohort(dir.path(), prescriptions, 7).expect("generate");
    dir
}

/// Every row of the imported tables with its row id, in row-id order, and the import's
/// audit payload.
async fn dump(store: &leader_store::Store) -> Vec<String> {
    let mut out = Vec::new();
    for q in [
        "SELECT id || '|' || source || '|' || sex || '|' || COALESCE(birth_year, '') FROM patients ORDER BY rowid",
        "SELECT id || '|' || admission_id || '|' || patient_id || '|' || admit_time || '|' || COALESCE(discharge_time, '') || '|' || COALESCE(race, '') FROM visits ORDER BY id",
        "SELECT rowid || '|' || visit_id || '|' || seq_num || '|' || system || '|' || code FROM diagnoses ORDER BY rowid",
        "SELECT rowid || '|' || visit_id || '|' || seq_num || '|' || code || '|' || COALESCE(chart_date, '') FROM procedures ORDER BY rowid",
        "SELECT id || '|' || visit_id || '|' || drug || '|' || drug_key || '|' || COALESCE(gsn, '') || '|' || COALESCE(start_time, '') || '|' || COALESCE(med_code, '') || '|' || COALESCE(map_method, '') FROM prescriptions ORDER BY id",
        "SELECT payload FROM audit_log WHERE kind = 'import' ORDER BY id",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(q).fetch_all(store.pool()).await.expect("dump");
        out.push(format!("{} rows", rows.len()));
        out.extend(rows);
    }
    out
}

async fn index_names(store: &leader_store::Store) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('diagnoses', 'procedures', 'prescriptions') ORDER BY name",
    )
    .fetch_all(store.pool())
    .await
    .expect("indexes")
}

const SCHEMA_INDEXES: [&str; 5] =
    ["diagnoses_code", "diagnoses_visit", "prescriptions_unmapped", "prescriptions_visit", "procedures_visit"];

#[tokio::test]
async fn a_source_of_several_chunks_streams_to_exactly_what_the_batch_writer_writes() {
    let n = 2 * CHUNK as u64 + 1_234;
    let dir = cohort(n);
    let map = dir.path().join("atc_map.csv");

    let streamed = memory_store().await;
    streamed.import_atc_map(&map, &P).await.expect("map");
    let s = streamed.import_mimic(dir.path(), MimicVersion::Iv, &P).await.expect("streamed import");
    assert_eq!(s.prescriptions, n, "every row of every chunk, the last partial one included");
    assert_eq!(counts(&streamed).await.4, n as i64);
    assert_eq!(index_names(&streamed).await, SCHEMA_INDEXES, "the indexes dropped for the bulk load are rebuilt");

    let batched = memory_store().await;
    batched.import_atc_map(&map, &P).await.expect("map");
    let batch = import::mimic::read_mimic(dir.path(), MimicVersion::Iv, &P).expect("read into memory");
    let mut tx = batched.pool().begin().await.expect("tx");
    let mapper = AtcMapper::load(&mut tx).await.expect("mapper");
    let b = import::write_batch(&mut tx, &batch, &mapper, &P).await.expect("batch write");
    tx.commit().await.expect("commit");

    assert_eq!(s, b, "the same summary");
    assert_eq!(dump(&streamed).await, dump(&batched).await, "the same rows, row ids and audit payload");
}

#[tokio::test]
async fn a_bad_row_after_many_written_chunks_leaves_nothing_and_keeps_the_indexes() {
    let n = 2 * CHUNK as u64 + 10;
    let dir = cohort(n);
    let path = dir.path().join("prescriptions.csv");
    let mut text = std::fs::read_to_string(&path).expect("read");
    let last = text.lines().last().expect("a row").to_owned();
    // The same row, naming an admission the admissions table does not have.
    let fields: Vec<&str> = last.split(',').collect();
    let bad = [&[fields[0], "99999999"][..], &fields[2..]].concat().join(",");
    text.push_str(&bad);
    text.push('\n');
    std::fs::write(&path, text).expect("write");

    let store = memory_store().await;
    let err = store.import_mimic(dir.path(), MimicVersion::Iv, &P).await.expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "prescriptions.csv:{}, column `hadm_id`: names an admission that is not in the admissions table",
            n + 2
        )
    );
    assert_eq!(counts(&store).await, (0, 0, 0, 0, 0), "the chunks already written are rolled back");
    assert_eq!(count(&store, "audit_log").await, 0, "no audit event for a refused import");
    assert_eq!(index_names(&store).await, SCHEMA_INDEXES, "the rollback brings the dropped indexes back");
}

#[tokio::test]
async fn a_clash_is_counted_over_the_whole_import_and_refused_before_any_visit() {
    let dir = cohort(3_000);
    let store = memory_store().await;
    let first = store.import_mimic(dir.path(), MimicVersion::Iv, &P).await.expect("MIMIC-IV");
    let before = counts(&store).await;
    let err = store.import_mimic(dir.path(), MimicVersion::Iii, &P).await.expect_err("another source");
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{} patient id(s) of this mimic-iii import already belong to patients from another source; import each cohort into its own store (--db)",
            first.patients
        )
    );
    assert_eq!(counts(&store).await, before, "nothing changes");
}

#[tokio::test]
async fn a_re_import_into_a_store_with_rows_keeps_its_indexes_and_replaces_the_children() {
    let dir = cohort(5_000);
    let store = memory_store().await;
    store.import_mimic(dir.path(), MimicVersion::Iv, &P).await.expect("first");
    let first = dump(&store).await;
    let again = store.import_mimic(dir.path(), MimicVersion::Iv, &P).await.expect("again");
    assert_eq!(counts(&store).await.4, 5_000, "no duplicates");
    assert_eq!(again.prescriptions, 5_000);
    assert_eq!(index_names(&store).await, SCHEMA_INDEXES);
    let second = dump(&store).await;
    assert_eq!(first[..3], second[..3], "patients and visits are upserted in place");
}

#[tokio::test]
async fn a_file_store_imports_on_its_own_connection_and_every_pooled_one_still_enforces_foreign_keys() {
    let dir = cohort(5_000);
    let tmp = tempfile::tempdir().expect("tmp");
    let store = leader_store::Store::open(&tmp.path().join("s.sqlite")).await.expect("file store");
    store.import_mimic(dir.path(), MimicVersion::Iv, &P).await.expect("import");
    let memory = memory_store().await;
    memory.import_mimic(dir.path(), MimicVersion::Iv, &P).await.expect("import");
    assert_eq!(dump(&store).await, dump(&memory).await, "the bulk connection writes what the checked one writes");
    assert_eq!(index_names(&store).await, SCHEMA_INDEXES);

    let page: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(store.pool()).await.expect("page size");
    assert_eq!(page, 16 * 1024, "a new store uses 16 KiB pages");
    // Hold as many connections as the pool has: none of them may have enforcement off.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut conn = store.pool().acquire().await.expect("connection");
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.expect("pragma");
        assert_eq!(on, 1, "the import's setting never reaches a pooled connection");
        held.push(conn);
    }
    drop(held);
    let r = sqlx::query("INSERT INTO diagnoses (visit_id, seq_num, system, code) VALUES (-1, 1, 'ICD10CM', 'I10')")
        .execute(store.pool())
        .await;
    assert!(r.is_err(), "a diagnosis of a missing visit is still refused after an import");
}
