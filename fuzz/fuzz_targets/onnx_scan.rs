//! The protobuf scan that refuses ONNX models with external data (`integrity::external_data`),
//! run on arbitrary model bytes: it must never panic, and what it reports must be found in
//! the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(t) = leader_infer::integrity::external_data(data) {
        // Names are read lossily: only a name without replacement characters is in the bytes as is.
        let found =
            |s: &str| s.is_empty() || s.contains('\u{fffd}') || data.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(found(&t.location), "a reported location is not in the model bytes");
        assert!(found(&t.tensor), "a reported tensor name is not in the model bytes");
    }
});
