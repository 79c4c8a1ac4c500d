//! Finding and loading ONNX Runtime, and the execution providers.
//!
//! The library is loaded at run time (`load-dynamic`) from explicit places only, in order:
//! `LEADER_ORT_LIB`, `ORT_DYLIB_PATH`, the folders the embedding application registered (the
//! desktop app's resource folder), and next to the executable (and `../lib`,
//! `../lib/leader-rx`). Nothing is searched for above the working directory or the
//! executable: a library lying in some parent folder is never loaded. In a checkout,
//! `scripts/env.sh` points `LEADER_ORT_LIB` at `.runtime/onnxruntime/` (where
//! `scripts/bootstrap.sh ort` puts the library of the pinned PyPI wheel).
//!
//! `--device cuda` needs the GPU build instead (`scripts/bootstrap.sh ort-cuda`: the pinned
//! onnxruntime-gpu wheel's library in `.runtime/onnxruntime-cuda/`, `LEADER_ORT_CUDA_LIB` in
//! `scripts/env.sh`, with the CUDA 13 and
//! cuDNN 9 libraries of NVIDIA's PyPI wheels under its `nvidia/` folder, preloaded right after
//! the library). A process loads one ONNX Runtime library, ever: the first session decides.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{InferError, Result};

const LIB: &str = "libonnxruntime.so";
const GPU_DIR: &str = "onnxruntime-cuda";

/// Where a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    Cpu,
    Cuda,
}

impl std::str::FromStr for Device {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda),
            other => Err(format!("unknown device `{other}` (expected cpu or cuda)")),
        }
    }
}

/// Session settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionOptions {
    pub device: Device,
    /// CPU: lanes, i.e. single-threaded sessions that share a batch (see
    /// [`crate::OrtBackend`]); CUDA: the session's intra-op threads.
    pub threads: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions { device: Device::Cpu, threads: 1 }
    }
}

/// Folders an embedding application adds to the search (e.g. the desktop app's resource
/// folder in an installed package), searched after the executable's own folder.
static EXTRA_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Adds a folder where `libonnxruntime.so` may be found.
pub fn add_search_dir(dir: PathBuf) {
    if let Ok(mut v) = EXTRA_DIRS.lock() {
        v.push(dir);
    }
}

/// The candidate library paths, in lookup order (only the variable's path when
/// `LEADER_ORT_LIB` or `ORT_DYLIB_PATH` is set).
pub fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    // An explicit setting is the only candidate: a wrong path is reported, not skipped.
    for var in ["LEADER_ORT_LIB", "ORT_DYLIB_PATH"] {
        if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return vec![PathBuf::from(v)];
        }
    }
    if let Ok(extra) = EXTRA_DIRS.lock() {
        out.extend(extra.iter().map(|d| d.join(LIB)));
    }
    if let Some(exe_dir) = exe_dir() {
        out.push(exe_dir.join(LIB));
        out.push(exe_dir.join("../lib").join(LIB));
        out.push(exe_dir.join("../lib/leader-rx").join(LIB));
        // The desktop app's resources in its Debian package, beside `/usr/bin/leader`.
        out.push(exe_dir.join(crate::registry::DEB_RESOURCES).join("lib").join(LIB));
    }
    out
}

fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_owned))
}

/// The candidate paths of the GPU build, in lookup order (only the variable's path when
/// `LEADER_ORT_CUDA_LIB` is set): next to the executable (`onnxruntime-cuda/`, also in
/// `../lib/leader-rx/`).
pub fn gpu_candidates() -> Vec<PathBuf> {
    if let Some(v) = std::env::var_os("LEADER_ORT_CUDA_LIB").filter(|v| !v.is_empty()) {
        return vec![PathBuf::from(v)];
    }
    let mut out = Vec::new();
    if let Some(exe_dir) = exe_dir() {
        out.push(exe_dir.join(GPU_DIR).join(LIB));
        out.push(exe_dir.join("../lib/leader-rx").join(GPU_DIR).join(LIB));
    }
    out
}

/// Loads the process's library for `device` (first call) and returns the environment. A
/// CUDA request loads the GPU build with its NVIDIA libraries; once a library is loaded it
/// serves every later request (a CUDA session on the CPU build then fails with the provider's
/// own reason, never silently on the CPU).
pub fn environment_for(device: Device) -> Result<ort::environment::Environment> {
    if device == Device::Cpu {
        return environment();
    }
    let mut slot = ENVIRONMENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let cuda_error = |problem: String| InferError::Device { device: "CUDA".into(), problem };
    let looked = gpu_candidates();
    let path = looked.iter().find(|p| p.is_file()).ok_or_else(|| {
        cuda_error(format!(
            "the GPU build of ONNX Runtime was not found (looked in {}); `scripts/bootstrap.sh ort-cuda` installs it",
            looked.iter().take(4).map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let env = load_library(path)?;
    *slot = Some(env.clone());
    // The NVIDIA libraries must be loaded before a CUDA session starts (and after the library:
    // ort's errors need it). Without them here, the system's CUDA 13 / cuDNN 9 must provide them.
    let dir = path.parent().unwrap_or(Path::new("."));
    let (cuda, cudnn) = (dir.join("nvidia/cu13/lib"), dir.join("nvidia/cudnn/lib"));
    if cuda.is_dir() || cudnn.is_dir() {
        ort::ep::cuda::preload_dylibs(
            cuda.is_dir().then_some(cuda.as_path()),
            cudnn.is_dir().then_some(cudnn.as_path()),
        )
        .map_err(|e| {
            cuda_error(format!(
                "loading the NVIDIA libraries beside {}: {e} (they need the NVIDIA driver's libcuda.so.1: \
                     is there a GPU with its driver on this machine?)",
                path.display()
            ))
        })?;
    }
    Ok(env)
}

fn load_library(path: &Path) -> Result<ort::environment::Environment> {
    let problem = |e: &dyn std::fmt::Display| InferError::Library { path: path.to_owned(), problem: e.to_string() };
    ort::init_from(path).map_err(|e| problem(&e))?.with_name("leader-rx").build().map_err(|e| problem(&e))
}

/// ONNX Runtime allows one environment per process, ever (a dropped one cannot be
/// replaced), so it is created once and shared (ARCHITECTURE.md lists all process-wide state).
static ENVIRONMENT: Mutex<Option<ort::environment::Environment>> = Mutex::new(None);

/// Loads the library (first call) and returns the process's ONNX Runtime environment.
pub fn environment() -> Result<ort::environment::Environment> {
    let mut slot = ENVIRONMENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let looked = candidates();
    let path = looked.iter().find(|p| p.is_file()).ok_or_else(|| InferError::LibraryMissing {
        looked: looked.iter().take(6).map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
    })?;
    let env = load_library(path)?;
    *slot = Some(env.clone());
    Ok(env)
}

/// The execution providers for `device`. CUDA never falls back silently: registration
/// failure is an error that says why.
pub fn execution_providers(device: Device) -> Vec<ort::ep::ExecutionProviderDispatch> {
    match device {
        Device::Cpu => vec![ort::ep::CPU::default().build()],
        Device::Cuda => vec![ort::ep::CUDA::default().build().error_on_failure()],
    }
}
