use std::path::{Path, PathBuf};

use crate::{json, leader, shared_data};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-infer/tests/fixtures/tiny-bundle")
}

fn demo_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    (dir, db)
}

#[test]
fn recommending_for_a_demo_patient_flags_the_nsaid_warfarin_interaction() {
    let (_dir, db) = demo_store();
    let model = fixture();
    let m = model.to_str().expect("path");
    let out = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-001", "--model", m, "--top-k", "13"]));
    let rec = &out["recommendation"];
    assert_eq!(out["admission_id"], "DEMO-001-V3", "the latest visit by default");
    assert_eq!(rec["suggestions"].as_array().expect("list").len(), 13);
    let current: Vec<&str> =
        rec["current_medications"].as_array().expect("list").iter().map(|c| c.as_str().expect("code")).collect();
    assert!(current.contains(&"ATC:B01AA03"), "the previous visit's warfarin is a current medication: {current:?}");
    let nsaid = rec["suggestions"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["medication"] == "ATC:M01A")
        .expect("M01A listed");
    if nsaid["status"] == "suggested" {
        // Screened as its first concrete candidate (an NSAID this store orders), else the class.
        let pick = nsaid["candidates"][0]["drug"].as_str().unwrap_or("ATC:M01A");
        assert!(pick.starts_with("ATC:M01A"), "{pick}");
        let flagged = rec["interactions"].as_array().expect("list").iter().any(|f| {
            f["severity"] == "major"
                && [f["a"].as_str(), f["b"].as_str()].contains(&Some(pick))
                && [f["a"].as_str(), f["b"].as_str()].contains(&Some("ATC:B01AA03"))
        });
        assert!(flagged, "an NSAID suggestion with current warfarin is a major interaction");
    }
    assert!(out["titles"]["ICD10CM:M1990"].is_string(), "input codes carry titles");
    let audit = json(&leader(&db, &["--json", "audit", "--kind", "recommendation"]));
    assert_eq!(audit.as_array().expect("list").len(), 1, "each recommendation shown is logged");
}

#[test]
fn ad_hoc_visits_take_dotted_codes_and_report_unknown_ones() {
    let (_dir, db) = demo_store();
    let m = fixture();
    let out = json(&leader(
        &db,
        &[
            "--json",
            "recommend",
            "--dx",
            "ICD10CM:I48.91,ICD10CM:Q99.9",
            "--current-meds",
            "ATC:B01AA03",
            "--age",
            "77",
            "--sex",
            "M",
            "--safe-mode",
            "--model",
            m.to_str().expect("path"),
        ],
    ));
    let unknown = out["recommendation"]["unknown_codes"].as_array().expect("list");
    assert_eq!(unknown, &[serde_json::json!("ICD10CM:Q999")]);
    assert_eq!(out["recommendation"]["safe_mode"], true);
    let statuses: Vec<&str> = out["recommendation"]["suggestions"]
        .as_array()
        .expect("l")
        .iter()
        .map(|s| s["status"].as_str().expect("s"))
        .collect();
    for s in out["recommendation"]["suggestions"].as_array().expect("l") {
        if s["medication"] == "ATC:M01A" && s["probability"].as_f64().expect("p") >= 0.5 {
            assert_eq!(s["status"], "withheld_interaction", "safe mode withholds an NSAID with warfarin: {statuses:?}");
        }
    }
}

#[test]
fn the_pharmacist_check_lists_severity_mechanism_management_and_source() {
    let (_dir, db) = demo_store();
    let out = json(&leader(&db, &["--json", "ddi", "check", "ATC:C10AA01", "ATC:J01FA09", "ATC:A02BC01"]));
    let list = out.as_array().expect("list");
    assert_eq!(list.len(), 1, "simvastatin x clarithromycin only: {out}");
    assert_eq!(list[0]["severity"], "contraindicated");
    let rule = &list[0]["rules"][0];
    assert!(rule["mechanism"].is_string() && rule["management"].is_string() && rule["reference"].is_string());
    assert_eq!(rule["source"], "leader-curated");
    let sources = json(&leader(&db, &["--json", "ddi", "sources"]));
    assert!(sources[0]["pairs"].as_i64().expect("n") >= 40, "the curated list has at least 40 pairs");
    let bad = leader(&db, &["ddi", "check", "ATC:B01AA03", "nonsense"]);
    assert!(!bad.status.success());
}

#[test]
fn evaluate_reports_metrics_and_ddi_rates_against_the_imported_adjacency() {
    let (_dir, db) = demo_store();
    let pairs = shared_data().join("mappings/gamenet/ddi_atc3_pairs.csv");
    let s = json(&leader(
        &db,
        &["--json", "import", "ddi", pairs.to_str().expect("path"), "--source", "twosides", "--licence", "MIT"],
    ));
    assert_eq!(s["pairs"], 467);
    let m = fixture();
    let e = json(&leader(&db, &["--json", "evaluate", "--split", "all", "--model", m.to_str().expect("path")]));
    assert_eq!(e["adjacency_pairs"], 467);
    let overall = &e["report"]["overall"];
    assert_eq!(overall["visits"], e["samples"]);
    for k in ["jaccard", "prauc", "f1", "ddi_rate"] {
        let v = overall[k].as_f64().expect("metric");
        assert!((0.0..=1.0).contains(&v), "{k} = {v}");
    }
    assert!(e["report"]["ground_truth_ddi_rate"].as_f64().expect("rate") > 0.0);
    let first = e["report"]["first_visit"]["visits"].as_u64().expect("n");
    let later = e["report"]["with_history"]["visits"].as_u64().expect("n");
    assert_eq!(first + later, overall["visits"].as_u64().expect("n"));
}

