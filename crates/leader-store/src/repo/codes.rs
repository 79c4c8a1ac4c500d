//! Codes: their titles, the medication vocabulary's ATC level, display names of
//! medication classes and the type-ahead search.

use std::collections::{HashMap, HashSet};

use leader_core::Code;
use serde::Serialize;
use sqlx::{Connection, Executor, Sqlite, SqliteConnection, SqlitePool};

use crate::Store;
use crate::bulk::bulk_insert;
use crate::error::{Result, StoreError};

/// Writes titles (inserting or replacing), recording where they came from.
pub(crate) async fn upsert_titles(conn: &mut SqliteConnection, titles: &[(Code, String)], source: &str) -> Result<()> {
    bulk_insert(
        conn,
        "INSERT INTO code_titles (system, code, title, source) ",
        4,
        titles,
        " ON CONFLICT (system, code) DO UPDATE SET title = excluded.title, source = excluded.source",
        |b, (c, t)| {
            b.push_bind(c.system().as_str())
                .push_bind(c.value().to_owned())
                .push_bind(t.clone())
                .push_bind(source.to_owned());
        },
    )
    .await
}

/// Every titled code, as (system, value).
pub(crate) async fn titled_codes(conn: &mut SqliteConnection) -> Result<HashSet<(String, String)>> {
    let rows = sqlx::query!("SELECT system, code FROM code_titles").fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|r| (r.system, r.code)).collect())
}

/// The `code_titles` source of the project's own ATC names ([`leader_core::atc_names`]).
pub const LEADER_TITLES: &str = "leader";

