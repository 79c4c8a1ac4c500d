//! Model bundles through the `leader` binary: what is verified is what runs.

use std::path::{Path, PathBuf};

use crate::{json, leader};

fn infer_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-infer/tests/fixtures")
}

fn bundled() -> PathBuf {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    models.join(std::fs::read_to_string(models.join("DEFAULT")).expect("models/DEFAULT").trim())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

/// Edits a manifest, then sets the checksum of every listed file to the file's own.
fn edit_and_rehash(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let p = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    edit(&mut m);
    let files: Vec<String> = m["files"].as_object().expect("files").keys().cloned().collect();
    for f in files {
        m["files"][&f] = leader_infer::bundle::sha256_file(&dir.join(&f)).expect("hash").into();
    }
    std::fs::write(p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
}

fn stderr(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "expected a failure, got: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn an_edit_of_an_installed_models_manifest_is_refused_naming_the_bundle_and_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let src = dir.path().join("src");
    copy_dir(&bundled(), &src);
    let report = json(&leader(&db, &["--json", "model", "install", src.to_str().expect("path"), "--force"]));
    assert_eq!(report["installed"], true);
    let list = json(&leader(&db, &["--json", "model", "list"]));
    let active = list.as_array().expect("list").iter().find(|m| m["active"] == true).expect("an active model");
    let installed = PathBuf::from(active["path"].as_str().expect("path"));
    let before = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-012"]));

    // The table's first row: two labels swapped and the threshold raised, in the installed copy.
    let p = installed.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    m["medications"].as_array_mut().expect("labels").swap(0, 1);
    m["threshold"] = 0.95.into();
    std::fs::write(&p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    let err = stderr(&leader(&db, &["recommend", "--patient", "DEMO-012"]));
    let name = installed.file_name().expect("name").to_string_lossy().into_owned();
    assert!(err.contains(&name) && err.contains("manifest.json"), "names the bundle and the file: {err}");

    // Rolling back serves the previous (bundled) model, which gives the answer given before.
    json(&leader(&db, &["--json", "model", "rollback"]));
    let after = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-012"]));
    assert_eq!(after["recommendation"]["suggestions"], before["recommendation"]["suggestions"]);
}

#[test]
fn external_data_symlinks_and_invalid_outputs_are_refused_with_a_non_zero_exit() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let tiny = infer_fixtures().join("tiny-bundle");
    let bad = infer_fixtures().join("bad-models");

    // A model whose weights are in an ONNX external-data file: refused by install and by use.
    let external = dir.path().join("external");
    copy_dir(&tiny, &external);
    std::fs::copy(bad.join("external/model.onnx"), external.join("model.onnx")).expect("copy");
    std::fs::copy(bad.join("external/model.onnx.data"), external.join("model.onnx.data")).expect("copy");
    edit_and_rehash(&external, |m| m["files"]["model.onnx.data"] = "".into());
    let unsigned = stderr(&leader(&db, &["model", "install", external.to_str().expect("path"), "--force"]));
    assert!(unsigned.contains("not signed") && unsigned.contains("--allow-unsigned"), "{unsigned}");
    let args = ["model", "install", external.to_str().expect("path"), "--force", "--allow-unsigned"];
    let err = stderr(&leader(&db, &args));
    assert!(err.contains("external data"), "{err}");
    let err = stderr(&leader(&db, &["recommend", "--dx", "ICD10CM:I10", "--model", external.to_str().expect("p")]));
    assert!(err.contains("external data"), "{err}");

    // A bundle holding a symbolic link to /etc: refused, nothing copied into the models folder.
    let linked = dir.path().join("linked");
    copy_dir(&tiny, &linked);
    std::os::unix::fs::symlink("/etc", linked.join("etc")).expect("symlink");
    edit_and_rehash(&linked, |m| m["files"]["etc/passwd"] = "".into());
    let err =
        stderr(&leader(&db, &["model", "install", linked.to_str().expect("path"), "--force", "--allow-unsigned"]));
    assert!(err.contains("symbolic link"), "{err}");
    let models = dir.path().join("models");
    let held: Vec<_> = std::fs::read_dir(&models).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert!(held.is_empty(), "nothing was copied: {held:?}");

    // A model that outputs NaN: an error, never "no suggestions" with exit code 0.
    let nan = dir.path().join("nan");
    copy_dir(&tiny, &nan);
    std::fs::copy(bad.join("nan.onnx"), nan.join("model.onnx")).expect("copy");
    edit_and_rehash(&nan, |_| {});
    let err = stderr(&leader(&db, &["recommend", "--dx", "ICD10CM:I10", "--model", nan.to_str().expect("path")]));
    assert!(err.contains("NaN"), "{err}");
    let err = stderr(&leader(&db, &["evaluate", "--model", nan.to_str().expect("path")]));
    assert!(err.contains("NaN"), "{err}");
}

#[test]
fn a_bundle_signed_by_another_key_installs_after_model_trust_and_unsigned_only_with_the_flag() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let src = dir.path().join("theirs");
    copy_dir(&infer_fixtures().join("tiny-bundle"), &src);
    let p = src.to_str().expect("path");
    // Another maker's key, created by `model sign --key` (0600, with a .pub beside it).
    let key = dir.path().join("maker.key");
    let signed = json(&leader(&db, &["--json", "model", "sign", p, "--key", key.to_str().expect("path")]));
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).expect("key").permissions());
    assert_eq!(mode & 0o777, 0o600, "a new signing key is owner-only");

    let err = stderr(&leader(&db, &["model", "install", p, "--force"]));
    assert!(err.contains("not trusted here") && err.contains("leader model trust"), "{err}");
    let public = dir.path().join("maker.key.pub");
    let trusted = json(&leader(&db, &["--json", "model", "trust", public.to_str().expect("path")]));
    assert_eq!(trusted["id"], signed["key_id"]);
    let keys = json(&leader(&db, &["--json", "model", "keys"]));
    let sources: Vec<&str> = keys.as_array().expect("keys").iter().map(|k| k["source"].as_str().expect("s")).collect();
    assert!(sources.contains(&"project") && sources.contains(&"trusted"), "{keys}");
    let report = json(&leader(&db, &["--json", "model", "install", p, "--force"]));
    assert_eq!(report["installed"], true, "{report}");
    assert_eq!(report["allowed_unsigned"], false);

    // Unsigned: refused, then installed with --allow-unsigned, which the audit log records.
    std::fs::remove_file(src.join("signature.json")).expect("rm");
    let err = stderr(&leader(&db, &["model", "install", p, "--force"]));
    assert!(err.contains("not signed"), "{err}");
    let report = json(&leader(&db, &["--json", "model", "install", p, "--force", "--allow-unsigned"]));
    assert_eq!(report["installed"], true, "{report}");
    let audit = json(&leader(&db, &["--json", "audit", "--limit", "100"]));
    let events = audit.as_array().expect("events");
    assert!(events.iter().any(|e| e["kind"] == "model-key-trusted"), "trusting a key is audited");
    assert!(
        events.iter().any(|e| e["kind"] == "model-install" && e["payload"]["allowed_unsigned"] == true),
        "the unsigned install is audited as such"
    );
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "model-install-refused" && e["payload"]["signature"]["status"] == "unsigned"),
        "the refusal is audited"
    );
}
