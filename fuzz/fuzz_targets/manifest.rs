//! Model bundle loading: the fuzzer's bytes as `manifest.json` beside the tiny fixture
//! bundle's model and vocabularies, opened with `Bundle::open` (checksums, listed names,
//! vocabularies, thresholds, limits). An accepted manifest must list only files inside the
//! bundle, and the bundle's digest must be the one its hashes give.
#![no_main]

use std::sync::OnceLock;

use leader_infer::Bundle;
use leader_infer::integrity::bundle_digest;
use libfuzzer_sys::fuzz_target;

macro_rules! fixture {
    ($($file:literal),*) => {
        [$(($file, &include_bytes!(concat!("../../crates/leader-infer/tests/fixtures/tiny-bundle/", $file))[..])),*]
    };
}

fn dir() -> &'static std::path::Path {
    static D: OnceLock<std::path::PathBuf> = OnceLock::new();
    D.get_or_init(|| {
        let root = leader_fuzz::scratch("manifest");
        let dir = root.join("bundle");
        std::fs::create_dir_all(&dir).expect("bundle folder");
        for (file, bytes) in fixture!(
            "model.onnx",
            "diagnoses.tokenizer.json",
            "procedures.tokenizer.json",
            "medications.tokenizer.json",
            "profile.tokenizer.json"
        ) {
            std::fs::write(dir.join(file), bytes).expect("fixture file");
        }
        // A file beside the bundle: a manifest naming `../outside.json` must be refused.
        std::fs::write(root.join("outside.json"), b"{}").expect("outside file");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    std::fs::write(dir.join("manifest.json"), data).expect("write the fuzzed manifest");
    if let Ok(bundle) = Bundle::open(dir) {
        for file in bundle.manifest.files.keys() {
            let path = std::path::Path::new(file);
            assert!(
                path.components().all(|c| matches!(c, std::path::Component::Normal(_))) && !file.contains('\\'),
                "an accepted manifest lists a file outside the bundle: {file:?}"
            );
        }
        assert_eq!(bundle.digest, bundle_digest(&bundle.hashes), "the digest is the hashes' digest");
        assert!(!bundle.medications.is_empty());
        assert!((0.0..=1.0).contains(&bundle.manifest.threshold));
    }
});
