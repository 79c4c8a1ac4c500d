//! `leader evaluate`: a model on the store's held-out visits.

use leader_core::split::Split;
use leader_infer::Engine;
use leader_infer::evaluate::{Adjacency, BaselineVisit, EvalReport, EvalSample, baselines};
use leader_store::Store;
use serde::{Deserialize, Serialize};

use crate::samples::{exclude_synthetic_when_mixed, samples};
use crate::{NoData, Result, ServiceError};

/// The default source of the DDI-rate adjacency (`leader import ddi ... --source twosides`).
pub const ADJACENCY_SOURCE: &str = "twosides";
/// The split seed used when a model's manifest names none.
pub const DEFAULT_SEED: u64 = 42;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalOptions {
    /// `None`: every sample.
    pub split: Option<Split>,
    /// `None`: the model's own split seed (manifest `provenance.split_seed`), else 42.
    pub seed: Option<u64>,
    pub adjacency_source: String,
    pub safe_mode: bool,
    /// Also score the trivial baselines (repeat the previous visit, most frequent) on the
    /// same visits, with frequencies from the training split.
    pub baselines: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            split: Some(Split::Test),
            seed: None,
            adjacency_source: ADJACENCY_SOURCE.into(),
            safe_mode: true,
            baselines: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Evaluation {
    pub split: Option<Split>,
    pub seed: u64,
    pub samples: usize,
    pub adjacency_source: String,
    pub adjacency_pairs: usize,
    /// Synthetic patients left out because the store also holds real ones (never mixed).
    #[serde(default)]
    pub excluded_synthetic_patients: usize,
    pub report: EvalReport,
}

/// The split seed a model was trained with.
pub fn model_seed(manifest: &leader_infer::Manifest) -> u64 {
    manifest.provenance.get("split_seed").and_then(serde_json::Value::as_u64).unwrap_or(DEFAULT_SEED)
}

pub async fn evaluate(store: &Store, engine: &Engine, opts: &EvalOptions) -> Result<Evaluation> {
    let manifest = engine.manifest().await?;
    let seed = opts.seed.unwrap_or_else(|| model_seed(&manifest));
    let (records, excluded_synthetic_patients) = exclude_synthetic_when_mixed(store.all_patients().await?);
    let all = samples(&records, manifest.input.medication_atc_level, seed, None);
    let baseline_visits: Vec<BaselineVisit> = all
        .iter()
        .filter(|s| opts.split.is_none_or(|sp| s.split == sp))
        .map(|s| BaselineVisit {
            truth: s.truth.clone(),
            // The patient's previous sample visit, as the pipeline's baseline takes it.
            previous: all
                .iter()
                .filter(|t| t.patient_id == s.patient_id && t.visit_index < s.visit_index)
                .max_by_key(|t| t.visit_index)
                .map(|t| t.truth.clone()),
            with_history: !s.input.previous.is_empty(),
        })
        .collect();
    let train_truths: Vec<Vec<leader_core::Code>> =
        all.iter().filter(|s| s.split == Split::Train).map(|s| s.truth.clone()).collect();
    let chosen: Vec<EvalSample> = all
        .into_iter()
        .filter(|s| opts.split.is_none_or(|sp| s.split == sp))
        .map(|s| EvalSample { input: s.input, truth: s.truth })
        .collect();
    if chosen.is_empty() {
        return Err(ServiceError::NoData(NoData::Evaluate));
    }
    let adjacency = Adjacency::new(store.ddi_source_pairs(&opts.adjacency_source).await?);
    let kb =
        if opts.safe_mode { Some(store.knowledge_base(Some(&["leader-curated".to_owned()])).await?) } else { None };
    let n = chosen.len();
    let adj_len = adjacency.len();
    let with_baselines = opts.baselines;
    let report = engine
        .worker()
        .run(move |b, be| {
            let mut report = leader_infer::evaluate::evaluate(b, be, &chosen, &adjacency, kb.as_ref())?;
            if with_baselines {
                report.baselines = baselines(&b.medications, &train_truths, &baseline_visits, &adjacency);
            }
            Ok::<_, leader_infer::InferError>(report)
        })
        .await??;
    Ok(Evaluation {
        split: opts.split,
        seed,
        samples: n,
        adjacency_source: opts.adjacency_source.clone(),
        adjacency_pairs: adj_len,
        excluded_synthetic_patients,
        report,
    })
}
