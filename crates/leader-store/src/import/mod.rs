//! Importers. Each reads its source completely and validates it first, then writes it
//! in one transaction through [`write_batch`], the single writer every importer shares.
//!
//! Re-running an import adds no duplicates: patients and visits are upserted by their
//! source ids, and a re-imported visit's diagnoses, procedures and prescriptions replace
//! the ones it had.

pub mod atc;
pub mod demo;
pub mod mimic;
pub mod synthea;

use std::collections::{HashMap, HashSet};

use leader_core::drug::normalise_drug_name;
use leader_core::{Code, Patient, Profile, Timestamp};
use serde::Serialize;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::error::{Result, StoreError};
use atc::AtcMapper;

/// Reports progress of long imports. `total` is `None` when unknown.
pub trait Progress: Send + Sync {
    fn stage(&self, name: &str, total: Option<u64>);
    fn advance(&self, n: u64);
    fn finish(&self);
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// One admission as read from a source, before its children are attached.
#[derive(Debug, Clone)]
pub struct VisitHeader {
    pub admission_id: String,
    pub patient_id: String,
    pub admit_time: Timestamp,
    pub discharge_time: Option<Timestamp>,
    pub profile: Profile,
}

/// A raw prescription row of a visit.
#[derive(Debug, Clone)]
pub struct RawPrescription {
    pub admission_id: String,
    pub drug: String,
    pub ndc: Option<String>,
    pub gsn: Option<String>,
    pub formulary_code: Option<String>,
    pub route: Option<String>,
    pub start: Option<Timestamp>,
    pub stop: Option<Timestamp>,
    /// Set when the source codes the medication itself (RxNorm in Synthea, ATC in the demo).
    pub native: Option<Code>,
}

/// A coded diagnosis or procedure of a visit.
#[derive(Debug, Clone)]
pub struct CodedEvent {
    pub admission_id: String,
    pub seq_num: i64,
    pub code: Code,
    pub date: Option<Timestamp>,
}

/// Everything one import writes.
#[derive(Debug, Default)]
pub struct Batch {
    pub source: String,
    pub patients: Vec<Patient>,
    pub visits: Vec<VisitHeader>,
    pub diagnoses: Vec<CodedEvent>,
    pub procedures: Vec<CodedEvent>,
    pub prescriptions: Vec<RawPrescription>,
    pub titles: Vec<(Code, String)>,
    /// Source rows deliberately not imported (e.g. a MIMIC-III diagnosis row without a code).
    pub skipped_rows: u64,
}

/// What an import did, for the one-line summary and `--json`.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct ImportSummary {
    pub source: String,
    pub patients: u64,
    pub visits: u64,
    pub diagnoses: u64,
    pub procedures: u64,
    pub prescriptions: u64,
    pub mapped_by_gsn: u64,
    pub mapped_by_ndc: u64,
    pub mapped_by_name: u64,
    pub coded_natively: u64,
    pub unmapped: u64,
    pub titles: u64,
    pub skipped_rows: u64,
    /// Distinct diagnosis/procedure codes of this import that no dictionary titles:
    /// stored as they are, reported here.
    pub codes_without_title: u64,
}

impl ImportSummary {
    pub fn mapped(&self) -> u64 {
        self.mapped_by_gsn + self.mapped_by_ndc + self.mapped_by_name + self.coded_natively
    }

    pub fn one_line(&self) -> String {
        let share =
            if self.prescriptions == 0 { 0.0 } else { 100.0 * self.mapped() as f64 / self.prescriptions as f64 };
        format!(
            "imported {}: {} patients, {} visits, {} diagnoses, {} procedures, {} prescriptions ({share:.1}% mapped to a medication code, {} unmapped), {} titles, {} codes without a title, {} rows skipped",
            self.source,
            self.patients,
            self.visits,
            self.diagnoses,
            self.procedures,
            self.prescriptions,
            self.unmapped,
            self.titles,
            self.codes_without_title,
            self.skipped_rows
        )
    }
}

