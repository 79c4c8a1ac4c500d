//! Operations shared by every front-end of LEADER Rx (the `leader` CLI and the desktop
//! app): they combine the store, the domain and the inference engine, so front-ends stay
//! thin and never disagree.

pub mod app;
pub mod context;
pub mod evaluate;
pub mod export;
pub mod fhir_export;
pub mod keys;
pub mod logging;
pub mod models;
pub mod quality;
pub mod recommend;
pub mod refine;
pub mod refine_env;
pub mod samples;

pub use context::{Context, Responder};
pub use leader_infer::runtime::{Device, SessionOptions};
pub use leader_infer::{Engine, InferError};
pub use leader_store::{Store, StoreError};

/// What a service operation could not do, by kind: which rule, which file kind, which
/// refine stage. A variant's message is safe to show anywhere: it never carries a file path,
/// a Python log or a patient identifier. Those details go to the log (`tracing`) where the
/// error is made; front-ends map the kind to their own codes (the app's `ErrorCode`).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Infer(#[from] InferError),
    /// The request breaks one of the service's input rules.
    #[error("{0}")]
    Invalid(Rule),
    /// There is nothing to work on: no visit with diagnoses and mapped medications.
    #[error("{0}")]
    NoData(NoData),
    /// A file of a known kind could not be read or written (the path is in the log).
    #[error("cannot {op} {kind}: {error_kind}")]
    File { kind: FileKind, op: FileOp, error_kind: std::io::ErrorKind },
    /// A Python stage of refine failed (its log tail is in the log and in `<stage>.log` in
    /// the refine working folder).
    #[error("the {stage} stage failed ({status}); its log is `{stage}.log` in the refine working folder")]
    RefineStage { stage: String, status: String },
    /// The pipeline's Python environment was not found.
    #[error(
        "refinement needs its Python environment, which is not installed on this computer: build a refine kit on a computer with network access (`scripts/refine-kit.sh KIT` in the LEADER Rx source), copy it here and run `leader refine setup --from KIT` (in a source checkout: `scripts/bootstrap.sh python` and `. scripts/env.sh`)"
    )]
    PythonMissing,
    /// A refine kit could not be installed.
    #[error("{0}")]
    Kit(refine_env::KitProblem),
    /// An audit record the operation builds on cannot be read back.
    #[error("the {kind} recorded as audit event {id} cannot be read")]
    UnreadableRecord { kind: &'static str, id: i64 },
    /// A record could not be encoded for the audit log.
    #[error("the {what} could not be encoded")]
    Encode { what: &'static str },
    /// A model operation was refused by one of the gate's or the registry's rules.
    #[error("{0}")]
    Refused(Refusal),
}

/// The service's input rules (each one sentence, no data echoed but a model name typed by
/// the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    #[error("the decision names no recorded recommendation")]
    NoRecordedRecommendation,
    #[error("that admission is not one of this patient's visits")]
    AdmissionNotOfPatient,
    #[error("this patient has no visits")]
    PatientHasNoVisits,
    #[error("give at least one diagnosis code")]
    NoDiagnosis,
    #[error("the teacher's medication level differs from the loaded names")]
    TeacherLevel,
    #[error("the teacher bundle's manifest does not describe a teacher")]
    NotATeacher,
    #[error("`{0}` is neither a model bundle folder nor an installed model (see `leader model list`)")]
    UnknownModel(String),
    #[error("no model is installed and no bundled model was found; install one with `leader model install DIR`")]
    NoModel,
    #[error("this models folder belongs to no store's key ring")]
    NoKeyRing,
    #[error("the key file is not a public key file (one short line)")]
    NotAKeyFile,
    #[error("{0}")]
    BadKey(String),
    #[error("the models folder's store.json is not readable")]
    UnreadableClaim,
    #[error("that is not this store's refined candidate")]
    NotThisCandidate,
}

/// Nothing to work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoData {
    #[error("the store has no visit with diagnoses and mapped medications to export")]
    Export,
    #[error("no visit with diagnoses and mapped medications in that split: import a cohort (and a drug map) first")]
    Evaluate,
}

/// The kinds of file the service reads or writes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    KeyFile,
    PublicKeyFile,
    /// The models folder's `store.json` (which store it belongs to).
    ModelsClaim,
    RefineWork,
    StageLog,
    Python,
    Dataset,
    FhirBundle,
    /// A refine kit or the environment installed from one.
    Kit,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::KeyFile => "the key file",
            FileKind::PublicKeyFile => "the public key file",
            FileKind::ModelsClaim => "the models folder's store.json",
            FileKind::RefineWork => "the refine working folder",
            FileKind::StageLog => "a refine stage's log",
            FileKind::Python => "the pipeline's Python",
            FileKind::Dataset => "the exported dataset",
            FileKind::FhirBundle => "the FHIR Bundle",
            FileKind::Kit => "the refine kit or its environment",
        })
    }
}

/// What was being done to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    Read,
    Write,
    Create,
    Move,
    Start,
    Resolve,
}

impl std::fmt::Display for FileOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileOp::Read => "read",
            FileOp::Write => "write",
            FileOp::Create => "create",
            FileOp::Move => "move",
            FileOp::Start => "start",
            FileOp::Resolve => "resolve",
        })
    }
}

impl ServiceError {
    /// A file error: the path and the full error go to the log, the kind to the message.
    pub fn file(kind: FileKind, op: FileOp, path: &std::path::Path, e: &std::io::Error) -> ServiceError {
        tracing::warn!(path = %path.display(), error = %e, "cannot {op} {kind}");
        ServiceError::File { kind, op, error_kind: e.kind() }
    }
}

/// A model operation's refusal: which rule.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "the models folder belongs to another store (its store.json names a different store file); each store keeps its own models: unset LEADER_MODELS or point it at this store's folder"
    )]
    OtherStore,
    #[error("the teacher was not installed: {0}")]
    TeacherSignature(String),
    #[error("the staged copy changed while it was being installed")]
    StagedChanged,
    #[error("the new model could not be activated ({cause}); the previous model was restored{}", restore_failed.as_ref().map(|r| format!("; restoring the previous model failed too: {r}")).unwrap_or_default())]
    Activation { cause: Box<ServiceError>, restore_failed: Option<Box<ServiceError>> },
    #[error("the active-model pointer does not name the installed model")]
    PointerMismatch,
    #[error("the installed model is not the one that was evaluated")]
    NotEvaluated,
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
