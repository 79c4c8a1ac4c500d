//! Medication normalisation to ATC: mapping tables (GSN → ATC, NDC → ATC, drug name →
//! ATC) loaded by `leader import atc-map`, and the mapper the importers use: by GSN, then
//! NDC, then normalised drug name. A row the tables do not map stays unmapped: no class
//! is ever guessed. When a key maps to several ATC codes the first one in file order wins,
//! so the result never depends on hash order.

use std::collections::HashMap;
use std::path::Path;

use leader_core::drug::{gsn_values, ndc_value, normalise_drug_name};
use leader_core::{Code, CodeSystem};
use serde::Serialize;
use sqlx::SqliteConnection;

use super::Progress;
use crate::bulk::bulk_insert;
use crate::csvio::Table;
use crate::error::{ImportError, Result};

/// In-memory view of `atc_map`.
#[derive(Debug, Default, Clone)]
pub struct AtcMapper {
    gsn: HashMap<String, Code>,
    ndc: HashMap<String, Code>,
    name: HashMap<String, Code>,
}

impl AtcMapper {
    pub async fn load(conn: &mut SqliteConnection) -> Result<AtcMapper> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT kind, key, atc FROM atc_map ORDER BY kind, key, rank").fetch_all(&mut *conn).await?;
        let mut m = AtcMapper::default();
        for (kind, key, atc) in rows {
            let Ok(code) = Code::new(CodeSystem::Atc, &atc) else { continue };
            let table = match kind.as_str() {
                "gsn" => &mut m.gsn,
                "ndc" => &mut m.ndc,
                _ => &mut m.name,
            };
            table.entry(key).or_insert(code);
        }
        Ok(m)
    }

    pub fn is_empty(&self) -> bool {
        self.gsn.is_empty() && self.ndc.is_empty() && self.name.is_empty()
    }

    /// Maps one prescription: GSN first (each of several listed GSNs in order), then NDC,
    /// then the normalised drug name (`drug_key`).
    pub fn map(&self, gsn: Option<&str>, ndc: Option<&str>, drug_key: &str) -> Option<(Code, &'static str)> {
        if let Some(c) = gsn.into_iter().flat_map(gsn_values).find_map(|g| self.gsn.get(g)) {
            return Some((c.clone(), "gsn"));
        }
        if let Some(c) = ndc.and_then(ndc_value).and_then(|n| self.ndc.get(n)) {
            return Some((c.clone(), "ndc"));
        }
        self.name.get(drug_key).map(|c| (c.clone(), "name"))
    }
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct AtcMapSummary {
    pub file: String,
    pub gsn_keys: u64,
    pub ndc_keys: u64,
    pub name_keys: u64,
    pub rows: u64,
    /// Rows whose ATC value is not an ATC code of level 3 or finer, and (the first ten of)
    /// their line numbers.
    pub skipped_rows: u64,
    pub skipped_lines: Vec<u64>,
    /// Prescriptions whose medication code changed after re-mapping the whole store.
    pub prescriptions_remapped: u64,
}

