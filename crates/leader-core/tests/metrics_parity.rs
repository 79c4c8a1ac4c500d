//! Parity of the metrics across languages: `pipeline/fixtures/metrics_parity.json` holds
//! realistic random evaluation data (300 visits, 138 labels, many tied scores, empty
//! predicted sets, interaction pairs listed in both orders) and the values scikit-learn
//! computes on it (`pipeline/fixtures/make_metrics_parity.py`). The pipeline's test
//! (`pipeline/tests/test_metrics.py`) checks Python against the same values; here Rust.

use std::collections::HashSet;

use leader_core::metrics::{Evaluated, average_precision, score};
use serde::Deserialize;

const FIXTURE: &str = include_str!("../../../pipeline/fixtures/metrics_parity.json");
const TOLERANCE: f64 = 1e-9;

#[derive(Debug, Deserialize)]
struct Visit {
    /// Numerators over `denominator`: exact in f32.
    scores: Vec<u32>,
    truth: Vec<usize>,
    predicted: Vec<usize>,
}

#[derive(Debug, Deserialize)]
struct Expected {
    per_visit_average_precision: Vec<f64>,
    prauc: f64,
    jaccard: f64,
    f1: f64,
    avg_drugs: f64,
    ddi_rate: f64,
    visits: usize,
}

#[derive(Debug, Deserialize)]
struct Fixture {
    denominator: u32,
    visits: Vec<Visit>,
    pairs: Vec<(usize, usize)>,
    expected: Expected,
}

#[test]
fn rust_metrics_agree_with_scikit_learn_and_python_on_the_shared_fixture() {
    let f: Fixture = serde_json::from_str(FIXTURE).expect("the fixture parses");
    let den = f.denominator as f32;
    let visits: Vec<Evaluated> = f
        .visits
        .iter()
        .map(|v| Evaluated {
            scores: v.scores.iter().map(|&s| s as f32 / den).collect(),
            predicted: v.predicted.clone(),
            truth: v.truth.clone(),
        })
        .collect();
    assert_eq!(visits.len(), f.expected.visits);
    for (i, (v, want)) in visits.iter().zip(&f.expected.per_visit_average_precision).enumerate() {
        let got = average_precision(&v.scores, &v.truth).expect("every visit has a positive");
        assert!((got - want).abs() < TOLERANCE, "visit {i}: average precision {got} vs scikit-learn {want}");
    }
    // Order-normalised, as the evaluation's adjacency is: (a, b) and (b, a) are one pair.
    let pairs: HashSet<(usize, usize)> = f.pairs.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    assert!(pairs.len() < f.pairs.len(), "the fixture lists some pairs in both orders");
    let s = score(&visits, |a, b| pairs.contains(&(a.min(b), a.max(b))));
    for (name, got, want) in [
        ("prauc", s.prauc, f.expected.prauc),
        ("jaccard", s.jaccard, f.expected.jaccard),
        ("f1", s.f1, f.expected.f1),
        ("avg_drugs", s.avg_drugs, f.expected.avg_drugs),
        ("ddi_rate", s.ddi_rate, f.expected.ddi_rate),
    ] {
        assert!((got - want).abs() < TOLERANCE, "{name}: rust {got} vs scikit-learn/python {want}");
    }
}