/// Writes the project's ATC names into `code_titles` (source [`LEADER_TITLES`]) unless the
/// store already holds this version of them, so every display path (timelines, suggestions,
/// candidates, interactions, search) finds a name for every ATC class without a lookup of
/// its own. A title another source wrote is kept (a cohort's own wording wins; the demo
/// writes the same names). Runs on every open; one read when nothing changed.
pub(crate) async fn seed_atc_names(pool: &SqlitePool) -> Result<()> {
    let fingerprint = leader_core::atc_names::fingerprint();
    let mut conn = pool.acquire().await?;
    let have: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'atc_names'").fetch_optional(&mut *conn).await?;
    if have.as_deref() == Some(fingerprint.as_str()) {
        return Ok(());
    }
    let names: Vec<(&str, &str)> = leader_core::atc_names::entries().collect();
    let mut tx = conn.begin().await?;
    // The write comes first, so the transaction takes the write lock (and waits its turn)
    // before it reads anything.
    sqlx::query("DELETE FROM code_titles WHERE system = 'ATC' AND source = ?")
        .bind(LEADER_TITLES)
        .execute(&mut *tx)
        .await?;
    bulk_insert(
        &mut tx,
        "INSERT INTO code_titles (system, code, title, source) ",
        4,
        &names,
        " ON CONFLICT (system, code) DO NOTHING",
        |b, &(code, title)| {
            b.push_bind("ATC").push_bind(code).push_bind(title).push_bind(LEADER_TITLES);
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('atc_names', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(&fingerprint)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The ATC level of the medication vocabulary (3 by default; 4 selectable).
pub(crate) async fn medication_atc_level<'e, E: Executor<'e, Database = Sqlite>>(e: E) -> Result<u8> {
    let v =
        sqlx::query_scalar!("SELECT value FROM settings WHERE key = 'medication_atc_level'").fetch_optional(e).await?;
    match v.as_deref().unwrap_or("3") {
        "3" => Ok(3),
        "4" => Ok(4),
        other => Err(StoreError::Corrupt {
            table: "settings",
            column: "medication_atc_level",
            problem: format!("`{other}` is not 3 or 4"),
        }),
    }
}

async fn set_medication_atc_level<'e, E: Executor<'e, Database = Sqlite>>(e: E, level: u8) -> Result<()> {
    if !(3..=4).contains(&level) {
        return Err(StoreError::Conflict(format!("the medication vocabulary can use ATC level 3 or 4, not {level}")));
    }
    let v = level.to_string();
    sqlx::query!("INSERT INTO settings (key, value) VALUES ('medication_atc_level', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", v)
        .execute(e)
        .await?;
    Ok(())
}

/// Display names for medication codes at `level`: our own (or the cohort's) title when
/// the store has one, else the drug names prescribed under that code, most frequent first.
pub(crate) async fn medication_names(conn: &mut SqliteConnection, level: u8) -> Result<HashMap<String, String>> {
    let len = leader_core::code::atc_len(level).unwrap_or(4) as i64;
    let rows = sqlx::query!(
        r#"SELECT med_system AS "system!", CASE WHEN med_system = 'ATC' THEN substr(med_code, 1, ?1) ELSE med_code END AS "code!: String",
                  drug, COUNT(*) AS "n!: i64"
           FROM prescriptions WHERE med_code IS NOT NULL GROUP BY 1, 2, drug_key ORDER BY 1, 2, 4 DESC"#,
        len
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut names: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows {
        let e = names.entry(format!("{}:{}", r.system, r.code)).or_default();
        if e.len() < 3 {
            e.push(r.drug);
        }
    }
    let mut out: HashMap<String, String> = names.into_iter().map(|(k, v)| (k, v.join(" / "))).collect();
    let titles = sqlx::query!(r#"SELECT system, code, title FROM code_titles WHERE system IN ('ATC', 'RXNORM')"#)
        .fetch_all(&mut *conn)
        .await?;
    for t in titles {
        out.insert(format!("{}:{}", t.system, t.code), t.title);
    }
    Ok(out)
}

/// A `code_titles` row.
#[derive(sqlx::FromRow)]
struct TitleRow {
    system: String,
    code: String,
    title: String,
}

/// Titles of the given codes (`SYSTEM:VALUE` → title), in one query, for evidence,
/// interaction and timeline displays. Codes without a title are left out.
pub(crate) async fn titles_of(conn: &mut SqliteConnection, codes: &[Code]) -> Result<HashMap<String, String>> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: Vec<[&str; 2]> = codes.iter().map(|c| [c.system().as_str(), c.value()]).collect();
    let keys = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into());
    // The given codes drive the loop (CROSS JOIN keeps them outside); each is one lookup
    // in the title table's primary key.
    let rows: Vec<TitleRow> = sqlx::query_as(
        "SELECT t.system, t.code, t.title FROM json_each(?1) k CROSS JOIN code_titles t \
         WHERE t.system = json_extract(k.value, '$[0]') AND t.code = json_extract(k.value, '$[1]')",
    )
    .bind(keys)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| (format!("{}:{}", r.system, r.code), r.title)).collect())
}

/// A code found by [`Store::search_codes`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct CodeHit {
    pub code: String,
    pub title: String,
}

/// Type-ahead over code titles and codes: `systems` limits the code systems; medication
/// searches also match the drug names prescribed under a class.
async fn search_codes(
    conn: &mut SqliteConnection,
    query: &str,
    systems: &[&str],
    limit: i64,
    level: u8,
) -> Result<Vec<CodeHit>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let code_q = format!("{}%", q.to_uppercase().replace(['.', '%'], ""));
    let title_q = format!("%{}%", q.replace('%', ""));
    let sys = serde_json::to_string(systems).unwrap_or_else(|_| "[]".into());
    let rows = sqlx::query!(
        r#"SELECT system, code, title FROM code_titles
           WHERE system IN (SELECT value FROM json_each(?1)) AND (code LIKE ?2 OR title LIKE ?3)
           ORDER BY (code LIKE ?2) DESC, length(title), code LIMIT ?4"#,
        sys,
        code_q,
        title_q,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<CodeHit> =
        rows.into_iter().map(|r| CodeHit { code: format!("{}:{}", r.system, r.code), title: r.title }).collect();
    if systems.iter().any(|s| *s == "ATC" || *s == "RXNORM") && (out.len() as i64) < limit {
        let names = medication_names(conn, level).await?;
        let ql = q.to_lowercase();
        let mut extra: Vec<CodeHit> = names
            .into_iter()
            .filter(|(code, name)| name.to_lowercase().contains(&ql) || code.to_lowercase().contains(&ql))
            .filter(|(code, _)| systems.iter().any(|s| code.starts_with(&format!("{s}:"))))
            .map(|(code, title)| CodeHit { code, title })
            .collect();
        extra.sort_by(|a, b| a.code.cmp(&b.code));
        for h in extra {
            if (out.len() as i64) >= limit {
                break;
            }
            if !out.iter().any(|o| o.code == h.code) {
                out.push(h);
            }
        }
    }
    Ok(out)
}

impl Store {
    /// The ATC level of the medication vocabulary (3 by default; 4 selectable).
    pub async fn medication_atc_level(&self) -> Result<u8> {
        let mut conn = self.conn().await?;
        medication_atc_level(&mut *conn).await
    }

    /// Sets the ATC level of the medication vocabulary (3 or 4; anything else is refused).
    pub async fn set_medication_atc_level(&self, level: u8) -> Result<()> {
        set_medication_atc_level(self.pool(), level).await
    }

    /// Titles of the given codes (`SYSTEM:VALUE` → title); codes without one are left out.
    pub async fn titles_of(&self, codes: &[Code]) -> Result<HashMap<String, String>> {
        let mut conn = self.conn().await?;
        titles_of(&mut conn, codes).await
    }

    /// Writes titles (inserting or replacing), recording their `source`.
    pub async fn upsert_titles(&self, titles: &[(Code, String)], source: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        upsert_titles(&mut conn, titles, source).await
    }

    /// Display names for medication codes at `level` (`SYSTEM:VALUE` → name): the store's
    /// title when it has one, else the drug names prescribed under that code.
    pub async fn medication_names(&self, level: u8) -> Result<HashMap<String, String>> {
        let mut conn = self.conn().await?;
        medication_names(&mut conn, level).await
    }

    /// Type-ahead over code titles and codes of `systems` (at most `limit` hits);
    /// medication searches also match the drug names prescribed under a class at `level`.
    pub async fn search_codes(&self, query: &str, systems: &[&str], limit: i64, level: u8) -> Result<Vec<CodeHit>> {
        let mut conn = self.conn().await?;
        search_codes(&mut conn, query, systems, limit, level).await
    }

    /// The code systems of the store's mapped medications (e.g. `ATC`, `RXNORM`).
    pub async fn medication_systems(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar!(
            r#"SELECT DISTINCT med_system AS "s!" FROM prescriptions WHERE med_system IS NOT NULL ORDER BY 1"#
        )
        .fetch_all(self.pool())
        .await?)
    }
}
