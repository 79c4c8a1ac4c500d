//! The FHIR R4 importer: the MIMIC-IV demo on FHIR against the same demo's CSV files (the
//! two must give the same cohort), the standard mapping that never guesses, authored
//! Synthea-style Bundles and NDJSON, and malformed input.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use leader_core::fhir::FhirSystems;
use leader_store::{ImportSummary, MimicVersion, Store};

use crate::common::*;

// ------------------------------------------------------------------ helpers

fn mimic_fhir_demo() -> PathBuf {
    shared_data().join("mimic-iv-fhir-demo/fhir")
}

async fn load_atc_maps(store: &Store) {
    let maps = shared_data().join("mappings/ethos");
    store.import_atc_map(&maps.join("gsn_atc_ndc_mapping.csv.gz"), &P).await.expect("GSN/NDC map loads");
    store.import_atc_map(&maps.join("mimic_drug_to_atc.csv.gz"), &P).await.expect("name map loads");
}

/// admission id → the set of `SYSTEM:CODE` of a child table.
async fn code_sets(store: &Store, table: &str) -> HashMap<String, BTreeSet<String>> {
    let q =
        format!("SELECT v.admission_id, t.system || ':' || t.code FROM {table} t JOIN visits v ON v.id = t.visit_id");
    let rows: Vec<(String, String)> = sqlx::query_as(&q).fetch_all(store.pool()).await.expect("code sets");
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (a, c) in rows {
        out.entry(a).or_default().insert(c);
    }
    out
}

/// admission id → the set of ATC level-3 codes (mapped prescriptions only).
async fn atc3_sets(store: &Store) -> HashMap<String, BTreeSet<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT v.admission_id, substr(p.med_code, 1, 4) FROM prescriptions p JOIN visits v ON v.id = p.visit_id \
         WHERE p.med_system = 'ATC'",
    )
    .fetch_all(store.pool())
    .await
    .expect("medication sets");
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (a, c) in rows {
        out.entry(a).or_default().insert(c);
    }
    out
}

/// admission id → (patient id, admit time).
async fn visit_rows(store: &Store) -> BTreeMap<String, (String, String)> {
    let rows: Vec<(String, String, String)> = sqlx::query_as("SELECT admission_id, patient_id, admit_time FROM visits")
        .fetch_all(store.pool())
        .await
        .expect("visits");
    rows.into_iter().map(|(a, p, t)| (a, (p, t))).collect()
}

/// patient id → (sex, birth year).
async fn patient_rows(store: &Store) -> BTreeMap<String, (String, Option<i64>)> {
    let rows: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT id, sex, birth_year FROM patients").fetch_all(store.pool()).await.expect("patients");
    rows.into_iter().map(|(p, s, y)| (p, (s, y))).collect()
}

async fn audit_imports(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'import'")
        .fetch_one(store.pool())
        .await
        .expect("audit")
}

fn skipped_with(s: &ImportSummary, needle: &str) -> u64 {
    s.skipped.iter().filter(|(k, _)| k.contains(needle)).map(|(_, n)| n).sum()
}

// ------------------------------------------------------------------ the MIMIC-IV demo on FHIR

