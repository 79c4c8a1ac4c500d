//! Importers. Each writes in one transaction through the [`BatchWriter`] every importer
//! shares. The CSV importers (MIMIC, Synthea) stream: a reading thread validates rows and
//! hands them over in chunks of [`CHUNK`] ([`Part`]s, see [`import_streamed`]); the FHIR
//! importer streams its events itself; the demo cohort is one small [`Batch`]
//! ([`write_batch`]). Memory is bounded by a few chunks plus one entry per patient and
//! admission of the import, never by the number of rows. A failure anywhere rolls the
//! whole transaction back.
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
use leader_core::{Code, Patient, Prescription, Profile, Timestamp};
use serde::Serialize;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::bulk::{MAX_PARAMS, bulk_insert, bulk_insert_owned};
use crate::error::{ImportError, Result, StoreError};
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

/// A raw prescription row of a visit: the admission it belongs to and the prescription as
/// the source wrote it. Its `medication` is set when the source codes the medication itself
/// (RxNorm in Synthea, ATC in the demo); otherwise the import maps the row.
#[derive(Debug, Clone)]
pub struct RawPrescription {
    pub admission_id: String,
    pub prescription: Prescription,
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

/// Writes a batch inside the caller's transaction, in chunks through the [`BatchWriter`].
/// Conflicts with data imported from another source are refused; the caller's
/// transaction then rolls back whatever was written.
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

/// One chunk of a streamed CSV import, in the order the writer needs them: every
/// patient before any visit, every visit before any child row. Titles may come at any
/// point after that.
#[derive(Debug)]
pub enum Part {
    Patients(Vec<Patient>),
    Visits(Vec<VisitHeader>),
    Diagnoses(Vec<CodedEvent>),
    Procedures(Vec<CodedEvent>),
    Prescriptions(Vec<RawPrescription>),
    Titles(Vec<(Code, String)>),
    /// Source rows deliberately not imported.
    Skipped(u64),
}

impl Part {
    fn stage(&self) -> &'static str {
        match self {
            Part::Patients(_) => "patients",
            Part::Visits(_) => "visits",
            Part::Diagnoses(_) => "diagnoses",
            Part::Procedures(_) => "procedures",
            Part::Prescriptions(_) => "prescriptions",
            Part::Titles(_) => "titles",
            Part::Skipped(_) => "",
        }
    }
}

/// Where a CSV reader hands its chunks: the writer's channel, or a [`Batch`] collecting
/// everything (tests, small sources). An error stops the reader.
pub type Sink<'a> = dyn FnMut(Part) -> std::result::Result<(), ImportError> + 'a;

/// Gathers rows of one kind and hands them to the sink [`CHUNK`] at a time.
pub(crate) struct Chunker<T> {
    rows: Vec<T>,
    wrap: fn(Vec<T>) -> Part,
}

impl<T> Chunker<T> {
    pub(crate) fn new(wrap: fn(Vec<T>) -> Part) -> Self {
        Chunker { rows: Vec::new(), wrap }
    }

    pub(crate) fn push(&mut self, row: T, out: &mut Sink<'_>) -> std::result::Result<(), ImportError> {
        self.rows.push(row);
        if self.rows.len() >= CHUNK { self.flush(out) } else { Ok(()) }
    }

    pub(crate) fn flush(&mut self, out: &mut Sink<'_>) -> std::result::Result<(), ImportError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        out((self.wrap)(std::mem::take(&mut self.rows)))
    }
}

impl Batch {
    /// Adds a streamed chunk to the batch.
    pub fn add(&mut self, part: Part) {
        match part {
            Part::Patients(v) => self.patients.extend(v),
            Part::Visits(v) => self.visits.extend(v),
            Part::Diagnoses(v) => self.diagnoses.extend(v),
            Part::Procedures(v) => self.procedures.extend(v),
            Part::Prescriptions(v) => self.prescriptions.extend(v),
            Part::Titles(v) => self.titles.extend(v),
            Part::Skipped(n) => self.skipped_rows += n,
        }
    }

