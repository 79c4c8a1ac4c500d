//! Recommendation with evidence and interaction screening.
//!
//! Evidence is measured by occlusion: the request is re-run once per distinct input code
//! with that code removed, all in one batch, and a code's evidence for a medication is
//! how much its removal lowers that medication's probability. The codes are grouped by
//! kind (history medications, current diagnoses, ...) and each group is also removed as a
//! whole; then each suggestion's top codes are removed together, and a suggestion whose
//! probability hardly moves is marked `evidence_weak` rather than shown as if explained.
//!
//! Interactions are screened at the level the prescriber orders: each suggested class
//! stands for its first concrete candidate (an ingredient, given by the caller from the
//! patient's medications and the store's past practice), and for the class itself only
//! when no candidate is known, which gives a class-level ("possible") finding.

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
    /// Concrete drugs for the classes of the medication vocabulary, best first within a
    /// class; a suggestion lists those of its class (at most [`MAX_CANDIDATES`]).
    #[serde(default)]
    pub candidates: Vec<Candidate>,
}

/// Most candidates listed under one suggestion.
pub const MAX_CANDIDATES: usize = 3;

/// A suggestion's evidence is *weak* when removing its top codes together lowers its
/// probability by less than this share of it.
pub const WEAK_EVIDENCE_SHARE: f32 = 0.1;

/// A concrete drug a prescriber can order for a suggested class, with why it is listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Candidate {
    /// The class (the model's medication level) it belongs to.
    pub class: Code,
    /// The ingredient (ATC level 5).
    pub drug: Code,
    /// The route it was ordered by, as recorded (`PO`, `IV`, ...), when known.
    pub route: Option<String>,
    pub name: Option<String>,
    pub basis: CandidateBasis,
}

/// Why a candidate is listed. Statistics of past practice, never a dosing recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CandidateBasis {
    /// The patient takes it now: ordered at the previous visit (`last_visit`), or given as
    /// a current medication.
    Current { last_visit: bool },
    /// What this store's visits ordered in the class: `visits` of the `of_visits` visits
    /// with an order in the class, at visits carrying `diagnosis` (`None`: all visits).
    /// `share` (0–1) only when `of_visits` is large enough to give one.
    Practice { visits: u32, of_visits: u32, diagnosis: Option<Code>, share: Option<f32> },
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

/// What kind of input an evidence code is; evidence is grouped this way for reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A medication of an earlier visit: continued from the previous visit(s).
    HistoryMedication,
    /// A diagnosis of the current visit (wherever else it appears).
    CurrentDiagnosis,
    /// A procedure of the current visit.
    CurrentProcedure,
    /// A diagnosis or procedure of earlier visits only.
    EarlierCode,
    /// The profile: age band, sex, admission type and the other profile fields.
    Profile,
}

