//! The interaction knowledge base in the store: the curated list (seeded by a migration)
//! and external pair tables imported per source (`leader import ddi FILE --source NAME`).

use std::path::Path;

use leader_core::ddi::{InteractionRule, KnowledgeBase, Severity};
use leader_core::{Code, CodeSystem};
use serde::Serialize;
use sqlx::SqliteConnection;

use crate::Store;
use crate::bulk::bulk_insert;
use crate::csvio::Table;
use crate::error::{ImportError, Result, StoreError};

/// Every rule of every source (or of `only` sources).
pub(crate) async fn knowledge_base(conn: &mut SqliteConnection, only: Option<&[String]>) -> Result<KnowledgeBase> {
    let rows = sqlx::query!(
        r#"SELECT source, system, code_a, code_b, severity, mechanism, management, reference FROM ddi_pairs ORDER BY source, code_a, code_b"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut rules = Vec::with_capacity(rows.len());
    for r in rows {
        if only.is_some_and(|o| !o.contains(&r.source)) {
            continue;
        }
        let corrupt =
            |problem: &str| StoreError::Corrupt { table: "ddi_pairs", column: "code_a", problem: problem.to_owned() };
        let system: CodeSystem = r.system.parse().map_err(|_| corrupt("unknown code system"))?;
        rules.push(InteractionRule {
            source: r.source,
            a: Code::new(system, &r.code_a).map_err(|_| corrupt("invalid code"))?,
            b: Code::new(system, &r.code_b).map_err(|_| corrupt("invalid code"))?,
            severity: Severity::parse(&r.severity).ok_or_else(|| corrupt("unknown severity"))?,
            mechanism: r.mechanism,
            management: r.management,
            reference: r.reference,
        });
    }
    // Duplicate therapy is project-written, like the curated list: on with it.
    let duplicates = only.is_none_or(|o| o.iter().any(|s| s == CURATED_SOURCE));
    Ok(KnowledgeBase::new(rules).with_duplicate_therapy(duplicates))
}

/// The project-written interaction list's source name (seeded by migrations).
pub const CURATED_SOURCE: &str = "leader-curated";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DdiImportSummary {
    pub source: String,
    pub file: String,
    pub pairs: u64,
    pub duplicates: u64,
}

/// (code a, code b, severity, mechanism, management, reference)
type PairRow = (Code, Code, Severity, Option<String>, Option<String>, Option<String>);

/// Imports a pair table. Columns: two code columns — `code_a`/`code_b` holding
/// `SYSTEM:VALUE`, or ATC values under `atc3_a`/`atc3_b` (or `atc_a`/`atc_b`, `drug_a`/
/// `drug_b` with ATC values) — and optionally `severity`, `mechanism`, `management`,
/// `reference`. Re-importing a source replaces its pairs. One transaction (the caller's).
pub(crate) async fn import_ddi(
    conn: &mut SqliteConnection,
    path: &Path,
    source: &str,
    licence: &str,
) -> Result<DdiImportSummary> {
    if source.trim().is_empty() || source == "leader-curated" {
        return Err(StoreError::Conflict(
            "choose a source name other than `leader-curated` (the project's own list)".into(),
        ));
    }
    let mut t = Table::open(path)?;
    let file = t.file().to_owned();
    let (a, b, prefixed) = if let (Some(a), Some(b)) = (t.opt_col("code_a"), t.opt_col("code_b")) {
        (a, b, true)
    } else {
        let a = t.col_any(&["atc3_a", "atc_a", "drug_a"])?;
        let b = t.col_any(&["atc3_b", "atc_b", "drug_b"])?;
        (a, b, false)
    };
    let (sev, mech, mgmt, refc) =
        (t.opt_col("severity"), t.opt_col("mechanism"), t.opt_col("management"), t.opt_col("reference"));
    let mut rows: Vec<PairRow> = Vec::new();
    t.for_each(|r| {
        let code = |col| -> std::result::Result<Code, ImportError> {
            if prefixed {
                r.req(col)?.parse::<Code>().map_err(|e| r.field_error(col, format!("is not a code: {e}")))
            } else {
                r.code(col, CodeSystem::Atc)
            }
        };
        let (x, y) = (code(a)?, code(b)?);
        if x.system() != y.system() {
            return Err(r.error("pairs two different code systems".into()));
        }
        let severity = match sev.and_then(|c| r.opt(c)) {
            Some(s) => Severity::parse(s).ok_or_else(|| {
                r.field_error(sev.unwrap_or(a), "is not contraindicated, major, moderate or unknown".into())
            })?,
            None => Severity::Unknown,
        };
        let (x, y) = if x.value() <= y.value() { (x, y) } else { (y, x) };
        if x == y {
            return Err(r.error("pairs a code with itself".into()));
        }
        rows.push((x, y, severity, r.opt_string(mech), r.opt_string(mgmt), r.opt_string(refc)));
        Ok(())
    })?;
    let before = rows.len();
    rows.sort_by(|p, q| (p.0.value(), p.1.value()).cmp(&(q.0.value(), q.1.value())));
    rows.dedup_by(|p, q| p.0 == q.0 && p.1 == q.1);
    let now = crate::repo::now_utc();
    sqlx::query!("DELETE FROM ddi_sources WHERE name = ?", source).execute(&mut *conn).await?;
    let description = format!("pairs imported from {file}");
    sqlx::query!(
        "INSERT INTO ddi_sources (name, description, licence, loaded_at) VALUES (?, ?, ?, ?)",
        source,
        description,
        licence,
        now
    )
    .execute(&mut *conn)
    .await?;
    bulk_insert(
        conn,
        "INSERT INTO ddi_pairs (source, system, code_a, code_b, severity, mechanism, management, reference) ",
        8,
        &rows,
        "",
        |q, (x, y, s, m, g, r)| {
            q.push_bind(source.to_owned())
                .push_bind(x.system().as_str())
                .push_bind(x.value().to_owned())
                .push_bind(y.value().to_owned())
                .push_bind(s.as_str())
                .push_bind(m.clone())
                .push_bind(g.clone())
                .push_bind(r.clone());
        },
    )
    .await?;
    let summary = DdiImportSummary {
        source: source.to_owned(),
        file,
        pairs: rows.len() as u64,
        duplicates: (before - rows.len()) as u64,
    };
    crate::repo::append_audit(
        &mut *conn,
        &crate::actor::current_actor(),
        "import-ddi",
        &serde_json::to_value(&summary).unwrap_or_default(),
    )
    .await?;
    Ok(summary)
}

/// The unordered pairs of one source, as `SYSTEM:VALUE` strings (the DDI-rate adjacency).
pub(crate) async fn source_pairs(conn: &mut SqliteConnection, source: &str) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query!("SELECT system, code_a, code_b FROM ddi_pairs WHERE source = ?", source)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| (format!("{}:{}", r.system, r.code_a), format!("{}:{}", r.system, r.code_b))).collect())
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct DdiSource {
    pub name: String,
    pub description: String,
    pub licence: String,
    pub loaded_at: String,
    pub pairs: i64,
}