/// A medication code and how it was found (`gsn`, `ndc`, `name`, `native`).
type Mapped = Option<(Code, &'static str)>;

/// SQLite's limit on bound parameters per statement is 32,766; stay well below it.
const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` into `table` with multi-row `INSERT`s.
pub(crate) async fn bulk_insert<T>(
    conn: &mut SqliteConnection,
    head: &str,
    columns: usize,
    rows: &[T],
    tail: &str,
    mut bind: impl FnMut(&mut sqlx::query_builder::Separated<'_, '_, Sqlite, &'static str>, &T),
) -> Result<()> {
    for chunk in rows.chunks((MAX_PARAMS / columns).max(1)) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(head);
        qb.push_values(chunk, |mut b, row| bind(&mut b, row));
        qb.push(tail);
        qb.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes a batch inside the caller's transaction. Conflicts with data imported from
/// another source are refused before anything is written.
pub async fn write_batch(
    conn: &mut SqliteConnection,
    batch: &Batch,
    mapper: &AtcMapper,
    progress: &dyn Progress,
) -> Result<ImportSummary> {
    let mut summary =
        ImportSummary { source: batch.source.clone(), skipped_rows: batch.skipped_rows, ..Default::default() };

    // Patients: refuse ids that another source already uses.
    let existing: Vec<(String, String)> =
        sqlx::query_as("SELECT id, source FROM patients").fetch_all(&mut *conn).await?;
    let existing: HashMap<String, String> = existing.into_iter().collect();
    let clashes = batch.patients.iter().filter(|p| existing.get(&p.id).is_some_and(|s| *s != batch.source)).count();
    if clashes > 0 {
        return Err(StoreError::Conflict(format!(
            "{clashes} patient id(s) of this {} import already belong to patients from another source; import each cohort into its own store (--db)",
            batch.source
        )));
    }
    progress.stage("patients", Some(batch.patients.len() as u64));
    bulk_insert(conn, "INSERT INTO patients (id, source, sex, birth_year, synthetic) ", 5, &batch.patients,
        " ON CONFLICT (id) DO UPDATE SET sex = excluded.sex, birth_year = excluded.birth_year, synthetic = excluded.synthetic",
        |b, p| {
            b.push_bind(p.id.clone()).push_bind(batch.source.clone()).push_bind(p.sex.as_str()).push_bind(p.birth_year).push_bind(p.synthetic);
        }).await?;
    summary.patients = batch.patients.len() as u64;
    progress.advance(summary.patients);

    // Visits: an admission id may not move to another patient.
    let known: Vec<(String, String)> =
        sqlx::query_as("SELECT admission_id, patient_id FROM visits").fetch_all(&mut *conn).await?;
    let known: HashMap<String, String> = known.into_iter().collect();
    let moved = batch.visits.iter().filter(|v| known.get(&v.admission_id).is_some_and(|p| *p != v.patient_id)).count();
    if moved > 0 {
        return Err(StoreError::Conflict(format!(
            "{moved} admission id(s) of this {} import already belong to another patient in this store",
            batch.source
        )));
    }
    progress.stage("visits", Some(batch.visits.len() as u64));
    bulk_insert(conn,
        "INSERT INTO visits (admission_id, patient_id, admit_time, discharge_time, admission_type, insurance, language, marital_status, race) ",
        9, &batch.visits,
        " ON CONFLICT (admission_id) DO UPDATE SET admit_time = excluded.admit_time, discharge_time = excluded.discharge_time, \
          admission_type = excluded.admission_type, insurance = excluded.insurance, language = excluded.language, \
          marital_status = excluded.marital_status, race = excluded.race",
        |b, v| {
            b.push_bind(v.admission_id.clone())
                .push_bind(v.patient_id.clone())
                .push_bind(v.admit_time.to_string())
                .push_bind(v.discharge_time.map(|t| t.to_string()))
                .push_bind(v.profile.admission_type.clone())
                .push_bind(v.profile.insurance.clone())
                .push_bind(v.profile.language.clone())
                .push_bind(v.profile.marital_status.clone())
                .push_bind(v.profile.race.clone());
        }).await?;
    summary.visits = batch.visits.len() as u64;
    progress.advance(summary.visits);

    let ids: Vec<(String, i64)> = sqlx::query_as("SELECT admission_id, id FROM visits").fetch_all(&mut *conn).await?;
    let ids: HashMap<String, i64> = ids.into_iter().collect();
    let ours: Vec<i64> = batch.visits.iter().filter_map(|v| ids.get(&v.admission_id).copied()).collect();
    // Replace the children of every re-imported visit.
    if batch.visits.iter().any(|v| known.contains_key(&v.admission_id)) {
        for chunk in ours.chunks(MAX_PARAMS) {
            for table in ["diagnoses", "procedures", "prescriptions"] {
                let mut qb: QueryBuilder<Sqlite> =
                    QueryBuilder::new(format!("DELETE FROM {table} WHERE visit_id IN ("));
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build().persistent(false).execute(&mut *conn).await?;
            }
        }
    }
    let visit_id = |adm: &str| ids.get(adm).copied().unwrap_or_default();

    for (table, events) in [("diagnoses", &batch.diagnoses), ("procedures", &batch.procedures)] {
        progress.stage(table, Some(events.len() as u64));
        let head = format!(
            "INSERT INTO {table} (visit_id, seq_num, system, code{}) ",
            if table == "procedures" { ", chart_date" } else { "" }
        );
        let columns = if table == "procedures" { 5 } else { 4 };
        for chunk in events.chunks(20_000) {
            bulk_insert(conn, &head, columns, chunk, "", |b, e| {
                b.push_bind(visit_id(&e.admission_id))
                    .push_bind(e.seq_num)
                    .push_bind(e.code.system().as_str())
                    .push_bind(e.code.value().to_owned());
                if columns == 5 {
                    b.push_bind(e.date.map(|d| d.date_string()));
                }
            })
            .await?;
            progress.advance(chunk.len() as u64);
        }
    }
    summary.diagnoses = batch.diagnoses.len() as u64;
    summary.procedures = batch.procedures.len() as u64;

    progress.stage("prescriptions", Some(batch.prescriptions.len() as u64));
    for chunk in batch.prescriptions.chunks(20_000) {
        let mapped: Vec<(&RawPrescription, String, Mapped)> = chunk
            .iter()
            .map(|p| {
                let key = normalise_drug_name(&p.drug);
                let m = match &p.native {
                    Some(c) => Some((c.clone(), "native")),
                    None => mapper.map(p.gsn.as_deref(), p.ndc.as_deref(), &key),
                };
                (p, key, m)
            })
            .collect();
        for (_, _, m) in &mapped {
            match m.as_ref().map(|(_, how)| *how) {
                Some("gsn") => summary.mapped_by_gsn += 1,
                Some("ndc") => summary.mapped_by_ndc += 1,
                Some("name") => summary.mapped_by_name += 1,
                Some(_) => summary.coded_natively += 1,
                None => summary.unmapped += 1,
            }
        }
        bulk_insert(conn,
            "INSERT INTO prescriptions (visit_id, drug, drug_key, ndc, gsn, formulary_code, route, start_time, stop_time, med_system, med_code, map_method) ",
            12, &mapped, "",
            |b, (p, key, m)| {
                b.push_bind(visit_id(&p.admission_id))
                    .push_bind(p.drug.clone())
                    .push_bind(key.clone())
                    .push_bind(p.ndc.clone())
                    .push_bind(p.gsn.clone())
                    .push_bind(p.formulary_code.clone())
                    .push_bind(p.route.clone())
                    .push_bind(p.start.map(|t| t.to_string()))
                    .push_bind(p.stop.map(|t| t.to_string()))
                    .push_bind(m.as_ref().map(|(c, _)| c.system().as_str()))
                    .push_bind(m.as_ref().map(|(c, _)| c.value().to_owned()))
                    .push_bind(m.as_ref().map(|(_, how)| *how));
            }).await?;
        progress.advance(chunk.len() as u64);
    }
    summary.prescriptions = batch.prescriptions.len() as u64;

    progress.stage("titles", Some(batch.titles.len() as u64));
    crate::repo::upsert_titles(conn, &batch.titles, &batch.source).await?;
    summary.titles = batch.titles.len() as u64;
    progress.advance(summary.titles);

    // Codes no dictionary titles (this import's or an earlier one's).
    let distinct: HashSet<&Code> = batch.diagnoses.iter().chain(&batch.procedures).map(|e| &e.code).collect();
    let titled = crate::repo::titled_codes(conn).await?;
    summary.codes_without_title =
        distinct.iter().filter(|c| !titled.contains(&(c.system().as_str().to_owned(), c.value().to_owned()))).count()
            as u64;

    crate::repo::append_audit(&mut *conn, "import", "import", &serde_json::to_value(&summary).unwrap_or_default())
        .await?;
    progress.finish();
    Ok(summary)
}
