//! MIMIC-IV 2.x (`hosp/`) and MIMIC-III v1.4 importers.
//!
//! One reader serves both: file and column names are matched case-insensitively and the
//! few differences are told apart by the header (`icd_version` vs `icd9_code`,
//! `anchor_age`/`anchor_year` vs `dob`, `race` vs `ethnicity`, `starttime` vs
//! `startdate`). Only this module assumes ICD codes.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use leader_core::{CodeSystem, Patient, Prescription, Profile, Sex};

use sqlx::SqliteConnection;

use super::atc::AtcMapper;
use super::{Batch, Chunker, CodedEvent, ImportSummary, Part, Progress, RawPrescription, Sink, VisitHeader};
use crate::csvio::{Row, Table, find_table, require_table};
use crate::error::{ImportError, Result};

/// Which MIMIC release a folder holds; it names the source and fixes the ICD systems
/// used when a table has no `icd_version` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MimicVersion {
    Iv,
    Iii,
}

impl MimicVersion {
    pub fn source(self) -> &'static str {
        match self {
            MimicVersion::Iv => "mimic-iv",
            MimicVersion::Iii => "mimic-iii",
        }
    }
}

/// `leader import mimic-iv|mimic-iii DIR` inside the caller's transaction, streamed:
/// rows are read, validated and written in chunks (see [`super::import_streamed`]).
pub async fn import(
    conn: &mut SqliteConnection,
    dir: &Path,
    version: MimicVersion,
    mapper: &AtcMapper,
    progress: &dyn Progress,
) -> Result<ImportSummary> {
    let dir = dir.to_owned();
    super::import_streamed(conn, version.source(), mapper, progress, move |out| read_mimic_parts(&dir, version, out))
        .await
}

/// Reads a MIMIC folder (MIMIC-IV: the `hosp/` folder or its parent) into one [`Batch`]
/// held in memory (the import itself streams: [`import`]).
pub fn read_mimic(dir: &Path, version: MimicVersion, progress: &dyn Progress) -> Result<Batch> {
    progress.stage("read", None);
    Batch::collect(version.source(), |out| read_mimic_parts(dir, version, out))
}

