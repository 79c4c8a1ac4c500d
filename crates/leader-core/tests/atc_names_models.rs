//! Every ATC code a bundled model can suggest or read has one of the project's names.

use std::path::Path;

use leader_core::Code;
use leader_core::atc_names::name_of;

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_atc_code_in_the_bundled_models_vocabularies_has_a_name() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let mut bundles = 0;
    let mut checked = 0;
    for entry in std::fs::read_dir(&models).expect("the bundled models folder") {
        let dir = entry.expect("entry").path();
        let manifest = dir.join("manifest.json");
        if !manifest.is_file() {
            continue;
        }
        bundles += 1;
        let m = read_json(&manifest);
        // The codes it suggests (its output) ...
        let mut tokens: Vec<String> = m["medications"]
            .as_array()
            .expect("manifest lists its medications")
            .iter()
            .map(|v| v.as_str().expect("a code").to_owned())
            .collect();
        // ... and the medication codes it reads (its input vocabulary).
        let vocab_file = m["input"]["vocabularies"]["medications"].as_str().expect("a medication vocabulary");
        let vocab = read_json(&dir.join(vocab_file));
        tokens.extend(vocab["model"]["vocab"].as_object().expect("a token table").keys().cloned());
        for token in tokens.iter().filter(|t| t.starts_with("ATC:")) {
            let code: Code = token.parse().expect("a valid code");
            assert!(name_of(&code).is_some(), "{}: {token} has no name", dir.display());
            checked += 1;
        }
    }
    assert!(bundles >= 1 && checked >= 100, "{bundles} bundles, {checked} codes");
}
