//! Importers. Each reads its source completely and validates it first, then writes it
//! in one transaction through [`write_batch`], the single writer every importer shares.
//!
//! Re-running an import adds no duplicates: patients and visits are upserted by their
//! source ids, and a re-imported visit's diagnoses, procedures and prescriptions replace
//! the ones it had.

pub mod atc;
pub mod demo;
pub mod fhir;
pub mod mimic;
pub mod synthea;

use std::collections::{BTreeMap, HashMap, HashSet};

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
    /// FHIR: resources read, by resource type (empty for the CSV importers).
    pub resources: BTreeMap<String, u64>,
    /// FHIR: resources not imported, by a plain-language reason.
    pub skipped: BTreeMap<String, u64>,
    /// FHIR: codings whose system URI is neither standard nor in the site's mapping, by
    /// URI. Reported, never guessed.
    pub unknown_systems: BTreeMap<String, u64>,
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
    let mut w = BatchWriter::begin(conn, &batch.source, &batch.patients, &batch.visits, mapper, progress).await?;
    w.summary.skipped_rows = batch.skipped_rows;
    progress.stage("diagnoses", Some(batch.diagnoses.len() as u64));
    for chunk in batch.diagnoses.chunks(CHUNK) {
        w.diagnoses(chunk).await?;
    }
    progress.stage("procedures", Some(batch.procedures.len() as u64));
    for chunk in batch.procedures.chunks(CHUNK) {
        w.procedures(chunk).await?;
    }
    progress.stage("prescriptions", Some(batch.prescriptions.len() as u64));
    for chunk in batch.prescriptions.chunks(CHUNK) {
        w.prescriptions(chunk).await?;
    }
    w.finish(&batch.titles).await
}

/// Rows per chunk of a streamed write.
pub const CHUNK: usize = 20_000;

/// The one writer every importer shares. `begin` writes the patients and visits (and
/// clears the children of re-imported visits); the children then arrive in chunks, so a
/// streaming importer holds only one chunk in memory; `finish` writes titles and the
/// audit event. Everything happens inside the caller's transaction.
pub struct BatchWriter<'c> {
    conn: &'c mut SqliteConnection,
    mapper: &'c AtcMapper,
    progress: &'c dyn Progress,
    ids: HashMap<String, i64>,
    /// Distinct diagnosis/procedure codes written (bounded by the code vocabulary).
    codes: HashSet<Code>,
    pub summary: ImportSummary,
}

impl std::fmt::Debug for BatchWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWriter").field("summary", &self.summary).finish_non_exhaustive()
    }
}

impl<'c> BatchWriter<'c> {
    pub async fn begin(
        conn: &'c mut SqliteConnection,
        source: &str,
        patients: &[Patient],
        visits: &[VisitHeader],
        mapper: &'c AtcMapper,
        progress: &'c dyn Progress,
    ) -> Result<BatchWriter<'c>> {
        let mut summary = ImportSummary { source: source.to_owned(), ..Default::default() };

        // Patients: refuse ids that another source already uses.
        let existing: Vec<(String, String)> =
            sqlx::query_as("SELECT id, source FROM patients").fetch_all(&mut *conn).await?;
        let existing: HashMap<String, String> = existing.into_iter().collect();
        let clashes = patients.iter().filter(|p| existing.get(&p.id).is_some_and(|s| *s != source)).count();
        if clashes > 0 {
            return Err(StoreError::Conflict(format!(
                "{clashes} patient id(s) of this {source} import already belong to patients from another source; import each cohort into its own store (--db)"
            )));
        }
        progress.stage("patients", Some(patients.len() as u64));
        bulk_insert(conn, "INSERT INTO patients (id, source, sex, birth_year, synthetic) ", 5, patients,
            " ON CONFLICT (id) DO UPDATE SET sex = excluded.sex, birth_year = excluded.birth_year, synthetic = excluded.synthetic",
            |b, p| {
                b.push_bind(p.id.clone()).push_bind(source.to_owned()).push_bind(p.sex.as_str()).push_bind(p.birth_year).push_bind(p.synthetic);
            }).await?;
        summary.patients = patients.len() as u64;
        progress.advance(summary.patients);