/// Reads and validates a MIMIC folder table by table, in file order, handing rows to `out`
/// in chunks: patients, admissions, diagnoses, procedures, prescriptions, then the
/// optional dictionaries. Kept in memory: the patient ids and each admission's patient
/// (to check references), nothing per row.
pub fn read_mimic_parts(dir: &Path, version: MimicVersion, out: &mut Sink<'_>) -> Result<(), ImportError> {
    let dir = if find_table(dir, "admissions")?.is_none() && dir.join("hosp").is_dir() {
        dir.join("hosp")
    } else {
        dir.to_owned()
    };
    let source = version.source();

    // patients
    let mut t = Table::open(&require_table(&dir, "patients")?)?;
    let (sid, gender) = (t.col("subject_id")?, t.col("gender")?);
    let anchor = t.opt_col("anchor_age").zip(t.opt_col("anchor_year"));
    let dob = t.opt_col("dob");
    if anchor.is_none() && dob.is_none() {
        return Err(ImportError::MissingColumn {
            file: t.file().to_owned(),
            column: "anchor_age` and `anchor_year` (MIMIC-IV) or `dob` (MIMIC-III)".into(),
        });
    }
    let mut seen_patients: HashSet<i64> = HashSet::new();
    let mut patients = Chunker::new(Part::Patients);
    t.for_each(|r| {
        let id = id_number(r, sid)?;
        let birth_year = match (anchor, dob) {
            (Some((age, year)), _) => {
                let year_v = r.int_in(year, 1..=9999, "the year must be 1 to 9999")?;
                let age_v = r.int_in(age, 0..=MAX_AGE, "the age must be 0 to 130")?;
                Some(birth_year(r, year, year_v, age_v)?)
            }
            // MIMIC-III shifts the birth dates of patients over 89 about 300 years back
            // (years like 1800); `time` only requires a year in 1..=9999.
            (None, Some(dob)) => Some(r.time(dob)?.year()),
            _ => None,
        };
        if !seen_patients.insert(id) {
            return Err(r.error("repeats a patient already listed in this file".into()));
        }
        patients.push(
            Patient {
                id: id.to_string(),
                source: source.to_owned(),
                sex: Sex::parse_lenient(r.req(gender)?),
                birth_year,
                synthetic: false,
            },
            out,
        )
    })?;
    patients.flush(out)?;

    // admissions
    let mut t = Table::open(&require_table(&dir, "admissions")?)?;
    let (sid, hadm, admit) = (t.col("subject_id")?, t.col("hadm_id")?, t.col("admittime")?);
    let disch = t.opt_col("dischtime");
    let (atype, ins, lang, marital) =
        (t.opt_col("admission_type"), t.opt_col("insurance"), t.opt_col("language"), t.opt_col("marital_status"));
    let race = t.opt_col("race").or_else(|| t.opt_col("ethnicity"));
    // admission id -> patient id: the one map kept for the whole import.
    let mut visit_patient: HashMap<i64, i64> = HashMap::new();
    let mut visits = Chunker::new(Part::Visits);
    t.for_each(|r| {
        let patient = id_number(r, sid)?;
        if !seen_patients.contains(&patient) {
            return Err(r.field_error(sid, "names a patient that is not in the patients table".into()));
        }
        let admission = id_number(r, hadm)?;
        if visit_patient.insert(admission, patient).is_some() {
            return Err(r.field_error(hadm, "repeats an admission already listed in this file".into()));
        }
        visits.push(
            VisitHeader {
                admission_id: admission.to_string(),
                patient_id: patient.to_string(),
                admit_time: r.time(admit)?,
                discharge_time: r.opt_time(disch)?,
                profile: Profile {
                    admission_type: r.opt_string(atype),
                    insurance: r.opt_string(ins),
                    language: r.opt_string(lang).filter(|l| l != "?"),
                    marital_status: r.opt_string(marital),
                    race: r.opt_string(race),
                },
            },
            out,
        )
    })?;
    visits.flush(out)?;
    drop(seen_patients);

    // diagnoses and procedures
    for (name, cm, wrap) in [
        ("diagnoses_icd", (CodeSystem::Icd9Cm, CodeSystem::Icd10Cm), Part::Diagnoses as fn(Vec<CodedEvent>) -> Part),
        ("procedures_icd", (CodeSystem::Icd9Pcs, CodeSystem::Icd10Pcs), Part::Procedures),
    ] {
        let mut t = Table::open(&require_table(&dir, name)?)?;
        let (sid, hadm) = (t.col("subject_id")?, t.col("hadm_id")?);
        let seq = t.opt_col("seq_num");
        let code_col = t.col_any(&["icd_code", "icd9_code"])?;
        let version = t.opt_col("icd_version");
        let date = t.opt_col("chartdate");
        let mut events = Chunker::new(wrap);
        let mut skipped = 0;
        let mut order = 0;
        t.for_each(|r| {
            order += 1;
            let admission_id = admission_of(r, sid, hadm, &visit_patient)?;
            if r.opt(code_col).is_none() {
                // MIMIC-III lists some diagnoses without a code; nothing to learn from them.
                skipped += 1;
                return Ok(());
            }
            let system = match version {
                Some(v) => match r.int(v)? {
                    9 => cm.0,
                    10 => cm.1,
                    _ => return Err(r.field_error(v, "must be 9 or 10".into())),
                },
                None => cm.0,
            };
            let seq_num = match seq.filter(|&c| r.opt(c).is_some()) {
                Some(c) => r.int_in(c, 0..=i64::MAX, "must not be negative")?,
                None => order,
            };
            events.push(
                CodedEvent { admission_id, seq_num, code: r.code(code_col, system)?, date: r.opt_time(date)? },
                out,
            )
        })?;
        events.flush(out)?;
        if skipped > 0 {
            out(Part::Skipped(skipped))?;
        }
    }

    // prescriptions
    let mut t = Table::open(&require_table(&dir, "prescriptions")?)?;
    let (sid, hadm, drug) = (t.col("subject_id")?, t.col("hadm_id")?, t.col("drug")?);
    let start = t.opt_col("starttime").or_else(|| t.opt_col("startdate"));
    let stop = t.opt_col("stoptime").or_else(|| t.opt_col("enddate"));
    let (ndc, gsn, form, route) =
        (t.opt_col("ndc"), t.opt_col("gsn"), t.opt_col("formulary_drug_cd"), t.opt_col("route"));
    let mut prescriptions = Chunker::new(Part::Prescriptions);
    t.for_each(|r| {
        let admission_id = admission_of(r, sid, hadm, &visit_patient)?;
        prescriptions.push(
            RawPrescription {
                admission_id,
                prescription: Prescription {
                    drug: r.req(drug)?.to_owned(),
                    ndc: r.opt_string(ndc),
                    gsn: r.opt_string(gsn),
                    formulary_code: r.opt_string(form),
                    route: r.opt_string(route),
                    start: r.opt_time(start)?,
                    stop: r.opt_time(stop)?,
                    medication: None,
                },
            },
            out,
        )
    })?;
    prescriptions.flush(out)?;
    drop(visit_patient);

    // dictionaries (optional)
    for (name, systems) in [
        ("d_icd_diagnoses", (CodeSystem::Icd9Cm, CodeSystem::Icd10Cm)),
        ("d_icd_procedures", (CodeSystem::Icd9Pcs, CodeSystem::Icd10Pcs)),
    ] {
        let Some(path) = find_table(&dir, name)? else { continue };
        let mut t = Table::open(&path)?;
        let code_col = t.col_any(&["icd_code", "icd9_code"])?;
        let version = t.opt_col("icd_version");
        let title = t.col_any(&["long_title", "short_title"])?;
        let mut titles = Chunker::new(Part::Titles);
        t.for_each(|r| {
            let system = match version {
                Some(v) if r.int(v)? == 10 => systems.1,
                _ => systems.0,
            };
            titles.push((r.code(code_col, system)?, r.req(title)?.to_owned()), out)
        })?;
        titles.flush(out)?;
    }
    Ok(())
}

