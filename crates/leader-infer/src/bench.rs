//! Inference benchmarks (`leader bench infer`): session load, encoding, batch-1 latency
//! (1 thread), batched throughput (2 lanes: two single-threaded sessions, each encoding
//! and running half the batch), occlusion evidence, and the model's FLOPs
//! per visit against this machine's floating-point limit. Figures are medians and
//! percentiles of repeated measurements; nothing here is a pass/fail test.

use std::path::Path;
use std::time::Instant;

use leader_core::ddi::KnowledgeBase;
use leader_core::encode::{EncodedBatch, HistoryInput};
use serde::{Deserialize, Serialize};

use crate::backend::{Backend, OrtBackend};
use crate::bundle::Bundle;
use crate::error::{InferError, Result};
use crate::recommend::{RecommendOptions, Request, recommend};
use crate::runtime::{Device, SessionOptions, environment_for};
use crate::teacher::{TeacherBackend, TeacherBundle};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Throughput {
    pub batch: usize,
    pub threads: usize,
    /// Visits per second, encoding included (median of the runs).
    pub visits_per_s: f64,
    pub median_batch_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchReport {
    pub model: String,
    /// Where the sessions ran (CPU, or CUDA: then one session, batches not split in lanes).
    pub device: Device,
    pub samples: usize,
    pub session_load_ms_median: f64,
    pub encode_us_median: f64,
    /// Encode + run of one visit, one intra-op thread.
    pub batch1_us_p50: f64,
    pub batch1_us_p99: f64,
    pub throughput: Vec<Throughput>,
    /// One full recommendation with occlusion evidence vs without (median ms).
    pub recommend_with_evidence_ms: f64,
    pub recommend_without_evidence_ms: f64,
    pub flops_per_visit: Option<f64>,
    /// Estimated fp32 peak of this machine (cores × GHz × 32 FLOP/cycle for AVX2 FMA).
    pub machine_peak_gflops: f64,
    /// Best measured time per visit / (FLOPs per visit / peak): how far from the FLOP limit.
    pub ratio_to_flop_limit: Option<f64>,
    /// Resident memory added by loading the model and its session (MB; Linux).
    #[serde(default)]
    pub load_rss_mb: Option<f64>,
}

/// The teacher timed on the same visits (`leader bench infer --teacher`): what LEADER's
/// student saves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeacherBenchReport {
    pub model: String,
    pub device: Device,
    pub samples: usize,
    pub session_load_ms_median: f64,
    /// Tokenize + run of one prompt (one visit).
    pub batch1_ms_p50: f64,
    pub batch1_ms_p99: f64,
    pub throughput: Vec<Throughput>,
    /// Resident memory added by loading the model and its session (MB; Linux).
    pub load_rss_mb: Option<f64>,
}

/// This process's resident memory (MB), from /proc/self/status.
pub fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Times the teacher in `dir` on `prompts` (rendered for the same visits the student is timed
/// on): session load, batch-1 latency (`iterations` prompts), and batched throughput. Like the
/// student's, timed on the backend itself ([`Backend::predict_prompts`]), without the worker.
pub fn run_teacher(dir: &Path, prompts: &[String], iterations: usize, device: Device) -> Result<TeacherBenchReport> {
    if prompts.is_empty() {
        return Err(InferError::Inference("no prompts to benchmark with".into()));
    }
    let env = environment_for(device)?;
    let opts = SessionOptions { threads: 1, device };
    let before = rss_mb();
    let bundle = TeacherBundle::open(dir)?;
    let mut teacher = TeacherBackend::start(&env, &bundle, opts)?;
    let load_rss_mb = before.zip(rss_mb()).map(|(b, a)| (a - b).max(0.0));
    let mut loads = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        drop(TeacherBackend::start(&env, &TeacherBundle::open(dir)?, opts)?);
        loads.push(t.elapsed().as_secs_f64() * 1e3);
    }
    for p in prompts.iter().take(3) {
        teacher.predict_prompts(std::slice::from_ref(p))?;
    }
    let mut lat = Vec::new();
    for p in prompts.iter().cycle().take(iterations.max(1)) {
        let t = Instant::now();
        std::hint::black_box(teacher.predict_prompts(std::slice::from_ref(p))?);
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(f64::total_cmp);
    let mut batched = TeacherBackend::start(&env, &bundle, SessionOptions { threads: 2, device })?;
    let mut throughput = Vec::new();
    for batch in [16usize, 64] {
        let chunk: Vec<String> = prompts.iter().cycle().take(batch).cloned().collect();
        let mut times = Vec::new();
        let start = Instant::now();
        while times.len() < 3 || start.elapsed().as_secs_f64() < 2.0 {
            let t = Instant::now();
            std::hint::black_box(batched.predict_prompts(&chunk)?);
            times.push(t.elapsed().as_secs_f64());
        }
        let m = median(times);
        throughput.push(Throughput { batch, threads: 2, visits_per_s: batch as f64 / m, median_batch_ms: m * 1e3 });
    }
    Ok(TeacherBenchReport {
        model: bundle.describe(),
        device,
        samples: prompts.len(),
        session_load_ms_median: median(loads),
        batch1_ms_p50: percentile(&lat, 0.5),
        batch1_ms_p99: percentile(&lat, 0.99),
        throughput,
        load_rss_mb,
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    percentile(&v, 0.5)
}

/// cores × max MHz × 32 FLOP/cycle, from /proc/cpuinfo (a rough, documented upper bound).
pub fn machine_peak_gflops() -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
    let mhz = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("cpu MHz")).and_then(|l| l.split(':').nth(1)?.trim().parse::<f64>().ok())
        })
        .unwrap_or(2500.0);
    cores * mhz / 1000.0 * 32.0
}

