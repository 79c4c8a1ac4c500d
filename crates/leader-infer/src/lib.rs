//! LEADER Rx inference: the student (or teacher) model behind a small [`Backend`] trait,
//! served by ONNX Runtime on its own worker thread.
//!
//! - [`bundle`]: the model directory contract (manifest, checksums, tokenizers) checked at load.
//! - [`integrity`]: what is verified is what runs: files read once as regular files, the
//!   bundle digest, no ONNX external data, outputs checked at run time.
//! - [`signing`]: ed25519 bundle signatures, the store's keys and the trusted keys.
//! - [`registry`]: installed models (verified copies with install records), the active pointer.
//! - [`runtime`]: finding the ONNX Runtime library; CPU and CUDA execution providers
//!   (CUDA never falls back silently).
//! - [`backend`]: the ONNX Runtime session, its input/output contract check.
//! - [`worker`]: the inference thread (jobs on a tokio channel, answers on a `oneshot`);
//!   hot swap of the active model.
//! - [`teacher`]: the teacher bundle, one more [`Backend`] (prompts in) on its own [`Worker`].
//! - [`recommend`], [`evaluate`]: suggestions with occlusion evidence and interaction
//!   screening; the paper's metrics on held-out visits.
//!
//! The encoder itself lives in `leader_core::encode`, shared with dataset export.

pub mod backend;
pub mod bench;
pub mod bundle;
pub mod error;
pub mod evaluate;
pub mod integrity;
pub mod recommend;
pub mod registry;
pub mod runtime;
pub mod signing;
pub mod teacher;
pub mod worker;

use std::path::Path;
use std::sync::Arc;

pub use backend::{Backend, OrtBackend};
pub use bundle::{Bundle, GroupThresholds, Manifest};
pub use error::{InferError, Result};
pub use runtime::{Device, SessionOptions};
pub use worker::Worker;

/// The serving engine: the ONNX Runtime environment, the session options, and the worker
/// holding the active model.
#[derive(Debug)]
pub struct Engine {
    env: ort::environment::Environment,
    options: SessionOptions,
    worker: Worker,
}

impl Engine {
    /// Loads and verifies the bundle in `dir` and starts serving it.
    pub fn start(dir: &Path, options: SessionOptions) -> Result<Engine> {
        let env = runtime::environment_for(options.device)?;
        let (bundle, backend) = load(&env, dir, options)?;
        let restart_env = env.clone();
        let restart: worker::Restart = Arc::new(move |b: &Bundle| -> Result<Box<dyn Backend>> {
            Ok(Box::new(OrtBackend::start(&restart_env, b, options)?))
        });
        let worker = Worker::spawn(bundle, backend, restart)?;
        Ok(Engine { env, options, worker })
    }

    /// [`Engine::start`] on the blocking pool, for async callers.
    pub async fn open(dir: &Path, options: SessionOptions) -> Result<Engine> {
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || Engine::start(&dir, options)).await.map_err(join_error)?
    }

    /// Loads and verifies `dir` (on the blocking pool), then makes it active. On any error
    /// the active model is untouched. Returns the description of the model it replaced.
    pub async fn install(&self, dir: &Path) -> Result<String> {
        let (env, dir, options) = (self.env.clone(), dir.to_owned(), self.options);
        let (bundle, backend) =
            tokio::task::spawn_blocking(move || load(&env, &dir, options)).await.map_err(join_error)??;
        self.worker.swap(bundle, backend).await
    }

    pub fn worker(&self) -> &Worker {
        &self.worker
    }

    /// The active model's manifest.
    pub async fn manifest(&self) -> Result<Manifest> {
        self.worker.run(|b, _| b.manifest.clone()).await
    }

    pub async fn bundle(&self) -> Result<Arc<Bundle>> {
        self.worker.run(|b, _| Arc::clone(b)).await
    }

    pub async fn recommend(
        &self,
        req: recommend::Request,
        opts: recommend::RecommendOptions,
        kb: Arc<leader_core::ddi::KnowledgeBase>,
    ) -> Result<recommend::Recommendation> {
        self.worker.run(move |b, be| recommend::recommend(b, be, &req, &opts, &kb)).await?
    }
}

fn load(
    env: &ort::environment::Environment,
    dir: &Path,
    options: SessionOptions,
) -> Result<(Arc<Bundle>, Box<dyn Backend>)> {
    let bundle = Bundle::open(dir)?;
    let backend = OrtBackend::start(env, &bundle, options)?;
    Ok((Arc::new(bundle), Box::new(backend)))
}

/// A load on the blocking pool that panicked (or was cancelled at shutdown).
pub(crate) fn join_error(e: tokio::task::JoinError) -> InferError {
    InferError::Inference(format!("loading the model stopped: {e}"))
}
