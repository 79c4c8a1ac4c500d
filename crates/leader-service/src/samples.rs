//! Samples: one per (patient, visit) with diagnoses and prescribed medications, built
//! through the one shared encoder input ([`HistoryInput::for_visit`]).

use leader_core::Code;
use leader_core::encode::HistoryInput;
use leader_core::split::{self, Split};
use leader_store::PatientRecord;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub patient_id: String,
    pub admission_id: String,
    /// 0 for the patient's first visit.
    pub visit_index: usize,
    pub input: HistoryInput,
    /// Medications prescribed at the visit, at the vocabulary level.
    pub truth: Vec<Code>,
    pub split: Split,
    /// Fold (0..k) when cross-validation folds were asked for.
    pub fold: Option<usize>,
}

/// The patients a model may learn from or be judged on. Synthetic patients (the demo
/// cohort, Synthea) never mix with real ones: in a store that holds both, the synthetic
/// patients are dropped and their number returned, so the caller can say so. A store of only
/// synthetic patients (the demo store) keeps them all.
pub fn exclude_synthetic_when_mixed(mut records: Vec<PatientRecord>) -> (Vec<PatientRecord>, usize) {
    if records.iter().all(|r| r.patient.synthetic) {
        return (records, 0);
    }
    let before = records.len();
    records.retain(|r| !r.patient.synthetic);
    let excluded = before - records.len();
    (records, excluded)
}

/// Which visits become samples: those with at least one diagnosis and at least one
/// mapped medication (a visit with nothing to predict, or nothing to predict from, teaches
/// nothing). Procedures may be absent: many admissions have none.
pub fn samples(records: &[PatientRecord], atc_level: u8, seed: u64, folds: Option<usize>) -> Vec<Sample> {
    let ids: Vec<&str> = records.iter().map(|r| r.patient.id.as_str()).collect();
    let splits = split::train_val_test(ids.iter().copied(), seed);
    let fold_of = folds.map(|k| split::folds(ids.iter().copied(), seed, k));
    let mut out = Vec::new();
    for r in records {
        for (i, v) in r.visits.iter().enumerate() {
            let truth = v.medications(atc_level);
            if truth.is_empty() || v.diagnoses.is_empty() {
                continue;
            }
            out.push(Sample {
                patient_id: r.patient.id.clone(),
                admission_id: v.admission_id.clone(),
                visit_index: i,
                input: HistoryInput::for_visit(&r.patient, &r.visits, i, atc_level),
                truth,
                split: splits.get(&r.patient.id).copied().unwrap_or(Split::Train),
                fold: fold_of.as_ref().and_then(|f| f.get(&r.patient.id).copied()),
            });
        }
    }
    out
}
