//! A model answers only for the store it belongs to and for visits it understands; the CLI
//! finds its runtime, Python and models only where it was told; a decision refers to the
//! recommendation the service recorded.

use std::path::{Path, PathBuf};
use std::process::Command;

use leader_infer::runtime::SessionOptions;
use leader_service::app::{Action, App, DecisionRequest, ItemDecision, RecommendRequest};
use leader_service::recommend::Subject;

use crate::{json, leader};

fn bundled() -> PathBuf {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    models.join(std::fs::read_to_string(models.join("DEFAULT")).expect("models/DEFAULT").trim())
}

/// A copy of the bundled model under another id, signed with `db`'s own key.
fn renamed_copy(db: &Path, to: &Path, id: &str) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(bundled()).expect("bundled model") {
        let e = e.expect("entry");
        if e.file_name() != "signature.json" {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
    let p = to.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    m["model"]["id"] = id.into();
    std::fs::write(p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    json(&leader(db, &["--json", "model", "sign", to.to_str().expect("path")]));
}

fn active_id(db: &Path) -> String {
    let rec = json(&leader(db, &["--json", "recommend", "--dx", "ICD10CM:I10"]));
    rec["recommendation"]["model"]["id"].as_str().expect("id").to_owned()
}

#[test]
fn two_stores_in_one_folder_keep_their_own_models() {
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b) = (dir.path().join("a.sqlite"), dir.path().join("b.sqlite"));
    json(&leader(&a, &["--json", "demo"]));
    json(&leader(&b, &["--json", "demo"]));
    let bundled_id = active_id(&b);

    let candidate = dir.path().join("candidate");
    renamed_copy(&a, &candidate, "store-a-model");
    let gate = json(&leader(&a, &["--json", "model", "install", candidate.to_str().expect("p"), "--force"]));
    assert_eq!(gate["installed"], true, "{gate}");
    assert_eq!(active_id(&a), "store-a-model", "store a serves what was installed into it");
    assert_eq!(active_id(&b), bundled_id, "store b, in the same folder, still serves its own model");
    assert!(dir.path().join("a.sqlite.models").is_dir() && !dir.path().join("models").exists());

    // A store moved with its models folder and key keeps its model.
    let moved = dir.path().join("moved");
    std::fs::create_dir_all(&moved).expect("mkdir");
    for name in ["a.sqlite", "a.sqlite.models", "a.sqlite.signing-key"] {
        std::fs::rename(dir.path().join(name), moved.join(name)).expect("move");
    }
    assert_eq!(active_id(&moved.join("a.sqlite")), "store-a-model", "the moved store serves its model");
    let a = moved.join("a.sqlite");

    // One explicit models folder shared by two stores: the second is refused, not served.
    let shared = dir.path().join("shared-models");
    let with_shared = |db: &Path| {
        Command::new(env!("CARGO_BIN_EXE_leader"))
            .arg("--db")
            .arg(db)
            .args(["--json", "model", "list"])
            .env("LEADER_MODELS", &shared)
            .env_remove("LEADER_DB")
            .output()
            .expect("runs")
    };
    json(&with_shared(&a));
    let out = with_shared(&b);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("belongs to another store"), "{err}");
}

#[test]
fn a_visit_the_model_does_not_know_gets_no_suggestions() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    // Codes the bundled (MIMIC-IV: ICD) model has never seen: SNOMED CT codes of heart
    // failure and atrial fibrillation.
    let out = json(&leader(
        &db,
        &["--json", "recommend", "--dx", "SNOMED:84114007,SNOMED:49436004", "--current-meds", "ATC:B01AA03"],
    ));
    let rec = &out["recommendation"];
    assert_eq!(rec["coverage"]["insufficient"], true, "{rec}");
    assert_eq!(rec["coverage"]["known_diagnoses"], 0);
    assert_eq!(rec["suggestions"].as_array().expect("list").len(), 0, "suggestions withheld");
    let text = leader(&db, &["recommend", "--dx", "SNOMED:84114007,SNOMED:49436004"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("NO SUGGESTIONS: this model does not know this visit's diagnoses"), "{text}");
    assert!(text.contains("SNOMED:84114007"), "the unknown codes are named: {text}");

    // A partly known visit answers, and names the unknown codes above the suggestions.
    let out = json(&leader(&db, &["--json", "recommend", "--dx", "ICD10CM:I10,ICD10CM:E119,SNOMED:84114007"]));
    let rec = &out["recommendation"];
    assert_eq!(rec["coverage"]["insufficient"], false, "{rec}");
    assert_eq!(rec["coverage"]["unknown"], serde_json::json!(["SNOMED:84114007"]));
    assert!(!rec["suggestions"].as_array().expect("list").is_empty());
    let text = leader(&db, &["recommend", "--dx", "ICD10CM:I10,ICD10CM:E119,SNOMED:84114007"]);
    let text = String::from_utf8_lossy(&text.stdout);
    let (unknown, table) =
        (text.find("not known to the model").expect("named"), text.find(" #  medication").expect("t"));
    assert!(unknown < table, "the unknown codes come before the suggestions: {text}");
}