#[test]
fn cuda_without_a_gpu_fails_with_a_reason() {
    let (_dir, db) = demo_store();
    let m = fixture();
    let out =
        leader(&db, &["recommend", "--patient", "DEMO-001", "--device", "cuda", "--model", m.to_str().expect("path")]);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("CUDA execution provider could not start"), "{err}");
    }
}

fn bundled() -> PathBuf {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    models.join(std::fs::read_to_string(models.join("DEFAULT")).expect("models/DEFAULT names the bundled model").trim())
}

/// A copy of the bundled model with its medication labels rotated by `k`: a different
/// (usually much worse) model with the same contract and vocabularies. `k = 0` is a copy.
/// The project's signature no longer verifies for it: it is removed (see [`sign`]).
fn rotated(k: usize, to: &Path) {
    for e in std::fs::read_dir(bundled()).expect("bundled model") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
    let p = to.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    m["medications"].as_array_mut().expect("list").rotate_left(k);
    m["model"]["id"] = format!("rotated-{k}").into();
    std::fs::write(p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    std::fs::remove_file(to.join("signature.json")).expect("the bundled model is signed");
}

/// Signs a bundle with the store's own key (created on first use).
fn sign(db: &Path, dir: &Path) {
    json(&leader(db, &["--json", "model", "sign", dir.to_str().expect("path")]));
}

fn prauc(db: &Path, model: &Path) -> f64 {
    let e = json(&leader(db, &["--json", "evaluate", "--model", model.to_str().expect("path")]));
    e["report"]["overall"]["prauc"].as_f64().expect("prauc")
}

#[test]
fn install_gate_refuses_a_worse_model_and_rollback_restores_the_previous() {
    let (dir, db) = demo_store();
    // The active model becomes an exact copy of the bundled one; a label rotation that is
    // clearly worse on the held-out split must then be refused.
    let copy = dir.path().join("copy");
    std::fs::create_dir_all(&copy).expect("mkdir");
    rotated(0, &copy);
    let base = prauc(&db, &copy);
    let worse = dir.path().join("worse");
    std::fs::create_dir_all(&worse).expect("mkdir");
    let k = (1..20)
        .find(|&k| {
            rotated(k, &worse);
            prauc(&db, &worse) < base - 0.011
        })
        .expect("some rotation of the labels is clearly worse");
    rotated(k, &worse);
    sign(&db, &copy);
    sign(&db, &worse);

    // On the synthetic demo cohort the bundled model does not beat repeating the previous
    // visit's medications: the gate says so and installs only when forced (audited).
    let out = leader(&db, &["model", "install", copy.to_str().expect("path")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("does not beat repeating the previous visit"), "{err}");
    let first = json(&leader(&db, &["--json", "model", "install", copy.to_str().expect("path"), "--force"]));
    assert_eq!(first["installed"], true);
    assert_eq!(first["forced"], true);
    let baselines = first["candidate_eval"]["report"]["baselines"].as_array().expect("scored beside the baselines");
    assert!(baselines.iter().any(|b| b["name"] == "repeat_previous"));
    let refused = leader(&db, &["model", "install", worse.to_str().expect("path")]);
    assert!(!refused.status.success(), "a clearly worse model is refused");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("below the active model"));
    let list = json(&leader(&db, &["--json", "model", "list"]));
    let active: Vec<&serde_json::Value> = list.as_array().expect("l").iter().filter(|m| m["active"] == true).collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["id"], "rotated-0", "the refused model did not become active");

    let forced = json(&leader(&db, &["--json", "model", "install", worse.to_str().expect("path"), "--force"]));
    assert_eq!(forced["installed"], true);
    let rec = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-002"]));
    assert_eq!(rec["recommendation"]["model"]["id"], format!("rotated-{k}"), "the installed model serves by default");
    json(&leader(&db, &["--json", "model", "rollback"]));
    let rec = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-002"]));
    assert_eq!(rec["recommendation"]["model"]["id"], "rotated-0", "rollback restores the previous model");
    let kinds: Vec<String> = json(&leader(&db, &["--json", "audit", "--limit", "100"]))
        .as_array()
        .expect("l")
        .iter()
        .map(|e| e["kind"].as_str().expect("k").to_owned())
        .collect();
    for k in ["model-install", "model-install-refused", "model-rollback"] {
        assert!(kinds.iter().any(|x| x == k), "{k} is in the audit log: {kinds:?}");
    }
}
