//! Two measurements of what the prescriber sees, beside the model metrics of
//! [`crate::evaluate`]:
//!
//! - **Alert burden** ([`alert_burden`]): on every stored visit with a previous one, the
//!   interaction alerts a recommendation shows, as screened now (each suggested class as its
//!   first concrete candidate, the class only without one) and as screened before candidates
//!   existed (the classes themselves), with the share of class-level alerts and the curated
//!   high-severity pairs caught: every contraindicated or major pair of the curated list that
//!   the visit's concrete drugs form must be among the alerts.
//! - **Evidence faithfulness** ([`evidence_faithfulness`]): a deletion test. For each
//!   suggestion of the split's visits, removing its top evidence codes together must lower its
//!   probability more than removing as many random input codes of the same visit; the ratio
//!   of the mean drops is reported.

use std::collections::BTreeMap;

use leader_core::ddi::{Certainty, Role};
use leader_core::split::Split;
use leader_core::{Code, CodeSystem};
use leader_infer::Engine;
use leader_infer::recommend::{RecommendOptions, Request, Status};
use leader_store::Store;
use serde::{Deserialize, Serialize};

use crate::recommend::{Lookups, Subject};
use crate::{Result, ServiceError};

/// Alerts of one way of screening.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertCounts {
    pub alerts: usize,
    pub per_visit: f64,
    /// Alerts at class level (one side a class broader than the rule).
    pub class_level: usize,
    pub class_level_share: f64,
    /// Alerts per visit by severity (`contraindicated`, `major`, `moderate`, `unknown`).
    pub per_visit_by_severity: BTreeMap<String, f64>,
    /// Duplicate-therapy findings among the alerts.
    #[serde(default)]
    pub duplicate_therapy: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertBurden {
    pub visits: usize,
    /// Suggestions screened as classes (before concrete candidates).
    pub before: AlertCounts,
    /// Suggestions screened as their first candidate (what the app and the CLI show).
    pub after: AlertCounts,
    /// Suggested classes (status `suggested`) that had at least one candidate.
    pub suggestions: usize,
    pub suggestions_with_candidates: usize,
    /// Curated contraindicated/major pairs formed by the visits' concrete drugs, and how
    /// many of them were shown.
    pub curated_high_pairs: usize,
    pub curated_high_caught: usize,
    /// The visits' actual orders screened with their current medications (review mode):
    /// every loaded source with duplicate therapy, and the same without it.
    #[serde(default)]
    pub orders: AlertCounts,
    #[serde(default)]
    pub orders_without_duplicate_therapy: AlertCounts,
}

fn counts(findings: &[Vec<leader_core::ddi::Finding>]) -> AlertCounts {
    let visits = findings.len().max(1) as f64;
    let all: Vec<&leader_core::ddi::Finding> = findings.iter().flatten().collect();
    let class_level = all.iter().filter(|f| f.certainty == Certainty::Class).count();
    let mut by: BTreeMap<String, f64> = BTreeMap::new();
    for f in &all {
        *by.entry(f.severity.as_str().to_owned()).or_default() += 1.0 / visits;
    }
    AlertCounts {
        alerts: all.len(),
        per_visit: all.len() as f64 / visits,
        class_level,
        class_level_share: if all.is_empty() { 0.0 } else { class_level as f64 / all.len() as f64 },
        per_visit_by_severity: by,
        duplicate_therapy: all.iter().filter(|f| f.kind == leader_core::ddi::FindingKind::DuplicateTherapy).count(),
    }
}

fn same_pair(f: &leader_core::ddi::Finding, x: &Code, y: &Code) -> bool {
    (&f.a == x && &f.b == y) || (&f.a == y && &f.b == x)
}

