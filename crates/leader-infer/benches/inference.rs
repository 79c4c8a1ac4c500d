//! Criterion benchmarks of the serving path: encoding, batch-1 and batched prediction, and a
//! recommendation with occlusion evidence. They run on the bundled student when `models/`
//! has one (else on the test fixture) with synthetic inputs drawn from the model's own
//! vocabularies. `leader bench infer` measures the same on a store's real visits.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use leader_core::Code;
use leader_core::ddi::KnowledgeBase;
use leader_core::encode::{EncodedBatch, HistoryInput, VisitCodes};
use leader_infer::recommend::{RecommendOptions, Request, recommend};
use leader_infer::runtime::{SessionOptions, environment};
use leader_infer::{Backend, Bundle, OrtBackend};

fn model_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    match std::fs::read_to_string(root.join("DEFAULT")) {
        Ok(name) => root.join(name.trim()),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-bundle"),
    }
}

/// Deterministic inputs: codes taken in turn from the model's vocabularies.
fn inputs(b: &Bundle, n: usize) -> Vec<HistoryInput> {
    let v = &b.encoder.vocabularies;
    let pick = |voc: &leader_core::vocab::Vocabulary, i: usize, k: usize| -> Vec<Code> {
        (0..k).filter_map(|j| voc.tokens().get(2 + (i * 7 + j * 13) % (voc.len() - 2).max(1))?.parse().ok()).collect()
    };
    (0..n)
        .map(|i| {
            let visit = |s: usize| VisitCodes {
                diagnoses: pick(&v.diagnoses, i + s, 12),
                procedures: pick(&v.procedures, i + s, 2),
                medications: pick(&v.medications, i + s, 10),
            };
            HistoryInput {
                profile: v.profile.tokens().iter().skip(2).take(7).cloned().collect(),
                previous: (0..i % 4).map(|s| visit(s + 1)).collect(),
                current: VisitCodes { medications: vec![], ..visit(0) },
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let env = environment().expect("ONNX Runtime (scripts/bootstrap.sh ort)");
    let bundle = Bundle::open(&model_dir()).expect("model bundle");
    let xs = inputs(&bundle, 256);
    let mut one =
        OrtBackend::start(&env, &bundle, SessionOptions { threads: 1, ..Default::default() }).expect("session");
    let mut two =
        OrtBackend::start(&env, &bundle, SessionOptions { threads: 2, ..Default::default() }).expect("session");
    c.bench_function("encode one visit", |b| b.iter(|| bundle.encoder.encode(&xs[3])));
    c.bench_function("predict batch 1 (1 thread, encode included)", |b| {
        b.iter(|| one.predict(&EncodedBatch::from_samples(&[bundle.encoder.encode(&xs[3])])).expect("predict"))
    });
    for n in [64usize, 256] {
        c.bench_function(&format!("predict batch {n} (2 lanes, encode included)"), |b| {
            b.iter(|| two.predict_inputs(&bundle.encoder, &xs[..n]).expect("predict"))
        });
    }
    let kb = KnowledgeBase::default();
    let req = Request { input: xs[3].clone(), current_medications: vec![], candidates: vec![] };
    c.bench_function("recommend with occlusion evidence", |b| {
        b.iter(|| recommend(&bundle, &mut one, &req, &RecommendOptions::default(), &kb).expect("recommend"))
    });
}

criterion_group! {
    name = inference;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(inference);
