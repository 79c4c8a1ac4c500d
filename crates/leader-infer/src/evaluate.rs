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
    /// Share of the evaluated visits' current diagnosis and procedure codes the model does not
    /// know, and how many of those visits its coverage gate would withhold.
    #[serde(default)]
    pub unknown_code_share: f64,
    #[serde(default)]
    pub visits_withheld_for_coverage: usize,
    /// Trivial rules scored on the same visits (`leader evaluate --baselines`).
    #[serde(default)]
    pub baselines: Vec<BaselineScores>,
}

/// A trivial rule scored on the same visits as the model: what a model must beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BaselineScores {
    /// `repeat_previous` or `most_frequent`.
    pub name: String,
    pub description: String,
    pub overall: Scores,
    pub first_visit: Scores,
    pub with_history: Scores,
}

/// One held-out visit as the baselines see it.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineVisit {
    pub truth: Vec<Code>,
    /// The medications of the patient's previous sample visit, if there is one.
    pub previous: Option<Vec<Code>>,
    /// Whether the visit has any earlier visit (the model's grouping).
    pub with_history: bool,
}

/// The two baselines of the pipeline (`pipeline/leader_pipeline/baselines.py`), the same
/// definitions: *most frequent* — the k medications most often prescribed in the training
/// split, k the training visits' mean set size, scored by their training frequency; *repeat
/// the previous visit* — the previous visit's medications (ranked first, then by frequency),
/// and the most frequent set for a first visit.
pub fn baselines(
    vocabulary: &[Code],
    train_truths: &[Vec<Code>],
    visits: &[BaselineVisit],
    adjacency: &Adjacency,
) -> Vec<BaselineScores> {
    let index: HashMap<&Code, usize> = vocabulary.iter().enumerate().map(|(i, c)| (c, i)).collect();
    let labels: Vec<String> = vocabulary.iter().map(ToString::to_string).collect();
    let interacts = |a: usize, b: usize| adjacency.contains(&labels[a], &labels[b]);
    let to_idx = |codes: &[Code]| -> Vec<usize> {
        let mut v: Vec<usize> = codes.iter().filter_map(|c| index.get(c).copied()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut freq = vec![0f32; vocabulary.len()];
    let mut sizes = 0usize;
    for t in train_truths {
        let idx = to_idx(t);
        sizes += idx.len();
        for i in idx {
            freq[i] += 1.0;
        }
    }
    let n = train_truths.len().max(1) as f32;
    for f in &mut freq {
        *f /= n;
    }
    let k = ((sizes as f64 / train_truths.len().max(1) as f64).round() as usize).max(1);
    let mut order: Vec<usize> = (0..vocabulary.len()).collect();
    // Stable: ties keep vocabulary order, as numpy's stable argsort does.
    order.sort_by(|a, b| freq[*b].total_cmp(&freq[*a]));
    let mut top: Vec<usize> = order.into_iter().take(k).collect();
    top.sort_unstable();
    let score_groups = |rows: Vec<Evaluated>| {
        let pick = |h: bool| -> Vec<Evaluated> {
            rows.iter().zip(visits).filter(|(_, v)| v.with_history == h).map(|(r, _)| r.clone()).collect()
        };
        (score(&rows, interacts), score(&pick(false), interacts), score(&pick(true), interacts))
    };
    let mf: Vec<Evaluated> = visits
        .iter()
        .map(|v| Evaluated { scores: freq.clone(), predicted: top.clone(), truth: to_idx(&v.truth) })
        .collect();
    let rp: Vec<Evaluated> = visits
        .iter()
        .map(|v| match &v.previous {
            None => Evaluated { scores: freq.clone(), predicted: top.clone(), truth: to_idx(&v.truth) },
            Some(prev) => {
                let prev = to_idx(prev);
                let mut s = freq.clone();
                for &i in &prev {
                    s[i] += 1.0;
                }
                Evaluated { scores: s, predicted: prev, truth: to_idx(&v.truth) }
            }
        })
        .collect();
    let (o, f, h) = score_groups(rp);
    let (mo, mfirst, mh) = score_groups(mf);
    vec![
        BaselineScores {
            name: "repeat_previous".into(),
            description: "the previous visit's medications (most frequent for a first visit)".into(),
            overall: o,
            first_visit: f,
            with_history: h,
        },
        BaselineScores {
            name: "most_frequent".into(),
            description: format!("the {k} medications most often prescribed in the training split"),
            overall: mo,
            first_visit: mfirst,
            with_history: mh,
        },
    ]
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
    let (mut coded, mut unknown, mut withheld) = (0u32, 0u32, 0usize);
    for s in samples {
        let c = bundle.encoder.coverage(&s.input);
        coded += c.diagnoses + c.procedures;
        unknown += c.diagnoses + c.procedures - c.known_diagnoses - c.known_procedures;
        withheld += usize::from(c.insufficient);
    }
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
        unknown_code_share: if coded == 0 { 0.0 } else { unknown as f64 / coded as f64 },
        visits_withheld_for_coverage: withheld,
        baselines: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: &str) -> Code {
        Code::new(leader_core::CodeSystem::Atc, v).expect("code")
    }

    #[test]
    fn baselines_follow_the_pipeline_definitions() {
        let vocab = vec![c("A01A"), c("B01A"), c("C07A"), c("N02B")];
        // Training: B01A and N02B in three of four visits, C07A in two; mean set size 2.
        let train = vec![
            vec![c("B01A"), c("N02B")],
            vec![c("B01A"), c("N02B")],
            vec![c("B01A"), c("C07A")],
            vec![c("N02B"), c("C07A")],
        ];
        let visits = vec![
            // A first visit: most frequent {B01A, N02B} for both rules.
            BaselineVisit { truth: vec![c("B01A"), c("N02B")], previous: None, with_history: false },
            // With history: repeat gives exactly the previous set {A01A}.
            BaselineVisit { truth: vec![c("A01A")], previous: Some(vec![c("A01A")]), with_history: true },
        ];
        let out = baselines(&vocab, &train, &visits, &Adjacency::default());
        let (rp, mf) = (&out[0], &out[1]);
        assert_eq!((rp.name.as_str(), mf.name.as_str()), ("repeat_previous", "most_frequent"));
        assert!((rp.first_visit.jaccard - 1.0).abs() < 1e-9, "first visit: the top-2 set is the truth");
        assert!((rp.with_history.jaccard - 1.0).abs() < 1e-9, "repeating {{A01A}} is exact");
        assert!((rp.with_history.prauc - 1.0).abs() < 1e-9, "the previous drug is ranked first");
        assert!(mf.with_history.jaccard.abs() < 1e-9, "most frequent misses A01A");
        assert_eq!(mf.overall.visits, 2);
        assert!(mf.description.contains("2 medications"), "k is the training mean set size: {}", mf.description);
    }
}
