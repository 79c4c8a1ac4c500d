//! The Synthea admissions cohort (as shipped by the `medmodels` project): SNOMED CT
//! diagnoses and procedures, RxNorm drugs. Its medication vocabulary is RxNorm itself,
//! which proves nothing downstream assumes ICD or ATC.
//!
//! Synthea gives an age, not a birth date: the birth year is taken as the year of the
//! cohort's latest admission minus that age (documented in ARCHITECTURE.md). Ages must be
//! 0..=130 and the birth year 1..=9999 (checked arithmetic).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use leader_core::{CodeSystem, Patient, Prescription, Profile, Sex};

use sqlx::SqliteConnection;

use super::atc::AtcMapper;
use super::{Batch, Chunker, CodedEvent, ImportSummary, Part, Progress, RawPrescription, Sink, VisitHeader};
use crate::csvio::{Table, find_table, require_table};
use crate::error::{ImportError, Result};

pub const SOURCE: &str = "synthea";

/// `leader import synthea DIR` inside the caller's transaction, streamed (see
/// [`super::import_streamed`]).
pub async fn import(
    conn: &mut SqliteConnection,
    dir: &Path,
    mapper: &AtcMapper,
    progress: &dyn Progress,
) -> Result<ImportSummary> {
    let dir = dir.to_owned();
    super::import_streamed(conn, SOURCE, mapper, progress, move |out| read_synthea_parts(&dir, out)).await
}

/// Reads a Synthea folder into one [`Batch`] held in memory (the import itself streams:
/// [`import`]).
pub fn read_synthea(dir: &Path, progress: &dyn Progress) -> Result<Batch> {
    progress.stage("read synthea", None);
    Batch::collect(SOURCE, |out| read_synthea_parts(dir, out))
}