    /// Everything a streaming reader produces, held in memory.
    pub fn collect(
        source: &str,
        read: impl FnOnce(&mut Sink<'_>) -> std::result::Result<(), ImportError>,
    ) -> Result<Batch> {
        let mut batch = Batch { source: source.to_owned(), ..Batch::default() };
        read(&mut |part| {
            batch.add(part);
            Ok(())
        })?;
        Ok(batch)
    }
}

/// Chunks in flight between the reading thread and the writer (bounds the memory).
const IN_FLIGHT: usize = 2;

/// SQLite's page cache during a streamed import, in KiB (the default is 2 MiB): enough
/// to keep the visit ids and the tables' right edges in memory for a full MIMIC-IV, well inside the import's memory budget. The
/// connection's own setting is restored afterwards, whatever the outcome.
const IMPORT_CACHE_KIB: i64 = 128 * 1024;

/// The page cache while the deferred indexes are rebuilt, in KiB (see
/// [`BatchWriter::finish`]).
const SORT_CACHE_KIB: i64 = 32 * 1024;

/// A streamed import inside the caller's transaction: `read` runs on a blocking thread
/// (read, validate, build rows) and hands chunks through a small bounded channel to the
/// writer, which maps and inserts them, so reading and writing overlap and memory stays
/// bounded by a few chunks plus the id maps, whatever the size of the source. A read
/// error, a conflict or a database error stops both sides; the caller's transaction then
/// rolls everything back.
pub(crate) async fn import_streamed(
    conn: &mut SqliteConnection,
    source: &str,
    mapper: &AtcMapper,
    progress: &dyn Progress,
    read: impl FnOnce(&mut Sink<'_>) -> std::result::Result<(), ImportError> + Send + 'static,
) -> Result<ImportSummary> {
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *conn).await?;
    sqlx::query(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}")).execute(&mut *conn).await?;
    let summary = stream(conn, source, mapper, progress, read).await;
    let restored = sqlx::query(&format!("PRAGMA cache_size = {cache}")).execute(&mut *conn).await;
    let summary = summary?;
    restored?;
    Ok(summary)
}

async fn stream(
    conn: &mut SqliteConnection,
    source: &str,
    mapper: &AtcMapper,
    progress: &dyn Progress,
    read: impl FnOnce(&mut Sink<'_>) -> std::result::Result<(), ImportError> + Send + 'static,
) -> Result<ImportSummary> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Part>(IN_FLIGHT);
    let reader = tokio::task::spawn_blocking(move || {
        read(&mut |part| {
            // The writer stopped (it failed): its error is the one reported.
            tx.blocking_send(part).map_err(|_| ImportError::Io {
                file: "import".into(),
                error: std::io::Error::from(std::io::ErrorKind::BrokenPipe),
            })
        })
    });
    let mut w = BatchWriter::start(conn, source, mapper, progress).await?;
    let mut stage = "";
    let written: Result<()> = async {
        while let Some(part) = rx.recv().await {
            if !matches!(part, Part::Skipped(_)) && part.stage() != stage {
                stage = part.stage();
                progress.stage(stage, None);
            }
            w.write(part).await?;
        }
        Ok(())
    }
    .await;
    drop(rx);
    let read = match reader.await {
        Ok(read) => read,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => {
            return Err(StoreError::Import(ImportError::Io { file: "import".into(), error: std::io::Error::other(e) }));
        }
    };
    written?;
    read?;
    w.finish(&[]).await
}

/// Refuses the import when a visit names a patient the store does not hold (the streamed
/// importers write with foreign-key enforcement off; their readers already refuse such
/// rows with the file and line, so this is the store's own last check).
pub(crate) async fn check_visit_patients(conn: &mut SqliteConnection) -> Result<()> {
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM visits v WHERE NOT EXISTS (SELECT 1 FROM patients p WHERE p.id = v.patient_id)",
    )
    .fetch_one(&mut *conn)
    .await?;
    if orphans > 0 {
        return Err(StoreError::Conflict(format!("{orphans} imported visits name a patient that is not in the store")));
    }
    Ok(())
}