/// The oldest age accepted in `anchor_age` (MIMIC-IV itself caps ages at 91).
const MAX_AGE: i64 = 130;

/// `anchor_year - anchor_age` with checked arithmetic; the result must be a year in
/// 1..=9999 (no overflow, no truncation).
fn birth_year(r: &Row<'_>, year_col: crate::csvio::Col, year: i64, age: i64) -> Result<i32, ImportError> {
    year.checked_sub(age)
        .filter(|b| (1..=9999).contains(b))
        .and_then(|b| i32::try_from(b).ok())
        .ok_or_else(|| r.field_error(year_col, "gives a birth year outside 1 to 9999 with `anchor_age`".into()))
}

/// A de-identified numeric id (`subject_id`, `hadm_id`): a positive whole number.
fn id_number(r: &Row<'_>, col: crate::csvio::Col) -> Result<i64, ImportError> {
    r.int_in(col, 1..=i64::MAX, "an id must be a positive whole number")
}

/// The admission a child row names (kept as text), checked against the admissions table.
fn admission_of(
    r: &Row<'_>,
    sid: crate::csvio::Col,
    hadm: crate::csvio::Col,
    visits: &HashMap<i64, i64>,
) -> Result<String, ImportError> {
    let admission = id_number(r, hadm)?;
    match visits.get(&admission) {
        None => Err(r.field_error(hadm, "names an admission that is not in the admissions table".into())),
        Some(p) if *p != id_number(r, sid)? => {
            Err(r.field_error(sid, "does not match the patient of this admission".into()))
        }
        Some(_) => Ok(admission.to_string()),
    }
}
