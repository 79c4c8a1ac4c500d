//! The store's queries, one module per aggregate: each holds its `*Row` structs, the
//! queries over them and the [`Store`](crate::Store) methods that are the way in for
//! callers outside this crate. The free functions here take an executor or a connection
//! so the importers can run them inside their transaction; they stay inside the crate
//! (appending to the audit log inside a caller's transaction is [`crate::tx`]).

mod audit;
mod codes;
mod models;
mod patients;
mod practice;
mod stats;
mod users;

pub use audit::{AuditEvent, AuditWriter, NewEvent, append_audit, now_utc};
pub use codes::{CodeHit, LEADER_TITLES};
pub use patients::{PatientRecord, PatientSummary};
pub use practice::{MIN_VISITS as PRACTICE_MIN_VISITS, PracticeRow};
pub use stats::Stats;

pub(crate) use codes::{seed_atc_names, titled_codes, upsert_titles};
pub(crate) use patients::refresh_summaries;
pub(crate) use practice::refresh_practice;

/// Rebuilds every derived table (the patient list, past practice per class) inside an
/// import's transaction.
pub(crate) async fn refresh_derived(conn: &mut sqlx::SqliteConnection) -> crate::error::Result<()> {
    refresh_summaries(conn).await?;
    refresh_practice(conn).await
}