#[tokio::test]
async fn the_mimic_demo_on_fhir_gives_the_csv_demo_cohort() {
    let fhir = memory_store().await;
    load_atc_maps(&fhir).await;
    let s = fhir.import_fhir(&mimic_fhir_demo(), &FhirSystems::mimic(), &P).await.expect("the FHIR demo imports");
    let csv = memory_store().await;
    load_atc_maps(&csv).await;
    let cs = csv.import_mimic(&mimic_iv_demo(), MimicVersion::Iv, &P).await.expect("the CSV demo imports");

    let (patients, visits, diagnoses, procedures, prescriptions) = counts(&fhir).await;
    assert_eq!(
        (patients, visits, diagnoses, procedures),
        (100, 275, 4_506, 722),
        "every patient, hospital stay, discharge diagnosis and ICD procedure of the demo is kept"
    );
    assert_eq!(
        (s.patients, s.visits, s.diagnoses, s.procedures),
        (100, 275, 4_506, 722),
        "the summary counts what was written"
    );
    assert_eq!(cs.prescriptions, 18_087, "the CSV demo's prescriptions table");
    assert_eq!(
        prescriptions, 18_087,
        "only pharmacy-verified orders are imported and each ingredient of a mix is one prescription, as in the CSV"
    );

    // Visits, patients, times.
    let (fv, cv) = (visit_rows(&fhir).await, visit_rows(&csv).await);
    assert_eq!(
        fv.keys().collect::<Vec<_>>(),
        cv.keys().collect::<Vec<_>>(),
        "visits are keyed by MIMIC's hadm_id in both stores"
    );
    for (adm, (patient, admit)) in &fv {
        let (cp, ct) = &cv[adm];
        assert_eq!(patient, cp, "an admission belongs to the same subject_id in both stores");
        assert_eq!(
            admit, ct,
            "an admission's admit time is the same in both stores (times stay in the source's frame)"
        );
    }
    let (fp, cp) = (patient_rows(&fhir).await, patient_rows(&csv).await);
    assert_eq!(fp.len(), 100);
    assert_eq!(fp, cp, "every patient has the same sex and birth year (anchor year less anchor age) in both stores");

    // Diagnoses and procedures: identical code sets for every admission.
    for table in ["diagnoses", "procedures"] {
        let (f, c) = (code_sets(&fhir, table).await, code_sets(&csv, table).await);
        let with = cv.keys().filter(|a| c.contains_key(*a) || f.contains_key(*a)).count();
        let same = cv.keys().filter(|a| f.get(*a) == c.get(*a)).count();
        assert_eq!(
            same,
            cv.len(),
            "{table}: every admission has the same code set from FHIR as from the CSV ({same} of {}; {with} with codes)",
            cv.len()
        );
        eprintln!("{table}: {same} of {} admissions identical ({with} with codes)", cv.len());
    }

    // Prescriptions: the same orders, row for row (NDC "0" is MIMIC's "no NDC").
    let raw = "SELECT v.admission_id, p.drug, CASE WHEN p.ndc = '0' THEN NULL ELSE p.ndc END, p.formulary_code, p.route \
               FROM prescriptions p JOIN visits v ON v.id = p.visit_id ORDER BY 1, 2, 3, 4, 5";
    type Row = (String, String, Option<String>, Option<String>, Option<String>);
    let f: Vec<Row> = sqlx::query_as(raw).fetch_all(fhir.pool()).await.expect("q");
    let c: Vec<Row> = sqlx::query_as(raw).fetch_all(csv.pool()).await.expect("q");
    assert!(
        f == c,
        "every prescription has the same admission, drug name, NDC, formulary code and route in both stores"
    );
    assert_eq!(
        (s.mapped(), s.unmapped),
        (cs.mapped(), cs.unmapped),
        "as many prescriptions map to ATC from FHIR as from the CSV"
    );

    // Medications at ATC level 3: the same drugs, mapped the same way.
    let (f, c) = (atc3_sets(&fhir).await, atc3_sets(&csv).await);
    let admissions: Vec<&String> = cv.keys().filter(|a| f.contains_key(*a) || c.contains_key(*a)).collect();
    let empty = BTreeSet::new();
    let (mut same, mut inter, mut union) = (0usize, 0usize, 0usize);
    for a in &admissions {
        let (x, y) = (f.get(*a).unwrap_or(&empty), c.get(*a).unwrap_or(&empty));
        same += usize::from(x == y);
        inter += x.intersection(y).count();
        union += x.union(y).count();
    }
    let share = same as f64 / admissions.len() as f64;
    let jaccard = inter as f64 / union as f64;
    eprintln!(
        "medications (ATC level 3, mapped only): {same} of {} admissions identical ({:.1}%), pooled Jaccard {jaccard:.4} ({inter}/{union}); mapped FHIR {} / CSV {} of 18,087",
        admissions.len(),
        100.0 * share,
        s.mapped(),
        cs.mapped()
    );
    assert!(admissions.len() >= 250, "most admissions have a mapped drug ({})", admissions.len());
    assert!(
        jaccard >= 0.95,
        "FHIR and CSV medications agree at ATC level 3: pooled Jaccard {jaccard:.4} is below 0.95"
    );
    // The FHIR demo's Medications carry NDC, formulary code and name but no GSN, so they map
    // by NDC, then name, where the CSV maps by GSN first: whole sets agree less often than codes.
    assert!(share >= 0.55, "most admissions have exactly the same ATC level-3 set ({:.1}%)", 100.0 * share);

    // The summary: nothing unknown with the mapping, the sub-encounters' own codes named.
    assert!(
        s.unknown_systems.is_empty(),
        "the MIMIC mapping knows every coding system it meets: {:?}",
        s.unknown_systems
    );
    for ty in ["Condition", "Procedure"] {
        let n = s.skipped.get(&format!("{ty}: recorded on a sub-encounter (ED/ICU stay) that does not fold")).copied();
        assert!(
            n.is_some_and(|n| n > 0),
            "the ED/ICU sub-encounters' {ty}s are skipped with their reason, not silently: {:?}",
            s.skipped
        );
    }
    assert_eq!(
        skipped_with(&s, "Condition: "),
        545,
        "every ED Condition (MimicConditionED) is accounted for: on a sub-encounter, or on an ED visit without a stay"
    );
    assert_eq!(skipped_with(&s, "Procedure: "), 1_260 + 1_468, "every ED and ICU Procedure is accounted for likewise");
    assert_eq!(
        skipped_with(&s, "MedicationRequest: not from the order sources"),
        2_327,
        "provider order entry requests (identifier .../medication-request-poe) are counted as skipped"
    );
    assert_eq!(s.resources.get("Patient"), Some(&100), "resources are counted by type");
    assert_eq!(s.resources.get("MedicationRequest"), Some(&17_552));
    eprintln!("skipped: {:#?}", s.skipped);

    // Idempotent: the same folder again changes no count and adds one audit event.
    let before = counts(&fhir).await;
    let titles = count(&fhir, "code_titles").await;
    let again = fhir.import_fhir(&mimic_fhir_demo(), &FhirSystems::mimic(), &P).await.expect("the second import");
    assert_eq!(counts(&fhir).await, before, "re-importing adds no duplicates");
    assert_eq!(count(&fhir, "code_titles").await, titles, "titles are upserted");
    assert_eq!(
        (again.diagnoses, again.procedures, again.prescriptions, again.skipped.clone()),
        (s.diagnoses, s.procedures, s.prescriptions, s.skipped.clone()),
        "the second import reads the same folder the same way"
    );
    assert_eq!(
        audit_imports(&fhir).await,
        2,
        "each import appends an audit event (maps are audited under another kind)"
    );
}

