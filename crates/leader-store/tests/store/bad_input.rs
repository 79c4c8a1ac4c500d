use leader_store::{MimicVersion, StoreError};

use crate::common::*;

async fn import_broken(edit: impl FnOnce(&std::path::Path)) -> (String, (i64, i64, i64, i64, i64)) {
    let dir = copy_dir(&fixtures().join("mimic-iii"));
    edit(dir.path());
    let store = memory_store().await;
    let err = store.import_mimic(dir.path(), MimicVersion::Iii, &P).await.expect_err("the broken folder is refused");
    (err.to_string(), counts(&store).await)
}

fn append(dir: &std::path::Path, file: &str, line: &str) {
    let p = dir.join(file);
    let mut text = std::fs::read_to_string(&p).expect("read");
    text.push_str(line);
    text.push('\n');
    std::fs::write(p, text).expect("write");
}

#[tokio::test]
async fn a_row_with_the_wrong_number_of_fields_names_file_and_line() {
    let (msg, counts) = import_broken(|d| append(d, "PRESCRIPTIONS.csv", "308,9001,190001,,2160-01-05 00:00:00")).await;
    assert_eq!(msg, "PRESCRIPTIONS.csv:9: has 5 fields, but the header has 19");
    assert_eq!(counts, (0, 0, 0, 0, 0), "nothing partial stays");
}

#[tokio::test]
async fn an_unparsable_date_names_the_column_without_echoing_the_value() {
    let (msg, counts) = import_broken(|d| {
        append(
            d,
            "ADMISSIONS.csv",
            r#"15,9003,190005,02/31/2150,,,"URGENT","X","HOME","Medicare","ENGL","","SINGLE","WHITE",,,"X",0,1"#,
        )
    })
    .await;
    assert!(msg.starts_with("ADMISSIONS.csv:6, column `admittime`: is not a date"), "{msg}");
    assert!(!msg.contains("02/31"), "clinical values are not echoed: {msg}");
    assert_eq!(counts.0, 0);
}

#[tokio::test]
async fn a_bad_number_a_missing_column_and_a_missing_file_are_named() {
    let (msg, _) = import_broken(|d| append(d, "DIAGNOSES_ICD.csv", "110,9001,19000x,3,\"4019\"")).await;
    assert_eq!(msg, "DIAGNOSES_ICD.csv:11, column `hadm_id`: is not a whole number");
    let (msg, _) = import_broken(|d| {
        let p = d.join("PATIENTS.csv");
        let text = std::fs::read_to_string(&p).expect("read").replace("\"GENDER\"", "\"SEX\"");
        std::fs::write(p, text).expect("write");
    })
    .await;
    assert_eq!(msg, "PATIENTS.csv: missing required column `gender`");
    let (msg, _) = import_broken(|d| std::fs::remove_file(d.join("PROCEDURES_ICD.csv")).expect("rm")).await;
    assert!(msg.contains("no file `procedures_icd`"), "{msg}");
}

#[tokio::test]
async fn a_reference_to_an_unknown_admission_is_refused() {
    let (msg, counts) = import_broken(|d| {
        append(d, "PRESCRIPTIONS.csv", r#"309,9001,199999,,,,"MAIN","Aspirin","","","","","","","","","","","PO""#)
    })
    .await;
    assert_eq!(msg, "PRESCRIPTIONS.csv:9, column `hadm_id`: names an admission that is not in the admissions table");
    assert_eq!(counts, (0, 0, 0, 0, 0));
}

#[tokio::test]
async fn a_failed_re_import_keeps_the_previous_good_state() {
    let store = memory_store().await;
    store.import_mimic(&fixtures().join("mimic-iii"), MimicVersion::Iii, &P).await.expect("good import");
    let good = counts(&store).await;
    let dir = copy_dir(&fixtures().join("mimic-iii"));
    append(dir.path(), "PRESCRIPTIONS.csv", "broken");
    store.import_mimic(dir.path(), MimicVersion::Iii, &P).await.expect_err("refused");
    assert_eq!(counts(&store).await, good);
}

#[tokio::test]
async fn map_rows_without_a_usable_atc_code_are_skipped_and_reported_by_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("map.csv");
    std::fs::write(&f, "gsn,atc\n000001,B01AC06\n000002,B1\n000003,A12\n").expect("write");
    let store = memory_store().await;
    let s = store.import_atc_map(&f, &P).await.expect("loads the usable rows");
    assert_eq!((s.rows, s.skipped_rows, s.skipped_lines.clone()), (3, 2, vec![3, 4]));
    assert_eq!(count(&store, "atc_map").await, 1);
}