/// The alert burden over every stored visit that has a previous visit (so current
/// medications), answered by `engine` without evidence.
pub async fn alert_burden(store: &Store, engine: &Engine, lookups: &Lookups) -> Result<AlertBurden> {
    let curated = store.knowledge_base(Some(&["leader-curated".to_owned()])).await?;
    let visits: Vec<(String, String)> = store
        .all_patients()
        .await?
        .into_iter()
        .flat_map(|r| {
            let id = r.patient.id.clone();
            r.visits.into_iter().skip(1).map(move |v| (id.clone(), v.admission_id))
        })
        .collect();
    if visits.is_empty() {
        return Err(ServiceError::NoData(crate::NoData::Evaluate));
    }
    let opts = RecommendOptions { evidence: false, top_k_below: 0, ..RecommendOptions::default() };
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let (mut orders, mut orders_plain) = (Vec::new(), Vec::new());
    let plain = (*lookups.kb).clone().with_duplicate_therapy(false);
    let mut out = AlertBurden { visits: visits.len(), ..AlertBurden::default() };
    for (patient_id, admission_id) in visits {
        let subject = Subject::Patient { patient_id, admission_id: Some(admission_id), extra_current: vec![] };
        let answer = crate::recommend::recommend_with(store, engine, &subject, opts.clone(), lookups).await?;
        let r = &answer.recommendation;
        let suggested: Vec<_> = r.suggestions.iter().filter(|s| s.status == Status::Suggested).collect();
        out.suggestions += suggested.len();
        out.suggestions_with_candidates += suggested.iter().filter(|s| !s.candidates.is_empty()).count();
        // Before: the classes themselves, beside the current medications.
        let mut classes: Vec<(Code, Role)> =
            suggested.iter().map(|s| (s.medication.clone(), Role::Suggested)).collect();
        classes.extend(r.current_medications.iter().map(|c| (c.clone(), Role::Current)));
        before.push(lookups.kb.screen(&classes));
        after.push(r.interactions.clone());
        if let Some(review) = &answer.review {
            orders.push(review.interactions.clone());
            let mut drugs: Vec<(Code, Role)> =
                r.current_medications.iter().map(|c| (c.clone(), Role::Current)).collect();
            for o in &review.orders {
                if !drugs.iter().any(|(d, _)| d == &o.drug) {
                    drugs.push((o.drug.clone(), Role::Checked));
                }
            }
            orders_plain.push(plain.screen(&drugs));
        }
        // Every pair of concrete drugs (ingredients) on screen: current ones and picks.
        let mut concrete: Vec<Code> = r.current_medications.clone();
        concrete.extend(suggested.iter().map(|s| s.default_pick().clone()));
        concrete.retain(|c| c.system() == CodeSystem::Atc && c.atc_level() == Some(5));
        concrete.sort();
        concrete.dedup();
        for i in 0..concrete.len() {
            for j in i + 1..concrete.len() {
                let (x, y) = (&concrete[i], &concrete[j]);
                let pair = [(x.clone(), Role::Checked), (y.clone(), Role::Checked)];
                let high = curated.screen(&pair).iter().any(|f| f.severity.is_high() && f.certainty == Certainty::Drug);
                if high {
                    out.curated_high_pairs += 1;
                    if r.interactions.iter().any(|f| same_pair(f, x, y) && f.severity.is_high()) {
                        out.curated_high_caught += 1;
                    }
                }
            }
        }
    }
    out.before = counts(&before);
    out.after = counts(&after);
    out.orders = counts(&orders);
    out.orders_without_duplicate_therapy = counts(&orders_plain);
    Ok(out)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvidenceFaithfulness {
    pub visits: usize,
    /// Suggestions (status `suggested`) with at least one evidence code.
    pub suggestions: usize,
    /// Mean probability drop when a suggestion's top evidence codes (at most 3) are removed
    /// together.
    pub mean_drop_top: f64,
    /// Mean probability drop when 3 random input codes of the same visit are removed (mean
    /// of `draws` draws per suggestion).
    pub mean_drop_random: f64,
    pub draws: usize,
    /// `mean_drop_top / mean_drop_random`; the goal is at least 3.
    pub ratio: f64,
    /// Share of the suggestions the app marks "evidence weak".
    pub weak_share: f64,
}

/// SplitMix64: a small seeded generator for the random deletions (reproducible per seed).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `k` distinct indices below `n` (all of them when `n <= k`).
    fn choose(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        for i in 0..k.min(n) {
            let j = i + (self.next() % (n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(k.min(n));
        idx
    }
}

/// The deletion test on `split`'s visits (the model's own split by default seed).
pub async fn evidence_faithfulness(
    store: &Store,
    engine: &Engine,
    split: Option<Split>,
    seed: Option<u64>,
    draws: usize,
) -> Result<EvidenceFaithfulness> {
    let manifest = engine.manifest().await?;
    let seed = seed.unwrap_or_else(|| crate::evaluate::model_seed(&manifest));
    let (records, _) = crate::samples::exclude_synthetic_when_mixed(store.all_patients().await?);
    let chosen: Vec<Request> = crate::samples::samples(&records, manifest.input.medication_atc_level, seed, None)
        .into_iter()
        .filter(|s| split.is_none_or(|sp| s.split == sp))
        .map(|s| Request { input: s.input, current_medications: vec![], candidates: vec![] })
        .collect();
    if chosen.is_empty() {
        return Err(ServiceError::NoData(crate::NoData::Evaluate));
    }
    let draws = draws.max(1);
    let visits = chosen.len();
    let sums = engine
        .worker()
        .run(move |b, be| {
            let kb = leader_core::ddi::KnowledgeBase::default();
            let opts = RecommendOptions { top_k_below: 0, evidence: true, evidence_per_drug: 3, safe_mode: false };
            let mut rng = SplitMix(seed ^ 0x5EED);
            let (mut n, mut top, mut random, mut weak) = (0usize, 0.0f64, 0.0f64, 0usize);
            for req in &chosen {
                let rec = leader_infer::recommend::recommend(b, be, req, &opts, &kb)?;
                let codes = req.input.input_codes();
                let scored: Vec<_> = rec
                    .suggestions
                    .iter()
                    .filter(|s| s.status == Status::Suggested && s.evidence_drop.is_some())
                    .collect();
                if scored.is_empty() || codes.is_empty() {
                    continue;
                }
                let removed: Vec<leader_core::encode::HistoryInput> = (0..draws)
                    .map(|_| {
                        let pick: Vec<Code> =
                            rng.choose(codes.len(), 3).into_iter().map(|i| codes[i].clone()).collect();
                        req.input.without_all(&pick)
                    })
                    .collect();
                let base = leader_infer::recommend::predict_all(b, be, std::slice::from_ref(&req.input))?;
                let probs = leader_infer::recommend::predict_all(b, be, &removed)?;
                for s in scored {
                    let Some(m) = b.medications.iter().position(|c| c == &s.medication) else { continue };
                    n += 1;
                    top += f64::from(s.evidence_drop.unwrap_or(0.0));
                    random += probs.iter().map(|p| f64::from(base[0][m] - p[m])).sum::<f64>() / draws as f64;
                    weak += usize::from(s.evidence_weak);
                }
            }
            Ok::<_, leader_infer::InferError>((n, top, random, weak))
        })
        .await??;
    let (n, top, random, weak) = sums;
    let nf = n.max(1) as f64;
    let (mean_drop_top, mean_drop_random) = (top / nf, random / nf);
    Ok(EvidenceFaithfulness {
        visits,
        suggestions: n,
        mean_drop_top,
        mean_drop_random,
        draws,
        ratio: if mean_drop_random > 0.0 { mean_drop_top / mean_drop_random } else { f64::INFINITY },
        weak_share: weak as f64 / nf,
    })
}
