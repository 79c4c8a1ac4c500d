use leader_core::encode::EncodedBatch;
use leader_infer::backend::run_raw;
use leader_infer::runtime::SessionOptions;
use leader_infer::{Bundle, OrtBackend};

use crate::common::*;

fn flat3(v: &serde_json::Value) -> (usize, usize, usize, Vec<i64>) {
    let b = v.as_array().expect("batch");
    let visits = b[0].as_array().expect("visits");
    let codes = visits[0].as_array().expect("codes").len();
    let data = b
        .iter()
        .flat_map(|x| {
            x.as_array()
                .expect("v")
                .iter()
                .flat_map(|y| y.as_array().expect("c").iter().map(|z| z.as_i64().expect("id")))
        })
        .collect();
    (b.len(), visits.len(), codes, data)
}

#[test]
fn onnx_runtime_matches_the_reference_at_three_shapes() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("expected.json")).expect("read")).expect("json");
    let bundle = Bundle::open(&fixture()).expect("fixture");
    let mut backend = OrtBackend::start(&env(), &bundle, SessionOptions::default()).expect("session");
    let cases = expected["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 3);
    for case in cases {
        let (b, v, c, dx) = flat3(&case["diagnoses"]);
        let (_, _, _, px) = flat3(&case["procedures"]);
        let (_, _, _, med) = flat3(&case["medications"]);
        let prof: Vec<i64> = case["profile"]
            .as_array()
            .expect("p")
            .iter()
            .flat_map(|r| r.as_array().expect("r").iter().map(|x| x.as_i64().expect("id")))
            .collect();
        let batch = EncodedBatch {
            batch: b,
            visits: v,
            diagnoses: (c, dx),
            procedures: (c, px),
            medications: (c, med),
            profile: (prof.len() / b, prof),
        };
        let want: Vec<f32> = case["logits"]
            .as_array()
            .expect("l")
            .iter()
            .flat_map(|r| r.as_array().expect("r").iter().map(|x| x.as_f64().expect("f") as f32))
            .collect();
        let (shape, got) = run_raw(&mut backend, &batch, "logits").expect("run");
        assert_eq!(shape, [b as i64, 13]);
        let diff = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(diff <= 1e-5, "max abs diff {diff} at batch {b}, visits {v}, codes {c}");
    }
}