/// The one writer every importer shares. Patients, then visits, then their children
/// arrive in chunks, so a streaming importer holds only a chunk or two in memory; the
/// writer keeps the map from admission id to visit row id (one entry per visit of the
/// import) and the set of distinct diagnosis/procedure codes. Conflicts with data from
/// another source are counted over the whole stage and refused when the next stage
/// starts, naming how many rows clash. `finish` writes the remaining titles and the audit
/// event. Everything happens inside the caller's transaction.
pub struct BatchWriter<'c> {
    conn: &'c mut SqliteConnection,
    mapper: &'c AtcMapper,
    progress: &'c dyn Progress,
    ids: HashMap<String, i64>,
    /// Distinct diagnosis/procedure codes written (bounded by the code vocabulary).
    codes: HashSet<Code>,
    /// Patients of this import whose id belongs to another source.
    clashes: u64,
    /// Admissions of this import that belong to another patient in the store.
    moved: u64,
    /// `CREATE INDEX` statements of the child tables' indexes dropped for the bulk load
    /// (`None` until the first child row arrives); `finish` rebuilds them.
    deferred_indexes: Option<Vec<String>>,
    pub summary: ImportSummary,
}

impl std::fmt::Debug for BatchWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWriter").field("summary", &self.summary).finish_non_exhaustive()
    }
}

