//! `leader refine`: the teacher-refinement pipeline on this store, offline.
//!
//! export-dataset (Rust) → teacher → student → export (Python, `pipeline/`) → evaluation
//! in Rust (ONNX Runtime) → install gate. Each stage records the hash of its inputs in
//! `<work>/<stage>/stage.json`; a stage whose inputs are unchanged and whose outputs exist
//! is skipped, so an interrupted refinement resumes where it stopped. Python reports
//! progress as JSON lines on stdout; its other output goes to `<work>/<stage>.log`. The
//! stages run as `tokio::process` children whose lines are read asynchronously, so a
//! refinement never blocks an async thread.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use leader_infer::runtime::{Device, SessionOptions};
use leader_infer::{Bundle, Engine};
use leader_store::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::evaluate::{EvalOptions, Evaluation, evaluate, model_seed};
use crate::export::{ExportOptions, export_dataset};
use crate::models::{GateReport, install, install_teacher};
use crate::refine_env::PythonEnv;
use crate::{FileKind, FileOp, Result, ServiceError};

/// Receives progress: a stage starts (with its total when known), advances, ends.
pub trait RefineProgress: Send + Sync {
    fn stage(&self, name: &str, total: Option<u64>);
    fn update(&self, done: u64, total: u64, note: &str);
    fn skipped(&self, name: &str);
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefineOptions {
    /// Working folder (dataset, teacher, student, candidate bundle).
    pub work: PathBuf,
    /// A local Hugging Face model directory for the teacher (default: all-MiniLM-L6-v2).
    pub teacher: Option<PathBuf>,
    pub device: Device,
    /// Few steps and short prompts (CI, smoke tests).
    pub tiny: bool,
    pub seed: u64,
    /// Distillation weight.
    pub alpha: f64,
    /// Install even if the gate refuses.
    pub force: bool,
    /// Stop before installing (the app asks the user first).
    pub install: bool,
    /// Keep the exported dataset (patient ids, prompts) in the working folder after the run;
    /// by default it is deleted when the run ends, whatever the outcome.
    pub keep_work: bool,
}

/// Deletes the exported dataset when dropped (the run ended, however), unless kept.
struct ScrubDataset {
    work: PathBuf,
    keep: bool,
}

impl Drop for ScrubDataset {
    fn drop(&mut self) {
        if !self.keep {
            for d in ["dataset", "dataset.new"] {
                let _ = std::fs::remove_dir_all(self.work.join(d));
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct RefineReport {
    pub candidate: PathBuf,
    pub skipped_stages: Vec<String>,
    pub candidate_eval: Option<Evaluation>,
    pub active_eval: Option<Evaluation>,
    pub gate: Option<GateReport>,
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    format!("{:x}", h.finalize())
}

fn stage_key(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("stage.json")).ok()?;
    serde_json::from_str::<serde_json::Value>(&text).ok()?.get("key")?.as_str().map(str::to_owned)
}

fn mark(dir: &Path, key: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| ServiceError::file(FileKind::RefineWork, FileOp::Create, dir, &e))?;
    std::fs::write(dir.join("stage.json"), serde_json::json!({ "key": key }).to_string())
        .map_err(|e| ServiceError::file(FileKind::RefineWork, FileOp::Write, dir, &e))
}

/// Runs one Python stage, forwarding its progress lines.
async fn run_python(
    env: &PythonEnv,
    work: &Path,
    stage: &str,
    args: &[String],
    progress: &dyn RefineProgress,
) -> Result<()> {
    let (py, root) = (&env.python, &env.pipeline);
    let log_path = work.join(format!("{stage}.log"));
    let log = std::fs::File::create(&log_path)
        .map_err(|e| ServiceError::file(FileKind::StageLog, FileOp::Write, &log_path, &e))?;
    let mut child = Command::new(py)
        .arg("-m")
        .arg("leader_pipeline")
        .args(args)
        .current_dir(root)
        // The app's pipeline source may be read-only (an installed package).
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("TRANSFORMERS_OFFLINE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| ServiceError::file(FileKind::Python, FileOp::Start, py, &e))?;
    if let Some(out) = child.stdout.take() {
        let mut lines = BufReader::new(out).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                let done = v.get("done").and_then(serde_json::Value::as_u64).unwrap_or(0);
                let total = v.get("total").and_then(serde_json::Value::as_u64).unwrap_or(0);
                let note = v.get("stage").and_then(serde_json::Value::as_str).unwrap_or("");
                progress.update(done, total, note);
            }
        }
    }
    let status = child.wait().await.map_err(|e| {
        tracing::warn!(stage, error = %e, "a refine stage did not finish");
        ServiceError::RefineStage { stage: stage.to_owned(), status: "did not finish".into() }
    })?;
    if !status.success() {
        let tail: Vec<String> =
            std::fs::read_to_string(&log_path).unwrap_or_default().lines().rev().take(5).map(str::to_owned).collect();
        let last = tail.into_iter().rev().collect::<Vec<_>>().join(" | ");
        // The log's tail is the pipeline's own output (tracebacks, file names): it goes to
        // the log, never into the message.
        tracing::warn!(stage, %status, log = %log_path.display(), tail = %last, "a refine stage failed");
        return Err(ServiceError::RefineStage { stage: stage.to_owned(), status: status.to_string() });
    }
    Ok(())
}

pub async fn refine(
    store: &Store,
    registry: &leader_infer::registry::ModelRegistry,
    opts: &RefineOptions,
    progress: &dyn RefineProgress,
) -> Result<RefineReport> {
    // The Python stages run in the pipeline's folder: every path handed to them is absolute.
    let work = &std::path::absolute(&opts.work)
        .map_err(|e| ServiceError::file(FileKind::RefineWork, FileOp::Resolve, &opts.work, &e))?;
    // The Python environment is checked before anything is written: a checkout's, the one
    // installed from a refine kit into the user's data folder, or one beside the app.
    let env = &crate::refine_env::locate(Some(&crate::refine_env::folder()))?;
    // Owner-only: the working folder holds the exported dataset (patient ids, prompts) while
    // the run lasts.
    leader_store::files::create_private_dir(work)
        .map_err(|e| ServiceError::file(FileKind::RefineWork, FileOp::Create, work, &e))?;
    let _ = leader_store::files::tighten(work, leader_store::files::DIR_MODE);
    let _scrub = ScrubDataset { work: work.clone(), keep: opts.keep_work };
    let mut skipped = Vec::new();

    // 1. Dataset (Rust). Its key is the content of what it wrote (file hashes + options).
    progress.stage("export dataset", None);
    let dataset = work.join("dataset");
    let mut export_opts = ExportOptions { seed: opts.seed, ..ExportOptions::default() };
    if opts.tiny {
        export_opts.prompt.max_codes = 4;
        export_opts.prompt.max_previous = 1;
    }
    let fresh = work.join("dataset.new");
    let m = export_dataset(store, &fresh, &export_opts).await?;
    let dataset_key = digest(&[
        &serde_json::to_string(&m.files).unwrap_or_default(),
        &serde_json::to_string(&m.options).unwrap_or_default(),
    ]);
    if stage_key(&dataset).as_deref() == Some(dataset_key.as_str()) {
        let _ = std::fs::remove_dir_all(&fresh);
        skipped.push("export dataset".to_owned());
        progress.skipped("export dataset");
    } else {
        let _ = std::fs::remove_dir_all(&dataset);
        std::fs::rename(&fresh, &dataset)
            .map_err(|e| ServiceError::file(FileKind::Dataset, FileOp::Move, &dataset, &e))?;
        mark(&dataset, &dataset_key)?;
    }
    let ds = dataset.display().to_string();
    let device = match opts.device {
        Device::Cpu => "cpu",
        Device::Cuda => "cuda",
    };

    // 2. Teacher.
    let teacher_dir = work.join("teacher");
    let mut targs = vec![
        "teacher".into(),
        "--dataset".into(),
        ds.clone(),
        "--out".into(),
        teacher_dir.display().to_string(),
        "--device".into(),
        device.into(),
        "--seed".into(),
        opts.seed.to_string(),
    ];
    if let Some(t) = &opts.teacher {
        targs.extend(["--model".into(), t.display().to_string()]);
    }
    if opts.tiny {
        targs.extend(["--teacher-epochs", "1", "--max-len", "64", "--teacher-batch", "8"].map(String::from));
    }
    let teacher_key = digest(&[&dataset_key, &targs[5..].join(" ")]);
    run_stage(env, work, "teacher", &teacher_dir, &teacher_key, &targs, "hidden.npy", progress, &mut skipped).await?;

    // 3. Student.
    let student_dir = work.join("student");
    let mut sargs = vec![
        "student".into(),
        "--dataset".into(),
        ds.clone(),
        "--teacher".into(),
        teacher_dir.display().to_string(),
        "--out".into(),
        student_dir.display().to_string(),
        "--alpha".into(),
        opts.alpha.to_string(),
        "--seed".into(),
        opts.seed.to_string(),
        // The recipe (pipeline/README.md), named here so a cached student of another recipe is not reused.
        "--transition".into(),
        "learned".into(),
    ];
    if opts.tiny {
        sargs.extend(["--student-epochs", "3"].map(String::from));
    }
    let student_key = digest(&[&teacher_key, &sargs[7..].join(" ")]);
    run_stage(env, work, "student", &student_dir, &student_key, &sargs, "student.pt", progress, &mut skipped).await?;

    // 4. Export + parity (Python), then the bundle is verified by Rust below.
    let candidate = work.join("candidate");
    let version = leader_store::now_utc().replace([' ', ':'], "").replace('-', "");
    let eargs: Vec<String> = vec![
        "export".into(),
        "--dataset".into(),
        ds,
        "--student".into(),
        student_dir.display().to_string(),
        "--teacher".into(),
        teacher_dir.display().to_string(),
        "--out".into(),
        candidate.display().to_string(),
        "--id".into(),
        "leader-student-refined".into(),
        "--version".into(),
        version,
        "--data-licence".into(),
        "the hospital's own records (stay on site)".into(),
    ];
    let export_key = digest(&[&student_key, "export"]);
    run_stage(env, work, "export", &candidate, &export_key, &eargs, "model.onnx", progress, &mut skipped).await?;
    // The teacher as an ONNX bundle too, for teacher mode.
    let teacher_bundle = work.join("teacher-bundle");
    let xargs: Vec<String> = vec![
        "export-teacher".into(),
        "--dataset".into(),
        dataset.display().to_string(),
        "--teacher".into(),
        teacher_dir.display().to_string(),
        "--out".into(),
        teacher_bundle.display().to_string(),
        "--version".into(),
        leader_store::now_utc().replace([' ', ':', '-'], ""),
    ];
    let teacher_export_key = digest(&[&teacher_key, "export-teacher"]);
    run_stage(
        env,
        work,
        "export teacher",
        &teacher_bundle,
        &teacher_export_key,
        &xargs,
        "model.onnx",
        progress,
        &mut skipped,
    )
    .await?;

    // The store signs what it made (its key, created on first use beside the store), so its
    // own candidates install without --allow-unsigned; the signature covers the digest.
    if let Some(keys) = registry.keys() {
        let key = keys.store_key()?;
        leader_infer::signing::sign_bundle(&candidate, &key)?;
        leader_infer::signing::sign_bundle(&teacher_bundle, &key)?;
    }

    // 5. Evaluation in Rust, candidate and active model side by side.
    progress.stage("evaluate", Some(2));
    let session = SessionOptions { device: opts.device, threads: 1 };
    let bundle = Bundle::open(&candidate)?;
    let eval_opts = EvalOptions { seed: Some(model_seed(&bundle.manifest)), ..EvalOptions::default() };
    let cand = Engine::open(&candidate, session).await?;
    // The candidate beside the trivial rules on the same visits (printed, and what the gate
    // checks).
    let candidate_eval = evaluate(store, &cand, &EvalOptions { baselines: true, ..eval_opts.clone() }).await.ok();
    progress.update(1, 2, "candidate");
    let active_dir = registry.active()?.or_else(leader_infer::registry::bundled_default);
    let active_eval = match &active_dir {
        Some(d) => {
            let e = Engine::open(d, session).await?;
            evaluate(store, &e, &eval_opts).await.ok()
        }
        None => None,
    };
    progress.update(2, 2, "active");

    // 6. Install gate.
    let gate = if opts.install {
        progress.stage("install", None);
        let g = install(store, registry, &candidate, opts.force, false, session).await?;
        if g.installed {
            install_teacher(store, registry, &teacher_bundle, false).await?;
        }
        Some(g)
    } else {
        None
    };
    Ok(RefineReport { candidate, skipped_stages: skipped, candidate_eval, active_eval, gate })
}

#[allow(clippy::too_many_arguments)]
async fn run_stage(
    env: &PythonEnv,
    work: &Path,
    name: &str,
    dir: &Path,
    key: &str,
    args: &[String],
    output: &str,
    progress: &dyn RefineProgress,
    skipped: &mut Vec<String>,
) -> Result<()> {
    if stage_key(dir).as_deref() == Some(key) && dir.join(output).exists() {
        skipped.push(name.to_owned());
        progress.skipped(name);
        return Ok(());
    }
    progress.stage(name, None);
    run_python(env, work, name, args, progress).await?;
    mark(dir, key)
}