pub fn run(dir: &Path, inputs: &[HistoryInput], iterations: usize, device: Device) -> Result<BenchReport> {
    if inputs.is_empty() {
        return Err(InferError::Inference("no inputs to benchmark with".into()));
    }
    let env = environment_for(device)?;
    let bundle = Bundle::open(dir)?;
    let one = SessionOptions { threads: 1, device };
    let two = SessionOptions { threads: 2, device };

    let before = rss_mb();
    let kept = OrtBackend::start(&env, &bundle, one)?;
    let load_rss_mb = before.zip(rss_mb()).map(|(b, a)| (a - b).max(0.0));
    drop(kept);
    let mut loads = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let b = Bundle::open(dir)?;
        drop(OrtBackend::start(&env, &b, one)?);
        loads.push(t.elapsed().as_secs_f64() * 1e3);
    }

    let mut enc = Vec::new();
    for i in inputs.iter().cycle().take(inputs.len().max(1000)) {
        let t = Instant::now();
        std::hint::black_box(bundle.encoder.encode(i));
        enc.push(t.elapsed().as_secs_f64() * 1e6);
    }

    let mut backend = OrtBackend::start(&env, &bundle, one)?;
    for i in inputs.iter().take(50) {
        backend.predict(&EncodedBatch::from_samples(&[bundle.encoder.encode(i)]))?;
    }
    let mut lat = Vec::with_capacity(iterations);
    for i in inputs.iter().cycle().take(iterations.max(1)) {
        let t = Instant::now();
        let s = bundle.encoder.encode(i);
        std::hint::black_box(backend.predict(&EncodedBatch::from_samples(&[s]))?);
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    lat.sort_by(f64::total_cmp);

    let mut throughput = Vec::new();
    let mut backend2 = OrtBackend::start(&env, &bundle, two)?;
    for batch in [64usize, 256] {
        let chunk: Vec<HistoryInput> = inputs.iter().cycle().take(batch).cloned().collect();
        let mut times = Vec::new();
        // At least a second of batches: this machine's timings drift with its neighbours.
        let start = Instant::now();
        while times.len() < 20 || start.elapsed().as_secs_f64() < 1.0 {
            let t = Instant::now();
            std::hint::black_box(backend2.predict_inputs(&bundle.encoder, &chunk)?);
            times.push(t.elapsed().as_secs_f64());
        }
        let m = median(times);
        throughput.push(Throughput { batch, threads: 2, visits_per_s: batch as f64 / m, median_batch_ms: m * 1e3 });
    }

    let kb = KnowledgeBase::default();
    let mut with = Vec::new();
    let mut without = Vec::new();
    for i in inputs.iter().cycle().take(inputs.len().clamp(20, 200)) {
        let req = Request { input: i.clone(), current_medications: vec![], candidates: vec![] };
        let t = Instant::now();
        recommend(&bundle, &mut backend, &req, &RecommendOptions::default(), &kb)?;
        with.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        recommend(&bundle, &mut backend, &req, &RecommendOptions { evidence: false, ..Default::default() }, &kb)?;
        without.push(t.elapsed().as_secs_f64() * 1e3);
    }

    let peak = machine_peak_gflops();
    let best_s_per_visit = throughput.iter().map(|t| 1.0 / t.visits_per_s).fold(f64::INFINITY, f64::min);
    let flops = bundle.manifest.flops_per_visit;
    Ok(BenchReport {
        model: format!("{} {}", bundle.manifest.model.id, bundle.manifest.model.version),
        device,
        samples: inputs.len(),
        session_load_ms_median: median(loads),
        encode_us_median: median(enc),
        batch1_us_p50: percentile(&lat, 0.5),
        batch1_us_p99: percentile(&lat, 0.99),
        throughput,
        recommend_with_evidence_ms: median(with),
        recommend_without_evidence_ms: median(without),
        flops_per_visit: flops,
        machine_peak_gflops: peak,
        ratio_to_flop_limit: flops.map(|f| best_s_per_visit / (f / (peak * 1e9))),
        load_rss_mb,
    })
}
