//! `leader evaluate`: the model on held-out visits, with the metrics of the LEADER paper.

use std::collections::{HashMap, HashSet};

use leader_core::Code;
use leader_core::ddi::KnowledgeBase;
use leader_core::encode::HistoryInput;
use leader_core::metrics::{Evaluated, Scores, ddi_rate, score};
use serde::{Deserialize, Serialize};

use crate::backend::Backend;
use crate::bundle::{Bundle, GroupThresholds};
use crate::error::Result;
use crate::recommend::{predict_all, predicted_set};

/// One held-out visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalSample {
    pub input: HistoryInput,
    /// The medications actually prescribed at the visit (the model's vocabulary level).
    pub truth: Vec<Code>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvalReport {
    pub model: String,
    pub threshold: f32,
    /// The model's thresholds for first visits and visits with history, when it has them.
    pub thresholds: Option<GroupThresholds>,
    pub overall: Scores,
    /// Visits with no earlier visit (LEADER's cold-start case).
    pub first_visit: Scores,
    pub with_history: Scores,
    /// The same, with safe mode (high-severity pairs withheld), when a knowledge base is given.
    pub safe_mode: Option<Scores>,
    /// DDI rate of the prescriptions themselves.
    pub ground_truth_ddi_rate: f64,
    /// Prescribed medications outside the model's vocabulary (dropped from the truth).
    pub truth_outside_vocabulary: usize,
}

/// The TWOSIDES-style adjacency: unordered pairs of label codes (`ATC:N02B`, ...).
#[derive(Debug, Clone, Default)]
pub struct Adjacency(HashSet<(String, String)>);

impl Adjacency {
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Adjacency(pairs.into_iter().map(|(a, b)| if a <= b { (a, b) } else { (b, a) }).collect())
    }

    pub fn contains(&self, a: &str, b: &str) -> bool {
        let key = if a <= b { (a.to_owned(), b.to_owned()) } else { (b.to_owned(), a.to_owned()) };
        self.0.contains(&key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub fn evaluate(
    bundle: &Bundle,
    backend: &mut dyn Backend,
    samples: &[EvalSample],
    adjacency: &Adjacency,
    kb: Option<&KnowledgeBase>,
) -> Result<EvalReport> {
    let index: HashMap<&Code, usize> = bundle.medications.iter().enumerate().map(|(i, c)| (c, i)).collect();
    let labels: Vec<String> = bundle.medications.iter().map(ToString::to_string).collect();
    let interacts = |a: usize, b: usize| adjacency.contains(&labels[a], &labels[b]);
    let inputs: Vec<HistoryInput> = samples.iter().map(|s| s.input.clone()).collect();
    let probs = predict_all(bundle, backend, &inputs)?;
    let m = &bundle.manifest;
    let mut outside = 0;
    let mut rows = Vec::with_capacity(samples.len());
    let mut safe_rows = Vec::new();
    for (s, p) in samples.iter().zip(&probs) {
        let truth: Vec<usize> = s
            .truth
            .iter()
            .filter_map(|c| {
                let i = index.get(c).copied();
                outside += usize::from(i.is_none());
                i
            })
            .collect();
        let threshold = m.threshold_for(!s.input.previous.is_empty());
        rows.push(Evaluated {
            scores: p.clone(),
            predicted: predicted_set(p, threshold, &bundle.medications, None),
            truth: truth.clone(),
        });
        if kb.is_some() {
            safe_rows.push(Evaluated {
                scores: p.clone(),
                predicted: predicted_set(p, threshold, &bundle.medications, kb),
                truth,
            });
        }
    }
    let pick = |first: bool| -> Vec<Evaluated> {
        rows.iter().zip(samples).filter(|(_, s)| s.input.previous.is_empty() == first).map(|(r, _)| r.clone()).collect()
    };
    let truths: Vec<Vec<usize>> = rows.iter().map(|r| r.truth.clone()).collect();
    Ok(EvalReport {
        model: format!("{} {}", m.model.id, m.model.version),
        threshold: m.threshold,
        thresholds: m.thresholds,
        overall: score(&rows, interacts),
        first_visit: score(&pick(true), interacts),
        with_history: score(&pick(false), interacts),
        safe_mode: kb.map(|_| score(&safe_rows, interacts)),
        ground_truth_ddi_rate: ddi_rate(&truths, interacts),
        truth_outside_vocabulary: outside,
    })
}