#[tokio::test]
async fn a_map_without_key_columns_or_with_a_ragged_row_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("map.csv");
    std::fs::write(&f, "code,atc\n1,B01AC06\n").expect("write");
    let store = memory_store().await;
    let err = store.import_atc_map(&f, &P).await.expect_err("no key column");
    assert!(err.to_string().contains("missing required column `gsn` or `ndc` or `drug`"), "{err}");
    std::fs::write(&f, "gsn,atc\n000001,B01AC06\n000002\n").expect("write");
    let err = store.import_atc_map(&f, &P).await.expect_err("ragged");
    assert_eq!(err.to_string(), "map.csv:3: has 1 fields, but the header has 2");
    assert_eq!(count(&store, "atc_map").await, 0, "nothing partial stays");
}

#[tokio::test]
async fn a_second_source_may_not_take_over_a_patient_id() {
    let store = memory_store().await;
    store.import_mimic(&fixtures().join("mimic-iii"), MimicVersion::Iii, &P).await.expect("MIMIC-III");
    let err = store.import_mimic(&fixtures().join("mimic-iii"), MimicVersion::Iv, &P).await.expect_err("clash");
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(!err.to_string().contains("9001"), "no patient id in the message: {err}");
}

/// A minimal MIMIC-IV `hosp/` folder whose one patient row is `patient_row`
/// (`subject_id,gender,anchor_age,anchor_year`).
fn mimic_iv_dir(patient_row: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let files = [
        ("patients.csv", format!("subject_id,gender,anchor_age,anchor_year\n{patient_row}\n")),
        ("admissions.csv", "subject_id,hadm_id,admittime\n7001,8001,2150-01-01 00:00:00\n".to_owned()),
        ("diagnoses_icd.csv", "subject_id,hadm_id,seq_num,icd_code,icd_version\n7001,8001,1,I10,10\n".to_owned()),
        ("procedures_icd.csv", "subject_id,hadm_id,seq_num,icd_code,icd_version\n".to_owned()),
        ("prescriptions.csv", "subject_id,hadm_id,drug\n7001,8001,Aspirin\n".to_owned()),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

/// Imports the MIMIC-III fixture, then tries `dir`; returns the error and whether the
/// store is unchanged.
async fn refused_and_unchanged(dir: &std::path::Path, version: MimicVersion) -> String {
    let store = memory_store().await;
    store.import_mimic(&fixtures().join("mimic-iii"), MimicVersion::Iii, &P).await.expect("good import");
    let before = (counts(&store).await, count(&store, "code_titles").await);
    let err = store.import_mimic(dir, version, &P).await.expect_err("refused");
    assert_eq!((counts(&store).await, count(&store, "code_titles").await), before, "nothing is written");
    err.to_string()
}

#[tokio::test]
async fn the_minimal_mimic_iv_folder_imports() {
    let dir = mimic_iv_dir("7001,F,60,2150");
    let store = memory_store().await;
    store.import_mimic(dir.path(), MimicVersion::Iv, &P).await.expect("imports");
    let born: Option<i64> =
        sqlx::query_scalar("SELECT birth_year FROM patients").fetch_one(store.pool()).await.expect("birth year");
    assert_eq!(born, Some(2090));
}

#[tokio::test]
async fn an_anchor_year_of_i64_max_is_refused_naming_file_line_and_column() {
    let dir = mimic_iv_dir("7001,F,60,9223372036854775807");
    let msg = refused_and_unchanged(dir.path(), MimicVersion::Iv).await;
    assert_eq!(msg, "patients.csv:2, column `anchor_year`: is out of range: the year must be 1 to 9999");
    assert!(!msg.contains("9223372036854775807"), "the value is not echoed: {msg}");
}

#[tokio::test]
async fn a_negative_or_too_large_anchor_age_is_refused() {
    let dir = mimic_iv_dir("7001,F,-1,2150");
    let msg = refused_and_unchanged(dir.path(), MimicVersion::Iv).await;
    assert_eq!(msg, "patients.csv:2, column `anchor_age`: is out of range: the age must be 0 to 130");
    let dir = mimic_iv_dir("7001,F,131,2150");
    let msg = refused_and_unchanged(dir.path(), MimicVersion::Iv).await;
    assert!(msg.starts_with("patients.csv:2, column `anchor_age`: is out of range"), "{msg}");
    let dir = mimic_iv_dir("7001,F,100,50");
    let msg = refused_and_unchanged(dir.path(), MimicVersion::Iv).await;
    assert!(msg.starts_with("patients.csv:2, column `anchor_year`: gives a birth year outside 1 to 9999"), "{msg}");
}

#[tokio::test]
async fn a_non_positive_id_and_a_negative_seq_num_are_refused() {
    let dir = mimic_iv_dir("0,F,60,2150");
    let msg = refused_and_unchanged(dir.path(), MimicVersion::Iv).await;
    assert_eq!(msg, "patients.csv:2, column `subject_id`: is out of range: an id must be a positive whole number");
    let dir = copy_dir(&fixtures().join("mimic-iii"));
    append(dir.path(), "DIAGNOSES_ICD.csv", "111,9001,190001,-3,\"4019\"");
    let msg = refused_and_unchanged(dir.path(), MimicVersion::Iii).await;
    assert_eq!(msg, "DIAGNOSES_ICD.csv:11, column `seq_num`: is out of range: must not be negative");
}

#[tokio::test]
async fn a_nul_byte_in_a_drug_name_is_refused() {
    let dir = copy_dir(&fixtures().join("mimic-iii"));
    append(
        dir.path(),
        "PRESCRIPTIONS.csv",
        "309,9001,190001,,,,\"MAIN\",\"Asp\0irin\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"PO\"",
    );
    let msg = refused_and_unchanged(dir.path(), MimicVersion::Iii).await;
    assert_eq!(msg, "PRESCRIPTIONS.csv:9, column `drug`: contains a control character (only tab is allowed in text)");
}

#[tokio::test]
async fn a_control_character_in_a_diagnosis_title_is_refused() {
    let dir = copy_dir(&fixtures().join("mimic-iii"));
    append(dir.path(), "D_ICD_DIAGNOSES.csv", "8,\"25000\",\"Diabetes\",\"Diabetes\x1b[2J mellitus\"");
    let msg = refused_and_unchanged(dir.path(), MimicVersion::Iii).await;
    assert_eq!(
        msg,
        "D_ICD_DIAGNOSES.csv:9, column `long_title`: contains a control character (only tab is allowed in text)"
    );
    assert!(!msg.contains("Diabetes"), "the value is not echoed: {msg}");
}

#[tokio::test]
async fn a_mimic_iii_birth_date_shifted_to_the_1800s_still_imports() {
    let dir = copy_dir(&fixtures().join("mimic-iii"));
    let p = dir.path().join("PATIENTS.csv");
    let text = std::fs::read_to_string(&p).expect("read").replace("2080-11-02 00:00:00", "1800-11-02 00:00:00");
    std::fs::write(p, text).expect("write");
    let store = memory_store().await;
    store.import_mimic(dir.path(), MimicVersion::Iii, &P).await.expect("imports");
    let born: i64 = sqlx::query_scalar("SELECT birth_year FROM patients WHERE id = '9002'")
        .fetch_one(store.pool())
        .await
        .expect("birth year");
    assert_eq!(born, 1800);
}
