use std::path::{Path, PathBuf};

use leader_infer::bundle::sha256_file;

pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-bundle")
}

pub fn env() -> ort::environment::Environment {
    leader_infer::runtime::environment().expect("ONNX Runtime loads (run scripts/bootstrap.sh ort)")
}

/// A copy of the fixture bundle that a test may break.
pub fn copy_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    for e in std::fs::read_dir(fixture()).expect("fixture") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.path().join(e.file_name())).expect("copy");
    }
    dir
}

/// Edits the manifest of a bundle copy, then re-hashes every listed file.
pub fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    edit(&mut m);
    let files: Vec<String> = m["files"].as_object().expect("files").keys().cloned().collect();
    for f in files {
        m["files"][&f] = serde_json::Value::String(sha256_file(&dir.join(&f)).expect("hash"));
    }
    std::fs::write(path, serde_json::to_string_pretty(&m).expect("json")).expect("write");
}

/// A model of `tests/fixtures/bad-models` (written by `tests/fixtures/make_bad_models.py`).
pub fn bad_model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-models").join(name)
}

/// A copy of the fixture bundle whose model.onnx is the bad model `name`, checksums updated.
pub fn with_bad_model(name: &str) -> tempfile::TempDir {
    let dir = copy_fixture();
    std::fs::copy(bad_model(name), dir.path().join("model.onnx")).expect("copy the bad model");
    edit_manifest(dir.path(), |_| {});
    dir
}
