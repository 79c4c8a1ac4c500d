//! FHIR in both directions through the binary: the MIMIC-IV demo on FHIR imports to the same
//! cohort as its CSV release and the bundled student scores alike on both; a recorded
//! decision exports as a Bundle that a real FHIR validator (fhir.resources, in the
//! pipeline's Python environment) accepts.

use std::path::{Path, PathBuf};
use std::process::Command;

use leader_infer::runtime::SessionOptions;
use leader_service::app::{Action, App, DecisionRequest, ItemDecision, Override, OverrideReason, RecommendRequest};
use leader_service::recommend::Subject;

use crate::{json, leader, shared_data};

fn store_with_maps(dir: &Path) -> PathBuf {
    let db = dir.join("leader.sqlite");
    let maps = shared_data().join("mappings");
    for m in ["ethos/gsn_atc_ndc_mapping.csv.gz", "ethos/mimic_drug_to_atc.csv.gz"] {
        json(&leader(&db, &["--json", "import", "atc-map", maps.join(m).to_str().expect("utf-8")]));
    }
    let ddi = maps.join("gamenet/ddi_atc3_pairs.csv");
    json(&leader(&db, &["--json", "import", "ddi", ddi.to_str().expect("utf-8"), "--source", "twosides"]));
    db
}

#[test]
fn the_fhir_demo_imports_the_csv_cohort_and_the_student_scores_alike_on_both() {
    let (csv_dir, fhir_dir) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let (csv, fhir) = (store_with_maps(csv_dir.path()), store_with_maps(fhir_dir.path()));
    let data = shared_data();
    json(&leader(&csv, &["--json", "import", "mimic-iv", data.join("mimic-iv-demo-2.2").to_str().expect("utf-8")]));
    let folder = data.join("mimic-iv-fhir-demo/fhir");
    let s = json(&leader(&fhir, &["--json", "import", "fhir", folder.to_str().expect("utf-8"), "--systems", "mimic"]));
    assert_eq!((s["patients"].as_u64(), s["visits"].as_u64()), (Some(100), Some(275)), "{s}");
    assert_eq!((s["diagnoses"].as_u64(), s["procedures"].as_u64()), (Some(4506), Some(722)), "{s}");
    assert!(s["unknown_systems"].as_object().expect("map").is_empty(), "the MIMIC mapping knows every system: {s}");
    let text = leader(&fhir, &["import", "fhir", folder.to_str().expect("utf-8"), "--systems", "mimic"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("resources read") && text.contains("MedicationRequest"),
        "the text summary lists types: {text}"
    );

    let eval = |db: &Path| json(&leader(db, &["--json", "evaluate"]));
    let (a, b) = (eval(&csv), eval(&fhir));
    let prauc = |e: &serde_json::Value| e["report"]["overall"]["prauc"].as_f64();
    assert_eq!(a["samples"], b["samples"], "the same patient-level split gives the same test visits");
    let (pa, pb) = (prauc(&a).expect("csv prauc"), prauc(&b).expect("fhir prauc"));
    eprintln!("bundled student PRAUC: CSV store {pa:.4}, FHIR store {pb:.4}, difference {:.4}", (pa - pb).abs());
    assert!((pa - pb).abs() <= 0.02, "the same split scores within 0.02 PRAUC on both stores: {pa} vs {pb}");

    // The baselines on the same visits (`evaluate --baselines`).
    let e = json(&leader(&csv, &["--json", "evaluate", "--baselines"]));
    let names: Vec<&str> = e["report"]["baselines"]
        .as_array()
        .expect("baselines")
        .iter()
        .map(|b| b["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["repeat_previous", "most_frequent"]);
    let rp = e["report"]["baselines"][0]["overall"]["prauc"].as_f64().expect("prauc");
    assert!(rp > 0.3 && rp < 1.0, "repeat-previous scores like a real rule: {rp}");
    assert_eq!(e["report"]["baselines"][0]["overall"]["visits"], e["samples"], "scored on the same visits");
}

fn validate(files: &[&Path]) {
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipeline");
    let python = pipeline.join(".venv/bin/python");
    assert!(python.exists(), "the pipeline environment is needed to validate FHIR (scripts/bootstrap.sh python)");
    let out = Command::new(python)
        .current_dir(&pipeline)
        .args(["-m", "leader_pipeline.fhir_validate"])
        .args(files)
        .output()
        .expect("the validator runs");
    assert!(
        out.status.success(),
        "fhir.resources rejects the exported Bundle:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Records a decision through the app's own service: accept the first suggestion, replace
/// the second with `replacement` (each with an override reason, as the replacement is
/// chosen to interact).
fn reason() -> Override {
    Override { reason: OverrideReason::BenefitOutweighsRisk, comment: None }
}

async fn decide(db: &Path, patient: &str, replacement: Option<&str>) -> i64 {
    let app = App::open(db, SessionOptions::default()).await.expect("app opens");
    let subject = Subject::Patient { patient_id: patient.into(), admission_id: None, extra_current: vec![] };
    let answer = app
        .recommend(RecommendRequest { subject, safe_mode: false, top_k: 5, teacher: false })
        .await
        .expect("recommendation");
    let shown: Vec<_> = answer.recommendation.suggestions.iter().map(|s| s.medication.clone()).collect();
    let mut decisions = vec![ItemDecision {
        medication: shown[0].clone(),
        action: Action::Accept,
        replacement: None,
        choice: None,
        override_reason: Some(reason()),
    }];
    if let Some(r) = replacement {
        decisions.push(ItemDecision {
            medication: shown[1].clone(),
            action: Action::Replace,
            replacement: Some(r.parse().expect("code")),
            choice: None,
            override_reason: Some(reason()),
        });
    }
    app.record_decision(DecisionRequest {
        recommendation_id: answer.recommendation_id.expect("the answer was recorded"),
        decisions,
        note: None,
    })
    .await
    .expect("decision recorded")
}

#[tokio::test]
async fn a_recorded_decision_exports_as_a_valid_fhir_bundle_with_its_alerts() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));

    let out = leader(&db, &["export", "fhir", "--patient", "DEMO-005"]);
    assert!(!out.status.success(), "nothing to export before a decision");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no decision has been recorded") && !err.contains("DEMO-005"), "{err}");

    // DEMO-005 takes digoxin; amiodarone in place of the second suggestion is a curated pair.
    let id = decide(&db, "DEMO-005", Some("ATC:C01BD01")).await;
    let file = dir.path().join("out/decision.json");
    let s = json(&leader(
        &db,
        &["--json", "export", "fhir", "--patient", "DEMO-005", "--out", file.to_str().expect("utf-8")],
    ));
    assert_eq!(s["decision_id"].as_i64(), Some(id));
    assert_eq!(s["medication_requests"].as_u64(), Some(2), "{s}");
    assert!(s["detected_issues"].as_u64().expect("count") >= 1, "amiodarone × digoxin is an alert: {s}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).expect("written").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an export holds clinical data: owner-only");
    }
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    let of = |t: &str| -> Vec<&serde_json::Value> {
        bundle["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| &e["resource"])
            .filter(|r| r["resourceType"] == t)
            .collect()
    };
    assert_eq!(bundle["type"], "collection");
    let requests = of("MedicationRequest");
    assert!(requests.iter().all(|r| r["status"] == "draft" && r["intent"] == "proposal"));
    let amiodarone = requests
        .iter()
        .find(|r| r["medicationCodeableConcept"]["coding"][0]["code"] == "C01BD01")
        .expect("the replacement is ordered");
    assert_eq!(amiodarone["medicationCodeableConcept"]["coding"][0]["system"], "http://www.whocc.no/atc");
    let issue = of("DetectedIssue")
        .into_iter()
        .find(|i| i["severity"] == "high")
        .expect("a high-severity DetectedIssue for amiodarone × digoxin");
    assert_eq!(issue["implicated"].as_array().expect("two").len(), 2);
    assert!(issue["mitigation"][0]["action"]["text"].is_string(), "management advice travels: {issue}");
    let provenance = of("Provenance");
    assert_eq!(provenance.len(), 1);
    let what = serde_json::to_string(&provenance[0]["entity"]).expect("json");
    assert!(what.contains("model-bundle-sha256") && what.contains(&format!("\"value\":\"{id}\"")), "{what}");

    // Standard output gives the same Bundle; both validate.
    let stdout = leader(&db, &["export", "fhir", "--patient", "DEMO-005"]);
    let again: serde_json::Value = serde_json::from_slice(&stdout.stdout).expect("json on stdout");
    assert_eq!(again["entry"], bundle["entry"], "the same decision exports to the same resources");
    let copy = dir.path().join("stdout.json");
    std::fs::write(&copy, &stdout.stdout).expect("write");

    // A decision without alerts (DEMO-012: accept one suggestion) validates too.
    decide(&db, "DEMO-012", None).await;
    let plain = dir.path().join("demo-012.json");
    json(&leader(&db, &["--json", "export", "fhir", "--patient", "DEMO-012", "--out", plain.to_str().expect("utf-8")]));
    validate(&[&file, &copy, &plain]);
}
