//! Patients: the list, and records with every visit, code, prescription and title.
//!
//! A request reads each table once (one patient's rows, or everyone's) through the `*Row`
//! structs below and groups the rows by visit and patient in memory: every record of the
//! store costs six queries, and one patient's record one (each table's rows as a JSON
//! array, so the whole record crosses from SQLite's thread in one hand-off, not one per row).

use std::collections::{BTreeMap, HashMap, HashSet};

use futures_util::TryStreamExt;
use leader_core::{Code, CodeSystem, Patient, Prescription, Profile, Sex, Timestamp, Visit};
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Connection, SqliteConnection};

use crate::Store;
use crate::error::{Result, StoreError};
use crate::repo::codes::titles_of;

/// A row of `leader patient list`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct PatientSummary {
    pub id: String,
    pub source: String,
    pub sex: Sex,
    /// Age at the latest visit.
    pub age: Option<i32>,
    pub visits: i64,
    pub last_visit: Option<String>,
    pub synthetic: bool,
}

/// A patient with every visit in time order, and the titles of the codes they carry.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PatientRecord {
    pub patient: Patient,
    pub visits: Vec<Visit>,
    /// `SYSTEM:VALUE` → title, for every titled code of this patient.
    pub titles: BTreeMap<String, String>,
}

/// A `patient_summaries` row, read as a JSON array (see [`list_patients`]).
#[derive(serde::Deserialize)]
struct PatientSummaryRow {
    position: i64,
    id: String,
    source: String,
    sex: String,
    birth_year: Option<i64>,
    synthetic: i64,
    visits: i64,
    last_visit: Option<String>,
}

impl TryFrom<PatientSummaryRow> for PatientSummary {
    type Error = StoreError;

    fn try_from(r: PatientSummaryRow) -> Result<PatientSummary> {
        let last: Option<Timestamp> = r.last_visit.as_deref().map(parse_stored_time).transpose()?;
        Ok(PatientSummary {
            age: r.birth_year.zip(last).map(|(b, t)| (t.year() - b as i32).clamp(0, 90)),
            sex: parse_sex(&r.sex)?,
            id: r.id,
            source: r.source,
            visits: r.visits,
            last_visit: last.map(|t| t.date_string()),
            synthetic: r.synthetic != 0,
        })
    }
}

// Each `*Row` reads from a result row (`FromRow`) and, fields in column order, from a JSON
// array (`Deserialize`).
#[derive(sqlx::FromRow, serde::Deserialize)]
struct PatientRow {
    id: String,
    source: String,
    sex: String,
    birth_year: Option<i64>,
    synthetic: i64,
}

impl TryFrom<PatientRow> for Patient {
    type Error = StoreError;

