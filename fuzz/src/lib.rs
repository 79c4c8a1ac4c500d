//! What the fuzz targets share: the hand-written seed tables, a scratch folder, one
//! in-memory store per process, and the checks every importer target makes.
//!
//! Importer targets replace one table of an otherwise valid cohort with the fuzzer's bytes
//! and run the real import (`Store::import_*`, the code path of `leader import`), then check:
//! a refused import leaves the store exactly as it was (one transaction), an accepted one
//! imported again changes nothing but the audit log (idempotent), and no error message
//! carries a control character (they end up in log lines and on terminals).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use leader_store::Store;
use leader_store::repo::Stats;

/// A cohort folder's tables, as (file name, seed content), in selector order.
pub type Tables = &'static [(&'static str, &'static str)];

macro_rules! seeds {
    ($dir:literal: $($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../seeds/", $dir, "/", $file)))),*]
    };
}

pub const MIMIC_IV: Tables = seeds!("mimic-iv":
    "patients.csv",
    "admissions.csv",
    "diagnoses_icd.csv",
    "procedures_icd.csv",
    "prescriptions.csv",
    "d_icd_diagnoses.csv",
    "d_icd_procedures.csv",
);

pub const SYNTHEA: Tables = seeds!("synthea":
    "patient.csv",
    "patient_admission.csv",
    "admission.csv",
    "admission_diagnosis.csv",
    "admission_procedure.csv",
    "drug.csv",
    "admission_drug.csv",
    "diagnosis.csv",
    "procedure.csv",
);

/// A single-threaded runtime: the targets drive the async store one call at a time.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

/// A fresh folder under the temporary directory (`scripts/fuzz.sh` points `TMPDIR` at a
/// folder it removes afterwards).
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "leader-fuzz-{}-{name}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Writes `tables` into `dir`.
pub fn write_tables(dir: &Path, tables: Tables) {
    for (file, content) in tables {
        std::fs::write(dir.join(file), content).expect("write a seed table");
    }
}

pub async fn stats(store: &Store) -> Stats {
    store.stats().await.expect("stats of the store")
}

/// The store's state as far as an import can change it: everything but the audit log
/// (each import appends one event, even a repeated one).
pub fn content(stats: &Stats) -> Stats {
    Stats { audit_events: 0, ..stats.clone() }
}

/// Error messages name files, lines and columns; they never carry a control character
/// (a NUL or a line break in a message could forge a log line).
pub fn check_message(message: &str) {
    assert!(
        !message.chars().any(|c| c.is_control() && c != '\t'),
        "an error message carries a control character: {message:?}"
    );
}

/// Runs one import through `run`, checking atomicity and idempotence (see the module).
pub async fn check_import<F, Fut, T, E>(store: &Store, mut run: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let before = stats(store).await;
    match run().await {
        Err(e) => {
            check_message(&e.to_string());
            let after = stats(store).await;
            assert_eq!(after, before, "a refused import changed the store: {e}");
        }
        Ok(_) => {
            let first = stats(store).await;
            assert_eq!(first.audit_events, before.audit_events + 1, "an import appends one audit event");
            if let Err(e) = run().await {
                panic!("an accepted import is refused the second time: {e}");
            }
            let second = stats(store).await;
            assert_eq!(content(&second), content(&first), "importing the same source twice changed the store");
        }
    }
}

/// One fuzz input for a cohort folder: the first byte chooses the table, the rest is its
/// content (seeds are written that way by `scripts/fuzz.sh`).
pub fn split_table(tables: Tables, data: &[u8]) -> Option<(usize, &[u8])> {
    let (&selector, content) = data.split_first()?;
    Some((usize::from(selector) % tables.len(), content))
}
