//! `leader stats`: counts over the whole store.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::SqliteConnection;

use crate::Store;
use crate::error::Result;
use crate::repo::codes::medication_atc_level;

/// `leader stats`.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct Stats {
    pub patients: i64,
    pub synthetic_patients: i64,
    pub patients_single_visit: i64,
    pub patients_multi_visit: i64,
    pub visits: i64,
    pub diagnoses: i64,
    pub procedures: i64,
    pub prescriptions: i64,
    pub prescriptions_mapped: i64,
    /// Mapped share of prescriptions, 0–1.
    pub mapped_share: f64,
    pub distinct_medications: i64,
    pub medication_atc_level: u8,
    pub code_titles: i64,
    pub atc_map_rows: i64,
    pub ddi_pairs: i64,
    pub models: i64,
    pub audit_events: i64,
    pub patients_by_source: BTreeMap<String, i64>,
    /// Most frequent unmapped drug names (a spelling seen, count), for pharmacists to
    /// extend the mapping tables.
    pub top_unmapped: Vec<(String, i64)>,
}

async fn stats(conn: &mut SqliteConnection) -> Result<Stats> {
    let c = sqlx::query!(
        r#"SELECT
            (SELECT COUNT(*) FROM patients) AS "patients!: i64",
            (SELECT COUNT(*) FROM patients WHERE synthetic = 1) AS "synthetic!: i64",
            (SELECT COUNT(*) FROM visits) AS "visits!: i64",
            (SELECT COUNT(*) FROM diagnoses) AS "diagnoses!: i64",
            (SELECT COUNT(*) FROM procedures) AS "procedures!: i64",
            (SELECT COUNT(*) FROM prescriptions) AS "prescriptions!: i64",
            (SELECT COUNT(*) FROM prescriptions WHERE med_code IS NOT NULL) AS "mapped!: i64",
            (SELECT COUNT(*) FROM code_titles) AS "titles!: i64",
            (SELECT COUNT(*) FROM atc_map) AS "atc_map!: i64",
            (SELECT COUNT(*) FROM ddi_pairs) AS "ddi!: i64",
            (SELECT COUNT(*) FROM models) AS "models!: i64",
            (SELECT COUNT(*) FROM audit_log) AS "audit!: i64""#
    )
    .fetch_one(&mut *conn)
    .await?;
    let per_patient = sqlx::query!(
        r#"SELECT SUM(n = 1) AS "single: i64", SUM(n >= 2) AS "multi: i64"
           FROM (SELECT COUNT(*) AS n FROM visits GROUP BY patient_id)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    let level = medication_atc_level(&mut *conn).await?;
    let atc_len = leader_core::code::atc_len(level).unwrap_or(4) as i64;
    let distinct = sqlx::query_scalar!(
        r#"SELECT COUNT(DISTINCT med_system || ':' || CASE WHEN med_system = 'ATC' THEN substr(med_code, 1, ?) ELSE med_code END) AS "n!: i64"
           FROM prescriptions WHERE med_code IS NOT NULL AND (med_system <> 'ATC' OR length(med_code) >= ?)"#,
        atc_len,
        atc_len
    )
    .fetch_one(&mut *conn)
    .await?;
    let by_source =
        sqlx::query!(r#"SELECT source, COUNT(*) AS "n!: i64" FROM patients GROUP BY source ORDER BY source"#)
            .fetch_all(&mut *conn)
            .await?;
    let unmapped = sqlx::query!(
        r#"SELECT MIN(drug) AS "drug!: String", COUNT(*) AS "n!: i64" FROM prescriptions WHERE med_code IS NULL
           GROUP BY drug_key ORDER BY 2 DESC, 1 LIMIT 15"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Stats {
        patients: c.patients,
        synthetic_patients: c.synthetic,
        patients_single_visit: per_patient.single.unwrap_or(0),
        patients_multi_visit: per_patient.multi.unwrap_or(0),
        visits: c.visits,
        diagnoses: c.diagnoses,
        procedures: c.procedures,
        prescriptions: c.prescriptions,
        prescriptions_mapped: c.mapped,
        mapped_share: if c.prescriptions == 0 { 0.0 } else { c.mapped as f64 / c.prescriptions as f64 },
        distinct_medications: distinct,
        medication_atc_level: level,
        code_titles: c.titles,
        atc_map_rows: c.atc_map,
        ddi_pairs: c.ddi,
        models: c.models,
        audit_events: c.audit,
        patients_by_source: by_source.into_iter().map(|r| (r.source, r.n)).collect(),
        top_unmapped: unmapped.into_iter().map(|r| (r.drug, r.n)).collect(),
    })
}

impl Store {
    /// `leader stats`.
    pub async fn stats(&self) -> Result<Stats> {
        let mut conn = self.conn().await?;
        stats(&mut conn).await
    }
}