    fn try_from(r: PatientRow) -> Result<Patient> {
        Ok(Patient {
            sex: parse_sex(&r.sex)?,
            id: r.id,
            source: r.source,
            birth_year: r.birth_year.map(|y| y as i32),
            synthetic: r.synthetic != 0,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct VisitRow {
    id: i64,
    patient_id: String,
    admission_id: String,
    admit_time: String,
    discharge_time: Option<String>,
    admission_type: Option<String>,
    insurance: Option<String>,
    language: Option<String>,
    marital_status: Option<String>,
    race: Option<String>,
}

impl TryFrom<VisitRow> for Visit {
    type Error = StoreError;

    fn try_from(v: VisitRow) -> Result<Visit> {
        Ok(Visit {
            admit_time: parse_stored_time(&v.admit_time)?,
            discharge_time: v.discharge_time.as_deref().map(parse_stored_time).transpose()?,
            admission_id: v.admission_id,
            profile: Profile {
                admission_type: v.admission_type,
                insurance: v.insurance,
                language: v.language,
                marital_status: v.marital_status,
                race: v.race,
            },
            diagnoses: Vec::new(),
            procedures: Vec::new(),
            prescriptions: Vec::new(),
        })
    }
}

/// A diagnosis or procedure row with its code's title.
#[derive(sqlx::FromRow, serde::Deserialize)]
struct CodedRow {
    visit_id: i64,
    system: String,
    code: String,
    title: Option<String>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct PrescriptionRow {
    visit_id: i64,
    drug: String,
    ndc: Option<String>,
    gsn: Option<String>,
    formulary_code: Option<String>,
    route: Option<String>,
    start_time: Option<String>,
    stop_time: Option<String>,
    med_system: Option<String>,
    med_code: Option<String>,
}

impl TryFrom<PrescriptionRow> for Prescription {
    type Error = StoreError;

    fn try_from(r: PrescriptionRow) -> Result<Prescription> {
        let medication = match (r.med_system.as_deref(), r.med_code.as_deref()) {
            (Some(s), Some(c)) => Some(stored_code(s, c, "prescriptions")?),
            _ => None,
        };
        let time = |t: Option<String>| t.as_deref().map(parse_stored_time).transpose();
        Ok(Prescription {
            drug: r.drug,
            ndc: r.ndc,
            gsn: r.gsn,
            formulary_code: r.formulary_code,
            route: r.route,
            start: time(r.start_time)?,
            stop: time(r.stop_time)?,
            medication,
        })
    }
}

fn parse_sex(s: &str) -> Result<Sex> {
    match s {
        "F" => Ok(Sex::Female),
        "M" => Ok(Sex::Male),
        "U" => Ok(Sex::Unknown),
        _ => Err(StoreError::Corrupt { table: "patients", column: "sex", problem: "not F, M or U".into() }),
    }
}

fn parse_stored_time(s: &str) -> Result<Timestamp> {
    s.parse().map_err(|_| StoreError::Corrupt {
        table: "visits",
        column: "admit_time",
        problem: "not a timestamp".into(),
    })
}

fn stored_code(system: &str, value: &str, table: &'static str) -> Result<Code> {
    let system: CodeSystem = system.parse().map_err(|_| StoreError::Corrupt {
        table,
        column: "system",
        problem: "unknown code system".into(),
    })?;
    Code::new(system, value).map_err(|_| StoreError::Corrupt {
        table,
        column: "code",
        problem: format!("invalid {system} code"),
    })
}

/// Whether `patient_summaries` reflects the latest import (every write of patients and
/// visits is an import, and every import appends an `import` audit event).
const SUMMARIES_FRESH: &str = "SELECT (SELECT value FROM settings WHERE key = 'patient_summaries') \
     IS (SELECT CAST(MAX(id) AS TEXT) FROM audit_log WHERE kind = 'import')";

/// Rebuilds `patient_summaries` from `patients` and `visits`, stamped with the latest
/// import, inside the caller's transaction (an import's, or one of its own).
pub(crate) async fn refresh_summaries(conn: &mut SqliteConnection) -> Result<()> {
    sqlx::query("DELETE FROM patient_summaries").execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO patient_summaries (id, source, sex, birth_year, synthetic, visits, last_visit) \
         SELECT p.id, p.source, p.sex, p.birth_year, p.synthetic, COUNT(v.id), MAX(v.admit_time) \
         FROM patients p LEFT JOIN visits v ON v.patient_id = p.id GROUP BY p.id ORDER BY p.synthetic DESC, p.id",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM settings WHERE key = 'patient_summaries'").execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO settings (key, value) SELECT 'patient_summaries', CAST(MAX(id) AS TEXT) FROM audit_log \
         WHERE kind = 'import' HAVING MAX(id) IS NOT NULL",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The patient list, from `patient_summaries` (rebuilt first when an import has run since).
/// The rows come back as one JSON array: one row through the driver instead of one per
/// patient, which at 100,000 patients is most of the time a row-by-row read would take.
async fn list_patients(conn: &mut SqliteConnection) -> Result<Vec<PatientSummary>> {
    let fresh: bool = sqlx::query_scalar(SUMMARIES_FRESH).fetch_one(&mut *conn).await?;
    if !fresh {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        if !sqlx::query_scalar::<_, bool>(SUMMARIES_FRESH).fetch_one(&mut *tx).await? {
            refresh_summaries(&mut tx).await?;
        }
        tx.commit().await?;
    }
    let json: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(position, id, source, sex, birth_year, synthetic, visits, last_visit)) \
         FROM patient_summaries",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut rows: Vec<PatientSummaryRow> = serde_json::from_str(&json).map_err(|_| StoreError::Corrupt {
        table: "patient_summaries",
        column: "*",
        problem: "not the list's columns".into(),
    })?;
    // A table scan gives rowid order already (an ORDER BY inside the aggregate would sort
    // again); this keeps the order explicit at the cost of one pass over sorted rows.
    rows.sort_by_key(|r| r.position);
    rows.into_iter().map(PatientSummary::try_from).collect()
}

/// Whose records a request reads.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// One patient, visits or not.
    Patient(&'a str),
    /// Every patient with visits.
    WithVisits,
}

/// The SQL reading `$columns` of `$from` in `$order`: for [`Scope::Patient`] (`$one`
/// limits it to the patient `?1`) as one JSON array of rows, each an array of the columns;
/// for [`Scope::WithVisits`] (`$all`) as rows.
macro_rules! scoped {
    ($columns:literal, $from:literal, $one:literal, $all:literal, $order:literal) => {
        [
            concat!(
                "(SELECT json_group_array(json_array(",
                $columns,
                ") ORDER BY ",
                $order,
                ") FROM ",
                $from,
                " ",
                $one,
                ")"
            ),
            concat!("SELECT ", $columns, " FROM ", $from, " ", $all, " ORDER BY ", $order),
        ]
    };
}

const PATIENTS: [&str; 2] = scoped!(
    "id, source, sex, birth_year, synthetic",
    "patients",
    "WHERE id = ?1",
    "WHERE id IN (SELECT patient_id FROM visits)",
    "id"
);
const VISITS: [&str; 2] = scoped!(
    "id, patient_id, admission_id, admit_time, discharge_time, admission_type, insurance, language, marital_status, race",
    "visits",
    "WHERE patient_id = ?1",
    "",
    "patient_id, admit_time, id"
);
// Tables whose rows belong to a visit (aliased `x`).
const DIAGNOSES: [&str; 2] = scoped!(
    "x.visit_id, x.system, x.code, t.title",
    "diagnoses x LEFT JOIN code_titles t ON t.system = x.system AND t.code = x.code",
    "JOIN visits v ON v.id = x.visit_id WHERE v.patient_id = ?1",
    "",
    "x.visit_id, x.seq_num"
);
const PROCEDURES: [&str; 2] = scoped!(
    "x.visit_id, x.system, x.code, t.title",
    "procedures x LEFT JOIN code_titles t ON t.system = x.system AND t.code = x.code",
    "JOIN visits v ON v.id = x.visit_id WHERE v.patient_id = ?1",
    "",
    "x.visit_id, x.seq_num"
);
const PRESCRIPTIONS: [&str; 2] = scoped!(
    "x.visit_id, x.drug, x.ndc, x.gsn, x.formulary_code, x.route, x.start_time, x.stop_time, x.med_system, x.med_code",
    "prescriptions x",
    "JOIN visits v ON v.id = x.visit_id WHERE v.patient_id = ?1",
    "",
    "x.id"
);

/// The tables above in the order [`load_records`] reads them.
const TABLES: [([&str; 2], &str); 5] = [
    (PATIENTS, "patients"),
    (VISITS, "visits"),
    (DIAGNOSES, "diagnoses"),
    (PROCEDURES, "procedures"),
    (PRESCRIPTIONS, "prescriptions"),
];

/// Where [`load_records`] reads rows from.
enum Rows<'c> {
    /// One patient's rows of every table, fetched in one query: a JSON array per table.
    One([String; 5]),
    /// Every patient's rows, one query per table, streamed.
    All(&'c mut SqliteConnection),
}

impl<'c> Rows<'c> {
    async fn open(conn: &'c mut SqliteConnection, scope: Scope<'_>) -> Result<Rows<'c>> {
        static ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!("SELECT {}", TABLES.iter().map(|(sql, _)| sql[0]).collect::<Vec<_>>().join(", "))
        });
        match scope {
            Scope::Patient(id) => {
                let (a, b, c, d, e) = sqlx::query_as(&ONE).bind(id).fetch_one(&mut *conn).await?;
                Ok(Rows::One([a, b, c, d, e]))
            }
            Scope::WithVisits => Ok(Rows::All(conn)),
        }
    }

    /// Hands `each` every row of table `t` (an index into [`TABLES`]), as they come when
    /// streaming (never the whole table at once: a store's prescriptions can be millions).
    async fn each<R>(&mut self, t: usize, mut each: impl FnMut(R) -> Result<()>) -> Result<()>
    where
        R: for<'r> sqlx::FromRow<'r, SqliteRow> + serde::de::DeserializeOwned + Send + Unpin,
    {
        let (sql, table) = TABLES[t];
        match self {
            Rows::One(json) => {
                let rows: Vec<R> = serde_json::from_str(&json[t]).map_err(|_| StoreError::Corrupt {
                    table,
                    column: "*",
                    problem: "not the record's columns".into(),
                })?;
                rows.into_iter().try_for_each(each)
            }
            Rows::All(conn) => {
                let mut rows = sqlx::query_as(sql[1]).fetch(&mut **conn);
                while let Some(row) = rows.try_next().await? {
                    each(row)?;
                }
                Ok(())
            }
        }
    }
}