impl<'c> BatchWriter<'c> {
    /// A writer that has written nothing yet.
    pub async fn start(
        conn: &'c mut SqliteConnection,
        source: &str,
        mapper: &'c AtcMapper,
        progress: &'c dyn Progress,
    ) -> Result<BatchWriter<'c>> {
        Ok(BatchWriter {
            conn,
            mapper,
            progress,
            ids: HashMap::new(),
            codes: HashSet::new(),
            clashes: 0,
            moved: 0,
            deferred_indexes: None,
            summary: ImportSummary { source: source.to_owned(), ..Default::default() },
        })
    }

    /// Starts a writer and writes all `patients` and `visits` (clearing the children of
    /// re-imported visits); conflicts are refused before it returns.
    pub async fn begin(
        conn: &'c mut SqliteConnection,
        source: &str,
        patients: &[Patient],
        visits: &[VisitHeader],
        mapper: &'c AtcMapper,
        progress: &'c dyn Progress,
    ) -> Result<BatchWriter<'c>> {
        let mut w = BatchWriter::start(conn, source, mapper, progress).await?;
        progress.stage("patients", Some(patients.len() as u64));
        for chunk in patients.chunks(CHUNK) {
            w.patients(chunk).await?;
        }
        progress.stage("visits", Some(visits.len() as u64));
        for chunk in visits.chunks(CHUNK) {
            w.visits(chunk).await?;
        }
        w.refuse_conflicts()?;
        Ok(w)
    }

    /// Writes one streamed chunk.
    pub async fn write(&mut self, part: Part) -> Result<()> {
        match part {
            Part::Patients(v) => self.patients(&v).await,
            Part::Visits(v) => self.visits(&v).await,
            Part::Diagnoses(v) => self.events("diagnoses", v).await,
            Part::Procedures(v) => self.events("procedures", v).await,
            Part::Prescriptions(v) => self.prescriptions_owned(v).await,
            Part::Titles(v) => self.titles(&v).await,
            Part::Skipped(n) => {
                self.summary.skipped_rows += n;
                Ok(())
            }
        }
    }

    fn refuse_patient_clashes(&self) -> Result<()> {
        if self.clashes > 0 {
            return Err(StoreError::Conflict(format!(
                "{} patient id(s) of this {} import already belong to patients from another source; import each cohort into its own store (--db)",
                self.clashes, self.summary.source
            )));
        }
        Ok(())
    }

    fn refuse_conflicts(&self) -> Result<()> {
        self.refuse_patient_clashes()?;
        if self.moved > 0 {
            return Err(StoreError::Conflict(format!(
                "{} admission id(s) of this {} import already belong to another patient in this store",
                self.moved, self.summary.source
            )));
        }
        Ok(())
    }

    /// Upserts a chunk of patients. Ids another source already uses are counted (and
    /// refused when the visits start), never taken over.
    pub async fn patients(&mut self, patients: &[Patient]) -> Result<()> {
        let source = self.summary.source.clone();
        for chunk in patients.chunks(MAX_PARAMS) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT id FROM patients WHERE source <> ");
            qb.push_bind(source.clone()).push(" AND id IN (");
            let mut sep = qb.separated(", ");
            for p in chunk {
                sep.push_bind(p.id.clone());
            }
            qb.push(")");
            let theirs: HashSet<String> = qb
                .build_query_scalar::<String>()
                .persistent(false)
                .fetch_all(&mut *self.conn)
                .await?
                .into_iter()
                .collect();
            self.clashes += chunk.iter().filter(|p| theirs.contains(&p.id)).count() as u64;
        }
        bulk_insert(self.conn, "INSERT INTO patients (id, source, sex, birth_year, synthetic) ", 5, patients,
            " ON CONFLICT (id) DO UPDATE SET sex = excluded.sex, birth_year = excluded.birth_year, synthetic = excluded.synthetic",
            |b, p| {
                b.push_bind(p.id.clone()).push_bind(source.clone()).push_bind(p.sex.as_str()).push_bind(p.birth_year).push_bind(p.synthetic);
            }).await?;
        self.summary.patients += patients.len() as u64;
        self.progress.advance(patients.len() as u64);
        Ok(())
    }

    /// Upserts a chunk of visits and clears the children of those already stored (a
    /// re-imported visit's rows are replaced). An admission id may not move to another
    /// patient: such rows are counted and refused when the children start.
    pub async fn visits(&mut self, visits: &[VisitHeader]) -> Result<()> {
        self.refuse_patient_clashes()?;
        let mut known: Vec<String> = Vec::new();
        for chunk in visits.chunks(MAX_PARAMS) {
            let mut qb: QueryBuilder<Sqlite> =
                QueryBuilder::new("SELECT admission_id, patient_id FROM visits WHERE admission_id IN (");
            let mut sep = qb.separated(", ");
            for v in chunk {
                sep.push_bind(v.admission_id.clone());
            }
            qb.push(")");
            let stored: HashMap<String, String> = qb
                .build_query_as::<(String, String)>()
                .persistent(false)
                .fetch_all(&mut *self.conn)
                .await?
                .into_iter()
                .collect();
            for v in chunk {
                match stored.get(&v.admission_id) {
                    Some(p) if *p != v.patient_id => self.moved += 1,
                    Some(_) => known.push(v.admission_id.clone()),
                    None => {}
                }
            }
        }
        for chunk in visits.chunks(MAX_PARAMS / 9) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO visits (admission_id, patient_id, admit_time, discharge_time, admission_type, insurance, language, marital_status, race) ",
            );
            qb.push_values(chunk, |mut b, v| {
                b.push_bind(v.admission_id.clone())
                    .push_bind(v.patient_id.clone())
                    .push_bind(v.admit_time.to_string())
                    .push_bind(v.discharge_time.map(|t| t.to_string()))
                    .push_bind(v.profile.admission_type.clone())
                    .push_bind(v.profile.insurance.clone())
                    .push_bind(v.profile.language.clone())
                    .push_bind(v.profile.marital_status.clone())
                    .push_bind(v.profile.race.clone());
            });
            qb.push(
                " ON CONFLICT (admission_id) DO UPDATE SET admit_time = excluded.admit_time, discharge_time = excluded.discharge_time, \
                  admission_type = excluded.admission_type, insurance = excluded.insurance, language = excluded.language, \
                  marital_status = excluded.marital_status, race = excluded.race RETURNING admission_id, id",
            );
            let rows = qb.build_query_as::<(String, i64)>().persistent(false).fetch_all(&mut *self.conn).await?;
            self.ids.extend(rows);
        }
        // Replace the children of every re-imported visit.
        let ours: Vec<i64> = known.iter().filter_map(|a| self.ids.get(a).copied()).collect();
        for chunk in ours.chunks(MAX_PARAMS) {
            for table in ["diagnoses", "procedures", "prescriptions"] {
                let mut qb: QueryBuilder<Sqlite> =
                    QueryBuilder::new(format!("DELETE FROM {table} WHERE visit_id IN ("));
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build().persistent(false).execute(&mut *self.conn).await?;
            }
        }
        self.summary.visits += visits.len() as u64;
        self.progress.advance(visits.len() as u64);
        Ok(())
    }

    /// Before the first child row: the indexes of each child table that is still empty
    /// are dropped, to be rebuilt by [`BatchWriter::finish`] in one sorted pass. Row by
    /// row, a large import would insert into them in random order (a source is ordered by
    /// patient, not by our visit ids or codes), which costs a page miss per row once the
    /// indexes outgrow SQLite's page cache. Tables that already hold rows keep their
    /// indexes (rebuilding them would cost more than a small import saves). Schema
    /// changes are transactional in SQLite: a failed import gets its indexes back.
    async fn defer_indexes(&mut self) -> Result<()> {
        if self.deferred_indexes.is_some() {
            return Ok(());
        }
        let mut deferred = Vec::new();
        for table in ["diagnoses", "procedures", "prescriptions"] {
            let empty: bool = sqlx::query_scalar(&format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"))
                .fetch_one(&mut *self.conn)
                .await?;
            if !empty {
                continue;
            }
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
            )
            .bind(table)
            .fetch_all(&mut *self.conn)
            .await?;
            for (name, sql) in indexes {
                sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))).execute(&mut *self.conn).await?;
                deferred.push(sql);
            }
        }
        self.deferred_indexes = Some(deferred);
        Ok(())
    }

    /// Upserts a chunk of code titles.
    pub async fn titles(&mut self, titles: &[(Code, String)]) -> Result<()> {
        self.refuse_conflicts()?;
        crate::repo::upsert_titles(self.conn, titles, &self.summary.source).await?;
        self.summary.titles += titles.len() as u64;
        self.progress.advance(titles.len() as u64);
        Ok(())
    }

    fn visit_id(&self, admission_id: &str) -> Result<i64> {
        self.ids.get(admission_id).copied().ok_or_else(|| {
            StoreError::Conflict("an imported row refers to an admission that this import does not write".into())
        })
    }

    pub async fn diagnoses(&mut self, events: &[CodedEvent]) -> Result<()> {
        self.events("diagnoses", events.to_vec()).await
    }

    pub async fn procedures(&mut self, events: &[CodedEvent]) -> Result<()> {
        self.events("procedures", events.to_vec()).await
    }

    async fn events(&mut self, table: &str, events: Vec<CodedEvent>) -> Result<()> {
        self.refuse_conflicts()?;
        self.defer_indexes().await?;
        let n = events.len() as u64;
        let procedures = table == "procedures";
        let head = format!(
            "INSERT INTO {table} (visit_id, seq_num, system, code{}) ",
            if procedures { ", chart_date" } else { "" }
        );
        let columns = if procedures { 5 } else { 4 };
        let mut rows: Vec<(i64, CodedEvent)> = Vec::with_capacity(events.len());
        for e in events {
            if !self.codes.contains(&e.code) {
                self.codes.insert(e.code.clone());
            }
            rows.push((self.visit_id(&e.admission_id)?, e));
        }
        bulk_insert_owned(self.conn, &head, columns, rows, |b, (id, e)| {
            b.push_bind(id)
                .push_bind(e.seq_num)
                .push_bind(e.code.system().as_str())
                .push_bind(e.code.value().to_owned());
            if procedures {
                b.push_bind(e.date.map(|d| d.date_string()));
            }
        })
        .await?;
        if procedures {
            self.summary.procedures += n;
        } else {
            self.summary.diagnoses += n;
        }
        self.progress.advance(n);
        Ok(())
    }

    pub async fn prescriptions(&mut self, chunk: &[RawPrescription]) -> Result<()> {
        self.prescriptions_owned(chunk.to_vec()).await
    }

    async fn prescriptions_owned(&mut self, chunk: Vec<RawPrescription>) -> Result<()> {
        self.refuse_conflicts()?;
        self.defer_indexes().await?;
        let n = chunk.len() as u64;
        let summary = &mut self.summary;
        let mut mapped: Vec<(i64, Prescription, String, Mapped)> = Vec::with_capacity(chunk.len());
        for raw in chunk {
            let p = &raw.prescription;
            let key = normalise_drug_name(&p.drug);
            let m = match &p.medication {
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
            let id = self.ids.get(&raw.admission_id).copied().ok_or_else(|| {
                StoreError::Conflict("an imported row refers to an admission that this import does not write".into())
            })?;
            mapped.push((id, raw.prescription, key, m));
        }
        bulk_insert_owned(self.conn,
            "INSERT INTO prescriptions (visit_id, drug, drug_key, ndc, gsn, formulary_code, route, start_time, stop_time, med_system, med_code, map_method) ",
            12, mapped,
            |b, (id, p, key, m)| {
                let (system, code, how) = match m {
                    Some((c, how)) => (Some(c.system().as_str()), Some(c.value().to_owned()), Some(how)),
                    None => (None, None, None),
                };
                b.push_bind(id)
                    .push_bind(p.drug)
                    .push_bind(key)
                    .push_bind(p.ndc)
                    .push_bind(p.gsn)
                    .push_bind(p.formulary_code)
                    .push_bind(p.route)
                    .push_bind(p.start.map(|t| t.to_string()))
                    .push_bind(p.stop.map(|t| t.to_string()))
                    .push_bind(system)
                    .push_bind(code)
                    .push_bind(how);
            }).await?;
        self.summary.prescriptions += n;
        self.progress.advance(n);
        Ok(())
    }

    /// Writes the remaining titles, counts the codes left without one and appends the
    /// audit event.
    pub async fn finish(mut self, titles: &[(Code, String)]) -> Result<ImportSummary> {
        self.refuse_conflicts()?;
        if !titles.is_empty() {
            self.progress.stage("titles", Some(titles.len() as u64));
            for chunk in titles.chunks(CHUNK) {
                self.titles(chunk).await?;
            }
        }
        let BatchWriter { conn, progress, codes, mut summary, deferred_indexes, .. } = self;
        let deferred_indexes = deferred_indexes.unwrap_or_default();
        if !deferred_indexes.is_empty() {
            // SQLite's sorter may hold as much as the page cache: a smaller cache while
            // sorting keeps the two from adding up (the streamed import restores its own).
            let cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *conn).await?;
            if cache < -SORT_CACHE_KIB {
                sqlx::query(&format!("PRAGMA cache_size = -{SORT_CACHE_KIB}")).execute(&mut *conn).await?;
            }
            progress.stage("indexes", Some(deferred_indexes.len() as u64));
            for sql in deferred_indexes {
                sqlx::query(&sql).execute(&mut *conn).await?;
                progress.advance(1);
            }
        }

        // Codes no dictionary titles (this import's or an earlier one's).
        let titled = crate::repo::titled_codes(conn).await?;
        summary.codes_without_title =
            codes.iter().filter(|c| !titled.contains(&(c.system().as_str().to_owned(), c.value().to_owned()))).count()
                as u64;

        crate::repo::append_audit(
            &mut *conn,
            &crate::actor::current_actor(),
            "import",
            &serde_json::to_value(&summary).unwrap_or_default(),
        )
        .await?;
        progress.finish();
        Ok(summary)
    }
}
