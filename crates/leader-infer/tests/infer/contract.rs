use leader_infer::runtime::SessionOptions;
use leader_infer::{Bundle, InferError, OrtBackend};

use crate::common::*;

#[test]
fn the_fixture_bundle_loads_with_its_vocabularies() {
    let b = Bundle::open(&fixture()).expect("the fixture is a valid bundle");
    assert_eq!(b.medications.len(), 13);
    assert_eq!(b.encoder.vocabularies.diagnoses.len(), 14, "12 codes + [PAD] + [UNK]");
    assert_eq!(b.encoder.vocabularies.medications.id("ATC:B01A"), Some(4));
    OrtBackend::start(&env(), &b, SessionOptions::default()).expect("its ONNX model matches the manifest");
}

#[test]
fn a_changed_file_is_refused_by_checksum() {
    let dir = copy_fixture();
    let p = dir.path().join("profile.tokenizer.json");
    let text = std::fs::read_to_string(&p).expect("read").replace("sex:F", "sex:X");
    std::fs::write(&p, text).expect("write");
    let err = Bundle::open(dir.path()).expect_err("refused");
    assert!(matches!(&err, InferError::Checksum { file, .. } if file == "profile.tokenizer.json"), "{err}");
}

#[test]
fn a_corrupt_model_file_is_refused_when_the_session_starts() {
    let dir = copy_fixture();
    std::fs::write(dir.path().join("model.onnx"), b"not an onnx model").expect("write");
    edit_manifest(dir.path(), |_| {});
    let b = Bundle::open(dir.path()).expect("checksums now match");
    let err = OrtBackend::start(&env(), &b, SessionOptions::default()).expect_err("refused");
    assert!(matches!(err, InferError::Session { .. }), "{err}");
}

#[test]
fn a_manifest_that_disagrees_with_the_model_is_refused() {
    let dir = copy_fixture();
    edit_manifest(dir.path(), |m| {
        m["medications"].as_array_mut().expect("array").pop();
    });
    let b = Bundle::open(dir.path()).expect("the manifest itself is well formed");
    let err = OrtBackend::start(&env(), &b, SessionOptions::default()).expect_err("refused");
    assert!(err.to_string().contains("13 columns but the manifest lists 12 medications"), "{err}");

    let dir = copy_fixture();
    edit_manifest(dir.path(), |m| m["output"]["name"] = "probs".into());
    let b = Bundle::open(dir.path()).expect("well formed");
    let err = OrtBackend::start(&env(), &b, SessionOptions::default()).expect_err("refused");
    assert!(err.to_string().contains("no output named `probs`"), "{err}");
}

#[test]
fn malformed_manifests_and_vocabularies_say_what_is_wrong() {
    let dir = copy_fixture();
    std::fs::write(dir.path().join("manifest.json"), "{").expect("write");
    assert!(Bundle::open(dir.path()).expect_err("refused").to_string().contains("not a valid manifest"));

    let dir = copy_fixture();
    edit_manifest(dir.path(), |m| m["format_version"] = 99.into());
    assert!(Bundle::open(dir.path()).expect_err("refused").to_string().contains("format 99 is not supported"));

    let dir = copy_fixture();
    std::fs::write(dir.path().join("procedures.tokenizer.json"), "{\"model\": 1}").expect("write");
    edit_manifest(dir.path(), |_| {});
    let err = Bundle::open(dir.path()).expect_err("refused");
    assert!(err.to_string().contains("procedures.tokenizer.json is not a tokenizer.json"), "{err}");

    let dir = copy_fixture();
    let path = dir.path().join("manifest.json");
    let text =
        std::fs::read_to_string(&path).expect("read").replace("\"files\": {", "\"files\": {\n  \"../escape\": \"00\",");
    std::fs::write(&path, text).expect("write");
    let err = Bundle::open(dir.path()).expect_err("refused");
    assert!(err.to_string().contains("outside the bundle"), "{err}");
}

#[test]
fn tokenizers_written_by_rust_read_back_identically() {
    let b = Bundle::open(&fixture()).expect("fixture");
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("dx.tokenizer.json");
    leader_infer::bundle::write_tokenizer(&b.encoder.vocabularies.diagnoses, &p).expect("write");
    let back = leader_infer::bundle::load_tokenizer_vocab(&p, "diagnoses").expect("read");
    assert_eq!(back.tokens(), b.encoder.vocabularies.diagnoses.tokens());
}
