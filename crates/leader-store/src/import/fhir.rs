//! FHIR R4 importer: a Bulk Data export (`*.ndjson`, `*.ndjson.gz`, one resource per
//! line, any file names: the type is read from each line) and/or JSON Bundles
//! (`transaction`, `batch`, `collection`, `searchset`, `*.json[.gz]`), a folder of them or
//! one file.
//!
//! Two passes, so memory stays bounded by the number of patients, encounters and
//! medications, never by the number of orders or diagnoses:
//! 1. *index*: every file is read once; Patients, Encounters and Medications are kept
//!    (small), every resource is counted by type, and the files that hold Conditions,
//!    Procedures or MedicationRequests are noted. Encounters are then resolved into
//!    hospital stays (visits) and sub-encounters (`partOf`) into their stay.
//! 2. *events*: only the noted files are read again; each Condition, Procedure and
//!    MedicationRequest is resolved to its visit and written in chunks through the shared
//!    [`BatchWriter`], inside the caller's one transaction (a failure rolls everything back).
//!
//! Rules (ARCHITECTURE.md, "FHIR"): references may be `Type/id`, absolute URLs, a Bundle
//! entry's `fullUrl` (`urn:uuid:`) or `#id` of a contained resource. A resource whose
//! Encounter is not in the import, is not a hospital stay, or is a sub-encounter whose
//! type does not fold, is counted under `skipped` with the reason, never refused: Bulk
//! exports are often filtered. What is refused with `file:line` is what cannot be read:
//! malformed JSON, a field of the wrong type, a code that is not valid in its system, a
//! subject that contradicts its Encounter's patient.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use leader_core::drug::normalise_drug_name;
use leader_core::fhir::{FhirSystems, Target, ndc_11};
use leader_core::{Code, CodeSystem, Patient, Prescription, Profile, Sex, Timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;
use sqlx::SqliteConnection;

use super::atc::AtcMapper;
use super::{BatchWriter, CHUNK, CodedEvent, ImportSummary, Progress, RawPrescription, VisitHeader};
use crate::error::{ImportError, Result};

/// The source name of FHIR imports (`patients.source`).
pub const SOURCE: &str = "fhir";

// ------------------------------------------------------------------ resource shapes

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(rename = "resourceType", borrow, default)]
    resource_type: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct Reference {
    reference: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct Coding {
    system: Option<String>,
    code: Option<String>,
    display: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct Concept {
    coding: Vec<Coding>,
    text: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct Identifier {
    system: Option<String>,
    value: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct Period {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Extension {
    url: String,
    value_string: Option<String>,
    value_coding: Option<Coding>,
    extension: Vec<Extension>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Communication {
    language: Option<Concept>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct PatientR {
    id: Option<String>,
    identifier: Vec<Identifier>,
    gender: Option<String>,
    birth_date: Option<String>,
    extension: Vec<Extension>,
    communication: Vec<Communication>,
    marital_status: Option<Concept>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct EncounterR {
    id: Option<String>,
    identifier: Vec<Identifier>,
    class: Option<Coding>,
    period: Option<Period>,
    part_of: Option<Reference>,
    subject: Option<Reference>,
    status: Option<String>,
}

/// A Condition or a Procedure.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct EventR {
    code: Option<Concept>,
    subject: Option<Reference>,
    encounter: Option<Reference>,
    status: Option<String>,
    verification_status: Option<Concept>,
    performed_date_time: Option<String>,
    performed_period: Option<Period>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Ingredient {
    item_reference: Option<Reference>,
    item_codeable_concept: Option<Concept>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct MedicationR {
    id: Option<String>,
    code: Option<Concept>,
    identifier: Vec<Identifier>,
    ingredient: Vec<Ingredient>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Dosage {
    route: Option<Concept>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct DispenseRequest {
    validity_period: Option<Period>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct MedRequestR<'a> {
    status: Option<String>,
    identifier: Vec<Identifier>,
    subject: Option<Reference>,
    encounter: Option<Reference>,
    authored_on: Option<String>,
    medication_reference: Option<Reference>,
    medication_codeable_concept: Option<Concept>,
    dosage_instruction: Vec<Dosage>,
    dispense_request: Option<DispenseRequest>,
    #[serde(borrow)]
    contained: Vec<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct BundleR<'a> {
    #[serde(borrow)]
    entry: Vec<EntryR<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct EntryR<'a> {
    full_url: Option<String>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
struct IdOnly {
    id: Option<String>,
}

// ------------------------------------------------------------------ reading files

/// Where a resource was read: a file's name (never its folder), a line (NDJSON) or a
/// Bundle entry (JSON).
#[derive(Debug, Clone)]
struct Loc {
    file: String,
    line: u64,
    entry: Option<u64>,
}

impl Loc {
    fn error(&self, problem: String) -> ImportError {
        let problem = match self.entry {
            Some(e) => format!("Bundle entry {e}: {problem}"),
            None => problem,
        };
        ImportError::Malformed { file: self.file.clone(), line: self.line, problem }
    }
}

/// A serde error without the offending value (it may be clinical content).
fn json_problem(what: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => format!("{what}: malformed JSON at column {}", e.column()),
        Category::Data => format!("{what}: a field has the wrong type or shape for FHIR R4 (column {})", e.column()),
        Category::Io => format!("{what}: cannot be read"),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The files of an import: `path` itself, or the `.ndjson[.gz]`/`.json[.gz]` files of a
/// folder in name order.
fn list_files(path: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let io = |error| ImportError::Io { file: file_name(path), error };
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        let name = file_name(&p).to_ascii_lowercase();
        let ours = [".ndjson", ".ndjson.gz", ".json", ".json.gz"].iter().any(|x| name.ends_with(x));
        if ours && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(ImportError::Content {
            file: file_name(path),
            problem: "no FHIR files (.ndjson, .ndjson.gz, .json or .json.gz) in the chosen folder".into(),
        });
    }
    Ok(files)
}

fn is_ndjson(path: &Path) -> bool {
    let n = file_name(path).to_ascii_lowercase();
    n.ends_with(".ndjson") || n.ends_with(".ndjson.gz")
}

fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, ImportError> {
    let f = File::open(path).map_err(|error| ImportError::Io { file: file_name(path), error })?;
    let gz = file_name(path).to_ascii_lowercase().ends_with(".gz");
    Ok(if gz { Box::new(BufReader::new(MultiGzDecoder::new(f))) } else { Box::new(BufReader::new(f)) })
}

/// What [`for_each_resource`] calls per resource: its type (read once, by the probe), its
/// JSON text, its location and, for a Bundle entry, the entry's `fullUrl`.
type OnResource<'f> = dyn FnMut(&str, &str, &Loc, Option<&str>) -> Result<()> + 'f;

/// Calls `f` for every resource of a file (Bundle entries, nested Bundles included),
/// with its location and, for Bundle entries, the entry's `fullUrl`.
fn for_each_resource(path: &Path, f: &mut OnResource<'_>) -> Result<()> {
    let file = file_name(path);
    let mut reader = open(path)?;
    if is_ndjson(path) {
        let mut line = String::new();
        let mut n = 0u64;
        loop {
            line.clear();
            let read = reader.read_line(&mut line).map_err(|error| ImportError::Io { file: file.clone(), error })?;
            if read == 0 {
                break;
            }
            n += 1;
            let text = line.trim().trim_start_matches('\u{feff}');
            if text.is_empty() {
                continue;
            }
            let loc = Loc { file: file.clone(), line: n, entry: None };
            visit_resource(text, &loc, None, f)?;
        }
    } else {
        let mut text = String::new();
        reader.read_to_string(&mut text).map_err(|error| ImportError::Io { file: file.clone(), error })?;
        let loc = Loc { file, line: 1, entry: None };
        visit_resource(text.trim().trim_start_matches('\u{feff}'), &loc, None, f)?;
    }
    Ok(())
}

fn visit_resource(text: &str, loc: &Loc, full_url: Option<&str>, f: &mut OnResource<'_>) -> Result<()> {
    let probe: Probe = serde_json::from_str(text).map_err(|e| loc.error(json_problem("resource", &e)))?;
    match probe.resource_type.as_deref() {
        None => Err(loc.error("not a FHIR resource (no resourceType)".into()).into()),
        Some("Bundle") => {
            let b: BundleR = serde_json::from_str(text).map_err(|e| loc.error(json_problem("Bundle", &e)))?;
            for (i, entry) in b.entry.iter().enumerate() {
                let Some(r) = entry.resource else { continue };
                let inner = Loc { entry: Some(i as u64 + 1), ..loc.clone() };
                visit_resource(r.get(), &inner, entry.full_url.as_deref(), f)?;
            }
            Ok(())
        }
        Some(ty) => f(ty, text, loc, full_url),
    }
}

fn parse<'a, T: Deserialize<'a>>(text: &'a str, what: &str, loc: &Loc) -> Result<T, ImportError> {
    serde_json::from_str(text).map_err(|e| loc.error(json_problem(what, &e)))
}

// ------------------------------------------------------------------ references

/// `Type/id` keys of the resources references may point at, and the aliases
/// (`fullUrl`s) Bundle entries give them.
#[derive(Debug, Default)]
struct Refs {
    aliases: HashMap<String, String>,
}

impl Refs {
    /// The `Type/id` a reference names, when it names a resource of type `want`.
    fn resolve(&self, reference: &str, want: &str) -> Option<String> {
        let r = reference.trim();
        if let Some(key) = self.aliases.get(r) {
            return key.strip_prefix(want).is_some_and(|rest| rest.starts_with('/')).then(|| key.clone());
        }
        // `Type/id`, `http://host/fhir/Type/id`, with or without `/_history/n`.
        let r = match r.find("/_history/") {
            Some(i) => &r[..i],
            None => r,
        };
        let mut parts = r.rsplit('/');
        let id = parts.next()?;
        let ty = parts.next()?;
        (ty == want && !id.is_empty()).then(|| format!("{ty}/{id}"))
    }
}

fn key_of(ty: &str, id: Option<&str>, full_url: Option<&str>) -> Option<String> {
    match id {
        Some(id) if !id.is_empty() => Some(format!("{ty}/{id}")),
        _ => full_url.map(|u| format!("{ty}/{u}")),
    }
}

// ------------------------------------------------------------------ pass 1: the index

#[derive(Debug)]
struct EncounterInfo {
    loc: Loc,
    identifier: Option<String>,
    class: Option<String>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    part_of: Option<String>,
    subject: Option<String>,
    status: Option<String>,
}

/// Where a resource recorded on an encounter lands.
#[derive(Debug, Clone)]
enum Placement {
    /// The visit's admission id; `true` when through a sub-encounter.
    Visit(String, bool),
    Skip(&'static str),
}

#[derive(Debug, Default)]
struct Index {
    refs: Refs,
    /// Patient key → our patient id.
    patients: HashMap<String, String>,
    patient_rows: Vec<Patient>,
    /// Patient key → profile fields kept on each visit.
    profiles: HashMap<String, Profile>,
    encounters: HashMap<String, EncounterInfo>,
    medications: HashMap<String, MedicationR>,
    /// Files that hold Conditions, Procedures or MedicationRequests.
    event_files: Vec<PathBuf>,
    resources: BTreeMap<String, u64>,
    // resolved
    visits: Vec<VisitHeader>,
    /// Encounter key → where its resources go.
    placement: HashMap<String, Placement>,
    /// Admission id → our patient id.
    visit_patient: HashMap<String, String>,
}

/// The code systems a diagnosis and a procedure may be coded in.
const DIAGNOSIS_SYSTEMS: [CodeSystem; 3] = [CodeSystem::Icd10Cm, CodeSystem::Icd9Cm, CodeSystem::Snomed];
const PROCEDURE_SYSTEMS: [CodeSystem; 3] = [CodeSystem::Icd10Pcs, CodeSystem::Icd9Pcs, CodeSystem::Snomed];

const EVENT_TYPES: [&str; 3] = ["Condition", "Procedure", "MedicationRequest"];

fn read_index(files: &[PathBuf], systems: &FhirSystems, progress: &dyn Progress) -> Result<Index> {
    let mut ix = Index::default();
    let mut seen_patient_ids: HashMap<String, String> = HashMap::new();
    for path in files {
        progress.stage(&format!("read {}", file_name(path)), None);
        let mut has_events = false;
        let mut count = 0u64;
        for_each_resource(path, &mut |ty, text, loc, full_url| {
            count += 1;
            *ix.resources.entry(ty.to_owned()).or_default() += 1;
            match ty {
                "Patient" => {
                    let p: PatientR = parse(text, "Patient", loc)?;
                    let Some(key) = key_of("Patient", p.id.as_deref(), full_url) else {
                        return Err(loc.error("a Patient has neither an id nor a fullUrl".into()).into());
                    };
                    if let Some(u) = full_url {
                        ix.refs.aliases.insert(u.to_owned(), key.clone());
                    }
                    let id = identifier_value(&p.identifier, systems.patient_identifier.as_deref())
                        .or(p.id.clone())
                        .ok_or_else(|| loc.error("a Patient has no id".into()))?;
                    check_text(&id, "Patient id", loc)?;
                    if let Some(other) = seen_patient_ids.insert(id.clone(), key.clone())
                        && other != key
                    {
                        return Err(loc.error("two Patients carry the same patient id".into()).into());
                    }
                    if ix.patients.insert(key.clone(), id.clone()).is_none() {
                        let birth_year = match p.birth_date.as_deref() {
                            Some(d) => Some(birth_year(d).ok_or_else(|| {
                                loc.error("Patient.birthDate is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)".into())
                            })?),
                            None => None,
                        };
                        ix.patient_rows.push(Patient {
                            id,
                            source: SOURCE.into(),
                            sex: p.gender.as_deref().map(Sex::parse_lenient).unwrap_or(Sex::Unknown),
                            birth_year,
                            synthetic: false,
                        });
                        ix.profiles.insert(key, patient_profile(&p));
                    }
                }
                "Encounter" => {
                    let e: EncounterR = parse(text, "Encounter", loc)?;
                    let Some(key) = key_of("Encounter", e.id.as_deref(), full_url) else {
                        return Err(loc.error("an Encounter has neither an id nor a fullUrl".into()).into());
                    };
                    if let Some(u) = full_url {
                        ix.refs.aliases.insert(u.to_owned(), key.clone());
                    }
                    let period = e.period.unwrap_or_default();
                    let info = EncounterInfo {
                        loc: loc.clone(),
                        identifier: identifier_value(&e.identifier, systems.visit_identifier.as_deref()),
                        class: e.class.and_then(|c| c.code).map(|c| c.trim().to_ascii_uppercase()),
                        start: opt_time(period.start.as_deref(), "Encounter.period.start", loc)?,
                        end: opt_time(period.end.as_deref(), "Encounter.period.end", loc)?,
                        part_of: e.part_of.and_then(|r| r.reference),
                        subject: e.subject.and_then(|r| r.reference),
                        status: e.status,
                    };
                    ix.encounters.insert(key, info);
                }
                "Medication" => {
                    let m: MedicationR = parse(text, "Medication", loc)?;
                    if let Some(key) = key_of("Medication", m.id.as_deref(), full_url) {
                        if let Some(u) = full_url {
                            ix.refs.aliases.insert(u.to_owned(), key.clone());
                        }
                        ix.medications.insert(key, m);
                    }
                }
                t if EVENT_TYPES.contains(&t) => has_events = true,
                _ => {}
            }
            Ok(())
        })?;
        progress.advance(count);
        if has_events {
            ix.event_files.push(path.clone());
        }
    }
    Ok(ix)
}

/// Resolves encounters into visits and places every encounter.
fn resolve_visits(ix: &mut Index, systems: &FhirSystems, skipped: &mut BTreeMap<String, u64>) -> Result<()> {
    let mut skip = |reason: String| *skipped.entry(reason).or_default() += 1;
    let mut keys: Vec<&String> = ix.encounters.keys().collect();
    keys.sort_by_key(|k| (&ix.encounters[*k].loc.file, ix.encounters[*k].loc.line, ix.encounters[*k].loc.entry));
    let mut placement: HashMap<String, Placement> = HashMap::new();
    let mut by_admission: HashMap<String, String> = HashMap::new();
    // Top-level encounters first.
    for key in &keys {
        let e = &ix.encounters[*key];
        if e.part_of.is_some() {
            continue;
        }
        let place = (|| {
            if e.status.as_deref() == Some("entered-in-error") || e.status.as_deref() == Some("cancelled") {
                return Err("Encounter: entered in error or cancelled");
            }
            let class = e.class.as_deref().unwrap_or("");
            if !systems.visit_classes.contains(class) {
                return Err("Encounter: not a hospital stay (its class is not one of the visit classes)");
            }
            if systems.visit_identifier.is_some() && e.identifier.is_none() {
                return Err("Encounter: no hospital-stay identifier");
            }
            let patient = e.subject.as_deref().and_then(|s| ix.refs.resolve(s, "Patient"));
            let Some(patient) = patient.filter(|p| ix.patients.contains_key(p)) else {
                return Err("Encounter: its Patient is not in this import");
            };
            if e.start.is_none() {
                return Err("Encounter: no period.start (a visit cannot be ordered without it)");
            }
            Ok(patient)
        })();
        match place.and_then(|p| e.start.map(|s| (p, s)).ok_or("Encounter: no period.start")) {
            Err(reason) => {
                skip(reason.to_owned());
                placement.insert((*key).clone(), Placement::Skip("its Encounter is not a hospital stay"));
            }
            Ok((patient, admit_time)) => {
                let admission_id = e.identifier.clone().or_else(|| key.strip_prefix("Encounter/").map(str::to_owned));
                let admission_id = admission_id.unwrap_or_default();
                check_text(&admission_id, "Encounter id", &e.loc)?;
                if by_admission.insert(admission_id.clone(), (*key).clone()).is_some() {
                    return Err(e.loc.error("two Encounters carry the same hospital-stay identifier".into()).into());
                }
                let patient_id = ix.patients[&patient].clone();
                let profile = Profile { admission_type: e.class.clone(), ..ix.profiles[&patient].clone() };
                ix.visits.push(VisitHeader {
                    admission_id: admission_id.clone(),
                    patient_id: patient_id.clone(),
                    admit_time,
                    discharge_time: e.end,
                    profile,
                });
                ix.visit_patient.insert(admission_id.clone(), patient_id);
                placement.insert((*key).clone(), Placement::Visit(admission_id, false));
            }
        }
    }
    // Sub-encounters: follow partOf to the top (a cycle or a missing parent ends it).
    for key in &keys {
        let mut current = (*key).clone();
        let mut hops = 0;
        let place = loop {
            let Some(e) = ix.encounters.get(&current) else {
                break Placement::Skip("its Encounter is part of an encounter that is not in this import");
            };
            let Some(parent) = &e.part_of else {
                break match placement.get(&current) {
                    Some(Placement::Visit(a, _)) => Placement::Visit(a.clone(), hops > 0),
                    _ => Placement::Skip("its Encounter is not a hospital stay"),
                };
            };
            hops += 1;
            match ix.refs.resolve(parent, "Encounter") {
                Some(p) if hops < 16 => current = p,
                _ => break Placement::Skip("its Encounter is part of an encounter that is not in this import"),
            }
        };
        if ix.encounters[*key].part_of.is_some() {
            if let Placement::Skip(_) = place {
                skip("Encounter: part of an encounter that is not a hospital stay in this import".to_owned());
            } else {
                skip(
                    "Encounter: ED/ICU sub-encounter, not a visit of its own (what folds goes to its hospital stay)"
                        .to_owned(),
                );
            }
            placement.insert((*key).clone(), place);
        }
    }
    ix.placement = placement;
    Ok(())
}

fn identifier_value(ids: &[Identifier], system: Option<&str>) -> Option<String> {
    let system = system?;
    ids.iter()
        .find(|i| i.system.as_deref() == Some(system))
        .and_then(|i| i.value.as_deref())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Free text must not carry control characters (they break logs, CSV exports and terminals).
fn check_text(value: &str, what: &str, loc: &Loc) -> Result<(), ImportError> {
    if value.chars().any(char::is_control) {
        return Err(loc.error(format!("{what} contains a control character")));
    }
    if value.len() > 512 {
        return Err(loc.error(format!("{what} is longer than 512 characters")));
    }
    Ok(())
}

fn birth_year(date: &str) -> Option<i32> {
    let d = date.trim();
    let year: i32 = d.get(0..4)?.parse().ok()?;
    let rest = &d[4..];
    let ok_rest = rest.is_empty()
        || (rest.len() == 3 && rest.starts_with('-') && rest[1..].bytes().all(|b| b.is_ascii_digit()))
        || d.parse::<Timestamp>().is_ok();
    ((1..=9999).contains(&year) && ok_rest).then_some(year)
}

fn opt_time(value: Option<&str>, what: &str, loc: &Loc) -> Result<Option<Timestamp>, ImportError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| loc.error(format!("{what} is not a FHIR dateTime"))),
    }
}

/// The profile fields LEADER uses, from the Patient: language, marital status,
/// race/ethnicity (US Core extensions), written upper case as MIMIC writes them.
fn patient_profile(p: &PatientR) -> Profile {
    let language = p
        .communication
        .iter()
        .filter_map(|c| c.language.as_ref())
        .flat_map(|l| l.coding.iter().filter_map(|c| c.code.clone()).chain(l.text.clone()))
        .next()
        .map(|code| match code.to_ascii_lowercase().split('-').next() {
            Some("en") => "ENGLISH".to_owned(),
            Some("es") => "SPANISH".to_owned(),
            Some("fr") => "FRENCH".to_owned(),
            Some("pt") => "PORTUGUESE".to_owned(),
            Some("ru") => "RUSSIAN".to_owned(),
            Some("zh") => "CHINESE".to_owned(),
            _ => code.to_ascii_uppercase(),
        });
    let marital_status = p.marital_status.as_ref().and_then(|m| {
        let code = m.coding.iter().find_map(|c| c.code.clone());
        match code.as_deref() {
            Some("S") => Some("SINGLE".to_owned()),
            Some("M") => Some("MARRIED".to_owned()),
            Some("D") => Some("DIVORCED".to_owned()),
            Some("W") => Some("WIDOWED".to_owned()),
            Some("L") => Some("SEPARATED".to_owned()),
            Some("UNK") | None => m.text.as_ref().map(|t| t.to_ascii_uppercase()),
            Some(other) => Some(other.to_ascii_uppercase()),
        }
    });
    let race =
        p.extension
            .iter()
            .filter(|e| e.url.ends_with("us-core-race"))
            .find_map(|e| {
                e.extension.iter().find(|x| x.url == "text").and_then(|x| x.value_string.clone()).or_else(|| {
                    e.extension.iter().find_map(|x| x.value_coding.as_ref().and_then(|c| c.display.clone()))
                })
            })
            .map(|r| r.to_ascii_uppercase());
    Profile { admission_type: None, insurance: None, language, marital_status, race }
}

// ------------------------------------------------------------------ pass 2: events

/// One chunk of pass 2.
#[derive(Debug, Default)]
struct Chunk {
    diagnoses: Vec<CodedEvent>,
    procedures: Vec<CodedEvent>,
    prescriptions: Vec<RawPrescription>,
}

impl Chunk {
    fn len(&self) -> usize {
        self.diagnoses.len() + self.procedures.len() + self.prescriptions.len()
    }
}

/// Pass-2 state that outlives a chunk.
struct Events<'a> {
    ix: &'a Index,
    systems: &'a FhirSystems,
    mapper: &'a AtcMapper,
    skipped: BTreeMap<String, u64>,
    unknown: BTreeMap<String, u64>,
    titles: HashMap<Code, String>,
    seq: HashMap<String, i64>,
}

impl Events<'_> {
    fn skip(&mut self, reason: String) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    /// The visit a resource recorded on `encounter` belongs to, or why it is skipped.
    fn place(
        &mut self,
        ty: &str,
        encounter: Option<&Reference>,
        subject: Option<&Reference>,
        loc: &Loc,
    ) -> Result<Option<String>> {
        let Some(reference) = encounter.and_then(|r| r.reference.as_deref()) else {
            self.skip(format!("{ty}: not recorded on an encounter"));
            return Ok(None);
        };
        let ix = self.ix;
        let placed = ix.refs.resolve(reference, "Encounter").and_then(|k| ix.placement.get(&k));
        let admission = match placed {
            None => {
                self.skip(format!("{ty}: its Encounter is not in this import"));
                return Ok(None);
            }
            Some(Placement::Skip(why)) => {
                self.skip(format!("{ty}: {why}"));
                return Ok(None);
            }
            Some(Placement::Visit(_, true)) if !self.systems.fold.contains(ty) => {
                self.skip(format!("{ty}: recorded on a sub-encounter (ED/ICU stay) that does not fold"));
                return Ok(None);
            }
            Some(Placement::Visit(a, _)) => a.clone(),
        };
        if let Some(s) = subject.and_then(|r| r.reference.as_deref()) {
            let patient = self.ix.refs.resolve(s, "Patient").and_then(|k| self.ix.patients.get(&k));
            if patient.is_some_and(|p| Some(p) != self.ix.visit_patient.get(&admission)) {
                return Err(loc.error(format!("the {ty}'s subject is not the patient of its Encounter")).into());
            }
        }
        Ok(Some(admission))
    }

    /// The first coding in one of `allowed` systems; unknown systems are counted.
    fn pick_code(
        &mut self,
        concept: Option<&Concept>,
        allowed: &[CodeSystem],
        procedure: bool,
        ty: &str,
        loc: &Loc,
    ) -> Result<Option<Code>> {
        let Some(concept) = concept else {
            self.skip(format!("{ty}: no code"));
            return Ok(None);
        };
        let mut known_elsewhere = false;
        for c in &concept.coding {
            let (Some(system), Some(value)) = (c.system.as_deref(), c.code.as_deref()) else { continue };
            match self.systems.target(system) {
                None => *self.unknown.entry(system.to_owned()).or_default() += 1,
                Some(Target::Code(mut sys)) => {
                    // ICD-9-CM's URI covers its procedure volume too.
                    if procedure && sys == CodeSystem::Icd9Cm {
                        sys = CodeSystem::Icd9Pcs;
                    }
                    if !allowed.contains(&sys) {
                        known_elsewhere = true;
                        continue;
                    }
                    let code = Code::new(sys, value)
                        .map_err(|_| loc.error(format!("a {ty} code is not a valid {} code", sys.display_name())))?;
                    if let Some(d) = c.display.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                        check_text(d, "a code's display", loc)?;
                        self.titles.entry(code.clone()).or_insert_with(|| d.to_owned());
                    }
                    return Ok(Some(code));
                }
                Some(_) => known_elsewhere = true,
            }
        }
        self.skip(if known_elsewhere {
            format!(
                "{ty}: coded only in systems that are not {} systems",
                if procedure { "procedure" } else { "diagnosis" }
            )
        } else {
            format!("{ty}: no coding in a known code system")
        });
        Ok(None)
    }

    fn next_seq(&mut self, admission: &str) -> i64 {
        let s = self.seq.entry(admission.to_owned()).or_default();
        *s += 1;
        *s
    }

    fn event(&mut self, text: &str, ty: &str, loc: &Loc, chunk: &mut Chunk) -> Result<()> {
        let r: EventR = parse(text, ty, loc)?;
        let procedure = ty == "Procedure";
        let withdrawn = if procedure {
            matches!(r.status.as_deref(), Some("entered-in-error" | "not-done"))
        } else {
            r.verification_status.as_ref().is_some_and(|v| {
                v.coding.iter().any(|c| matches!(c.code.as_deref(), Some("entered-in-error" | "refuted")))
            })
        };
        if withdrawn {
            self.skip(format!("{ty}: entered in error, refuted or not done"));
            return Ok(());
        }
        let Some(admission) = self.place(ty, r.encounter.as_ref(), r.subject.as_ref(), loc)? else { return Ok(()) };
        let allowed: &[CodeSystem] = if procedure { &PROCEDURE_SYSTEMS } else { &DIAGNOSIS_SYSTEMS };
        let Some(code) = self.pick_code(r.code.as_ref(), allowed, procedure, ty, loc)? else { return Ok(()) };
        let date =
            match r.performed_date_time.as_deref().or(r.performed_period.as_ref().and_then(|p| p.start.as_deref())) {
                Some(d) => opt_time(Some(d), "Procedure.performed", loc)?,
                None => None,
            };
        let seq_num = self.next_seq(&admission);
        let e = CodedEvent { admission_id: admission, seq_num, code, date };
        if procedure {
            chunk.procedures.push(e)
        } else {
            chunk.diagnoses.push(e)
        }
        Ok(())
    }

    fn medication_request(&mut self, text: &str, loc: &Loc, chunk: &mut Chunk) -> Result<()> {
        let r: MedRequestR = parse(text, "MedicationRequest", loc)?;
        if r.status.as_deref() == Some("entered-in-error") {
            self.skip("MedicationRequest: entered in error".into());
            return Ok(());
        }
        if let Some(allowed) = &self.systems.order_identifiers
            && !r.identifier.iter().any(|i| i.system.as_deref().is_some_and(|s| allowed.contains(s)))
        {
            self.skip("MedicationRequest: not from the order sources the code-system mapping lists".into());
            return Ok(());
        }
        let Some(admission) = self.place("MedicationRequest", r.encounter.as_ref(), r.subject.as_ref(), loc)? else {
            return Ok(());
        };
        // The medication: a concept, a contained Medication or a referenced one.
        let med: Option<MedicationR> = match (&r.medication_codeable_concept, &r.medication_reference) {
            (Some(c), _) => Some(MedicationR { code: Some(c.clone()), ..Default::default() }),
            (None, Some(reference)) => {
                let reference = reference.reference.as_deref().unwrap_or("");
                if let Some(local) = reference.strip_prefix('#') {
                    let mut found = None;
                    for c in &r.contained {
                        if serde_json::from_str::<IdOnly>(c.get()).ok().and_then(|i| i.id).as_deref() == Some(local) {
                            found = Some(parse::<MedicationR>(c.get(), "contained Medication", loc)?);
                        }
                    }
                    found
                } else {
                    self.ix.refs.resolve(reference, "Medication").and_then(|k| self.ix.medications.get(&k)).cloned()
                }
            }
            (None, None) => None,
        };
        let Some(med) = med else {
            self.skip("MedicationRequest: its Medication is not in this import".into());
            return Ok(());
        };
        let route = r
            .dosage_instruction
            .first()
            .and_then(|d| d.route.as_ref())
            .and_then(|c| c.coding.iter().find_map(|c| c.code.clone()).or_else(|| c.text.clone()));
        let period = r.dispense_request.and_then(|d| d.validity_period).unwrap_or_default();
        let start = opt_time(period.start.as_deref().or(r.authored_on.as_deref()), "MedicationRequest start", loc)?;
        let stop = opt_time(period.end.as_deref(), "MedicationRequest.dispenseRequest.validityPeriod.end", loc)?;
        // A mix without its own code: each ingredient is one prescription.
        let parts: Vec<MedicationR> = if !has_code(&med) && !med.ingredient.is_empty() {
            let mut parts = Vec::new();
            for ing in &med.ingredient {
                if let Some(c) = &ing.item_codeable_concept {
                    parts.push(MedicationR { code: Some(c.clone()), ..Default::default() });
                } else if let Some(m) = ing
                    .item_reference
                    .as_ref()
                    .and_then(|r| r.reference.as_deref())
                    .and_then(|r| self.ix.refs.resolve(r, "Medication"))
                    .and_then(|k| self.ix.medications.get(&k))
                {
                    parts.push(m.clone());
                } else {
                    self.skip("MedicationRequest: an ingredient's Medication is not in this import".into());
                }
            }
            parts
        } else {
            vec![med]
        };
        for part in parts {
            let p = self.prescription(&part, &admission, route.clone(), start, stop, loc)?;
            chunk.prescriptions.push(p);
        }
        Ok(())
    }

    fn prescription(
        &mut self,
        med: &MedicationR,
        admission: &str,
        route: Option<String>,
        start: Option<Timestamp>,
        stop: Option<Timestamp>,
        loc: &Loc,
    ) -> Result<RawPrescription> {
        let mut ndc = None;
        let mut gsn = None;
        let mut formulary = None;
        let mut name = None;
        let mut atc = None;
        let mut rxnorm = None;
        let mut first = None;
        let concept = med.code.clone().unwrap_or_default();
        let pairs = concept
            .coding
            .iter()
            .map(|c| (c.system.as_deref(), c.code.as_deref(), c.display.as_deref()))
            .chain(med.identifier.iter().map(|i| (i.system.as_deref(), i.value.as_deref(), None)));
        for (system, value, display) in pairs {
            let (Some(system), Some(value)) = (system, value.map(str::trim).filter(|v| !v.is_empty())) else {
                continue;
            };
            check_text(value, "a medication code", loc)?;
            first.get_or_insert_with(|| display.unwrap_or(value).to_owned());
            match self.systems.target(system) {
                None => *self.unknown.entry(system.to_owned()).or_default() += 1,
                Some(Target::Code(CodeSystem::Ndc)) => {
                    ndc.get_or_insert_with(|| ndc_11(value));
                }
                Some(Target::Code(CodeSystem::Gsn)) => {
                    gsn.get_or_insert_with(|| value.to_owned());
                }
                Some(Target::Code(CodeSystem::Atc)) => {
                    if atc.is_none() {
                        atc = Some(
                            Code::new(CodeSystem::Atc, value)
                                .map_err(|_| loc.error("a medication's ATC code is not a valid ATC code".into()))?,
                        );
                    }
                }
                Some(Target::Code(CodeSystem::RxNorm)) => {
                    if rxnorm.is_none() {
                        rxnorm =
                            Some(Code::new(CodeSystem::RxNorm, value).map_err(|_| {
                                loc.error("a medication's RxNorm code is not a valid RxNorm code".into())
                            })?);
                    }
                    if let Some(d) = display {
                        name.get_or_insert_with(|| d.to_owned());
                    }
                }
                Some(Target::Code(_)) | Some(Target::Ignore) => {}
                Some(Target::DrugName) => {
                    name.get_or_insert_with(|| value.to_owned());
                }
                Some(Target::FormularyCode) => {
                    formulary.get_or_insert_with(|| value.to_owned());
                }
            }
        }
        let drug = name
            .or_else(|| concept.text.clone())
            .or(first)
            .unwrap_or_else(|| "(medication without a name or code)".to_owned());
        check_text(&drug, "a drug name", loc)?;
        // ATC is ours; else the mapping tables (GSN, NDC, name); else the cohort's own
        // RxNorm code, as the Synthea importer keeps it.
        let native = match atc {
            Some(a) => Some(a),
            None if self.mapper.map(gsn.as_deref(), ndc.as_deref(), &normalise_drug_name(&drug)).is_some() => None,
            None => rxnorm,
        };
        Ok(RawPrescription {
            admission_id: admission.to_owned(),
            prescription: Prescription {
                drug,
                ndc,
                gsn,
                formulary_code: formulary,
                route,
                start,
                stop,
                medication: native,
            },
        })
    }
}

fn has_code(m: &MedicationR) -> bool {
    m.code.as_ref().is_some_and(|c| c.coding.iter().any(|c| c.code.is_some()) || c.text.is_some())
}

/// Pass 2: reads the event files, handing the writer one chunk at a time.
async fn write_events(
    files: &[PathBuf],
    ev: &mut Events<'_>,
    writer: &mut BatchWriter<'_>,
    progress: &dyn Progress,
) -> Result<()> {
    for path in files {
        progress.stage(&format!("write {}", file_name(path)), None);
        let mut reader = ChunkedReader::new(path);
        loop {
            let mut chunk = Chunk::default();
            let done = reader.next_chunk(ev, &mut chunk)?;
            writer.diagnoses(&chunk.diagnoses).await?;
            writer.procedures(&chunk.procedures).await?;
            writer.prescriptions(&chunk.prescriptions).await?;
            if done {
                break;
            }
        }
    }
    Ok(())
}

/// Pass 2 over one file, resumable between chunks: NDJSON line by line; a JSON file's
/// resources (Bundle entries) are listed once and handed out in order.
struct ChunkedReader {
    path: PathBuf,
    state: ReaderState,
}

enum ReaderState {
    Start,
    Lines { reader: Box<dyn BufRead + Send>, line: u64 },
    Items { items: std::vec::IntoIter<(String, String, Loc)> },
    Done,
}

impl ChunkedReader {
    fn new(path: &Path) -> ChunkedReader {
        ChunkedReader { path: path.to_owned(), state: ReaderState::Start }
    }

    /// Fills `chunk` up to [`CHUNK`] rows; `Ok(true)` at the end of the file.
    fn next_chunk(&mut self, ev: &mut Events<'_>, chunk: &mut Chunk) -> Result<bool> {
        if let ReaderState::Start = self.state {
            self.state = if is_ndjson(&self.path) {
                ReaderState::Lines { reader: open(&self.path)?, line: 0 }
            } else {
                let mut items = Vec::new();
                for_each_resource(&self.path, &mut |ty, text, loc, _| {
                    if EVENT_TYPES.contains(&ty) {
                        items.push((ty.to_owned(), text.to_owned(), loc.clone()));
                    }
                    Ok(())
                })?;
                ReaderState::Items { items: items.into_iter() }
            };
        }
        let file = file_name(&self.path);
        let mut buf = String::new();
        while chunk.len() < CHUNK {
            match &mut self.state {
                ReaderState::Lines { reader, line } => {
                    buf.clear();
                    let read =
                        reader.read_line(&mut buf).map_err(|error| ImportError::Io { file: file.clone(), error })?;
                    if read == 0 {
                        self.state = ReaderState::Done;
                        continue;
                    }
                    *line += 1;
                    let loc = Loc { file: file.clone(), line: *line, entry: None };
                    let text = buf.trim().trim_start_matches('\u{feff}');
                    if text.is_empty() {
                        continue;
                    }
                    visit_resource(text, &loc, None, &mut |ty, t, l, _| dispatch(ty, t, l, ev, chunk))?;
                }
                ReaderState::Items { items } => match items.next() {
                    Some((ty, t, l)) => dispatch(&ty, &t, &l, ev, chunk)?,
                    None => self.state = ReaderState::Done,
                },
                ReaderState::Done | ReaderState::Start => return Ok(true),
            }
        }
        Ok(matches!(self.state, ReaderState::Done))
    }
}

fn dispatch(ty: &str, text: &str, loc: &Loc, ev: &mut Events<'_>, chunk: &mut Chunk) -> Result<()> {
    match ty {
        t @ ("Condition" | "Procedure") => ev.event(text, t, loc, chunk),
        "MedicationRequest" => ev.medication_request(text, loc, chunk),
        _ => Ok(()),
    }
}

/// The code-system mapping named on the command line or in the app: none or `standard`
/// (the HL7 URIs only), `mimic` (the shipped MIMIC-IV-on-FHIR mapping), or a TOML file.
pub fn systems_from(spec: Option<&str>) -> Result<FhirSystems, ImportError> {
    match spec.map(str::trim) {
        None | Some("") | Some("standard") => Ok(FhirSystems::standard()),
        Some("mimic") => Ok(FhirSystems::mimic()),
        Some(path) => {
            let path = Path::new(path);
            let file = file_name(path);
            let text = std::fs::read_to_string(path).map_err(|error| ImportError::Io { file: file.clone(), error })?;
            FhirSystems::from_toml(&text).map_err(|e| ImportError::Content { file, problem: e.to_string() })
        }
    }
}

/// `leader import fhir PATH`: reads the index, then writes patients, visits and, in
/// chunks, their diagnoses, procedures and prescriptions inside the caller's transaction.
pub async fn import(
    conn: &mut SqliteConnection,
    path: &Path,
    systems: &FhirSystems,
    mapper: &AtcMapper,
    progress: &dyn Progress,
) -> Result<ImportSummary> {
    let files = list_files(path)?;
    let mut skipped = BTreeMap::new();
    let mut ix = read_index(&files, systems, progress)?;
    resolve_visits(&mut ix, systems, &mut skipped)?;
    let event_files = std::mem::take(&mut ix.event_files);
    let mut writer = BatchWriter::begin(conn, SOURCE, &ix.patient_rows, &ix.visits, mapper, progress).await?;
    let mut ev = Events {
        ix: &ix,
        systems,
        mapper,
        skipped,
        unknown: BTreeMap::new(),
        titles: HashMap::new(),
        seq: HashMap::new(),
    };
    write_events(&event_files, &mut ev, &mut writer, progress).await?;
    let mut titles: Vec<(Code, String)> = ev.titles.into_iter().collect();
    titles.sort();
    writer.summary.skipped_rows =
        ev.skipped.iter().filter(|(k, _)| !k.starts_with("Encounter: ED/ICU sub-encounter")).map(|(_, n)| n).sum();
    writer.summary.skipped = ev.skipped;
    writer.summary.unknown_systems = ev.unknown;
    writer.summary.resources = ix.resources.clone();
    writer.finish(&titles).await
}

// ------------------------------------------------------------------ single resources

/// One resource outside an import (a CDS Hooks prefetch or draft order), read by the same
/// rules as the importer: nothing is counted, an unknown system gives no code.
fn single<T>(
    f: impl FnOnce(&mut Events<'_>, &Loc) -> Result<T>,
    systems: &FhirSystems,
    mapper: &AtcMapper,
) -> Result<T> {
    let ix = Index::default();
    let mut ev = Events {
        ix: &ix,
        systems,
        mapper,
        skipped: BTreeMap::new(),
        unknown: BTreeMap::new(),
        titles: HashMap::new(),
        seq: HashMap::new(),
    };
    let loc = Loc { file: "request".into(), line: 1, entry: None };
    f(&mut ev, &loc)
}

/// The diagnosis code of a Condition (ICD-10-CM, ICD-9-CM or SNOMED CT).
pub fn diagnosis_code(text: &str, systems: &FhirSystems) -> Result<Option<Code>> {
    event_code(text, systems, false)
}

/// The procedure code of a Procedure (ICD-10-PCS, ICD-9 procedures or SNOMED CT).
pub fn procedure_code(text: &str, systems: &FhirSystems) -> Result<Option<Code>> {
    event_code(text, systems, true)
}

fn event_code(text: &str, systems: &FhirSystems, procedure: bool) -> Result<Option<Code>> {
    let ty = if procedure { "Procedure" } else { "Condition" };
    let r: EventR = parse(text, ty, &Loc { file: "request".into(), line: 1, entry: None })?;
    let allowed = if procedure { &PROCEDURE_SYSTEMS } else { &DIAGNOSIS_SYSTEMS };
    single(|ev, loc| ev.pick_code(r.code.as_ref(), allowed, procedure, ty, loc), systems, &AtcMapper::default())
}

/// The medication codes of a MedicationRequest or MedicationStatement (its concept or a
/// contained Medication; a mix gives one code per ingredient), mapped as the importer maps
/// prescriptions: ATC as given, else the ATC tables by GSN, NDC, name, else RxNorm. Empty
/// when nothing maps (the caller says so: an unmapped order is never screened silently).
pub fn medication_codes(text: &str, systems: &FhirSystems, mapper: &AtcMapper) -> Result<Vec<Code>> {
    let loc = Loc { file: "request".into(), line: 1, entry: None };
    let r: MedRequestR = parse(text, "medication resource", &loc)?;
    let contained = |reference: &str| -> Result<Option<MedicationR>> {
        let Some(local) = reference.strip_prefix('#') else { return Ok(None) };
        for c in &r.contained {
            if serde_json::from_str::<IdOnly>(c.get()).ok().and_then(|i| i.id).as_deref() == Some(local) {
                return Ok(Some(parse::<MedicationR>(c.get(), "contained Medication", &loc)?));
            }
        }
        Ok(None)
    };
    let med = match (&r.medication_codeable_concept, &r.medication_reference) {
        (Some(c), _) => Some(MedicationR { code: Some(c.clone()), ..Default::default() }),
        (None, Some(m)) => contained(m.reference.as_deref().unwrap_or(""))?,
        (None, None) => None,
    };
    let Some(med) = med else { return Ok(vec![]) };
    let mut parts = vec![];
    if !has_code(&med) && !med.ingredient.is_empty() {
        for ing in &med.ingredient {
            if let Some(c) = &ing.item_codeable_concept {
                parts.push(MedicationR { code: Some(c.clone()), ..Default::default() });
            } else if let Some(m) = ing.item_reference.as_ref().and_then(|x| x.reference.as_deref()) {
                parts.extend(contained(m)?);
            }
        }
    } else {
        parts.push(med);
    }
    single(
        |ev, loc| {
            let mut out = Vec::new();
            for part in &parts {
                let p = ev.prescription(part, "", None, None, None, loc)?.prescription;
                let code = match p.medication {
                    Some(c) => Some(c),
                    None => {
                        ev.mapper.map(p.gsn.as_deref(), p.ndc.as_deref(), &normalise_drug_name(&p.drug)).map(|(c, _)| c)
                    }
                };
                if let Some(c) = code.filter(|c| !out.contains(c)) {
                    out.push(c);
                }
            }
            Ok(out)
        },
        systems,
        mapper,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_in_every_form() {
        let mut refs = Refs::default();
        refs.aliases.insert("urn:uuid:abc".into(), "Encounter/e1".into());
        assert_eq!(refs.resolve("urn:uuid:abc", "Encounter").as_deref(), Some("Encounter/e1"));
        assert_eq!(refs.resolve("urn:uuid:abc", "Patient"), None, "an alias of another type is not a match");
        assert_eq!(refs.resolve("Encounter/e2", "Encounter").as_deref(), Some("Encounter/e2"));
        assert_eq!(
            refs.resolve("https://ehr.example/fhir/Encounter/e3/_history/2", "Encounter").as_deref(),
            Some("Encounter/e3")
        );
        assert_eq!(refs.resolve("Patient/p1", "Encounter"), None);
        refs.aliases.insert("urn:uuid:m".into(), "MedicationRequest/r1".into());
        assert_eq!(refs.resolve("urn:uuid:m", "Medication"), None, "a type is matched whole");
    }

    #[test]
    fn birth_dates_may_be_partial() {
        assert_eq!(birth_year("2083-04-10"), Some(2083));
        assert_eq!(birth_year("1950"), Some(1950));
        assert_eq!(birth_year("1950-07"), Some(1950));
        assert_eq!(birth_year("0000-01-01"), None);
        assert_eq!(birth_year("19x0"), None);
    }

    #[test]
    fn json_errors_carry_no_values() {
        let e = serde_json::from_str::<EncounterR>(r#"{"class": "secret-value"}"#).expect_err("wrong shape");
        let msg = json_problem("Encounter", &e);
        assert!(!msg.contains("secret"), "{msg}");
    }
}