impl EvidenceKind {
    /// The kind of `code` in `input`: the current visit first, then history medications.
    pub fn of(input: &HistoryInput, code: &Code) -> EvidenceKind {
        if input.current.diagnoses.contains(code) {
            EvidenceKind::CurrentDiagnosis
        } else if input.current.procedures.contains(code) {
            EvidenceKind::CurrentProcedure
        } else if input.previous.iter().any(|v| v.medications.contains(code)) {
            EvidenceKind::HistoryMedication
        } else {
            EvidenceKind::EarlierCode
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Evidence {
    pub code: Code,
    /// How much removing this code lowers the probability.
    pub delta: f32,
    pub kind: EvidenceKind,
}

/// One kind of evidence for a suggestion: every code of that kind removed at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvidenceGroup {
    pub kind: EvidenceKind,
    /// How much removing every code of this kind together lowers the probability.
    pub delta: f32,
    /// Its codes that lower the probability most when removed alone, largest first.
    pub top: Vec<Evidence>,
}

/// Everything occlusion says about one suggestion.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuggestionEvidence {
    pub top: Vec<Evidence>,
    pub groups: Vec<EvidenceGroup>,
    pub drop: Option<f32>,
    pub weak: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Suggestion {
    pub medication: Code,
    pub name: Option<String>,
    pub probability: f32,
    pub status: Status,
    /// The input codes whose removal lowers the probability most, largest first.
    pub evidence: Vec<Evidence>,
    /// The evidence by kind, the kind whose removal lowers the probability most first.
    #[serde(default)]
    pub evidence_groups: Vec<EvidenceGroup>,
    /// How much removing the `evidence` codes together lowers the probability.
    #[serde(default)]
    pub evidence_drop: Option<f32>,
    /// Removing the `evidence` codes together lowers the probability by less than
    /// [`WEAK_EVIDENCE_SHARE`] of it (or no code lowers it): the suggestion rests on the
    /// visit as a whole, and the list is not its reasons.
    #[serde(default)]
    pub evidence_weak: bool,
    /// Concrete drugs of this class, best first (see [`Candidate`]).
    #[serde(default)]
    pub candidates: Vec<Candidate>,
}

impl Suggestion {
    /// What this suggestion is screened as: its first candidate, else its class.
    pub fn default_pick(&self) -> &Code {
        self.candidates.first().map_or(&self.medication, |c| &c.drug)
    }
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
    /// Interactions among the suggestions (status `suggested` or `withheld_interaction`),
    /// each as its default pick ([`Suggestion::default_pick`]), and the current
    /// medications: one finding per pair, strongest rule first.
    pub interactions: Vec<Finding>,
    /// The same over every choice a prescriber can make: the current medications, every
    /// candidate and every class of the suggestions. A front-end shows those whose two
    /// drugs are both chosen, so each choice updates the alerts without another call.
    #[serde(default)]
    pub interactions_any_choice: Vec<Finding>,
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
        let mut r = assemble(&[], &[], threshold, |_| SuggestionEvidence::default(), req, opts, kb, model);
        r.unknown_codes = base.unknown;
        r.coverage = coverage;
        r.latency_ms = started.elapsed().as_secs_f64() * 1e3;
        return Ok(r);
    }
    let codes = if opts.evidence { req.input.input_codes() } else { Vec::new() };
    let kinds: Vec<EvidenceKind> = codes.iter().map(|c| EvidenceKind::of(&req.input, c)).collect();
    // Each kind present, removed as a whole; the profile only with evidence on.
    let mut groups: Vec<(EvidenceKind, HistoryInput)> = [
        EvidenceKind::HistoryMedication,
        EvidenceKind::CurrentDiagnosis,
        EvidenceKind::CurrentProcedure,
        EvidenceKind::EarlierCode,
    ]
    .into_iter()
    .filter_map(|k| {
        let of_kind: Vec<Code> = codes.iter().zip(&kinds).filter(|(_, x)| **x == k).map(|(c, _)| c.clone()).collect();
        (!of_kind.is_empty()).then(|| (k, req.input.without_all(&of_kind)))
    })
    .collect();
    if opts.evidence && !req.input.profile.is_empty() {
        groups.push((EvidenceKind::Profile, req.input.without_profile()));
    }
    let mut inputs = vec![req.input.clone()];
    inputs.extend(codes.iter().map(|c| req.input.without(c)));
    inputs.extend(groups.iter().map(|(_, i)| i.clone()));
    let probs = predict_all(bundle, backend, &inputs)?;
    let p0 = &probs[0];
    let per_code = &probs[1..=codes.len()];
    let per_group = &probs[codes.len() + 1..];

    let top_of = |m: usize, kind: Option<EvidenceKind>| -> Vec<Evidence> {
        let mut ev: Vec<Evidence> = codes
            .iter()
            .zip(&kinds)
            .zip(per_code)
            .filter(|((_, k), _)| kind.is_none_or(|want| **k == want))
            .map(|((c, k), p)| Evidence { code: c.clone(), delta: p0[m] - p[m], kind: *k })
            .filter(|e| e.delta > 1e-4)
            .collect();
        ev.sort_by(|a, b| b.delta.total_cmp(&a.delta));
        ev.truncate(opts.evidence_per_drug);
        ev
    };
    let mut evidence: HashMap<usize, SuggestionEvidence> = HashMap::new();
    if opts.evidence {
        let shown = shown_order(p0, threshold, opts.top_k_below);
        for &m in &shown {
            let mut groups: Vec<EvidenceGroup> = groups
                .iter()
                .zip(per_group)
                .map(|((kind, _), p)| EvidenceGroup { kind: *kind, delta: p0[m] - p[m], top: top_of(m, Some(*kind)) })
                .collect();
            groups.sort_by(|a, b| b.delta.total_cmp(&a.delta).then(a.kind.cmp(&b.kind)));
            evidence.insert(m, SuggestionEvidence { top: top_of(m, None), groups, drop: None, weak: true });
        }
        // Each suggestion's top codes removed together, in one more batch.
        let with_top: Vec<usize> = shown.iter().copied().filter(|m| !evidence[m].top.is_empty()).collect();
        let joint: Vec<HistoryInput> = with_top
            .iter()
            .map(|m| req.input.without_all(&evidence[m].top.iter().map(|e| e.code.clone()).collect::<Vec<_>>()))
            .collect();
        let joint_probs = predict_all(bundle, backend, &joint)?;
        for (m, p) in with_top.iter().zip(&joint_probs) {
            let e = evidence.get_mut(m).expect("listed above");
            let drop = p0[*m] - p[*m];
            e.drop = Some(drop);
            e.weak = drop < WEAK_EVIDENCE_SHARE * p0[*m];
        }
    }
    let evidence = |m: usize| evidence.get(&m).cloned().unwrap_or_default();
    let mut r = assemble(p0, &bundle.medications, threshold, evidence, req, opts, kb, model);
    r.unknown_codes = base.unknown;
    r.coverage = coverage;
    r.latency_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok(r)
}

/// The medications shown: those at or above `threshold`, then `top_k_below` more, most
/// probable first.
pub fn shown_order(probs: &[f32], threshold: f32, top_k_below: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    let above = order.iter().take_while(|&&i| probs[i] >= threshold).count();
    order.truncate((above + top_k_below).min(probs.len()));
    order
}

/// The drugs screened: the current medications, then `picks` of each suggestion with
/// status `suggested`, each code once (a pick that is a current medication stays current:
/// continuing it is not a new combination).
fn screened<'a>(
    current: &[Code],
    suggestions: &'a [Suggestion],
    picks: impl Fn(&'a Suggestion) -> Vec<&'a Code>,
) -> Vec<(Code, Role)> {
    let mut drugs: Vec<(Code, Role)> = current.iter().map(|c| (c.clone(), Role::Current)).collect();
    for s in suggestions.iter().filter(|s| s.status == Status::Suggested) {
        for c in picks(s) {
            if !drugs.iter().any(|(d, _)| d == c) {
                drugs.push((c.clone(), Role::Suggested));
            }
        }
    }
    drugs
}

/// Ranks `probs`, marks the threshold, attaches evidence and candidates, screens
/// interactions and applies safe mode: the part of a recommendation shared by the student
/// and the teacher.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    probs: &[f32],
    labels: &[Code],
    threshold: f32,
    evidence: impl Fn(usize) -> SuggestionEvidence,
    req: &Request,
    opts: &RecommendOptions,
    kb: &KnowledgeBase,
    model: ModelRef,
) -> Recommendation {
    let mut suggestions: Vec<Suggestion> = shown_order(probs, threshold, opts.top_k_below)
        .into_iter()
        .map(|m| {
            let e = evidence(m);
            let medication = labels[m].clone();
            let candidates =
                req.candidates.iter().filter(|c| c.class == medication).take(MAX_CANDIDATES).cloned().collect();
            Suggestion {
                medication,
                name: None,
                probability: probs[m],
                status: if probs[m] >= threshold { Status::Suggested } else { Status::BelowThreshold },
                evidence: e.top,
                evidence_groups: e.groups,
                evidence_drop: e.drop,
                evidence_weak: e.weak,
                candidates,
            }
        })
        .collect();
    // Screened once over every choice; the default picks' findings are those whose two
    // drugs are both picked (a finding depends on its pair alone).
    let interactions_any_choice = kb.screen(&screened(&req.current_medications, &suggestions, |s| {
        std::iter::once(&s.medication).chain(s.candidates.iter().map(|c| &c.drug)).collect()
    }));
    let picked: Vec<Code> = screened(&req.current_medications, &suggestions, |s| vec![s.default_pick()])
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let interactions: Vec<Finding> =
        interactions_any_choice.iter().filter(|f| picked.contains(&f.a) && picked.contains(&f.b)).cloned().collect();
    if opts.safe_mode {
        withhold(&mut suggestions, &interactions);
    }
    Recommendation {
        model,
        threshold,
        suggestions,
        current_medications: req.current_medications.clone(),
        interactions,
        interactions_any_choice,
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
/// A finding's codes are the suggestions' default picks ([`Suggestion::default_pick`]).
pub fn withhold(suggestions: &mut [Suggestion], findings: &[Finding]) {
    // Default pick -> (suggested class, probability).
    let owner: HashMap<Code, (Code, f32)> =
        suggestions.iter().map(|s| (s.default_pick().clone(), (s.medication.clone(), s.probability))).collect();
    let prob = |c: &Code| owner.get(c).map_or(0.0, |o| o.1);
    for f in findings.iter().filter(|f| f.severity.is_high() && f.certainty == Certainty::Drug) {
        let victim = match (f.a_role, f.b_role) {
            (Role::Suggested, Role::Suggested) => {
                if prob(&f.a) < prob(&f.b) {
                    &f.a
                } else {
                    &f.b
                }
            }
            (Role::Suggested, _) => &f.a,
            (_, Role::Suggested) => &f.b,
            _ => continue,
        };
        let Some((class, _)) = owner.get(victim) else { continue };
        for s in suggestions.iter_mut().filter(|s| &s.medication == class && s.status == Status::Suggested) {
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
                evidence_groups: vec![],
                evidence_drop: None,
                evidence_weak: false,
                candidates: vec![],
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
            evidence_groups: vec![],
            evidence_drop: None,
            evidence_weak: false,
            candidates: vec![],
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
            kind: leader_core::ddi::FindingKind::Interaction,
            duplicate_class: None,
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
