//! Installing, listing and rolling back models, with the install gate: the candidate is
//! copied into the models folder (regular files only) and the copy is checked against its
//! contract and checksums, its vocabulary against the store, and evaluated in Rust on the
//! held-out split next to the active model; a candidate whose PRAUC is more than 0.01 below
//! the active model's is refused unless forced. What is evaluated is the copy that is then
//! installed; an activation that fails after the pointer switch restores the previous model.
//! Every install (with the bundle digest), refusal, failure and rollback is written to the
//! audit log.

use std::path::{Path, PathBuf};

use leader_core::split::Split;
use leader_infer::registry::{ModelRegistry, bundled_default};
use leader_infer::runtime::SessionOptions;
use leader_infer::signing::KeyRing;
use leader_infer::{Bundle, Engine};
use leader_store::Store;
use serde::{Deserialize, Serialize};

use crate::evaluate::{EvalOptions, Evaluation, evaluate, model_seed};
use crate::{FileKind, FileOp, Refusal, Result, Rule, ServiceError};

/// How far below the active model's PRAUC a candidate may be.
pub const PRAUC_TOLERANCE: f64 = 0.01;
/// The least share of the store's codes a candidate must know.
pub const MIN_COVERAGE: f64 = 0.10;
/// How much less of the store's codes than the active model a candidate may know.
pub const COVERAGE_DROP: f64 = 0.20;

/// The models folder of a store: `<store file>.models/` beside the store file (so two stores
/// in one folder never share a model or an active pointer; moving or copying a store with its
/// models folder keeps them together), or `LEADER_MODELS` when set. An explicit folder records
/// the store it belongs to (`store.json`, written on first use) and is refused to another
/// store, so one `LEADER_MODELS` shared by two stores is caught.
pub fn registry_for(db: &Path) -> Result<ModelRegistry> {
    let root = match std::env::var_os("LEADER_MODELS").filter(|v| !v.is_empty()) {
        Some(p) => {
            let root = PathBuf::from(p);
            claim(&root, db)?;
            root
        }
        None => beside_store(db, "models"),
    };
    Ok(ModelRegistry::new(root).with_keys(KeyRing::beside_store(db)))
}

/// `<store file>.<what>` beside the store file: a store's own models folder, refinement work.
pub fn beside_store(db: &Path, what: &str) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "leader.sqlite".into());
    name.push(".");
    name.push(what);
    db.with_file_name(name)
}

/// Records (first use) or checks which store a models folder belongs to.
fn claim(root: &Path, db: &Path) -> Result<()> {
    let owner = std::path::absolute(db).unwrap_or_else(|_| db.to_owned());
    let owner = owner.to_string_lossy().into_owned();
    let file = root.join("store.json");
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            let recorded = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("store").and_then(|s| s.as_str()).map(str::to_owned));
            match recorded {
                Some(r) if r == owner => Ok(()),
                Some(_) => Err(ServiceError::Refused(Refusal::OtherStore)),
                None => Err(ServiceError::Invalid(Rule::UnreadableClaim)),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Written whole to a temporary file, then linked into place: a crash leaves no
            // half-written claim, and of two stores racing for the folder exactly one wins.
            let tmp = root.join(format!(".store.json.{}", std::process::id()));
            let write = || -> std::io::Result<()> {
                leader_store::files::create_private_dir(root)?;
                let _ = std::fs::remove_file(&tmp);
                let mut f = leader_store::files::create_private_file(&tmp)?;
                std::io::Write::write_all(&mut f, serde_json::json!({ "store": owner }).to_string().as_bytes())?;
                f.sync_all()?;
                let linked = std::fs::hard_link(&tmp, &file);
                std::fs::remove_file(&tmp)?;
                linked
            };
            match write() {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => claim(root, db),
                Err(e) => Err(ServiceError::file(FileKind::ModelsClaim, FileOp::Write, &file, &e)),
            }
        }
        Err(e) => Err(ServiceError::file(FileKind::ModelsClaim, FileOp::Read, &file, &e)),
    }
}