/// Reads and validates a Synthea folder, handing rows to `out` in chunks. The patients
/// are kept until the latest admission year is known (their birth year depends on it),
/// so `admission.csv` is read twice: once to validate it and find that year, once to
/// hand over the visits after the patients. Kept in memory: the patients, each
/// admission's patient and the drug names; the event rows stream.
pub fn read_synthea_parts(dir: &Path, out: &mut Sink<'_>) -> Result<(), ImportError> {
    let mut t = Table::open(&require_table(dir, "patient")?)?;
    let (pid, gender, age) = (t.col("patient_id")?, t.col("gender")?, t.opt_col("age"));
    let patient_file = t.file().to_owned();
    let mut ages: Vec<(usize, Option<i64>, u64)> = Vec::new();
    let mut known = HashSet::new();
    let mut patients: Vec<Patient> = Vec::new();
    t.for_each(|r| {
        let id = r.req(pid)?.to_owned();
        if !known.insert(id.clone()) {
            return Err(r.error("repeats a patient already listed in this file".into()));
        }
        let a = match age.filter(|&c| r.opt(c).is_some()) {
            Some(c) => Some(r.int_in(c, 0..=130, "the age must be 0 to 130")?),
            None => None,
        };
        ages.push((patients.len(), a, r.line()));
        patients.push(Patient {
            id,
            source: SOURCE.into(),
            sex: Sex::parse_lenient(r.req(gender)?),
            birth_year: None,
            synthetic: true,
        });
        Ok(())
    })?;

    let mut owner: HashMap<String, String> = HashMap::new();
    let mut t = Table::open(&require_table(dir, "patient_admission")?)?;
    let (pid, aid) = (t.col("patient_id")?, t.col("admission_id")?);
    t.for_each(|r| {
        let p = r.req(pid)?.to_owned();
        if !known.contains(&p) {
            return Err(r.field_error(pid, "names a patient that is not in patient.csv".into()));
        }
        if owner.insert(r.req(aid)?.to_owned(), p).is_some() {
            return Err(r.field_error(aid, "links an admission to a second patient".into()));
        }
        Ok(())
    })?;
    drop(known);

    // admission.csv, first pass: validate every row and find the latest admission year.
    let admission_file = require_table(dir, "admission")?;
    let mut latest_year = i32::MIN;
    let mut admissions = 0_u64;
    read_admissions(&admission_file, &owner, |v| {
        latest_year = latest_year.max(v.admit_time.year());
        admissions += 1;
        Ok(())
    })?;
    if latest_year > i32::MIN {
        for (i, age, line) in ages {
            let Some(a) = age else { continue };
            let born = i64::from(latest_year)
                .checked_sub(a)
                .filter(|b| (1..=9999).contains(b))
                .and_then(|b| i32::try_from(b).ok())
                .ok_or_else(|| ImportError::Field {
                    file: patient_file.clone(),
                    line,
                    column: "age".into(),
                    problem: "gives a birth year outside 1 to 9999 with the latest admission".into(),
                })?;
            patients[i].birth_year = Some(born);
        }
    }
    for chunk in patients.chunks(super::CHUNK) {
        out(Part::Patients(chunk.to_vec()))?;
    }
    drop(patients);
    // Second pass: the visits, now that their patients are written.
    let mut visits = Chunker::new(Part::Visits);
    let mut admission_ids: HashSet<String> = HashSet::new();
    read_admissions(&admission_file, &owner, |v| {
        admission_ids.insert(v.admission_id.clone());
        visits.push(v, out)
    })?;
    visits.flush(out)?;
    drop(owner);

    let mut titles = Chunker::new(Part::Titles);
    for (file, code_name, system, wrap) in [
        ("admission_diagnosis", "diagnosis_code", CodeSystem::Snomed, Part::Diagnoses as fn(Vec<CodedEvent>) -> Part),
        ("admission_procedure", "procedure_code", CodeSystem::Snomed, Part::Procedures),
    ] {
        let mut t = Table::open(&require_table(dir, file)?)?;
        let (aid, code, time) = (t.col("admission_id")?, t.col(code_name)?, t.opt_col("time"));
        let mut seq: HashMap<String, i64> = HashMap::new();
        let mut events = Chunker::new(wrap);
        t.for_each(|r| {
            let admission_id = r.req(aid)?.to_owned();
            if !admission_ids.contains(&admission_id) {
                return Err(r.field_error(aid, "names an admission that is not in admission.csv".into()));
            }
            let n = seq.entry(admission_id.clone()).or_default();
            *n += 1;
            events.push(
                CodedEvent { seq_num: *n, code: r.code(code, system)?, date: r.opt_time(time)?, admission_id },
                out,
            )
        })?;
        events.flush(out)?;
    }

    let mut drug_names: HashMap<String, String> = HashMap::new();
    if let Some(path) = find_table(dir, "drug")? {
        let mut t = Table::open(&path)?;
        let (code, desc) = (t.col("drug_code")?, t.col("description")?);
        t.for_each(|r| {
            let c = r.code(code, CodeSystem::RxNorm)?;
            drug_names.insert(c.value().to_owned(), r.req(desc)?.to_owned());
            titles.push((c, r.req(desc)?.to_owned()), out)
        })?;
    }
    let mut t = Table::open(&require_table(dir, "admission_drug")?)?;
    let (aid, code, time) = (t.col("admission_id")?, t.col("drug_code")?, t.opt_col("time"));
    let mut prescriptions = Chunker::new(Part::Prescriptions);
    t.for_each(|r| {
        let admission_id = r.req(aid)?.to_owned();
        if !admission_ids.contains(&admission_id) {
            return Err(r.field_error(aid, "names an admission that is not in admission.csv".into()));
        }
        let c = r.code(code, CodeSystem::RxNorm)?;
        let start = r.opt_time(time)?;
        prescriptions.push(
            RawPrescription {
                admission_id,
                prescription: Prescription {
                    drug: drug_names.get(c.value()).cloned().unwrap_or_else(|| c.to_string()),
                    start,
                    medication: Some(c),
                    ..Prescription::default()
                },
            },
            out,
        )
    })?;
    prescriptions.flush(out)?;

    for (file, col) in [("diagnosis", "diagnosis_code"), ("procedure", "procedure_code")] {
        let Some(path) = find_table(dir, file)? else { continue };
        let mut t = Table::open(&path)?;
        let (code, desc) = (t.col(col)?, t.col("description")?);
        t.for_each(|r| titles.push((r.code(code, CodeSystem::Snomed)?, r.req(desc)?.to_owned()), out))?;
    }
    titles.flush(out)?;
    if admissions == 0 {
        return Err(ImportError::Content { file: "admission.csv".into(), problem: "holds no admissions".into() });
    }
    Ok(())
}

/// Reads `admission.csv`, checking every row and that each admission has a patient.
fn read_admissions(
    path: &Path,
    owner: &HashMap<String, String>,
    mut f: impl FnMut(VisitHeader) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let mut t = Table::open(path)?;
    let (aid, atype, start, end) =
        (t.col("admission_id")?, t.opt_col("admission_type"), t.col("start_time")?, t.opt_col("end_time"));
    t.for_each(|r| {
        let admission_id = r.req(aid)?.to_owned();
        let patient_id = owner
            .get(&admission_id)
            .cloned()
            .ok_or_else(|| r.field_error(aid, "has no patient in patient_admission.csv".into()))?;
        f(VisitHeader {
            admission_id,
            patient_id,
            admit_time: r.time(start)?,
            discharge_time: r.opt_time(end)?,
            profile: Profile { admission_type: r.opt_string(atype).map(|s| s.to_uppercase()), ..Profile::default() },
        })
    })?;
    Ok(())
}
