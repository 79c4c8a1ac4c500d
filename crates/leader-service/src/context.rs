//! The service's context: a store and its models folder, opened the same way by every
//! front-end (the CLI once per command, the app once per run). Operations that need a model
//! resolve and start it here, and a recommendation is answered and recorded here, so no
//! front-end wires the store, the registry, the engine and the audit log itself.

use std::path::{Path, PathBuf};

use leader_infer::Engine;
use leader_infer::recommend::RecommendOptions;
use leader_infer::registry::ModelRegistry;
use leader_infer::runtime::SessionOptions;
use leader_infer::teacher::Teacher;
use leader_store::Store;

use crate::Result;
use crate::recommend::{Answer, Lookups, Subject};

/// A store, its models folder (`<store>.models/`, one per store) and the inference settings.
#[derive(Debug, Clone)]
pub struct Context {
    pub store: Store,
    pub db_path: PathBuf,
    pub registry: ModelRegistry,
    pub session: SessionOptions,
}

/// Who answers a recommendation.
#[derive(Debug, Clone, Copy)]
pub enum Responder<'a> {
    /// The student: the model `model` names (a bundle folder or an installed model's name),
    /// else the active one, else the bundled default.
    Student { model: Option<&'a str> },
    /// The teacher bundle in `dir`.
    Teacher { dir: &'a Path },
}

impl Context {
    /// Opens (creating when absent) the store at `db_path`, and its models folder.
    pub async fn open(db_path: &Path, session: SessionOptions) -> Result<Context> {
        Context::on_store(Store::open(db_path).await?, db_path, session)
    }

    /// The context on `store`, already open on `db_path` (e.g. with
    /// [`Store::open_single`] for a one-shot command).
    pub fn on_store(store: Store, db_path: &Path, session: SessionOptions) -> Result<Context> {
        Ok(Context { store, db_path: db_path.to_owned(), registry: crate::models::registry_for(db_path)?, session })
    }

    /// The model `arg` names, else the active one, else the bundled default: verified and
    /// started.
    pub async fn engine(&self, arg: Option<&str>) -> Result<Engine> {
        let dir = crate::models::resolve(&self.registry, arg)?;
        Ok(Engine::open(&dir, self.session).await?)
    }

    /// Answers `subject` and records the answer (a `recommendation` audit event, which a
    /// decision then names), as every front-end does.
    pub async fn recommend(&self, subject: &Subject, opts: RecommendOptions, by: Responder<'_>) -> Result<Answer> {
        let (mut answer, digest) = match by {
            Responder::Teacher { dir } => {
                let teacher = Teacher::open(dir, self.session).await?;
                let lookups = Lookups::load(&self.store, teacher.manifest().prompt.medication_atc_level).await?;
                (crate::recommend::recommend_teacher(&self.store, &teacher, subject, opts, &lookups).await?.0, None)
            }
            Responder::Student { model } => {
                let engine = self.engine(model).await?;
                let digest = engine.bundle().await?.digest.clone();
                (crate::recommend::recommend(&self.store, &engine, subject, opts).await?, Some(digest))
            }
        };
        crate::recommend::record(&self.store, &mut answer, digest).await?;
        Ok(answer)
    }
}
