//! Operations shared by every front-end of LEADER Rx (the `leader` CLI and the desktop
//! app): they combine the store, the domain and the inference engine, so front-ends stay
//! thin and never disagree.

pub mod app;
pub mod evaluate;
pub mod export;
pub mod fhir_export;
pub mod keys;
pub mod models;
pub mod recommend;
pub mod refine;
pub mod samples;

pub use leader_infer::{Engine, InferError};
pub use leader_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Infer(#[from] InferError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Refused(String),
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
