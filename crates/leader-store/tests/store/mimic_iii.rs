use std::io::Write;

use leader_core::CodeSystem;
use leader_store::MimicVersion;

use crate::common::*;

fn mimic_iii() -> std::path::PathBuf {
    fixtures().join("mimic-iii")
}

#[tokio::test]
async fn upper_case_tables_import_with_icd9_systems() {
    let store = memory_store().await;
    let s = store.import_mimic(&mimic_iii(), MimicVersion::Iii, &P).await.expect("MIMIC-III fixtures import");
    assert_eq!(counts(&store).await, (3, 4, 8, 3, 7));
    assert_eq!(s.skipped_rows, 1, "the diagnosis row without a code is skipped and counted");
    assert_eq!(s.codes_without_title, 1, "99999 is stored although no dictionary titles it");
    let r = store.patient("9001").await.expect("patient 9001");
    assert_eq!(r.visits.len(), 2);
    assert!(r.visits.iter().flat_map(|v| &v.diagnoses).all(|c| c.system() == CodeSystem::Icd9Cm));
    assert!(r.visits.iter().flat_map(|v| &v.procedures).all(|c| c.system() == CodeSystem::Icd9Pcs));
    assert_eq!(r.titles.get("ICD9CM:42731").map(String::as_str), Some("Atrial fibrillation"));
    assert_eq!(r.visits[0].profile.race.as_deref(), Some("WHITE"), "ETHNICITY fills the race field");
    let old = store.patient("9003").await.expect("patient 9003");
    assert_eq!(
        old.patient.age_at(&old.visits[0]),
        Some(90),
        "MIMIC-III's shifted DOB of the oldest patients caps at 90"
    );
}

#[tokio::test]
async fn lower_case_names_and_gzip_give_the_same_store() {
    let dir = tempfile::tempdir().expect("tmp");
    for e in std::fs::read_dir(mimic_iii()).expect("fixtures") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().to_lowercase();
        let text = std::fs::read_to_string(e.path()).expect("read");
        let (header, body) = text.split_once('\n').expect("header");
        let text = format!("{}\n{body}", header.to_lowercase());
        if name == "prescriptions.csv" {
            let f = std::fs::File::create(dir.path().join("prescriptions.csv.gz")).expect("create");
            let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
            gz.write_all(text.as_bytes()).expect("gzip");
            gz.finish().expect("gzip");
        } else {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
    }
    let upper = memory_store().await;
    upper.import_mimic(&mimic_iii(), MimicVersion::Iii, &P).await.expect("upper-case import");
    let lower = memory_store().await;
    lower.import_mimic(dir.path(), MimicVersion::Iii, &P).await.expect("lower-case .gz import");
    assert_eq!(counts(&upper).await, counts(&lower).await);
    assert_eq!(upper.patient("9001").await.expect("p").visits, lower.patient("9001").await.expect("p").visits);
}

#[tokio::test]
async fn mapping_goes_gsn_then_ndc_then_name_and_never_guesses() {
    let store = memory_store().await;
    store.import_atc_map(&mimic_iii().join("atc_map.csv"), &P).await.expect("gsn/ndc map");
    store.import_atc_map(&mimic_iii().join("drug_names.csv"), &P).await.expect("name map");
    let s = store.import_mimic(&mimic_iii(), MimicVersion::Iii, &P).await.expect("import");
    assert_eq!((s.mapped_by_gsn, s.mapped_by_ndc, s.mapped_by_name, s.unmapped), (3, 0, 2, 2));
    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT drug, med_code, map_method FROM prescriptions ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("q");
    let by_drug = |d: &str| rows.iter().find(|r| r.0 == d).map(|r| (r.1.clone(), r.2.clone())).expect("drug present");
    assert_eq!(by_drug("Warfarin"), (Some("B01AA03".into()), Some("gsn".into())));
    assert_eq!(by_drug("Furosemide"), (Some("C03CA01".into()), Some("name".into())));
    assert_eq!(
        by_drug("Vancomycin"),
        (Some("J01XA01".into()), Some("name".into())),
        "the first mapping in file order wins"
    );
    assert_eq!(by_drug("NS"), (None, None), "a diluent stays unmapped");
    assert_eq!(by_drug("Unlisted Study Drug"), (None, None));
    let record = store.patient("9001").await.expect("p");
    let classes: Vec<String> = record.visits[0].medications(3).iter().map(ToString::to_string).collect();
    assert_eq!(classes, ["ATC:B01A", "ATC:C07A"]);
}

#[tokio::test]
async fn ndc_is_used_when_gsn_is_absent() {
    let dir = copy_dir(&mimic_iii());
    std::fs::write(dir.path().join("atc_map.csv"), "ndc,atc\n00054429731,C03CA01\n").expect("write");
    let store = memory_store().await;
    store.import_atc_map(&dir.path().join("atc_map.csv"), &P).await.expect("ndc map");
    let s = store.import_mimic(dir.path(), MimicVersion::Iii, &P).await.expect("import");
    assert_eq!(s.mapped_by_ndc, 1);
}
