use crate::{json, leader};

#[test]
fn a_tiny_refinement_runs_the_whole_chain_resumes_installs_and_rolls_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let work = dir.path().join("work");
    let w = work.to_str().expect("path");
    let first = json(&leader(&db, &["--json", "refine", "--tiny", "--out", w, "--force"]));
    assert_eq!(first["gate"]["installed"], true, "{first}");
    // The candidate is signed by this store's own key, so it installs without --allow-unsigned.
    assert_eq!(first["gate"]["allowed_unsigned"], false, "{first}");
    let keys = json(&leader(&db, &["--json", "model", "keys"]));
    let own = keys.as_array().expect("keys").iter().find(|k| k["source"] == "store").expect("the store's key exists");
    let sig: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("candidate/signature.json")).expect("signed"))
            .expect("json");
    assert_eq!(sig["key_id"], own["id"], "signed by the store's key");
    assert!(first["gate"]["signature"].as_str().expect("sig").contains(own["id"].as_str().expect("id")));
    let key_file = db.with_file_name("leader.sqlite.signing-key");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key_file).expect("key").permissions());
    assert_eq!(mode & 0o777, 0o600, "the signing key is owner-only");
    assert!(first["candidate_eval"]["report"]["overall"]["prauc"].as_f64().expect("prauc") > 0.0, "evaluated in Rust");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("candidate/manifest.json")).expect("manifest"))
            .expect("json");
    let parity = manifest["provenance"]["onnx_parity"].as_array().expect("parity");
    assert!(
        parity.len() >= 3 && parity.iter().all(|p| p["max_abs_diff"].as_f64().expect("diff") <= 1e-5),
        "ONNX parity: {parity:?}"
    );
    assert_eq!(manifest["model"]["kind"], "student");
    assert!(manifest["teacher"]["pooling"].is_string(), "the teacher used is recorded");

    assert!(!work.join("dataset").exists(), "the exported dataset (patient ids, prompts) is deleted after the run");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&work).expect("work").permissions());
    assert_eq!(mode & 0o777, 0o700, "the working folder is owner-only");

    let again = json(&leader(&db, &["--json", "refine", "--tiny", "--out", w, "--no-install", "--keep-work"]));
    let skipped: Vec<&str> =
        again["skipped_stages"].as_array().expect("list").iter().map(|s| s.as_str().expect("s")).collect();
    assert_eq!(
        skipped,
        ["teacher", "student", "export", "export teacher"],
        "unchanged inputs: every stage after the (deleted, re-exported) dataset is skipped"
    );
    assert!(work.join("dataset").is_dir(), "--keep-work keeps the dataset");
    let again = json(&leader(&db, &["--json", "refine", "--tiny", "--out", w, "--no-install"]));
    let skipped = again["skipped_stages"].as_array().expect("list");
    assert_eq!(skipped.len(), 5, "with the kept dataset, every stage is skipped: {skipped:?}");
    assert!(!work.join("dataset").exists());

    // Teacher mode: the installed teacher answers the same question on its prompt.
    let t = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-001", "--teacher"]));
    assert_eq!(t["recommendation"]["model"]["kind"], "teacher");
    assert!(t["recommendation"]["latency_ms"].as_f64().expect("ms") > 0.0);
    let s = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-001"]));
    assert_eq!(s["recommendation"]["model"]["kind"], "student");
    // Teacher vs student cost, measured on the same visits in the same run.
    let b = json(&leader(
        &db,
        &["--json", "bench", "infer", "--iterations", "50", "--teacher", "--teacher-iterations", "3"],
    ));
    let (t, s) = (&b["teacher"], &b);
    assert_eq!(t["samples"], s["samples"], "the same visits");
    let ratio = t["batch1_ms_p50"].as_f64().expect("ms") * 1e3 / s["batch1_us_p50"].as_f64().expect("us");
    assert!(ratio > 1.0, "the teacher is slower than the student: {ratio}");

    let list = json(&leader(&db, &["--json", "model", "list"]));
    assert!(list.as_array().expect("l").iter().any(|m| m["active"] == true && m["id"] == "leader-student-refined"));
    json(&leader(&db, &["--json", "model", "rollback"]));
    let list = json(&leader(&db, &["--json", "model", "list"]));
    assert!(
        !list.as_array().expect("l").iter().any(|m| m["active"] == true && m["id"] == "leader-student-refined"),
        "rolled back"
    );
    let kinds = json(&leader(&db, &["--json", "audit", "--limit", "50"]));
    assert!(kinds.as_array().expect("l").iter().any(|e| e["kind"] == "model-rollback"));
}

#[test]
fn the_pipeline_runs_on_the_synthea_cohort_coded_in_snomed_and_rxnorm() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("synthea.sqlite");
    let synthea = crate::shared_data().join("synthea-medmodels/admissions_dataset");
    json(&leader(&db, &["--json", "import", "synthea", synthea.to_str().expect("path")]));
    let work = dir.path().join("work");
    let r = json(&leader(&db, &["--json", "refine", "--tiny", "--out", work.to_str().expect("path"), "--no-install"]));
    assert!(r["candidate_eval"]["report"]["overall"]["visits"].as_u64().expect("visits") > 0, "evaluated in Rust: {r}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("candidate/manifest.json")).expect("manifest"))
            .expect("json");
    let meds = manifest["medications"].as_array().expect("list");
    assert!(
        !meds.is_empty() && meds.iter().all(|m| m.as_str().expect("code").starts_with("RXNORM:")),
        "RxNorm is the vocabulary"
    );
    let rec = json(&leader(
        &db,
        &["--json", "recommend", "--patient", "pat_1", "--model", work.join("candidate").to_str().expect("path")],
    ));
    assert!(
        rec["recommendation"]["suggestions"]
            .as_array()
            .expect("list")
            .iter()
            .all(|s| s["medication"].as_str().expect("code").starts_with("RXNORM:"))
    );
}