pub(crate) async fn sources(conn: &mut SqliteConnection) -> Result<Vec<DdiSource>> {
    let rows = sqlx::query!(
        r#"SELECT s.name AS "name!", s.description, s.licence, s.loaded_at, COUNT(p.code_a) AS "pairs!: i64"
           FROM ddi_sources s LEFT JOIN ddi_pairs p ON p.source = s.name GROUP BY s.name ORDER BY s.name"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<DdiSource> = rows
        .into_iter()
        .map(|r| DdiSource {
            name: r.name,
            description: r.description,
            licence: r.licence,
            loaded_at: r.loaded_at,
            pairs: r.pairs,
        })
        .collect();
    // Duplicate therapy comes with the curated list (its classes are in the code, not the
    // store): listed so "what the sources cover" is complete.
    if let Some(curated) = out.iter().find(|s| s.name == CURATED_SOURCE) {
        let classes = leader_core::ddi::DUPLICATE_CLASSES;
        out.push(DdiSource {
            name: leader_core::ddi::DUPLICATE_SOURCE.into(),
            description: format!(
                "Duplicate therapy: two different drugs of one of {} therapeutic classes ({}), project-written, one rule per class",
                classes.len(),
                classes.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
            ),
            licence: curated.licence.clone(),
            loaded_at: curated.loaded_at.clone(),
            pairs: classes.len() as i64,
        });
    }
    Ok(out)
}

impl Store {
    /// Every interaction rule of every source (or of `only` sources).
    pub async fn knowledge_base(&self, only: Option<&[String]>) -> Result<KnowledgeBase> {
        let mut conn = self.conn().await?;
        knowledge_base(&mut conn, only).await
    }

    /// The interaction sources loaded, with their pair counts.
    pub async fn ddi_sources(&self) -> Result<Vec<DdiSource>> {
        let mut conn = self.conn().await?;
        sources(&mut conn).await
    }

    /// The unordered pairs of one source, as `SYSTEM:VALUE` strings (the DDI-rate adjacency).
    pub async fn ddi_source_pairs(&self, source: &str) -> Result<Vec<(String, String)>> {
        let mut conn = self.conn().await?;
        source_pairs(&mut conn, source).await
    }
}