/// A command run from a folder whose parent holds a `models/` folder (its default model
/// renamed `planted`) and an ONNX Runtime library that nobody chose, without the explicit
/// settings named in `unset`.
fn from_untrusted_folder(args: &[&str], unset: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let planted = dir.path().join("models");
    let src = bundled();
    let name = src.file_name().expect("name").to_owned();
    std::fs::create_dir_all(planted.join(&name)).expect("mkdir");
    for e in std::fs::read_dir(&src).expect("bundled") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), planted.join(&name).join(e.file_name())).expect("copy");
    }
    let p = planted.join(&name).join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    m["model"]["id"] = "planted".into();
    std::fs::write(p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    std::fs::write(planted.join("DEFAULT"), name.to_string_lossy().as_bytes()).expect("write");
    let runtime = dir.path().join(".runtime/onnxruntime");
    std::fs::create_dir_all(&runtime).expect("mkdir");
    std::fs::write(runtime.join("libonnxruntime.so"), b"not a library").expect("write");
    // A pipeline with its environment, as a checkout holds it.
    let pipeline = dir.path().join("pipeline");
    std::fs::create_dir_all(pipeline.join(".venv/bin")).expect("mkdir");
    std::fs::create_dir_all(pipeline.join("leader_pipeline")).expect("mkdir");
    std::fs::write(pipeline.join(".venv/bin/python"), b"#!/bin/sh\nexit 0\n").expect("write");
    std::fs::write(pipeline.join("leader_pipeline/__main__.py"), b"").expect("write");
    let cwd = dir.path().join("work/here");
    std::fs::create_dir_all(&cwd).expect("mkdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leader"));
    cmd.current_dir(&cwd)
        .arg("--db")
        .arg(cwd.join("leader.sqlite"))
        .args(args)
        .env_remove("LEADER_DB")
        // No refine kit installed for this user (whatever the machine's data folder holds).
        .env("LEADER_REFINE_ENV", dir.path().join("no-refine-env"));
    for v in unset {
        cmd.env_remove(v);
    }
    let out = cmd.output().expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn nothing_is_loaded_from_folders_above_the_working_directory() {
    // Without LEADER_BUNDLED_MODELS: the model beside the executable (a build folder may
    // hold one) or none, never the planted one.
    let (ok, out, err) =
        from_untrusted_folder(&["--json", "recommend", "--dx", "ICD10CM:I10"], &["LEADER_BUNDLED_MODELS"]);
    if ok {
        assert!(!out.contains("\"planted\""), "the planted models/ is not used: {out}");
    } else {
        assert!(err.contains("no bundled model was found"), "{err}");
    }
    let model = bundled();
    let (ok, _, err) = from_untrusted_folder(
        &["recommend", "--dx", "ICD10CM:I10", "--model", model.to_str().expect("p")],
        &["LEADER_ORT_LIB", "ORT_DYLIB_PATH"],
    );
    assert!(!ok);
    assert!(err.contains("ONNX Runtime library was not found"), "{err}");
    assert!(!err.contains(".runtime"), "the planted library is not even looked at: {err}");
    let (ok, _, err) = from_untrusted_folder(&["refine", "--tiny"], &["LEADER_PYTHON"]);
    assert!(!ok);
    assert!(err.contains("refinement needs its Python environment, which is not installed"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_refers_to_the_recommendation_the_service_recorded() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let app = App::open(&db, SessionOptions::default()).await.expect("app opens");
    let subject = Subject::Patient { patient_id: "DEMO-012".into(), admission_id: None, extra_current: vec![] };
    let answer = app
        .recommend(RecommendRequest { subject, safe_mode: false, top_k: 3, teacher: false })
        .await
        .expect("recommendation");
    let id = answer.recommendation_id.expect("the service recorded the answer");
    let first = answer.recommendation.suggestions[0].medication.clone();

    // The recorded recommendation: model, digest, input digest, what was shown.
    let events = app.audit_events(Some("recommendation".into()), 10).await.expect("audit");
    let shown = events.iter().find(|e| e.id == id).expect("recorded");
    assert_eq!(shown.payload["model"]["id"], answer.recommendation.model.id);
    assert_eq!(shown.payload["model_digest"].as_str().expect("digest").len(), 64);
    assert_eq!(shown.payload["input_digest"], answer.input_digest);
    assert_eq!(shown.payload["suggestions"][0]["medication"], first.to_string());

    let decide = |recommendation_id: i64, medication: leader_core::Code| DecisionRequest {
        recommendation_id,
        decisions: vec![ItemDecision {
            medication,
            action: Action::Accept,
            replacement: None,
            choice: None,
            override_reason: None,
        }],
        note: None,
    };
    let err = app.record_decision(decide(id + 1000, first.clone())).await.expect_err("no such recommendation");
    assert!(err.message.contains("no recorded recommendation"), "{}", err.message);
    let not_shown: leader_core::Code = "ATC:L01X".parse().expect("code");
    let err = app.record_decision(decide(id, not_shown)).await.expect_err("not suggested");
    assert!(err.message.contains("did not suggest"), "{}", err.message);

    let decision_id = app.record_decision(decide(id, first.clone())).await.expect("recorded");
    let events = app.audit_events(Some("decision".into()), 10).await.expect("audit");
    let d = events.iter().find(|e| e.id == decision_id).expect("decision");
    assert_eq!(d.payload["recommendation_id"], id);
    assert_eq!(d.payload["patient_id"], "DEMO-012");
    assert_eq!(d.payload["model"]["id"], answer.recommendation.model.id, "the model comes from the record");
    assert_eq!(d.payload["decisions"][0]["medication"], first.to_string());
}