/// Loads a mapping table. The header decides what it maps: any of the columns `gsn`,
/// `ndc`, `drug` (or `drug_name`, `name`) next to an `atc` (or `atc_code`) column.
pub async fn import_atc_map(
    conn: &mut SqliteConnection,
    path: &Path,
    progress: &dyn Progress,
) -> Result<AtcMapSummary> {
    let mut table = Table::open(path)?;
    let atc_col = table.col_any(&["atc", "atc_code", "atc5", "atc4", "atc3"])?;
    let gsn_col = table.opt_col("gsn");
    let ndc_col = table.opt_col("ndc");
    let name_col = ["drug", "drug_name", "name"].into_iter().find_map(|n| table.opt_col(n));
    if gsn_col.is_none() && ndc_col.is_none() && name_col.is_none() {
        return Err(ImportError::MissingColumn {
            file: table.file().to_owned(),
            column: "gsn` or `ndc` or `drug".to_owned(),
        }
        .into());
    }
    let source = table.file().to_owned();
    let mut rows: Vec<(&'static str, String, String, i64)> = Vec::new();
    let mut rank = 0i64;
    progress.stage("atc-map", None);
    let mut skipped: Vec<u64> = Vec::new();
    let n = table.for_each(|row| {
        // Published tables carry some values that are not ATC codes of level 3 or finer
        // (e.g. `T127`, `A12`); such a row cannot map anything, so it is skipped and
        // reported by line instead of aborting the whole table.
        let atc = match row.code(atc_col, CodeSystem::Atc) {
            Ok(c) if c.atc_level().unwrap_or(0) >= 3 => c,
            _ => {
                skipped.push(row.line());
                return Ok(());
            }
        };
        rank += 1;
        if let Some(g) = gsn_col.and_then(|c| row.opt(c)) {
            for v in gsn_values(g) {
                rows.push(("gsn", v.to_owned(), atc.value().to_owned(), rank));
            }
        }
        if let Some(v) = ndc_col.and_then(|c| row.opt(c)).and_then(ndc_value) {
            rows.push(("ndc", v.to_owned(), atc.value().to_owned(), rank));
        }
        if let Some(v) = name_col.and_then(|c| row.opt(c)) {
            rows.push(("name", normalise_drug_name(v), atc.value().to_owned(), rank));
        }
        Ok(())
    })?;
    let count = |k: &str| {
        let mut keys: Vec<&String> = rows.iter().filter(|r| r.0 == k).map(|r| &r.1).collect();
        keys.sort();
        keys.dedup();
        keys.len() as u64
    };
    let mut summary = AtcMapSummary {
        file: source.clone(),
        gsn_keys: count("gsn"),
        ndc_keys: count("ndc"),
        name_keys: count("name"),
        rows: n,
        skipped_rows: skipped.len() as u64,
        skipped_lines: skipped.iter().take(10).copied().collect(),
        prescriptions_remapped: 0,
    };
    // A re-load of the same file replaces its rows; ranks continue after the existing ones
    // of other files so earlier files keep precedence.
    sqlx::query("DELETE FROM atc_map WHERE source = ?").bind(&source).execute(&mut *conn).await?;
    let offset: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rank), 0) FROM atc_map").fetch_one(&mut *conn).await?;
    bulk_insert(
        conn,
        "INSERT INTO atc_map (kind, key, atc, rank, source) ",
        5,
        &rows,
        " ON CONFLICT DO NOTHING",
        |b, r| {
            b.push_bind(r.0)
                .push_bind(r.1.clone())
                .push_bind(r.2.clone())
                .push_bind(r.3 + offset)
                .push_bind(source.clone());
        },
    )
    .await?;
    progress.advance(n);
    summary.prescriptions_remapped = remap_prescriptions(conn).await?;
    crate::repo::append_audit(
        &mut *conn,
        &crate::actor::current_actor(),
        "import-atc-map",
        &serde_json::to_value(&summary).unwrap_or_default(),
    )
    .await?;
    progress.finish();
    Ok(summary)
}

/// Re-maps every prescription not coded natively with the current tables, so mapping
/// tables may be loaded before or after the patients. Returns how many changed.
pub async fn remap_prescriptions(conn: &mut SqliteConnection) -> Result<u64> {
    let mapper = AtcMapper::load(conn).await?;
    type Pending = (i64, Option<String>, Option<String>, String, Option<String>, Option<String>);
    let rows: Vec<Pending> = sqlx::query_as(
        "SELECT id, gsn, ndc, drug_key, med_code, map_method FROM prescriptions WHERE map_method IS NULL OR map_method <> 'native'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let changed: Vec<(i64, Option<(Code, &'static str)>)> = rows
        .into_iter()
        .filter_map(|(id, gsn, ndc, key, old_code, old_how)| {
            let new = mapper.map(gsn.as_deref(), ndc.as_deref(), &key);
            let same = match &new {
                Some((c, how)) => old_code.as_deref() == Some(c.value()) && old_how.as_deref() == Some(*how),
                None => old_code.is_none(),
            };
            (!same).then_some((id, new))
        })
        .collect();
    if changed.is_empty() {
        return Ok(0);
    }
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS remap (id INTEGER PRIMARY KEY, med_system TEXT, med_code TEXT, map_method TEXT)")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM temp.remap").execute(&mut *conn).await?;
    bulk_insert(
        conn,
        "INSERT INTO temp.remap (id, med_system, med_code, map_method) ",
        4,
        &changed,
        "",
        |b, (id, m)| {
            b.push_bind(*id)
                .push_bind(m.as_ref().map(|(c, _)| c.system().as_str()))
                .push_bind(m.as_ref().map(|(c, _)| c.value().to_owned()))
                .push_bind(m.as_ref().map(|(_, how)| *how));
        },
    )
    .await?;
    sqlx::query(
        "UPDATE prescriptions SET med_system = r.med_system, med_code = r.med_code, map_method = r.map_method \
         FROM temp.remap AS r WHERE prescriptions.id = r.id",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("DROP TABLE temp.remap").execute(&mut *conn).await?;
    Ok(changed.len() as u64)
}
