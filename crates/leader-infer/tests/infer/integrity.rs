use std::path::Path;
use std::sync::Arc;

use leader_core::Code;
use leader_core::ddi::KnowledgeBase;
use leader_core::encode::{EncodedBatch, HistoryInput, VisitCodes};
use leader_infer::evaluate::{Adjacency, EvalSample, evaluate};
use leader_infer::recommend::{RecommendOptions, Request};
use leader_infer::registry::ModelRegistry;
use leader_infer::runtime::SessionOptions;
use leader_infer::{Backend, Bundle, Engine, OrtBackend};

use crate::common::*;

fn c(s: &str) -> Code {
    s.parse().expect("valid code")
}

fn request() -> Request {
    Request {
        input: HistoryInput {
            profile: vec!["age:70-79".into(), "sex:M".into()],
            previous: vec![],
            current: VisitCodes {
                diagnoses: vec![c("ICD10CM:I4891"), c("ICD10CM:I10")],
                procedures: vec![],
                medications: vec![],
            },
        },
        current_medications: vec![],
        candidates: vec![],
    }
}

async fn recommend(engine: &Engine) -> leader_infer::Result<leader_infer::recommend::Recommendation> {
    engine.recommend(request(), RecommendOptions::default(), Arc::new(KnowledgeBase::new(vec![]))).await
}

/// Installs the fixture into a fresh models folder; (folder, installed bundle).
fn installed() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().expect("tmp");
    let registry = ModelRegistry::new(root.path().join("models"));
    let dir = registry.stage(&fixture()).expect("the fixture installs");
    registry.activate(&dir).expect("activate");
    (root, dir)
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    edit(&mut m);
    std::fs::write(path, serde_json::to_string_pretty(&m).expect("json")).expect("write");
}

#[tokio::test]
async fn an_edited_manifest_of_an_installed_bundle_is_refused_naming_the_bundle_and_the_file() {
    let (_root, dir) = installed();
    let engine = Engine::start(&dir, SessionOptions::default()).expect("the installed copy serves");
    let name = dir.file_name().expect("name").to_string_lossy().into_owned();
    // What a hostile edit looks like: two labels swapped and a higher threshold; every listed
    // file still matches the manifest's own checksums.
    edit_json(&dir.join("manifest.json"), |m| {
        m["medications"].as_array_mut().expect("list").swap(0, 1);
        m["threshold"] = 0.95.into();
    });
    let err = Bundle::open(&dir).expect_err("an edited installed manifest is refused").to_string();
    assert!(err.contains(&name) && err.contains("manifest.json"), "names the bundle and the file: {err}");
    let err = Engine::start(&dir, SessionOptions::default()).expect_err("refused at start").to_string();
    assert!(err.contains("manifest.json"), "{err}");
    let err = engine.install(&dir).await.expect_err("refused at hot swap").to_string();
    assert!(err.contains("manifest.json"), "{err}");
    let m = engine.manifest().await.expect("manifest");
    assert_eq!((m.medications[0].as_str(), m.threshold), ("ATC:A02B", 0.5), "the good model keeps serving");
    recommend(&engine).await.expect("and answers");
}

#[test]
fn a_consistently_rewritten_installed_bundle_is_refused_naming_each_changed_file() {
    let (_root, dir) = installed();
    // A new model with a manifest whose checksums were updated to match: the bundle is
    // self-consistent, but it is not what was installed.
    std::fs::copy(bad_model("nan.onnx"), dir.join("model.onnx")).expect("copy");
    edit_manifest(&dir, |_| {});
    let err = Engine::start(&dir, SessionOptions::default()).expect_err("refused").to_string();
    assert!(err.contains("model.onnx") && err.contains("manifest.json"), "{err}");
}

#[test]
fn an_installed_bundle_without_its_install_record_is_refused() {
    let (root, dir) = installed();
    std::fs::remove_dir_all(root.path().join("models/records")).expect("the install records are kept in records/");
    let err = Bundle::open(&dir).expect_err("refused").to_string();
    assert!(err.contains("install record"), "{err}");
    // Installing the folder again (as a source) gives it its record back.
    let registry = ModelRegistry::new(root.path().join("models"));
    let again = registry.stage(&dir).expect("an installed folder without a record can be installed again");
    assert_eq!(again, dir, "same bundle, same folder");
    Bundle::open(&dir).expect("verified against its new record");
}

#[test]
fn a_model_with_onnx_external_data_is_refused() {
    let dir = copy_fixture();
    std::fs::copy(bad_model("external/model.onnx"), dir.path().join("model.onnx")).expect("copy");
    std::fs::copy(bad_model("external/model.onnx.data"), dir.path().join("model.onnx.data")).expect("copy");
    edit_manifest(dir.path(), |m| m["files"]["model.onnx.data"] = "".into());
    let err = Engine::start(dir.path(), SessionOptions::default()).expect_err("refused").to_string();
    assert!(err.contains("external data") && err.contains("model.onnx.data"), "says why and which file: {err}");
}

#[test]
fn the_session_runs_the_bytes_that_were_verified() {
    let dir = copy_fixture();
    let bundle = Bundle::open(dir.path()).expect("verified");
    // Swapped on disk after the check: the session must not read it.
    std::fs::copy(bad_model("nan.onnx"), dir.path().join("model.onnx")).expect("swap");
    let env = env();
    let mut verified = OrtBackend::start(&env, &bundle, SessionOptions::default()).expect("session");
    let reference = Bundle::open(&fixture()).expect("fixture");
    let mut good = OrtBackend::start(&env, &reference, SessionOptions::default()).expect("session");
    let batch = EncodedBatch::from_samples(&[bundle.encoder.encode(&request().input)]);
    assert_eq!(verified.predict(&batch).expect("runs"), good.predict(&batch).expect("runs"), "the verified model ran");
}