#[tokio::test]
async fn the_standard_mapping_reports_mimic_uris_and_guesses_nothing() {
    let store = memory_store().await;
    let s = store
        .import_fhir(&mimic_fhir_demo(), &FhirSystems::standard(), &P)
        .await
        .expect("imports without a site mapping");
    eprintln!("standard mapping: {}; unknown systems {:#?}", s.one_line(), s.unknown_systems);
    assert_eq!(
        count(&store, "diagnoses").await,
        0,
        "every Condition is coded in MIMIC's own URIs: none is guessed to be ICD"
    );
    let non_snomed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM procedures WHERE system <> 'SNOMED'")
        .fetch_one(store.pool())
        .await
        .expect("q");
    assert_eq!(
        non_snomed, 0,
        "the only procedures kept are the ED's SNOMED-coded ones (a standard URI); no MIMIC ICD procedure is guessed"
    );
    let read_as_codes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM prescriptions WHERE ndc IS NOT NULL OR gsn IS NOT NULL OR formulary_code IS NOT NULL OR med_code IS NOT NULL",
    )
    .fetch_one(store.pool())
    .await
    .expect("q");
    assert_eq!(read_as_codes, 0, "a medication coded only in unknown URIs is not read as NDC, GSN or formulary code");
    for uri in [
        "http://mimic.mit.edu/fhir/mimic/CodeSystem/mimic-diagnosis-icd9",
        "http://mimic.mit.edu/fhir/mimic/CodeSystem/mimic-diagnosis-icd10",
        "http://mimic.mit.edu/fhir/mimic/CodeSystem/mimic-procedure-icd9",
        "http://mimic.mit.edu/fhir/mimic/CodeSystem/mimic-procedure-icd10",
        "http://mimic.mit.edu/fhir/mimic/CodeSystem/mimic-medication-ndc",
        "http://mimic.mit.edu/fhir/mimic/CodeSystem/mimic-medication-name",
    ] {
        assert!(
            s.unknown_systems.get(uri).is_some_and(|n| *n > 0),
            "{uri} is reported under unknown_systems with its count: {:?}",
            s.unknown_systems
        );
    }
    let icd: u64 = s.unknown_systems.iter().filter(|(u, _)| u.contains("mimic-diagnosis-icd")).map(|(_, n)| n).sum();
    assert!(icd > 4_000, "every ICD-coded Condition of a visit is counted under its URI ({icd})");
    assert_eq!(
        s.skipped.get("Condition: no coding in a known code system"),
        Some(&icd),
        "each of those Conditions is skipped with the reason, one for one: {:?}",
        s.skipped
    );
    assert_eq!(s.diagnoses, 0);
}

// ------------------------------------------------------------------ authored Synthea-style input

fn synthea_fixtures() -> PathBuf {
    fixtures().join("fhir/synthea")
}

/// Compresses `name` in `dir` to `name.gz` and removes the plain file.
fn gzip_in_place(dir: &Path, name: &str) {
    use std::io::Write;
    let text = std::fs::read(dir.join(name)).expect("read");
    let out = std::fs::File::create(dir.join(format!("{name}.gz"))).expect("create");
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    gz.write_all(&text).expect("gzip");
    gz.finish().expect("gzip");
    std::fs::remove_file(dir.join(name)).expect("rm");
}

