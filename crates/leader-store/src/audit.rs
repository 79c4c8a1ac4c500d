//! The audit log's hash chain: appending (the only way rows enter it) and verifying.
//!
//! Each row carries `hash = sha256(prev_hash ‖ canonical row)` as 64 lower-case hex digits,
//! where `prev_hash` is the previous row's hash as text ([`GENESIS`] for the first row) and
//! the canonical row is the netstrings `<byte length>:<bytes>,` of id (decimal), at, actor,
//! kind and payload exactly as stored. So the chain can be checked with a shell:
//! `printf '%s%s' "$prev" "2:17,19:2026-12-01 10:00:00,..." | sha256sum`.
//!
//! Guarantees and their limits: triggers refuse UPDATE, DELETE, and any INSERT that does
//! not extend the chain at its end (which also rules out `INSERT OR REPLACE`); with the
//! triggers dropped, [`verify`] finds the first row that was changed, removed, inserted or
//! reordered. Someone who can write the file *and* recomputes every later hash, or who
//! removes rows at the end, leaves a chain that verifies: compare the head hash that
//! `leader audit verify` prints (or that a backup's audit event recorded) with a copy
//! kept elsewhere to catch that.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Connection, SqliteConnection};

use crate::error::{Result, StoreError};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows read per query while verifying (keyset pages, so memory stays flat).
const PAGE: i64 = 2_000;

/// `sha256(prev ‖ netstring(id) netstring(at) netstring(actor) netstring(kind) netstring(payload))`, hex.
pub fn row_hash(prev: &str, id: i64, at: &str, actor: &str, kind: &str, payload: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    for field in [id.to_string().as_str(), at, actor, kind, payload] {
        h.update(format!("{}:", field.len()).as_bytes());
        h.update(field.as_bytes());
        h.update(b",");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends one event at the end of the chain on `conn`, which must already be inside a
/// transaction holding (or about to take) the write lock, so that reading the head and
/// inserting after it cannot interleave with another writer. Returns the new id.
pub(crate) async fn append(
    conn: &mut SqliteConnection,
    at: &str,
    actor: &str,
    kind: &str,
    payload: &str,
) -> Result<i64> {
    let mut last = head(conn).await?;
    if matches!(last, Some((_, None))) {
        chain_unhashed(conn).await?;
        last = head(conn).await?;
    }
    let (id, prev) = match last {
        Some((id, Some(hash))) => (id + 1, hash),
        None => (1, GENESIS.to_owned()),
        Some((id, None)) => {
            return Err(StoreError::Conflict(format!(
                "the audit log's last event (#{id}) has no chain hash: it was written outside LEADER Rx; \
                 nothing more is logged until the store is restored (see `leader audit verify`)"
            )));
        }
    };
    let hash = row_hash(&prev, id, at, actor, kind, payload);
    sqlx::query("INSERT INTO audit_log (id, at, actor, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(id)
        .bind(at)
        .bind(actor)
        .bind(kind)
        .bind(payload)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

async fn head(conn: &mut SqliteConnection) -> Result<Option<(i64, Option<String>)>> {
    Ok(sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(&mut *conn).await?)
}

/// Chains the rows written before the chain existed (ids up to the migration's
/// `audit_chain_legacy_last_id`) that have no hash yet, in id order, from the genesis value.
/// Any other hash-less row was written outside the application and is left for [`verify`]
/// to report. Returns how many it chained. Runs inside the caller's transaction.
pub(crate) async fn chain_unhashed(conn: &mut SqliteConnection) -> Result<u64> {
    const LEGACY: &str = "(SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'audit_chain_legacy_last_id')";
    let rows: Vec<(i64, String, String, String, String)> =
        sqlx::query_as(&format!("SELECT id, at, actor, kind, payload FROM audit_log WHERE id <= {LEGACY} ORDER BY id"))
            .fetch_all(&mut *conn)
            .await?;
    let unhashed: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE id <= {LEGACY} AND hash IS NULL"))
            .fetch_one(&mut *conn)
            .await?;
    if unhashed == 0 || unhashed != rows.len() as i64 {
        // Nothing to do, or partly chained already (which the one transaction rules out).
        return Ok(0);
    }
    let mut prev = GENESIS.to_owned();
    for (id, at, actor, kind, payload) in &rows {
        let hash = row_hash(&prev, *id, at, actor, kind, payload);
        sqlx::query("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?")
            .bind(&prev)
            .bind(&hash)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        prev = hash;
    }
    Ok(rows.len() as u64)
}

/// What is wrong at the first broken link.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditProblem {
    /// The row's content no longer matches its hash.
    Changed,
    /// One or more rows before this one are missing.
    Removed,
    /// The row is not part of the chain (no hash, or the next row skips it).
    Inserted,
    /// The row is chained after a row that now comes later.
    Reordered,
}

/// The first row where the chain breaks.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct AuditBreak {
    /// The audit event id (`leader audit`, the Audit screen) where the chain breaks.
    pub id: i64,
    pub problem: AuditProblem,
    /// What is wrong, in words (ids only, no payload).
    pub message: String,
}

/// The result of walking the chain (`leader audit verify`, the Audit screen).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct AuditVerification {
    /// True when every row is intact and in order.
    pub ok: bool,
    /// Rows in the log.
    pub events: i64,
    /// Rows verified before the first break (all of them when `ok`).
    pub verified: i64,
    /// The last row's hash when `ok`: keep a copy elsewhere to detect a rewritten tail later.
    pub head: Option<String>,
    pub first_break: Option<AuditBreak>,
}

impl AuditVerification {
    /// One line for people.
    pub fn one_line(&self) -> String {
        match &self.first_break {
            None => format!("Audit trail verified: {} events, chain intact", self.events),
            Some(b) => format!("Audit trail BROKEN at event #{}: {}", b.id, b.message),
        }
    }
}

type ChainRow = (i64, String, String, String, String, Option<String>, Option<String>);

/// Walks the whole chain in id order inside one read transaction (a consistent snapshot)
/// and reports the first row that was changed, removed, inserted or reordered.
pub async fn verify(conn: &mut SqliteConnection) -> Result<AuditVerification> {
    let mut tx = conn.begin().await?;
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&mut *tx).await?;
    let mut expected = GENESIS.to_owned();
    let mut last_id: Option<i64> = None;
    let mut verified = 0;
    let mut after = i64::MIN;
    loop {
        let page: Vec<ChainRow> = sqlx::query_as(
            "SELECT id, at, actor, kind, payload, prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (id, at, actor, kind, payload, prev_hash, hash) in page {
            let broken =
                check_row(&mut tx, &expected, last_id, (id, &at, &actor, &kind, &payload), prev_hash, hash).await?;
            match broken {
                Err(b) => {
                    tx.rollback().await?;
                    return Ok(AuditVerification { ok: false, events, verified, head: None, first_break: Some(b) });
                }
                Ok(hash) => {
                    expected = hash;
                    last_id = Some(id);
                    verified += 1;
                }
            }
        }
    }
    tx.rollback().await?;
    Ok(AuditVerification { ok: true, events, verified, head: last_id.map(|_| expected), first_break: None })
}

