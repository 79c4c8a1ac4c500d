//! Inference errors. ONNX Runtime errors are mapped at the boundary into "could not
//! start" (library, device, session) versus "failed while predicting".

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum InferError {
    #[error(
        "the ONNX Runtime library was not found (looked in: {looked}); install it with `scripts/bootstrap.sh ort`, or point LEADER_ORT_LIB at libonnxruntime.so"
    )]
    LibraryMissing { looked: String },
    #[error("could not load the ONNX Runtime library {path}: {problem}")]
    Library { path: PathBuf, problem: String },
    #[error("the {device} execution provider could not start: {problem}")]
    Device { device: String, problem: String },
    #[error("model bundle {dir}: {problem}")]
    Bundle { dir: PathBuf, problem: String },
    #[error("model bundle {dir}: checksum of {file} does not match its manifest (the file is corrupt or was changed)")]
    Checksum { dir: PathBuf, file: String },
    #[error(
        "model bundle {dir}: {} changed since the bundle was installed (its digest no longer matches the install record); it is not used: roll back, or install the model again",
        files.join(", ")
    )]
    Tampered { dir: PathBuf, files: Vec<String> },
    #[error("model bundle {dir}: the ONNX model does not match its manifest: {problem}")]
    Contract { dir: PathBuf, problem: String },
    #[error("could not start an ONNX Runtime session for {dir}: {problem}")]
    Session { dir: PathBuf, problem: String },
    #[error("the model {model} gave an invalid output, so no answer is given: {problem}")]
    Output { model: String, problem: String },
    #[error("signing key: {0}")]
    Key(String),
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("the inference worker has stopped")]
    WorkerGone,
}

pub type Result<T, E = InferError> = std::result::Result<T, E>;
