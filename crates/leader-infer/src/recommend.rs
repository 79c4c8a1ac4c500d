//! Recommendation with evidence and interaction screening.
//!
//! Evidence is measured by occlusion: the request is re-run once per distinct input code
//! with that code removed, all in one batch, and a code's evidence for a medication is
//! how much its removal lowers that medication's probability.

use std::collections::HashMap;
use std::time::Instant;

use leader_core::Code;
use leader_core::ddi::{Certainty, Finding, KnowledgeBase, Role};
use leader_core::encode::{Coverage, HistoryInput};
use serde::{Deserialize, Serialize};

use crate::backend::{Backend, Probabilities};
use crate::bundle::Bundle;
use crate::error::Result;

/// Largest batch sent to the backend at once.
pub const MAX_BATCH: usize = 256;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendOptions {
    /// Also list this many of the most probable medications below the threshold.
    pub top_k_below: usize,
    /// Compute occlusion evidence.
    pub evidence: bool,
    /// Evidence codes kept per suggestion.
    pub evidence_per_drug: usize,
    /// Withhold the lower-probability member of every contraindicated or major pair
    /// (and any suggestion that forms one with a current medication).
    pub safe_mode: bool,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        RecommendOptions { top_k_below: 5, evidence: true, evidence_per_drug: 3, safe_mode: false }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub input: HistoryInput,
    /// What the patient takes now; screened against the suggestions.
    pub current_medications: Vec<Code>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum Status {
    /// At or above the model's threshold.
    Suggested,
    /// Below the threshold, listed among the most probable.
    BelowThreshold,
    /// Above the threshold but withheld by safe mode because of a high-severity interaction.
    WithheldInteraction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Evidence {
    pub code: Code,
    /// How much removing this code lowers the probability.
    pub delta: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Suggestion {
    pub medication: Code,
    pub name: Option<String>,
    pub probability: f32,
    pub status: Status,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelRef {
    pub id: String,
    pub version: String,
    pub kind: crate::bundle::ModelKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Recommendation {
    pub model: ModelRef,
    pub threshold: f32,
    pub suggestions: Vec<Suggestion>,
    pub current_medications: Vec<Code>,
    /// Interactions among the suggestions (status `suggested` or `withheld_interaction`)
    /// and the current medications.
    pub interactions: Vec<Finding>,
    /// Input codes the model does not know: they were encoded as unknown.
    pub unknown_codes: Vec<Code>,
    /// How much of the current visit the model knows; when too little
    /// (`coverage.insufficient`), every suggestion is withheld.
    #[serde(default)]
    pub coverage: Coverage,
    pub safe_mode: bool,
    /// Model time (encoding + ONNX Runtime + evidence), milliseconds.
    pub latency_ms: f64,
}

/// Runs batches of at most [`MAX_BATCH`] samples.
pub fn predict_all(bundle: &Bundle, backend: &mut dyn Backend, inputs: &[HistoryInput]) -> Result<Probabilities> {
    let mut out = Vec::with_capacity(inputs.len());
    for chunk in inputs.chunks(MAX_BATCH) {
        out.extend(backend.predict_inputs(&bundle.encoder, chunk)?);
    }
    Ok(out)
}

pub fn recommend(
    bundle: &Bundle,
    backend: &mut dyn Backend,
    req: &Request,
    opts: &RecommendOptions,
    kb: &KnowledgeBase,
) -> Result<Recommendation> {
    let started = Instant::now();
    let base = bundle.encoder.encode(&req.input);
    let coverage = bundle.encoder.coverage(&req.input);
    let model = ModelRef {
        id: bundle.manifest.model.id.clone(),
        version: bundle.manifest.model.version.clone(),
        kind: bundle.manifest.model.kind.clone(),
    };
    let threshold = bundle.manifest.threshold_for(!req.input.previous.is_empty());
    if coverage.insufficient {
        // The model does not know this visit: no suggestion, only the current medications
        // screened against each other.
        let mut r = assemble(&[], &[], threshold, |_| Vec::new(), req, opts, kb, model);
        r.unknown_codes = base.unknown;
        r.coverage = coverage;
        r.latency_ms = started.elapsed().as_secs_f64() * 1e3;
        return Ok(r);
    }
    let codes = if opts.evidence { req.input.input_codes() } else { Vec::new() };
    let mut inputs = vec![req.input.clone()];
    inputs.extend(codes.iter().map(|c| req.input.without(c)));
    let probs = predict_all(bundle, backend, &inputs)?;
    let p0 = &probs[0];

    let evidence = |m: usize| -> Vec<Evidence> {
        let mut ev: Vec<Evidence> = codes
            .iter()
            .enumerate()
            .map(|(j, c)| Evidence { code: c.clone(), delta: p0[m] - probs[j + 1][m] })
            .filter(|e| e.delta > 1e-4)
            .collect();
        ev.sort_by(|a, b| b.delta.total_cmp(&a.delta));
        ev.truncate(opts.evidence_per_drug);
        ev
    };
    let mut r = assemble(p0, &bundle.medications, threshold, evidence, req, opts, kb, model);
    r.unknown_codes = base.unknown;
    r.coverage = coverage;
    r.latency_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok(r)
}

/// Ranks `probs`, marks the threshold, attaches evidence, screens interactions and applies
/// safe mode: the part of a recommendation shared by the student and the teacher.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    probs: &[f32],
    labels: &[Code],
    threshold: f32,
    evidence: impl Fn(usize) -> Vec<Evidence>,
    req: &Request,
    opts: &RecommendOptions,
    kb: &KnowledgeBase,
    model: ModelRef,
) -> Recommendation {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    let above = order.iter().take_while(|&&i| probs[i] >= threshold).count();
    let shown = &order[..(above + opts.top_k_below).min(order.len())];
    let mut suggestions: Vec<Suggestion> = shown
        .iter()
        .map(|&m| Suggestion {
            medication: labels[m].clone(),
            name: None,
            probability: probs[m],
            status: if probs[m] >= threshold { Status::Suggested } else { Status::BelowThreshold },
            evidence: evidence(m),
        })
        .collect();
    let mut drugs: Vec<(Code, Role)> = suggestions
        .iter()
        .filter(|s| s.status == Status::Suggested)
        .map(|s| (s.medication.clone(), Role::Suggested))
        .collect();
    drugs.extend(req.current_medications.iter().map(|c| (c.clone(), Role::Current)));
    let interactions = kb.screen(&drugs);
    if opts.safe_mode {
        withhold(&mut suggestions, &interactions);
    }
    Recommendation {
        model,
        threshold,
        suggestions,
        current_medications: req.current_medications.clone(),
        interactions,
        unknown_codes: Vec::new(),
        coverage: Coverage::default(),
        safe_mode: opts.safe_mode,
        latency_ms: 0.0,
    }
}

/// Safe mode: for each contraindicated or major finding at drug level, withhold the
/// suggestion with the lower probability (or the suggestion, when the other drug is a
/// current medication). A class-level finding ("some drugs of this class interact", e.g.
/// a statin class because one withdrawn member is on the QT list) is shown, never acted
/// on: withholding every class one of whose members is on a rule would hold back most
/// classes once the curated list covers the QT group.
pub fn withhold(suggestions: &mut [Suggestion], findings: &[Finding]) {
    let prob: HashMap<Code, f32> = suggestions.iter().map(|s| (s.medication.clone(), s.probability)).collect();
    for f in findings.iter().filter(|f| f.severity.is_high() && f.certainty == Certainty::Drug) {
        let victim = match (f.a_role, f.b_role) {
            (Role::Suggested, Role::Suggested) => {
                if prob.get(&f.a).copied().unwrap_or(0.0) < prob.get(&f.b).copied().unwrap_or(0.0) {
                    &f.a
                } else {
                    &f.b
                }
            }
            (Role::Suggested, _) => &f.a,
            (_, Role::Suggested) => &f.b,
            _ => continue,
        };
        for s in suggestions.iter_mut().filter(|s| &s.medication == victim && s.status == Status::Suggested) {
            s.status = Status::WithheldInteraction;
        }
    }
}

/// The predicted set at `threshold`, with safe mode applied when asked.
pub fn predicted_set(probs: &[f32], threshold: f32, labels: &[Code], kb: Option<&KnowledgeBase>) -> Vec<usize> {
    let mut set: Vec<usize> = (0..probs.len()).filter(|&i| probs[i] >= threshold).collect();
    if let Some(kb) = kb {
        let mut sugg: Vec<Suggestion> = set
            .iter()
            .map(|&i| Suggestion {
                medication: labels[i].clone(),
                name: None,
                probability: probs[i],
                status: Status::Suggested,
                evidence: vec![],
            })
            .collect();
        let drugs: Vec<(Code, Role)> = sugg.iter().map(|s| (s.medication.clone(), Role::Suggested)).collect();
        withhold(&mut sugg, &kb.screen(&drugs));
        set = set.into_iter().zip(&sugg).filter(|(_, s)| s.status == Status::Suggested).map(|(i, _)| i).collect();
    }
    set
}

#[cfg(test)]
mod tests {
    use leader_core::CodeSystem;
    use leader_core::ddi::Severity;

    use super::*;

    fn suggestion(code: &str, probability: f32) -> Suggestion {
        Suggestion {
            medication: Code::new(CodeSystem::Atc, code).expect("atc"),
            name: None,
            probability,
            status: Status::Suggested,
            evidence: vec![],
        }
    }

    fn finding(suggested: &str, current: &str, certainty: Certainty) -> Finding {
        Finding {
            a: Code::new(CodeSystem::Atc, suggested).expect("atc"),
            a_role: Role::Suggested,
            b: Code::new(CodeSystem::Atc, current).expect("atc"),
            b_role: Role::Current,
            severity: Severity::Major,
            certainty,
            rules: vec![],
        }
    }

    #[test]
    fn safe_mode_acts_on_drug_level_findings_only() {
        let mut s = vec![suggestion("M01A", 0.9), suggestion("C10A", 0.8)];
        let findings = [finding("M01A", "B01AA03", Certainty::Drug), finding("C10A", "C07AA07", Certainty::Class)];
        withhold(&mut s, &findings);
        assert_eq!(s[0].status, Status::WithheldInteraction, "the whole NSAID class interacts with warfarin");
        assert_eq!(
            s[1].status,
            Status::Suggested,
            "one member of the class on a rule is a possibility, shown, not acted on"
        );
    }
}