/// The records of `scope`, in patient id order: one query per table, grouped in memory.
async fn load_records(conn: &mut SqliteConnection, scope: Scope<'_>) -> Result<Vec<PatientRecord>> {
    let mut records = Vec::new();
    let mut by_patient: HashMap<String, usize> = HashMap::new();
    let mut rows = Rows::open(conn, scope).await?;
    rows.each(0, |p: PatientRow| {
        by_patient.insert(p.id.clone(), records.len());
        records.push(PatientRecord { patient: Patient::try_from(p)?, visits: Vec::new(), titles: BTreeMap::new() });
        Ok(())
    })
    .await?;
    if records.is_empty() {
        return Ok(records);
    }

    // Visit row id -> (record, visit) positions.
    let mut by_visit: HashMap<i64, (usize, usize)> = HashMap::new();
    rows.each(1, |v: VisitRow| {
        let (id, patient) = (v.id, by_patient.get(&v.patient_id).copied());
        let visit = Visit::try_from(v)?;
        if let Some(r) = patient {
            by_visit.insert(id, (r, records[r].visits.len()));
            records[r].visits.push(visit);
        }
        Ok(())
    })
    .await?;

    for (t, procedures) in [(2, false), (3, true)] {
        let table = TABLES[t].1;
        rows.each(t, |row: CodedRow| {
            let code = stored_code(&row.system, &row.code, table)?;
            if let Some(&(r, v)) = by_visit.get(&row.visit_id) {
                let record = &mut records[r];
                if let Some(t) = row.title {
                    record.titles.insert(code.to_string(), t);
                }
                let visit = &mut record.visits[v];
                if procedures { &mut visit.procedures } else { &mut visit.diagnoses }.push(code);
            }
            Ok(())
        })
        .await?;
    }

    let mut medications: HashSet<Code> = HashSet::new();
    rows.each(4, |row: PrescriptionRow| {
        let visit_id = row.visit_id;
        let prescription = Prescription::try_from(row)?;
        if let Some(&(r, v)) = by_visit.get(&visit_id) {
            if let Some(m) = prescription.medication.as_ref().filter(|m| !medications.contains(*m)) {
                medications.insert(m.clone());
            }
            records[r].visits[v].prescriptions.push(prescription);
        }
        Ok(())
    })
    .await?;

    // Titles of the medication classes and of their ATC level 3, in one query.
    let titled: Vec<Code> = medications
        .iter()
        .flat_map(|m| [Some(m.clone()), m.at_atc_level(3)])
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    drop(rows);
    let titles = titles_of(conn, &titled).await?;
    if !titles.is_empty() {
        for record in &mut records {
            let codes: HashSet<&Code> = record
                .visits
                .iter()
                .flat_map(|v| v.prescriptions.iter().filter_map(|p| p.medication.as_ref()))
                .collect();
            for m in codes {
                for c in [Some(m.clone()), m.at_atc_level(3)].into_iter().flatten() {
                    let key = c.to_string();
                    if let Some(t) = titles.get(&key) {
                        record.titles.insert(key, t.clone());
                    }
                }
            }
        }
    }
    Ok(records)
}

impl Store {
    /// `leader patient list`: every patient with their visit count and latest visit.
    pub async fn patients(&self) -> Result<Vec<PatientSummary>> {
        let mut conn = self.conn().await?;
        list_patients(&mut conn).await
    }

    /// One patient's record; [`StoreError::NotFound`] when the store has no such patient.
    pub async fn patient(&self, id: &str) -> Result<PatientRecord> {
        let mut conn = self.conn().await?;
        load_records(&mut conn, Scope::Patient(id))
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound("no patient with that id in this store".into()))
    }

    /// Every patient's record (for evaluation and dataset export), in id order; patients
    /// without a visit are left out.
    pub async fn all_patients(&self) -> Result<Vec<PatientRecord>> {
        let mut conn = self.conn().await?;
        load_records(&mut conn, Scope::WithVisits).await
    }
}