/// Which model to use: `arg` (a bundle folder, or the name of an installed one), else the
/// active installed model, else the bundled default.
pub fn resolve(registry: &ModelRegistry, arg: Option<&str>) -> Result<PathBuf> {
    if let Some(a) = arg {
        let p = PathBuf::from(a);
        if p.join("manifest.json").is_file() {
            return Ok(p);
        }
        let installed = registry.installed()?;
        return installed
            .into_iter()
            .find(|d| {
                d.file_name()
                    .is_some_and(|n| n.to_string_lossy() == a || n.to_string_lossy().starts_with(&format!("{a}@")))
            })
            .ok_or_else(|| ServiceError::Invalid(Rule::UnknownModel(a.to_owned())));
    }
    if let Some(dir) = registry.active()? {
        return Ok(dir);
    }
    bundled_default().ok_or(ServiceError::Invalid(Rule::NoModel))
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct GateReport {
    pub candidate: String,
    pub active: Option<String>,
    pub candidate_eval: Option<Evaluation>,
    pub active_eval: Option<Evaluation>,
    /// Share of the store's distinct codes the candidate's vocabularies know.
    pub vocabulary_coverage: f64,
    pub installed: bool,
    pub forced: bool,
    pub reason: String,
    /// The candidate's signature as checked against this store's trusted keys.
    pub signature: String,
    /// Installed although unsigned or signed by an untrusted key (`--allow-unsigned`).
    pub allowed_unsigned: bool,
}

/// Store codes known to the candidate (diagnoses, procedures, medications at its level).
async fn coverage(store: &Store, bundle: &Bundle) -> Result<f64> {
    let records = store.all_patients().await?;
    let level = bundle.manifest.input.medication_atc_level;
    let mut codes: Vec<leader_core::Code> = Vec::new();
    for r in &records {
        for v in &r.visits {
            codes.extend(v.diagnoses.iter().cloned());
            codes.extend(v.procedures.iter().cloned());
            codes.extend(v.medications(level));
        }
    }
    codes.sort();
    codes.dedup();
    let (known, total) = bundle.coverage(&codes);
    Ok(if total == 0 { 1.0 } else { known as f64 / total as f64 })
}

/// Installs `src` through the gate and makes it active.
pub async fn install(
    store: &Store,
    registry: &ModelRegistry,
    src: &Path,
    force: bool,
    allow_unsigned: bool,
    options: SessionOptions,
) -> Result<GateReport> {
    install_with(store, registry, src, force, allow_unsigned, options, &NoServe).await
}

/// The signature check of an install: `None` when it may go on, else the refusal (audited
/// as `kind` with the bundle's digest and signature).
async fn check_signature(
    store: &Store,
    kind: &str,
    staged: &leader_infer::registry::Staged,
    allow_unsigned: bool,
) -> Result<Option<String>> {
    let Some(reason) = staged.signature.refusal(allow_unsigned) else { return Ok(None) };
    let payload = serde_json::json!({
        "candidate": format!("{} {}", staged.model.id, staged.model.version),
        "digest": staged.digest,
        "folder": staged.name,
        "signature": staged.signature,
        "allow_unsigned": allow_unsigned,
        "installed": false,
        "reason": reason,
    });
    audit(store, kind, &payload).await?;
    Ok(Some(reason))
}

/// Installs a teacher bundle (teacher mode): copied and verified like a student, its
/// signature checked against this store's trusted keys (an unsigned or unknown-key teacher
/// only with `allow_unsigned`), audited (`teacher-install`, or `teacher-install-refused`),
/// then moved into place.
pub async fn install_teacher(
    store: &Store,
    registry: &ModelRegistry,
    src: &Path,
    allow_unsigned: bool,
) -> Result<PathBuf> {
    let staged = registry.prepare(src)?;
    if staged.model.kind != leader_infer::bundle::ModelKind::Teacher {
        return Err(ServiceError::Invalid(Rule::NotATeacher));
    }
    if let Some(reason) = check_signature(store, "teacher-install-refused", &staged, allow_unsigned).await? {
        return Err(ServiceError::Refused(Refusal::TeacherSignature(reason)));
    }
    let payload = serde_json::json!({
        "teacher": format!("{} {}", staged.model.id, staged.model.version),
        "digest": staged.digest,
        "signature": staged.signature,
        "allow_unsigned": allow_unsigned && !staged.signature.is_verified(),
    });
    audit(store, "teacher-install", &payload).await?;
    Ok(registry.commit_teacher(staged)?)
}

/// Installs `src` through the gate: copy (regular files only) → verify the copy → load-test
/// and evaluate the copy → audit event → install record, fsync of files and folder → switch
/// the pointer → activate. Only the copy is read after the first step, so what was evaluated
/// is what is installed. `serve` puts the newly active folder into service (the app hot-swaps
/// its engine; the CLI has nothing to do); if the activation fails after the switch, the
/// previous pointer is restored and served again, and the error says so.
pub async fn install_with(
    store: &Store,
    registry: &ModelRegistry,
    src: &Path,
    force: bool,
    allow_unsigned: bool,
    options: SessionOptions,
    serve: &dyn Serve,
) -> Result<GateReport> {
    // Copy and verify the copy; from here on the source is not read again.
    let staged = registry.prepare(src)?;
    // Who made it: nothing unsigned runs without an explicit, audited choice.
    let signature = staged.signature.describe();
    let allowed_unsigned = !staged.signature.is_verified();
    if let Some(reason) = check_signature(store, "model-install-refused", &staged, allow_unsigned).await? {
        return Ok(GateReport {
            candidate: format!("{} {}", staged.model.id, staged.model.version),
            active: None,
            candidate_eval: None,
            active_eval: None,
            vocabulary_coverage: 0.0,
            installed: false,
            forced: force,
            reason,
            signature,
            allowed_unsigned: false,
        });
    }
    // Load-test: the session is created from the copy's verified bytes.
    let engine = Engine::open(staged.dir(), options).await?;
    let candidate = engine.bundle().await?;
    if candidate.digest != staged.digest {
        return Err(ServiceError::Refused(Refusal::StagedChanged));
    }
    let candidate_name = format!("{} {}", candidate.manifest.model.id, candidate.manifest.model.version);
    let cov = coverage(store, &candidate).await?;
    let active_dir = match registry.active()? {
        Some(d) => Some(d),
        None => bundled_default(),
    };
    let mut report = GateReport {
        candidate: candidate_name,
        active: None,
        candidate_eval: None,
        active_eval: None,
        vocabulary_coverage: cov,
        installed: false,
        forced: force,
        reason: String::new(),
        signature,
        allowed_unsigned,
    };
    let audited = |report: &GateReport| {
        let mut v = serde_json::to_value(report).unwrap_or_default();
        v["digest"] = candidate.digest.clone().into();
        v["folder"] = staged.name.clone().into();
        v["signature_status"] = serde_json::to_value(&staged.signature).unwrap_or_default();
        v
    };
    // Vocabulary compatibility: the candidate predicts the store's kind of medication code
    // and knows a fair share of its codes, not much less than the active model does.
    let store_systems = store.medication_systems().await?;
    let cand_systems: Vec<&str> = candidate.medications.iter().map(|c| c.system().as_str()).collect();
    if !store_systems.is_empty() && !cand_systems.iter().any(|s| store_systems.iter().any(|x| x == s)) && !force {
        report.reason = format!(
            "the candidate predicts {} codes but this store's medications are coded as {} (--force overrides)",
            cand_systems.first().copied().unwrap_or("?"),
            store_systems.join(", ")
        );
        audit(store, "model-install-refused", &audited(&report)).await?;
        return Ok(report);
    }
    let active_cov = match &active_dir {
        Some(d) => coverage(store, &Bundle::open(d)?).await?,
        None => 0.0,
    };
    if !store_systems.is_empty() && (cov < MIN_COVERAGE || cov < active_cov - COVERAGE_DROP) && !force {
        report.reason = format!(
            "the candidate knows {:.0}% of this store's codes (the active model {:.0}%; at least {:.0}% and no more than {:.0} points below the active model; --force overrides)",
            100.0 * cov,
            100.0 * active_cov,
            100.0 * MIN_COVERAGE,
            100.0 * COVERAGE_DROP
        );
        audit(store, "model-install-refused", &audited(&report)).await?;
        return Ok(report);
    }
    let opts =
        EvalOptions { split: Some(Split::Test), seed: Some(model_seed(&candidate.manifest)), ..EvalOptions::default() };
    // The candidate is also scored against "repeat the previous visit" on the same visits.
    let cand_opts = EvalOptions { baselines: true, ..opts.clone() };
    let cand_eval = match evaluate(store, &engine, &cand_opts).await {
        Ok(e) => Some(e),
        Err(ServiceError::NoData(_)) => None, // an empty store: nothing to compare on
        Err(e) => return Err(e),
    };
    drop(engine);
    if let Some(dir) = &active_dir {
        let active = Engine::open(dir, options).await?;
        let m = active.manifest().await?;
        report.active = Some(format!("{} {}", m.model.id, m.model.version));
        report.active_eval = match evaluate(store, &active, &opts).await {
            Ok(e) => Some(e),
            Err(ServiceError::NoData(_)) => None,
            Err(e) => return Err(e),
        };
    }
    report.candidate_eval = cand_eval;
    if let (Some(c), Some(a)) = (&report.candidate_eval, &report.active_eval) {
        let (cp, ap) = (c.report.overall.prauc, a.report.overall.prauc);
        if cp < ap - PRAUC_TOLERANCE && !force {
            report.reason = format!(
                "candidate PRAUC {cp:.4} is more than {PRAUC_TOLERANCE} below the active model's {ap:.4} on the held-out split (--force overrides)"
            );
            audit(store, "model-install-refused", &audited(&report)).await?;
            return Ok(report);
        }
    }
    // A model must beat the trivial rule it replaces in practice: repeating the previous
    // visit's medications.
    let baseline = report.candidate_eval.as_ref().and_then(|c| {
        c.report
            .baselines
            .iter()
            .find(|b| b.name == "repeat_previous")
            .map(|b| (c.report.overall.prauc, b.overall.prauc))
    });
    if let Some((cp, bp)) = baseline
        && cp <= bp
        && !force
    {
        report.reason = format!(
            "candidate PRAUC {cp:.4} does not beat repeating the previous visit's medications ({bp:.4}) on the held-out split: {:.4} below it (--force overrides)",
            bp - cp
        );
        audit(store, "model-install-refused", &audited(&report)).await?;
        return Ok(report);
    }
    report.installed = true;
    let versus_baseline =
        baseline.map_or(String::new(), |(cp, bp)| format!("; repeat-previous {bp:.4} ({:+.4})", cp - bp));
    report.reason = match (&report.candidate_eval, &report.active_eval) {
        (Some(c), Some(a)) => format!(
            "installed{}: PRAUC {:.4} vs active {:.4}{versus_baseline}",
            if force { " (forced)" } else { "" },
            c.report.overall.prauc,
            a.report.overall.prauc
        ),
        (Some(c), None) => format!("installed: PRAUC {:.4}{versus_baseline}", c.report.overall.prauc),
        _ => "installed (no held-out visits in this store to compare on)".into(),
    };
    // The decision is on record before anything changes on disk.
    audit(store, "model-install", &audited(&report)).await?;
    let (digest, folder) = (candidate.digest.clone(), staged.name.clone());
    let before = registry.pointer()?;
    let dir = match registry.commit(staged).and_then(|dir| registry.activate(&dir).map(|_| dir)) {
        Ok(dir) => dir,
        Err(e) => {
            // Nothing was switched, or the switch itself failed: the old pointer stands.
            let _ = registry.restore(&before);
            let payload = serde_json::json!({ "folder": folder, "digest": digest, "error": e.to_string() });
            audit(store, "model-install-failed", &payload).await?;
            return Err(e.into());
        }
    };
    if let Err(e) = activate(store, registry, &dir, &digest, serve).await {
        // Activation failed after the switch: the previous model is restored and served.
        registry.restore(&before)?;
        let restored = match resolve(registry, None) {
            Ok(prev) => activate(store, registry, &prev, "", serve).await.map(|()| prev),
            Err(e) => Err(e),
        };
        let payload = serde_json::json!({
            "folder": folder,
            "digest": digest,
            "error": e.to_string(),
            "restored": restored.as_ref().map(|p| p.display().to_string()).map_err(ToString::to_string),
        });
        audit(store, "model-install-reverted", &payload).await?;
        return Err(ServiceError::Refused(Refusal::Activation {
            cause: Box::new(e),
            restore_failed: restored.err().map(Box::new),
        }));
    }
    Ok(report)
}

/// Puts the active folder `dir` into service: it must be what the pointer resolves to, still
/// verify against its install record (with the `digest` installed, when given), be recorded in
/// the store, and be served.
async fn activate(store: &Store, registry: &ModelRegistry, dir: &Path, digest: &str, serve: &dyn Serve) -> Result<()> {
    if resolve(registry, None)? != dir {
        return Err(ServiceError::Refused(Refusal::PointerMismatch));
    }
    let bundle = Bundle::open(dir)?;
    if !digest.is_empty() && bundle.digest != digest {
        return Err(ServiceError::Refused(Refusal::NotEvaluated));
    }
    record_bundle(store, dir, &bundle).await?;
    serve.serve(dir).await
}

/// A future that may cross threads (Tauri commands and `leader serve` need `Send`).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What puts a newly active model into service: the app hot-swaps its engine; the CLI has
/// nothing to do ([`NoServe`]); a plain function works too (tests inject failures with one).
pub trait Serve: Sync {
    fn serve<'a>(&'a self, dir: &'a Path) -> BoxFuture<'a, Result<()>>;
}

/// Nothing to put into service (the CLI loads the active model per command).
#[derive(Debug, Clone, Copy)]
pub struct NoServe;

impl Serve for NoServe {
    fn serve<'a>(&'a self, _: &'a Path) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

impl<F: Fn(&Path) -> Result<()> + Sync> Serve for F {
    fn serve<'a>(&'a self, dir: &'a Path) -> BoxFuture<'a, Result<()>> {
        let result = self(dir);
        Box::pin(async move { result })
    }
}

async fn audit<T: Serialize>(store: &Store, kind: &str, payload: &T) -> Result<()> {
    store
        .append_audit(&leader_store::actor::current_actor(), kind, &serde_json::to_value(payload).unwrap_or_default())
        .await?;
    Ok(())
}

/// Mirrors the active model into the store's registry table.
async fn record(store: &Store, dir: &Path) -> Result<()> {
    record_bundle(store, dir, &Bundle::open(dir)?).await
}

/// Mirrors the active model into the store's registry table, with its bundle digest.
async fn record_bundle(store: &Store, dir: &Path, bundle: &Bundle) -> Result<()> {
    let manifest = serde_json::to_string(&bundle.manifest).unwrap_or_default();
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    store
        .record_active_model(
            &name,
            &bundle.manifest.model.version,
            &dir.display().to_string(),
            &bundle.digest,
            &manifest,
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelEntry {
    pub name: String,
    pub id: String,
    pub version: String,
    pub kind: String,
    pub active: bool,
    pub previous: bool,
    pub bundled: bool,
    pub path: String,
    pub metrics: serde_json::Value,
}

pub fn list(registry: &ModelRegistry) -> Result<Vec<ModelEntry>> {
    let pointer = registry.pointer()?;
    let mut out = Vec::new();
    let bundled = bundled_default();
    let mut dirs = registry.installed()?;
    if let Some(b) = &bundled {
        dirs.push(b.clone());
    }
    for d in dirs {
        let Ok(b) = Bundle::open(&d) else { continue };
        let name = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let is_bundled = bundled.as_ref() == Some(&d);
        out.push(ModelEntry {
            active: if is_bundled {
                pointer.active.is_none()
            } else {
                pointer.active.as_deref() == Some(name.as_str())
            },
            previous: pointer.previous.as_deref() == Some(name.as_str()),
            bundled: is_bundled,
            id: b.manifest.model.id.clone(),
            version: b.manifest.model.version.clone(),
            kind: format!("{:?}", b.manifest.model.kind).to_lowercase(),
            path: d.display().to_string(),
            metrics: b.manifest.metrics.clone(),
            name,
        });
    }
    Ok(out)
}

/// Rolls back to the previous model and records it.
pub async fn rollback(store: &Store, registry: &ModelRegistry) -> Result<leader_infer::registry::Pointer> {
    let p = registry.rollback()?;
    match &p.active {
        Some(a) => record(store, &registry.root().join(a)).await?,
        None => {
            if let Some(b) = bundled_default() {
                record(store, &b).await?;
            }
        }
    }
    audit(store, "model-rollback", &p).await?;
    Ok(p)
}
