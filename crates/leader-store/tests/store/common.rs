use std::path::{Path, PathBuf};

use leader_store::{NoProgress, Store};

/// ../shared/data beside the repository. Tests that need it fail loudly without it.
pub fn shared_data() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(p.join("README.md").exists(), "the shared data folder is expected at {}", p.display());
    p
}

pub fn mimic_iv_demo() -> PathBuf {
    shared_data().join("mimic-iv-demo-2.2/hosp")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub async fn memory_store() -> Store {
    Store::in_memory().await.expect("an in-memory store opens and migrates")
}

pub async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(store.pool()).await.expect("count")
}

/// (patients, visits, diagnoses, procedures, prescriptions)
pub async fn counts(store: &Store) -> (i64, i64, i64, i64, i64) {
    (
        count(store, "patients").await,
        count(store, "visits").await,
        count(store, "diagnoses").await,
        count(store, "procedures").await,
        count(store, "prescriptions").await,
    )
}

pub const P: NoProgress = NoProgress;

/// Copies a fixture folder into a temp dir, so a test can break one file.
pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for e in std::fs::read_dir(from).expect("fixture dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.path().join(e.file_name())).expect("copy");
    }
    dir
}