/// Checks one row against the running chain: `Ok(its hash)` or the break.
async fn check_row(
    conn: &mut SqliteConnection,
    expected_prev: &str,
    last_id: Option<i64>,
    (id, at, actor, kind, payload): (i64, &str, &str, &str, &str),
    prev_hash: Option<String>,
    hash: Option<String>,
) -> Result<std::result::Result<String, AuditBreak>> {
    let brk = |problem, message: String| Ok(Err(AuditBreak { id, problem, message }));
    let (Some(prev_hash), Some(hash)) = (prev_hash, hash) else {
        return brk(AuditProblem::Inserted, format!("event #{id} has no chain hash: it was written outside LEADER Rx"));
    };
    let before = last_id.map_or_else(|| "the start of the log".to_owned(), |p| format!("event #{p}"));
    if prev_hash != expected_prev {
        let owner: Option<i64> = sqlx::query_scalar("SELECT id FROM audit_log WHERE hash = ? ORDER BY id LIMIT 1")
            .bind(&prev_hash)
            .fetch_optional(&mut *conn)
            .await?;
        return match owner {
            Some(o) if o > id => brk(
                AuditProblem::Reordered,
                format!("event #{id} is out of order: it was written after event #{o}, which now comes after it"),
            ),
            Some(o) if o != id => {
                let first: i64 = sqlx::query_scalar("SELECT MIN(id) FROM audit_log WHERE id > ?")
                    .bind(o)
                    .fetch_one(&mut *conn)
                    .await?;
                Ok(Err(AuditBreak {
                    id: first,
                    problem: AuditProblem::Inserted,
                    message: format!(
                        "event #{first} was inserted: event #{id} was written right after event #{o}, \
                         so the events between them are not part of the chain"
                    ),
                }))
            }
            _ => {
                let first_missing = last_id.map_or(1, |p| p + 1);
                let gap = match id - first_missing {
                    1 => format!(" (id {first_missing} is missing)"),
                    n if n > 1 => format!(" (ids {first_missing} to {} are missing)", id - 1),
                    _ => String::new(),
                };
                brk(
                    AuditProblem::Removed,
                    format!(
                        "the event written before event #{id} is no longer in the log{gap}: removed, \
                         or rewritten together with its hash; the last intact event is {before}"
                    ),
                )
            }
        };
    }
    if row_hash(&prev_hash, id, at, actor, kind, payload) != hash {
        let next: Option<String> =
            sqlx::query_scalar("SELECT prev_hash FROM audit_log WHERE id > ? ORDER BY id LIMIT 1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .flatten();
        if next.as_deref() == Some(expected_prev) {
            return brk(
                AuditProblem::Inserted,
                format!("event #{id} was inserted: the event after it was written right after {before}"),
            );
        }
        return brk(
            AuditProblem::Changed,
            format!("event #{id} was changed after it was written: its content no longer matches its hash"),
        );
    }
    Ok(Ok(hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_hash_is_sha256_of_the_previous_hash_and_the_netstrings() {
        let mut h = Sha256::new();
        h.update(format!("{GENESIS}1:7,19:2026-12-01 10:00:00,6:tester,8:decision,2:{{}},").as_bytes());
        let want: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(row_hash(GENESIS, 7, "2026-12-01 10:00:00", "tester", "decision", "{}"), want);
        assert_ne!(
            row_hash(GENESIS, 7, "2026-12-01 10:00:00", "tester", "decision", "{}"),
            row_hash(GENESIS, 7, "2026-12-01 10:00:00", "tester", "decisio", "n{}"),
            "field boundaries are part of the hash"
        );
    }
}