        // Visits: an admission id may not move to another patient.
        let known: Vec<(String, String)> =
            sqlx::query_as("SELECT admission_id, patient_id FROM visits").fetch_all(&mut *conn).await?;
        let known: HashMap<String, String> = known.into_iter().collect();
        let moved = visits.iter().filter(|v| known.get(&v.admission_id).is_some_and(|p| *p != v.patient_id)).count();
        if moved > 0 {
            return Err(StoreError::Conflict(format!(
                "{moved} admission id(s) of this {source} import already belong to another patient in this store"
            )));
        }
        progress.stage("visits", Some(visits.len() as u64));
        bulk_insert(conn,
            "INSERT INTO visits (admission_id, patient_id, admit_time, discharge_time, admission_type, insurance, language, marital_status, race) ",
            9, visits,
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
        summary.visits = visits.len() as u64;
        progress.advance(summary.visits);

        let all: Vec<(String, i64)> =
            sqlx::query_as("SELECT admission_id, id FROM visits").fetch_all(&mut *conn).await?;
        let all: HashMap<String, i64> = all.into_iter().collect();
        let ids: HashMap<String, i64> =
            visits.iter().filter_map(|v| all.get(&v.admission_id).map(|id| (v.admission_id.clone(), *id))).collect();
        // Replace the children of every re-imported visit.
        if visits.iter().any(|v| known.contains_key(&v.admission_id)) {
            let ours: Vec<i64> = ids.values().copied().collect();
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
        Ok(BatchWriter { conn, mapper, progress, ids, codes: HashSet::new(), summary })
    }

    fn visit_id(&self, admission_id: &str) -> Result<i64> {
        self.ids.get(admission_id).copied().ok_or_else(|| {
            StoreError::Conflict("an imported row refers to an admission that this import does not write".into())
        })
    }

    pub async fn diagnoses(&mut self, events: &[CodedEvent]) -> Result<()> {
        self.events("diagnoses", events).await?;
        self.summary.diagnoses += events.len() as u64;
        Ok(())
    }

    pub async fn procedures(&mut self, events: &[CodedEvent]) -> Result<()> {
        self.events("procedures", events).await?;
        self.summary.procedures += events.len() as u64;
        Ok(())
    }

    async fn events(&mut self, table: &str, events: &[CodedEvent]) -> Result<()> {
        let procedures = table == "procedures";
        let head = format!(
            "INSERT INTO {table} (visit_id, seq_num, system, code{}) ",
            if procedures { ", chart_date" } else { "" }
        );
        let columns = if procedures { 5 } else { 4 };
        let rows: Vec<(i64, &CodedEvent)> =
            events.iter().map(|e| Ok((self.visit_id(&e.admission_id)?, e))).collect::<Result<_>>()?;
        bulk_insert(self.conn, &head, columns, &rows, "", |b, (id, e)| {
            b.push_bind(*id)
                .push_bind(e.seq_num)
                .push_bind(e.code.system().as_str())
                .push_bind(e.code.value().to_owned());
            if procedures {
                b.push_bind(e.date.map(|d| d.date_string()));
            }
        })
        .await?;
        self.codes.extend(events.iter().map(|e| e.code.clone()));
        self.progress.advance(events.len() as u64);
        Ok(())
    }

    pub async fn prescriptions(&mut self, chunk: &[RawPrescription]) -> Result<()> {
        let summary = &mut self.summary;
        let mut mapped: Vec<(i64, &RawPrescription, String, Mapped)> = Vec::with_capacity(chunk.len());
        for p in chunk {
            let key = normalise_drug_name(&p.drug);
            let m = match &p.native {
                Some(c) => Some((c.clone(), "native")),
                None => self.mapper.map(p.gsn.as_deref(), p.ndc.as_deref(), &key),
            };
            match m.as_ref().map(|(_, how)| *how) {
                Some("gsn") => summary.mapped_by_gsn += 1,
                Some("ndc") => summary.mapped_by_ndc += 1,
                Some("name") => summary.mapped_by_name += 1,
                Some(_) => summary.coded_natively += 1,
                None => summary.unmapped += 1,
            }
            let id = self.ids.get(&p.admission_id).copied().ok_or_else(|| {
                StoreError::Conflict("an imported row refers to an admission that this import does not write".into())
            })?;
            mapped.push((id, p, key, m));
        }
        bulk_insert(self.conn,
            "INSERT INTO prescriptions (visit_id, drug, drug_key, ndc, gsn, formulary_code, route, start_time, stop_time, med_system, med_code, map_method) ",
            12, &mapped, "",
            |b, (id, p, key, m)| {
                b.push_bind(*id)
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
        self.summary.prescriptions += chunk.len() as u64;
        self.progress.advance(chunk.len() as u64);
        Ok(())
    }

    /// Writes the titles, counts the codes left without one and appends the audit event.
    pub async fn finish(self, titles: &[(Code, String)]) -> Result<ImportSummary> {
        let BatchWriter { conn, progress, codes, mut summary, .. } = self;
        progress.stage("titles", Some(titles.len() as u64));
        crate::repo::upsert_titles(conn, titles, &summary.source).await?;
        summary.titles = titles.len() as u64;
        progress.advance(summary.titles);

        // Codes no dictionary titles (this import's or an earlier one's).
        let titled = crate::repo::titled_codes(conn).await?;
        summary.codes_without_title =
            codes.iter().filter(|c| !titled.contains(&(c.system().as_str().to_owned(), c.value().to_owned()))).count()
                as u64;

        crate::repo::append_audit(&mut *conn, "import", "import", &serde_json::to_value(&summary).unwrap_or_default())
            .await?;
        progress.finish();
        Ok(summary)
    }
}