/// The codes of one visit's child table, as `SYSTEM:CODE`.
async fn visit_codes(store: &Store, table: &str, admission: &str) -> BTreeSet<String> {
    let q = if table == "prescriptions" {
        "SELECT p.med_system || ':' || p.med_code FROM prescriptions p JOIN visits v ON v.id = p.visit_id \
         WHERE v.admission_id = ? AND p.med_code IS NOT NULL"
            .to_owned()
    } else {
        format!(
            "SELECT t.system || ':' || t.code FROM {table} t JOIN visits v ON v.id = t.visit_id WHERE v.admission_id = ?"
        )
    };
    sqlx::query_scalar(&q).bind(admission).fetch_all(store.pool()).await.expect("visit codes").into_iter().collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| (*c).to_owned()).collect()
}

const VISIT_A: &str = "5f0c2a10-0a11-4c3e-9d11-000000000a11";
const AMBULATORY_A: &str = "5f0c2a10-0a12-4c3e-9d11-000000000a12";
const SUB_ENCOUNTER_A: &str = "5f0c2a10-0a13-4c3e-9d11-000000000a13";

#[tokio::test]
async fn synthea_bundles_and_ndjson_import_with_snomed_and_rxnorm() {
    // The authored folder: a transaction Bundle (urn:uuid references), a collection Bundle
    // (Type/id references), a plain NDJSON file and a gzipped one.
    let dir = copy_dir(&synthea_fixtures());
    gzip_in_place(dir.path(), "patient-c-events.ndjson");
    let store = memory_store().await;
    let s = store.import_fhir(dir.path(), &FhirSystems::standard(), &P).await.expect("the authored folder imports");

    assert_eq!(counts(&store).await, (3, 4, 7, 2, 8), "(patients, visits, diagnoses, procedures, prescriptions)");
    assert_eq!(
        visit_rows(&store).await.keys().cloned().collect::<Vec<_>>(),
        vec!["5f0c2a10-0a11-4c3e-9d11-000000000a11", "enc-b-0021", "enc-b-0022", "enc-c-0031"],
        "the inpatient encounters are the visits, keyed by their id; the ambulatory one and the ED sub-encounter are not"
    );
    assert!(
        !visit_rows(&store).await.contains_key(AMBULATORY_A) && !visit_rows(&store).await.contains_key(SUB_ENCOUNTER_A)
    );

    // Patient A (transaction Bundle, urn:uuid references).
    assert_eq!(
        visit_codes(&store, "diagnoses", VISIT_A).await,
        set(&["SNOMED:44054006", "SNOMED:38341003", "SNOMED:29857009"]),
        "SNOMED Conditions stay SNOMED codes; the ED sub-encounter's chest pain folds into the stay"
    );
    assert_eq!(
        visit_codes(&store, "procedures", VISIT_A).await,
        set(&["SNOMED:415070008"]),
        "the ambulatory procedure is not the stay's"
    );
    assert_eq!(
        visit_codes(&store, "prescriptions", VISIT_A).await,
        set(&["RXNORM:860975", "RXNORM:314076", "RXNORM:17767", "RXNORM:18867", "RXNORM:243670"]),
        "RxNorm concept, contained #med1, both ingredients of the referenced Medication, and the sub-encounter's order"
    );
    type Rx = (String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Rx> = sqlx::query_as(
        "SELECT p.drug, p.map_method, p.start_time, p.stop_time FROM prescriptions p JOIN visits v ON v.id = p.visit_id \
         WHERE v.admission_id = ? ORDER BY p.drug",
    )
    .bind(VISIT_A)
    .fetch_all(store.pool())
    .await
    .expect("q");
    assert_eq!(rows.len(), 5, "one prescription per drug (the two-ingredient Medication gives two)");
    assert!(rows.iter().all(|r| r.1.as_deref() == Some("native")), "without an ATC map RxNorm is the medication code");
    let amlodipine = rows.iter().find(|r| r.0 == "amlodipine").expect("an ingredient is named by its display");
    assert_eq!(
        (amlodipine.2.as_deref(), amlodipine.3.as_deref()),
        (Some("2019-02-04 12:00:00"), Some("2019-02-07 11:00:00")),
        "an ingredient keeps its order's validity period"
    );
    assert!(rows.iter().any(|r| r.0 == "lisinopril 10 MG Oral Tablet"), "the contained Medication is named: {rows:?}");
    let chart: Option<String> = sqlx::query_scalar(
        "SELECT p.chart_date FROM procedures p JOIN visits v ON v.id = p.visit_id WHERE v.admission_id = ?",
    )
    .bind(VISIT_A)
    .fetch_one(store.pool())
    .await
    .expect("q");
    assert_eq!(chart.as_deref(), Some("2019-02-04"), "performedPeriod.start is the procedure's date");
    type Visit = (String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
    let visit: Visit = sqlx::query_as(
        "SELECT admit_time, discharge_time, admission_type, language, marital_status, race FROM visits WHERE admission_id = ?",
    )
    .bind(VISIT_A)
    .fetch_one(store.pool())
    .await
    .expect("q");
    assert_eq!(
        visit,
        (
            "2019-02-03 08:15:00".to_owned(),
            Some("2019-02-07 11:00:00".to_owned()),
            Some("IMP".to_owned()),
            Some("ENGLISH".to_owned()),
            Some("MARRIED".to_owned()),
            Some("WHITE".to_owned())
        ),
        "the period in the source's frame; class, language, marital status and race as the profile"
    );
    let title: String =
        sqlx::query_scalar("SELECT title FROM code_titles WHERE system = 'SNOMED' AND code = '44054006'")
            .fetch_one(store.pool())
            .await
            .expect("a SNOMED display becomes the code's title");
    assert_eq!(title, "Diabetes mellitus type 2 (disorder)");

    // Patient B (collection Bundle, Type/id and absolute references).
    assert_eq!(visit_codes(&store, "diagnoses", "enc-b-0021").await, set(&["SNOMED:233604007"]));
    assert_eq!(
        visit_codes(&store, "diagnoses", "enc-b-0022").await,
        set(&["SNOMED:84114007"]),
        "an absolute reference with /_history/ resolves"
    );
    assert_eq!(visit_codes(&store, "prescriptions", "enc-b-0021").await, set(&["RXNORM:1665021"]));
    assert_eq!(
        visit_codes(&store, "prescriptions", "enc-b-0022").await,
        set(&["RXNORM:313988"]),
        "Medication/id resolves"
    );

    // Patient C (NDJSON, the events gzipped): ICD-10-CM written without its dot.
    assert_eq!(
        visit_codes(&store, "diagnoses", "enc-c-0031").await,
        set(&["ICD10CM:I4891", "SNOMED:59621000"]),
        "dotted ICD-10-CM is normalised; the first coding in a known system is taken; the refuted one is not"
    );
    assert_eq!(visit_codes(&store, "procedures", "enc-c-0031").await, set(&["ICD10PCS:5A2204Z"]));
    assert_eq!(visit_codes(&store, "prescriptions", "enc-c-0031").await, set(&["RXNORM:855332"]));

    assert_eq!(
        patient_rows(&store).await,
        BTreeMap::from([
            ("5f0c2a10-0a01-4c3e-9d11-000000000a01".to_owned(), ("F".to_owned(), Some(1961))),
            ("pat-b-0002".to_owned(), ("M".to_owned(), Some(1948))),
            ("pat-c-0003".to_owned(), ("U".to_owned(), Some(1975))),
        ]),
        "sex from gender (other is unknown), birth year from a full or partial birthDate"
    );

    // The summary says what was left out and why.
    assert_eq!(
        s.skipped,
        BTreeMap::from([
            ("Condition: entered in error, refuted or not done".to_owned(), 1),
            ("Condition: its Encounter is not a hospital stay".to_owned(), 1),
            ("Condition: no coding in a known code system".to_owned(), 1),
            (
                "Encounter: ED/ICU sub-encounter, not a visit of its own (what folds goes to its hospital stay)"
                    .to_owned(),
                1
            ),
            ("Encounter: not a hospital stay (its class is not one of the visit classes)".to_owned(), 1),
            ("MedicationRequest: its Encounter is not a hospital stay".to_owned(), 1),
            ("Procedure: its Encounter is not a hospital stay".to_owned(), 1),
        ]),
        "the ambulatory encounter and its Condition, Procedure and order are counted, not imported"
    );
    assert_eq!(
        s.skipped_rows, 6,
        "every skipped resource but the sub-encounter (whose content folds) is a skipped row"
    );
    assert_eq!(
        s.unknown_systems,
        BTreeMap::from([("http://hospital.example.org/fhir/CodeSystem/local-diagnosis".to_owned(), 2)]),
        "a local URI is reported with its count"
    );
    assert_eq!((s.coded_natively, s.unmapped), (8, 0), "RxNorm codes are the medication vocabulary without an ATC map");
    assert_eq!(
        s.resources,
        BTreeMap::from([
            ("Condition".to_owned(), 10),
            ("Encounter".to_owned(), 6),
            ("Medication".to_owned(), 2),
            ("MedicationRequest".to_owned(), 8),
            ("Observation".to_owned(), 1),
            ("Patient".to_owned(), 3),
            ("Procedure".to_owned(), 3),
        ]),
        "every resource is counted by type (contained resources are part of their parent)"
    );

    // Idempotent, and a plain copy of the events reads like the gzipped one.
    let first = counts(&store).await;
    store.import_fhir(dir.path(), &FhirSystems::standard(), &P).await.expect("again");
    assert_eq!(counts(&store).await, first, "re-importing the same folder adds no duplicates");
    assert_eq!(audit_imports(&store).await, 2);
    let plain = memory_store().await;
    plain.import_fhir(&synthea_fixtures(), &FhirSystems::standard(), &P).await.expect("the plain folder imports");
    assert_eq!(counts(&plain).await, first, ".ndjson.gz and .ndjson read alike");
}

#[tokio::test]
async fn one_bundle_file_may_be_imported_on_its_own() {
    let store = memory_store().await;
    let s = store
        .import_fhir(&synthea_fixtures().join("transaction-patient-a.json"), &FhirSystems::standard(), &P)
        .await
        .expect("a single Bundle imports");
    assert_eq!(counts(&store).await, (1, 1, 3, 1, 5));
    assert_eq!(s.source, "fhir");
}

#[tokio::test]
async fn with_an_atc_map_rxnorm_stays_native_unless_the_map_knows_the_drug() {
    // A map by name: the mapping tables win over the cohort's own code, as for Synthea CSV.
    let dir = tempfile::tempdir().expect("tmp");
    let map = dir.path().join("names.csv");
    std::fs::write(&map, "drug,atc_code\namlodipine,C08CA01\n").expect("write");
    let store = memory_store().await;
    store.import_atc_map(&map, &P).await.expect("map");
    let s = store.import_fhir(&synthea_fixtures(), &FhirSystems::standard(), &P).await.expect("import");
    assert_eq!((s.mapped_by_name, s.coded_natively, s.unmapped), (1, 7, 0));
    assert!(
        visit_codes(&store, "prescriptions", VISIT_A).await.contains("ATC:C08CA01"),
        "the ingredient named in the map gets its ATC code"
    );
}

#[tokio::test]
async fn a_file_larger_than_one_chunk_streams_through_several() {
    // 45,000 Conditions and 5,000 orders in one NDJSON file: three chunks of pass 2.
    let dir = tempfile::tempdir().expect("tmp");
    let mut lines = vec![
        PATIENTS[0].to_owned(),
        ENCOUNTERS[0].to_owned(),
        ENCOUNTERS[1].replace("enc-2", "enc-3").replace("pt-2", "pt-1"),
    ];
    for i in 0..45_000 {
        let enc = if i % 2 == 0 { "enc-1" } else { "enc-3" };
        lines.push(condition(enc, "pt-1", ICD10CM, &format!("Z{:02}.{}", i % 100, i % 10)));
        if i % 9 == 0 {
            lines.push(format!(
                r#"{{"resourceType": "MedicationRequest", "status": "completed", "medicationCodeableConcept": {{"coding": [{{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "{}"}}]}}, "subject": {{"reference": "Patient/pt-1"}}, "encounter": {{"reference": "Encounter/{enc}"}}}}"#,
                100_000 + i
            ));
        }
    }
    std::fs::write(dir.path().join("export.ndjson"), lines.join("\n")).expect("write");
    let store = memory_store().await;
    let s = store.import_fhir(dir.path(), &FhirSystems::standard(), &P).await.expect("imports");
    assert_eq!(counts(&store).await, (1, 2, 45_000, 0, 5_000), "no row is lost or repeated at a chunk boundary");
    assert_eq!((s.diagnoses, s.prescriptions), (45_000, 5_000));
    let seqs: (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(DISTINCT seq_num), MIN(seq_num), MAX(seq_num) FROM diagnoses d JOIN visits v ON v.id = d.visit_id \
         WHERE v.admission_id = 'enc-1'",
    )
    .fetch_one(store.pool())
    .await
    .expect("q");
    assert_eq!(seqs, (22_500, 1, 22_500), "sequence numbers run on across chunks, per visit");
}

// ------------------------------------------------------------------ malformed input

const PATIENTS: &[&str] = &[
    r#"{"resourceType": "Patient", "id": "pt-1", "gender": "female", "birthDate": "1970-01-01"}"#,
    r#"{"resourceType": "Patient", "id": "pt-2", "gender": "male", "birthDate": "1980-05-05"}"#,
];
const ENCOUNTERS: &[&str] = &[
    r#"{"resourceType": "Encounter", "id": "enc-1", "status": "finished", "class": {"code": "IMP"}, "subject": {"reference": "Patient/pt-1"}, "period": {"start": "2020-01-01T10:00:00Z"}}"#,
    r#"{"resourceType": "Encounter", "id": "enc-2", "status": "finished", "class": {"code": "IMP"}, "subject": {"reference": "Patient/pt-2"}, "period": {"start": "2020-02-01T10:00:00Z"}}"#,
];

fn condition(encounter: &str, subject: &str, system: &str, code: &str) -> String {
    format!(
        r#"{{"resourceType": "Condition", "code": {{"coding": [{{"system": "{system}", "code": "{code}"}}]}}, "subject": {{"reference": "Patient/{subject}"}}, "encounter": {{"reference": "Encounter/{encounter}"}}}}"#
    )
}

const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";

fn good_conditions() -> Vec<String> {
    vec![
        condition("enc-1", "pt-1", ICD10CM, "J18.9"),
        condition("enc-2", "pt-2", ICD10CM, "I10"),
        condition("enc-1", "pt-1", ICD10CM, "E11.9"),
    ]
}

/// A small Bulk Data export: Patient.ndjson, Encounter.ndjson, Condition.ndjson.
fn export(patients: &[&str], encounters: &[&str], conditions: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let write =
        |name: &str, lines: Vec<&str>| std::fs::write(dir.path().join(name), lines.join("\n") + "\n").expect("write");
    write("Patient.ndjson", patients.to_vec());
    write("Encounter.ndjson", encounters.to_vec());
    write("Condition.ndjson", conditions.iter().map(String::as_str).collect());
    dir
}

async fn refused(dir: &Path, systems: &FhirSystems) -> String {
    // Into a store that already holds the good export: a refused import changes nothing.
    let store = memory_store().await;
    let good = export(PATIENTS, ENCOUNTERS, &good_conditions());
    store.import_fhir(good.path(), &FhirSystems::standard(), &P).await.expect("the good export imports");
    let before = (counts(&store).await, count(&store, "code_titles").await, audit_imports(&store).await);
    let err = store.import_fhir(dir, systems, &P).await.expect_err("the broken export is refused");
    let after = (counts(&store).await, count(&store, "code_titles").await, audit_imports(&store).await);
    assert_eq!(before, after, "a refused import leaves the store as it was: {err}");
    // And into an empty store: nothing partial stays.
    let empty = memory_store().await;
    empty.import_fhir(dir, systems, &P).await.expect_err("refused again");
    assert_eq!(counts(&empty).await, (0, 0, 0, 0, 0), "nothing partial stays");
    err.to_string()
}

#[tokio::test]
async fn the_small_export_imports() {
    let dir = export(PATIENTS, ENCOUNTERS, &good_conditions());
    let store = memory_store().await;
    store.import_fhir(dir.path(), &FhirSystems::standard(), &P).await.expect("imports");
    assert_eq!(counts(&store).await, (2, 2, 3, 0, 0), "the baseline the broken variants start from");
}

#[tokio::test]
async fn malformed_json_names_file_and_line_without_values() {
    let mut conditions = good_conditions();
    conditions[2] =
        r#"{"resourceType": "Condition", "subject": {"reference": "Patient/pt-secret-77"}, "code": {"coding": ["#
            .to_owned();
    let dir = export(PATIENTS, ENCOUNTERS, &conditions);
    let msg = refused(dir.path(), &FhirSystems::standard()).await;
    assert!(msg.contains("Condition.ndjson:3:"), "file and line are named: {msg}");
    assert!(msg.contains("malformed JSON"), "{msg}");
    assert!(!msg.contains("pt-secret-77"), "no patient value in the message: {msg}");
}

#[tokio::test]
async fn a_field_of_the_wrong_shape_is_refused_with_file_and_line() {
    let encounters = [ENCOUNTERS[0], &ENCOUNTERS[1].replace(r#""class": {"code": "IMP"}"#, r#""class": "IMP""#)];
    let dir = export(PATIENTS, &encounters, &good_conditions());
    let msg = refused(dir.path(), &FhirSystems::standard()).await;
    assert!(msg.starts_with("Encounter.ndjson:2: Encounter: a field has the wrong type or shape"), "{msg}");

    // In a Bundle the entry is named too.
    let dir = tempfile::tempdir().expect("tmp");
    let bundle = format!(
        r#"{{"resourceType": "Bundle", "type": "collection", "entry": [{{"resource": {}}}, {{"resource": {}}}]}}"#,
        PATIENTS[0],
        ENCOUNTERS[0].replace(r#""class": {"code": "IMP"}"#, r#""class": "IMP""#)
    );
    std::fs::write(dir.path().join("bundle.json"), bundle).expect("write");
    let msg = refused(dir.path(), &FhirSystems::standard()).await;
    assert!(msg.starts_with("bundle.json:1: Bundle entry 2: Encounter: a field has the wrong type"), "{msg}");
}

#[tokio::test]
async fn a_subject_that_contradicts_its_encounter_is_refused() {
    let mut conditions = good_conditions();
    conditions.push(condition("enc-1", "pt-2", ICD10CM, "I10"));
    let dir = export(PATIENTS, ENCOUNTERS, &conditions);
    let msg = refused(dir.path(), &FhirSystems::standard()).await;
    assert_eq!(msg, "Condition.ndjson:4: the Condition's subject is not the patient of its Encounter");
}

#[tokio::test]
async fn a_reference_to_a_missing_encounter_is_skipped_and_counted() {
    let mut conditions = good_conditions();
    conditions.push(condition("enc-not-exported", "pt-1", ICD10CM, "I10"));
    let dir = export(PATIENTS, ENCOUNTERS, &conditions);
    let store = memory_store().await;
    let s =
        store.import_fhir(dir.path(), &FhirSystems::standard(), &P).await.expect("a filtered export is not refused");
    assert_eq!(counts(&store).await, (2, 2, 3, 0, 0));
    assert_eq!(
        s.skipped,
        BTreeMap::from([("Condition: its Encounter is not in this import".to_owned(), 1)]),
        "Bulk exports are often filtered: counted, not refused"
    );
    assert_eq!(s.skipped_rows, 1);
}

#[tokio::test]
async fn an_invalid_code_is_refused_after_writing_began_and_rolls_back() {
    // Codes are checked in the second pass, after patients and visits were written: the
    // transaction must take those back.
    let mut conditions = good_conditions();
    conditions[1] = condition("enc-2", "pt-2", ICD10CM, "I10/X");
    let dir = export(PATIENTS, ENCOUNTERS, &conditions);
    let msg = refused(dir.path(), &FhirSystems::standard()).await;
    assert_eq!(msg, "Condition.ndjson:2: a Condition code is not a valid ICD-10-CM code");
}

#[tokio::test]
async fn a_patient_id_with_a_control_character_is_refused() {
    let patients =
        [PATIENTS[0], PATIENTS[1], r#"{"resourceType": "Patient", "id": "pt-\u0007-3", "gender": "female"}"#];
    let dir = export(&patients, ENCOUNTERS, &good_conditions());
    let msg = refused(dir.path(), &FhirSystems::standard()).await;
    assert_eq!(msg, "Patient.ndjson:3: Patient id contains a control character");
}

#[tokio::test]
async fn an_unknown_coding_system_is_counted_never_guessed() {
    let mut conditions = good_conditions();
    conditions.push(condition("enc-2", "pt-2", "http://hospital.example.org/fhir/dx", "K35.80"));
    let dir = export(PATIENTS, ENCOUNTERS, &conditions);
    let store = memory_store().await;
    let s = store.import_fhir(dir.path(), &FhirSystems::standard(), &P).await.expect("imports");
    assert_eq!(counts(&store).await.2, 3, "the unknown-coded Condition is not imported");
    assert_eq!(s.unknown_systems, BTreeMap::from([("http://hospital.example.org/fhir/dx".to_owned(), 1)]));
    assert_eq!(s.skipped.get("Condition: no coding in a known code system"), Some(&1));

    // A site mapping file that names the URI is honoured.
    let tmp = tempfile::tempdir().expect("tmp");
    let toml = tmp.path().join("hospital.toml");
    std::fs::write(
        &toml,
        "name = \"example-hospital\"\n\n[systems]\n\"http://hospital.example.org/fhir/dx\" = \"ICD10CM\"\n",
    )
    .expect("write");
    let systems = leader_store::import::fhir::systems_from(Some(toml.to_str().expect("utf-8 path")))
        .expect("the site file loads");
    assert_eq!(systems.name, "example-hospital");
    let s = store.import_fhir(dir.path(), &systems, &P).await.expect("imports with the site mapping");
    assert!(s.unknown_systems.is_empty(), "{:?}", s.unknown_systems);
    assert_eq!(counts(&store).await.2, 4, "the re-imported visits now carry the site-coded diagnosis too");
    assert_eq!(visit_codes(&store, "diagnoses", "enc-2").await, set(&["ICD10CM:I10", "ICD10CM:K3580"]));

    // A site file with a target we do not have is refused, naming the file and the URI.
    std::fs::write(&toml, "[systems]\n\"http://hospital.example.org/fhir/dx\" = \"ICD11\"\n").expect("write");
    let e =
        leader_store::import::fhir::systems_from(Some(toml.to_str().expect("utf-8"))).expect_err("ICD11 is not ours");
    let msg = e.to_string();
    assert!(msg.starts_with("hospital.toml: ") && msg.contains("http://hospital.example.org/fhir/dx"), "{msg}");
    assert_eq!(leader_store::import::fhir::systems_from(Some("mimic")).expect("mimic"), FhirSystems::mimic());
    assert_eq!(leader_store::import::fhir::systems_from(None).expect("standard"), FhirSystems::standard());
}

#[tokio::test]
async fn a_folder_without_fhir_files_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("README.txt"), "not FHIR\n").expect("write");
    std::fs::write(dir.path().join("patients.csv"), "id\n1\n").expect("write");
    let store = memory_store().await;
    let err = store.import_fhir(dir.path(), &FhirSystems::standard(), &P).await.expect_err("nothing to import");
    let msg = err.to_string();
    assert!(msg.contains("no FHIR files (.ndjson, .ndjson.gz, .json or .json.gz)"), "{msg}");
    assert_eq!(audit_imports(&store).await, 0, "a refused import is not an import event");
}
