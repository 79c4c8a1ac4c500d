//! The audit log's events: appending (chained, see [`crate::audit`] for the hash chain)
//! and reading back.

use serde::Serialize;
use sqlx::{Connection, Executor, Sqlite, SqliteConnection, SqlitePool};

use crate::Store;
use crate::error::Result;

/// Appends one event to the audit log, chained to the previous one (the only way rows
/// enter it; triggers refuse UPDATE, DELETE and rows that do not extend the chain).
///
/// On the pool or a connection outside a transaction it runs in its own `BEGIN IMMEDIATE`
/// transaction (the write lock is taken before the chain's head is read, so two writers
/// cannot fork the chain) and is durable when it returns (the store runs with
/// `synchronous=FULL`). Inside the caller's transaction it becomes part of it.
pub async fn append_audit<'c, W: AuditWriter<'c>>(
    writer: W,
    actor: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<i64> {
    let event =
        NewEvent { at: now_utc(), actor: actor.to_owned(), kind: kind.to_owned(), payload: payload.to_string() };
    writer.append_event(event).await
}

/// An audit event about to be appended (owned, so the write's future borrows nothing else).
#[derive(Debug)]
pub struct NewEvent {
    at: String,
    actor: String,
    kind: String,
    payload: String,
}

type SendFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// Where [`append_audit`] can write: the pool (a transaction of its own) or a connection
/// (the caller's transaction when it is in one, else a transaction of its own). A small
/// trait with boxed futures rather than `sqlx::Acquire`, whose projections make callers'
/// futures fail the `Send` check in axum and Tauri handlers.
pub trait AuditWriter<'c>: Send {
    fn append_event(self, event: NewEvent) -> SendFuture<'c, Result<i64>>;
}

impl<'c> AuditWriter<'c> for &'c SqlitePool {
    fn append_event(self, event: NewEvent) -> SendFuture<'c, Result<i64>> {
        Box::pin(async move {
            let mut conn = self.acquire().await?;
            append_in_own_transaction(&mut conn, &event).await
        })
    }
}

impl<'c> AuditWriter<'c> for &'c mut SqliteConnection {
    fn append_event(self, event: NewEvent) -> SendFuture<'c, Result<i64>> {
        Box::pin(async move {
            if self.is_in_transaction() {
                crate::audit::append(self, &event.at, &event.actor, &event.kind, &event.payload).await
            } else {
                append_in_own_transaction(self, &event).await
            }
        })
    }
}

async fn append_in_own_transaction(conn: &mut SqliteConnection, event: &NewEvent) -> Result<i64> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let id = crate::audit::append(&mut tx, &event.at, &event.actor, &event.kind, &event.payload).await?;
    tx.commit().await?;
    Ok(id)
}

/// One audit event as read back.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// An `audit_log` row as stored (the payload is JSON text).
#[derive(sqlx::FromRow)]
struct AuditEventRow {
    id: i64,
    at: String,
    actor: String,
    kind: String,
    payload: String,
}

impl From<AuditEventRow> for AuditEvent {
    fn from(r: AuditEventRow) -> AuditEvent {
        AuditEvent {
            id: r.id,
            at: r.at,
            actor: r.actor,
            kind: r.kind,
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The latest `decision` event recorded for a patient's visit.
pub(crate) async fn latest_decision<'e, E: Executor<'e, Database = Sqlite>>(
    e: E,
    patient_id: &str,
    admission_id: &str,
) -> Result<Option<AuditEvent>> {
    let row: Option<AuditEventRow> = sqlx::query_as(
        "SELECT id, at, actor, kind, payload FROM audit_log WHERE kind = 'decision' \
         AND json_extract(payload, '$.patient_id') = ?1 AND json_extract(payload, '$.admission_id') = ?2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(patient_id)
    .bind(admission_id)
    .fetch_optional(e)
    .await?;
    Ok(row.map(AuditEvent::from))
}

/// The audit event `id`, when it exists.
pub(crate) async fn audit_event<'e, E: Executor<'e, Database = Sqlite>>(e: E, id: i64) -> Result<Option<AuditEvent>> {
    let row: Option<AuditEventRow> = sqlx::query_as("SELECT id, at, actor, kind, payload FROM audit_log WHERE id = ?1")
        .bind(id)
        .fetch_optional(e)
        .await?;
    Ok(row.map(AuditEvent::from))
}

/// The latest `limit` events, newest first (of one `kind` when given).
pub(crate) async fn audit_events<'e, E: Executor<'e, Database = Sqlite>>(
    e: E,
    kind: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let rows: Vec<AuditEventRow> = sqlx::query_as(
        "SELECT id, at, actor, kind, payload FROM audit_log WHERE (?1 IS NULL OR kind = ?1) ORDER BY id DESC LIMIT ?2",
    )
    .bind(kind)
    .bind(limit)
    .fetch_all(e)
    .await?;
    Ok(rows.into_iter().map(AuditEvent::from).collect())
}

/// Current UTC time as `YYYY-MM-DD HH:MM:SS`, computed without a date library.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

impl Store {
    /// Appends one event to the audit log in a transaction of its own, durable when it
    /// returns ([`append_audit`]; inside a transaction of yours use
    /// [`crate::tx::append_audit`]).
    pub async fn append_audit(&self, actor: &str, kind: &str, payload: &serde_json::Value) -> Result<i64> {
        append_audit(self.pool(), actor, kind, payload).await
    }

    /// The audit event `id`, when it exists.
    pub async fn audit_event(&self, id: i64) -> Result<Option<AuditEvent>> {
        audit_event(self.pool(), id).await
    }

    /// The latest `limit` events, newest first (of one `kind` when given).
    pub async fn audit_events(&self, kind: Option<&str>, limit: i64) -> Result<Vec<AuditEvent>> {
        audit_events(self.pool(), kind, limit).await
    }

    /// The latest `decision` event recorded for a patient's visit.
    pub async fn latest_decision(&self, patient_id: &str, admission_id: &str) -> Result<Option<AuditEvent>> {
        latest_decision(self.pool(), patient_id, admission_id).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_a_plausible_timestamp() {
        let now: leader_core::Timestamp = super::now_utc().parse().expect("now_utc writes a valid timestamp");
        assert!(now.year() >= 2024);
    }
}