#[tokio::test]
async fn a_non_finite_probability_stops_the_answer_with_an_error() {
    let dir = with_bad_model("nan.onnx");
    let engine = Engine::start(dir.path(), SessionOptions::default()).expect("it loads: its contract is right");
    let err = recommend(&engine).await.expect_err("never an answer built on NaN").to_string();
    assert!(err.contains("NaN") && err.contains("ATC:C03C"), "says what and which medication: {err}");
    let sample = EvalSample { input: request().input, truth: vec![c("ATC:B01A")] };
    let adjacency = Adjacency::new(Vec::<(String, String)>::new());
    let result = engine.worker().run(move |b, be| evaluate(b, be, &[sample], &adjacency, None)).await.expect("worker");
    assert!(result.is_err(), "evaluation stops too");
}

#[tokio::test]
async fn a_probability_above_one_stops_the_answer_with_an_error() {
    let dir = with_bad_model("above-one.onnx");
    edit_manifest(dir.path(), |m| m["output"]["kind"] = "probabilities".into());
    let engine = Engine::start(dir.path(), SessionOptions::default()).expect("loads");
    let err = recommend(&engine).await.expect_err("refused").to_string();
    assert!(err.contains("1.5"), "{err}");
}

#[test]
fn a_bundle_with_a_symlink_is_refused_and_nothing_is_copied() {
    let src = copy_fixture();
    std::os::unix::fs::symlink("/etc", src.path().join("etc")).expect("symlink");
    // Listed with the right checksum, so only the link itself gives it away.
    edit_manifest(src.path(), |m| m["files"]["etc/passwd"] = "".into());
    let root = tempfile::tempdir().expect("tmp");
    let registry = ModelRegistry::new(root.path().join("models"));
    let err = registry.stage(src.path()).expect_err("refused").to_string();
    assert!(err.contains("etc") && err.contains("symbolic link"), "{err}");
    let copied: Vec<_> = walk(root.path());
    assert!(copied.is_empty(), "nothing was copied: {copied:?}");

    // An unlisted link or a FIFO is refused too: a bundle holds regular files only.
    let src = copy_fixture();
    std::os::unix::fs::symlink("/etc", src.path().join("unlisted")).expect("symlink");
    assert!(registry.stage(src.path()).expect_err("refused").to_string().contains("unlisted"));
    let src = copy_fixture();
    let fifo = src.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let err = registry.stage(src.path()).expect_err("refused").to_string();
    assert!(err.contains("pipe") && err.contains("not a regular file"), "{err}");
    assert!(walk(root.path()).is_empty(), "still nothing copied");
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_bundled_student_passes_every_check() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let name = std::fs::read_to_string(models.join("DEFAULT")).expect("models/DEFAULT names the bundled model");
    let bundle = Bundle::open(&models.join(name.trim())).expect("the shipped student loads");
    assert_eq!(bundle.digest.len(), 64);
    OrtBackend::start(&env(), &bundle, SessionOptions::default()).expect("and starts from its verified bytes");
}

#[test]
fn the_bundled_student_is_signed_by_the_project_key_and_checked_at_every_load() {
    use leader_infer::signing::{SIGNATURE, SecretKey, SignatureStatus, Trust, sign_bundle};
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let name = std::fs::read_to_string(models.join("DEFAULT")).expect("models/DEFAULT names the bundled model");
    let shipped = models.join(name.trim());
    let bundle = Bundle::open(&shipped).expect("the shipped student loads");
    let status = Trust::project().check_dir(&shipped, &bundle.digest);
    assert!(matches!(status, SignatureStatus::Verified { .. }), "signed with the project key: {status:?}");

    // A copy laid out as a bundled default (a models folder whose DEFAULT names it).
    let root = tempfile::tempdir().expect("tmp");
    let dir = root.path().join("student");
    std::fs::create_dir(&dir).expect("mkdir");
    for e in std::fs::read_dir(&shipped).expect("read") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
    }
    std::fs::write(root.path().join("DEFAULT"), "student\n").expect("write");
    Bundle::open(&dir).expect("the copy carries the project's signature");

    // Signed by another key: refused at load.
    sign_bundle(&dir, &SecretKey::generate("someone").expect("key")).expect("sign");
    let err = Bundle::open(&dir).expect_err("refused").to_string();
    assert!(err.contains("signed with the project key") && err.contains("untrusted key"), "{err}");
    // Unsigned: refused at load.
    std::fs::remove_file(dir.join(SIGNATURE)).expect("rm");
    let err = Bundle::open(&dir).expect_err("refused").to_string();
    assert!(err.contains("it is unsigned"), "{err}");
    // The project's signature, and the manifest changed after signing: refused at load.
    std::fs::copy(shipped.join(SIGNATURE), dir.join(SIGNATURE)).expect("copy");
    Bundle::open(&dir).expect("signed again");
    let p = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    m["threshold"] = 0.95.into();
    std::fs::write(&p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    let err = Bundle::open(&dir).expect_err("refused").to_string();
    assert!(err.contains("invalid signature"), "{err}");
}
