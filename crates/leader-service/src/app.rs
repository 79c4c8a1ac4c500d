//! The desktop app's operations, one method per IPC command, so the Tauri shell is only
//! wiring. Every method returns [`IpcError`] on failure: a closed `code` the UI can branch
//! on and a `message` safe to show (no SQL, no file paths, no patient identifiers); the
//! details go to the log.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use leader_core::Code;
use leader_core::ddi::{Finding, Role};
use leader_core::user::{User, UserRole};
use leader_infer::registry::{ModelRegistry, Pointer};
use leader_infer::runtime::SessionOptions;
use leader_infer::teacher::Teacher;
use leader_infer::{Engine, InferError};
use leader_store::{CodeHit, PatientRecord, PatientSummary, Stats};
use leader_store::{ImportError, ImportSummary, MimicVersion, Progress, Store, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::ServiceError;
pub use crate::fhir_export::FhirExport;
use crate::models::{GateReport, ModelEntry};
use crate::recommend::{Answer, Subject};
use crate::refine::{RefineOptions, RefineProgress, RefineReport};

/// The closed set of error kinds the UI may branch on (mirrored in TypeScript).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    InvalidInput,
    ModelUnavailable,
    Refused,
    Busy,
    Internal,
}

/// The one error shape crossing the IPC boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError { code, message: message.into() }
    }
}

fn import_message(e: &ImportError) -> String {
    match e {
        // The folder path is the user's own choice, but messages carry no paths: name the file.
        ImportError::MissingFile { file, .. } => format!("the chosen folder has no `{file}` table (.csv or .csv.gz)"),
        ImportError::Io { file, .. } => format!("{file}: cannot be read"),
        other => other.to_string(),
    }
}

fn infer_message(e: &InferError) -> String {
    match e {
        InferError::LibraryMissing { .. } => {
            "the ONNX Runtime library is not installed (scripts/bootstrap.sh ort)".into()
        }
        InferError::Library { .. } => "the ONNX Runtime library could not be loaded".into(),
        InferError::Device { device, problem } => format!("the {device} execution provider could not start: {problem}"),
        InferError::Bundle { problem, .. } => format!("the model bundle was refused: {problem}"),
        InferError::Checksum { file, .. } => format!("the model bundle failed its checksum check ({file})"),
        InferError::Tampered { files, .. } => format!(
            "the installed model was changed after it was installed ({}): it is not used; roll back or install it again",
            files.join(", ")
        ),
        InferError::Contract { problem, .. } => format!("the model does not match its manifest: {problem}"),
        InferError::Session { .. } => "the model could not be loaded by ONNX Runtime".into(),
        InferError::Output { problem, .. } => {
            format!("the model gave an invalid output, so no answer is given: {problem}")
        }
        InferError::Key(p) => format!("signing key: {p}"),
        InferError::Inference(p) => format!("inference failed: {p}"),
        InferError::WorkerGone => "the inference worker stopped".into(),
    }
}

impl ServiceError {
    /// The closed code a front-end branches on (GitButler's error `Code`): one per kind of
    /// failure, never derived from a message.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Store(StoreError::NotFound(_)) => ErrorCode::NotFound,
            ServiceError::Store(StoreError::Import(_)) => ErrorCode::InvalidInput,
            ServiceError::Store(StoreError::Conflict(_)) => ErrorCode::Refused,
            ServiceError::Store(_) => ErrorCode::Internal,
            ServiceError::Infer(_) => ErrorCode::ModelUnavailable,
            ServiceError::Invalid(_)
            | ServiceError::NoData(_)
            | ServiceError::File { .. }
            | ServiceError::PythonMissing
            | ServiceError::Kit(_)
            | ServiceError::UnreadableRecord { .. }
            | ServiceError::Encode { .. } => ErrorCode::InvalidInput,
            ServiceError::Refused(_) | ServiceError::RefineStage { .. } => ErrorCode::Refused,
        }
    }

    /// The message safe to show: the store's and the engine's errors are reworded (their
    /// own texts may name files or SQL); the service's own variants carry no paths.
    pub fn user_message(&self) -> String {
        match self {
            ServiceError::Store(StoreError::NotFound(m) | StoreError::Conflict(m)) => m.clone(),
            ServiceError::Store(StoreError::Import(i)) => import_message(i),
            ServiceError::Store(StoreError::Open { .. }) => self.to_string(),
            ServiceError::Store(_) => "the patient store reported an error (see the log)".into(),
            ServiceError::Infer(i) => infer_message(i),
            other => other.to_string(),
        }
    }
}

impl From<ServiceError> for IpcError {
    fn from(e: ServiceError) -> Self {
        // Full detail to the log (no patient data is ever in these errors), a safe message to the UI.
        tracing::warn!(error = %e, "command failed");
        IpcError::new(e.code(), e.user_message())
    }
}

impl From<StoreError> for IpcError {
    fn from(e: StoreError) -> Self {
        ServiceError::Store(e).into()
    }
}

impl From<InferError> for IpcError {
    fn from(e: InferError) -> Self {
        ServiceError::Infer(e).into()
    }
}

pub type IpcResult<T> = std::result::Result<T, IpcError>;

/// Limits on what the UI may send (an oversized payload is refused, not processed).
pub const MAX_CODES: usize = 200;
pub const MAX_QUERY: usize = 200;
pub const MAX_DECISION_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelSummary {
    pub id: String,
    pub version: String,
    pub kind: String,
    pub threshold: f32,
    pub description: String,
    pub metrics: serde_json::Value,
    pub provenance: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AppInfo {
    pub version: String,
    /// Who is using the app (`None` until chosen on first start).
    pub user: Option<User>,
    /// The name the first-start form proposes: the OS account name (empty when unknown).
    pub default_user_name: String,
    pub db_path: String,
    pub stats: Stats,
    pub model: Option<ModelSummary>,
    pub teacher: Option<ModelSummary>,
    /// Whether refinement can run on this computer (its Python environment).
    pub refine_env: crate::refine_env::RefineEnvStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct RecommendRequest {
    pub subject: Subject,
    pub safe_mode: bool,
    pub top_k: usize,
    pub teacher: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Accept,
    Reject,
    Replace,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ItemDecision {
    pub medication: Code,
    pub action: Action,
    pub replacement: Option<Code>,
    /// For an accepted suggestion: what the prescriber chose to order (absent: the class).
    #[serde(default)]
    pub choice: Option<Choice>,
    /// Why a high-severity warning was overridden: required to accept or order a drug in a
    /// contraindicated or major finding, or a suggestion safe mode withheld.
    #[serde(default)]
    pub override_reason: Option<Override>,
}

/// An override of a high-severity warning: a reason from the short list and, for
/// `other` (required) or any reason (optional), the prescriber's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Override {
    pub reason: OverrideReason,
    #[serde(default)]
    pub comment: Option<String>,
}

/// The longest override comment accepted (characters).
pub const MAX_OVERRIDE_COMMENT: usize = 500;

/// The short list of override reasons, as EHRs offer them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum OverrideReason {
    BenefitOutweighsRisk,
    WillMonitor,
    ToleratedBefore,
    NotApplicable,
    /// Explained in the comment (required).
    Other,
}

impl OverrideReason {
    /// The listed reasons (without `other`), in the order offered.
    pub const LISTED: [OverrideReason; 4] = [
        OverrideReason::BenefitOutweighsRisk,
        OverrideReason::WillMonitor,
        OverrideReason::ToleratedBefore,
        OverrideReason::NotApplicable,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            OverrideReason::BenefitOutweighsRisk => "benefit-outweighs-risk",
            OverrideReason::WillMonitor => "will-monitor",
            OverrideReason::ToleratedBefore => "tolerated-before",
            OverrideReason::NotApplicable => "not-applicable",
            OverrideReason::Other => "other",
        }
    }

    pub const fn display(self) -> &'static str {
        match self {
            OverrideReason::BenefitOutweighsRisk => "Benefit outweighs the risk",
            OverrideReason::WillMonitor => "Will monitor or adjust the dose",
            OverrideReason::ToleratedBefore => "Patient has tolerated the combination before",
            OverrideReason::NotApplicable => "Alert does not apply to this patient",
            OverrideReason::Other => "Other (explain)",
        }
    }
}

impl Override {
    fn check(&self) -> IpcResult<()> {
        let comment = self.comment.as_deref().map(str::trim).unwrap_or("");
        if self.reason == OverrideReason::Other && comment.is_empty() {
            return Err(IpcError::new(ErrorCode::InvalidInput, "an override for another reason needs its explanation"));
        }
        if comment.chars().count() > MAX_OVERRIDE_COMMENT {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!("an override comment has at most {MAX_OVERRIDE_COMMENT} characters"),
            ));
        }
        Ok(())
    }
}

/// What the prescriber chose to order for an accepted suggestion of a class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Choice {
    /// An ingredient of the class (ATC level 5), with the route when known.
    Drug { drug: Code, route: Option<String> },
    /// The class only: the drug is chosen elsewhere.
    ClassOnly,
}

pub use crate::recommend::ShownSuggestion;

/// What the front-end sends when a clinician records a decision: the recommendation it
/// decides on (by the id the service issued with the answer) and the choices. The model and
/// the suggestions come from the recorded recommendation, never from the front-end.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct DecisionRequest {
    pub recommendation_id: i64,
    pub decisions: Vec<ItemDecision>,
    pub note: Option<String>,
}

/// A clinician's decision on a recommendation, as written to the audit log.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Decision {
    /// The `recommendation` audit event decided on.
    #[serde(default)]
    pub recommendation_id: Option<i64>,
    pub patient_id: Option<String>,
    pub admission_id: Option<String>,
    pub model: leader_infer::recommend::ModelRef,
    pub suggestions: Vec<ShownSuggestion>,
    pub decisions: Vec<ItemDecision>,
    pub note: Option<String>,
    /// The interactions of what was decided (each accepted suggestion as its chosen drug or
    /// class, each replacement) with the current medications, screened when recorded.
    #[serde(default)]
    pub interactions: Vec<crate::recommend::ShownFinding>,
    /// The interaction warnings the recommendation showed (default picks), as recorded with it.
    #[serde(default)]
    pub shown_interactions: Vec<crate::recommend::ShownFinding>,
    /// Whether safe mode was on for the recommendation decided on.
    #[serde(default)]
    pub safe_mode: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct InteractionCheck {
    pub findings: Vec<Finding>,
    pub titles: std::collections::BTreeMap<String, String>,
}

pub use leader_core::CodeKind;

/// What `start_import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum ImportKind {
    MimicIv,
    MimicIii,
    Fhir,
}

/// A progress event streamed to the UI (`refine-progress`, `import-progress`).
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ProgressEvent {
    pub stage: String,
    pub done: u64,
    pub total: u64,
    pub note: String,
}

/// The app's state: the store, the models folder, and the loaded models.
pub struct App {
    pub store: Store,
    pub db_path: PathBuf,
    pub registry: ModelRegistry,
    pub session: SessionOptions,
    engine: Mutex<Option<Engine>>,
    teacher: Mutex<Option<Teacher>>,
    /// Interaction rules and display names, loaded once and dropped after an import.
    lookups: Mutex<Option<crate::recommend::Lookups>>,
    busy: Mutex<()>,
    /// The desktop app records clinical events only for a chosen user ([`App::for_desktop`]).
    requires_user: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("db_path", &self.db_path).finish_non_exhaustive()
    }
}

fn check_codes(codes: &[Code]) -> IpcResult<()> {
    if codes.len() > MAX_CODES {
        return Err(IpcError::new(ErrorCode::InvalidInput, format!("at most {MAX_CODES} codes per request")));
    }
    Ok(())
}

impl App {
    /// Opens (creating when absent) the store; seeds the demo cohort on first run, that is
    /// only into a store without patients (never beside imported ones).
    pub async fn open(db_path: &Path, session: SessionOptions) -> IpcResult<App> {
        let app = App::open_store(db_path, session).await?;
        if !app.store.has_patients().await? {
            app.store.seed_demo().await?;
        }
        Ok(app)
    }

    /// Opens the store as it is, adding nothing (`leader serve`).
    pub async fn open_store(db_path: &Path, session: SessionOptions) -> IpcResult<App> {
        let crate::Context { store, db_path, registry, session } = crate::Context::open(db_path, session).await?;
        Ok(App {
            store,
            db_path,
            registry,
            session,
            engine: Mutex::new(None),
            teacher: Mutex::new(None),
            lookups: Mutex::new(None),
            busy: Mutex::new(()),
            requires_user: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The desktop app: its user (kept in the store) becomes the actor of this process's
    /// audit events, and suggestions and decisions are refused until a user is chosen.
    pub async fn for_desktop(&self) -> IpcResult<()> {
        self.requires_user.store(true, std::sync::atomic::Ordering::SeqCst);
        leader_store::actor::set_current_user(self.store.app_user().await?);
        Ok(())
    }

    fn check_user(&self) -> IpcResult<()> {
        if self.requires_user.load(std::sync::atomic::Ordering::SeqCst) && leader_store::actor::current_user().is_none()
        {
            return Err(IpcError::new(ErrorCode::InvalidInput, "choose who is using the app first (name and role)"));
        }
        Ok(())
    }

    /// Sets who is using the app; every later audit event carries this name and role.
    pub async fn set_user(&self, name: &str, role: UserRole) -> IpcResult<User> {
        let user = User::new(name, role).map_err(|e| IpcError::new(ErrorCode::InvalidInput, e.to_string()))?;
        self.store.set_app_user(&user).await?;
        leader_store::actor::set_current_user(Some(user.clone()));
        Ok(user)
    }

    async fn with_engine<T>(&self, f: impl AsyncFnOnce(&Engine) -> crate::Result<T>) -> IpcResult<T> {
        let mut slot = self.engine.lock().await;
        if slot.is_none() {
            let dir = crate::models::resolve(&self.registry, None)?;
            *slot = Some(Engine::open(&dir, self.session).await?);
        }
        let engine = slot.as_ref().ok_or_else(|| IpcError::new(ErrorCode::ModelUnavailable, "no model"))?;
        Ok(f(engine).await?)
    }

    async fn lookups(&self, level: u8) -> IpcResult<crate::recommend::Lookups> {
        let mut slot = self.lookups.lock().await;
        match slot.as_ref() {
            Some(l) if l.level == level => Ok(l.clone()),
            _ => {
                let l = crate::recommend::Lookups::load(&self.store, level).await?;
                *slot = Some(l.clone());
                Ok(l)
            }
        }
    }

    fn summary(kind: &str, m: &leader_infer::Manifest) -> ModelSummary {
        ModelSummary {
            id: m.model.id.clone(),
            version: m.model.version.clone(),
            kind: kind.into(),
            threshold: m.threshold,
            description: m.model.description.clone(),
            metrics: m.metrics.clone(),
            provenance: m.provenance.clone(),
        }
    }

    pub async fn app_info(&self) -> IpcResult<AppInfo> {
        let stats = self.store.stats().await?;
        let model = self
            .with_engine(async |e| Ok(e.manifest().await?))
            .await
            .ok()
            .map(|m| Self::summary(&format!("{:?}", m.model.kind).to_lowercase(), &m));
        let teacher = self.registry.teacher().and_then(|d| {
            let text = std::fs::read_to_string(d.join("manifest.json")).ok()?;
            let m: leader_infer::teacher::TeacherManifest = serde_json::from_str(&text).ok()?;
            Some(ModelSummary {
                id: m.model.id,
                version: m.model.version,
                kind: "teacher".into(),
                threshold: m.threshold,
                description: m.model.description,
                metrics: m.metrics,
                provenance: m.provenance,
            })
        });
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            user: leader_store::actor::current_user(),
            default_user_name: leader_store::actor::os_account_name().unwrap_or_default(),
            db_path: self.db_path.display().to_string(),
            stats,
            model,
            teacher,
            refine_env: crate::refine_env::status(),
        })
    }

    pub async fn list_patients(&self, query: Option<String>) -> IpcResult<Vec<PatientSummary>> {
        let mut list = self.store.patients().await?;
        if let Some(q) = query.filter(|q| !q.trim().is_empty()) {
            if q.len() > MAX_QUERY {
                return Err(IpcError::new(ErrorCode::InvalidInput, "the search text is too long"));
            }
            let q = q.to_lowercase();
            list.retain(|p| p.id.to_lowercase().contains(&q));
        }
        Ok(list)
    }

    pub async fn patient_timeline(&self, id: &str) -> IpcResult<PatientRecord> {
        Ok(self.store.patient(id).await?)
    }

    pub async fn search_codes(&self, query: &str, kind: CodeKind, limit: i64) -> IpcResult<Vec<CodeHit>> {
        if query.len() > MAX_QUERY {
            return Err(IpcError::new(ErrorCode::InvalidInput, "the search text is too long"));
        }
        let systems: Vec<&str> = kind.systems().iter().map(|s| s.as_str()).collect();
        let level = self.store.medication_atc_level().await?;
        Ok(self.store.search_codes(query, &systems, limit.clamp(1, 50), level).await?)
    }

    pub async fn recommend(&self, req: RecommendRequest) -> IpcResult<Answer> {
        self.check_user()?;
        if let Subject::AdHoc { diagnoses, procedures, current, .. } = &req.subject {
            check_codes(diagnoses)?;
            check_codes(procedures)?;
            check_codes(current)?;
        }
        let opts = leader_infer::recommend::RecommendOptions {
            top_k_below: req.top_k.min(50),
            safe_mode: req.safe_mode,
            ..Default::default()
        };
        if req.teacher {
            let mut slot = self.teacher.lock().await;
            if slot.is_none() {
                let dir = self
                    .registry
                    .teacher()
                    .ok_or_else(|| IpcError::new(ErrorCode::ModelUnavailable, "no teacher bundle is installed"))?;
                *slot = Some(Teacher::open(&dir, self.session).await?);
            }
            let teacher = slot.as_ref().ok_or_else(|| IpcError::new(ErrorCode::ModelUnavailable, "no teacher"))?;
            let lookups = self.lookups(teacher.manifest().prompt.medication_atc_level).await?;
            let mut answer =
                crate::recommend::recommend_teacher(&self.store, teacher, &req.subject, opts, &lookups).await?.0;
            crate::recommend::record(&self.store, &mut answer, None).await?;
            return Ok(answer);
        }
        let level = self.with_engine(async |e| Ok(e.manifest().await?.input.medication_atc_level)).await?;
        let lookups = self.lookups(level).await?;
        let (mut answer, digest) = self
            .with_engine(async |e| {
                let answer = crate::recommend::recommend_with(&self.store, e, &req.subject, opts, &lookups).await?;
                Ok((answer, e.bundle().await?.digest.clone()))
            })
            .await?;
        crate::recommend::record(&self.store, &mut answer, Some(digest)).await?;
        Ok(answer)
    }

    pub async fn record_decision(&self, req: DecisionRequest) -> IpcResult<i64> {
        self.check_user()?;
        let size = serde_json::to_vec(&req).map_or(usize::MAX, |v| v.len());
        if size > MAX_DECISION_BYTES {
            return Err(IpcError::new(ErrorCode::InvalidInput, "the decision is too large"));
        }
        if req.decisions.iter().any(|d| d.action == Action::Replace && d.replacement.is_none()) {
            return Err(IpcError::new(ErrorCode::InvalidInput, "a replaced suggestion needs its replacement"));
        }
        let shown = crate::recommend::recorded(&self.store, req.recommendation_id).await?;
        for d in &req.decisions {
            if !shown.suggestions.iter().any(|s| s.medication == d.medication) {
                return Err(IpcError::new(
                    ErrorCode::InvalidInput,
                    "a decision names a medication that the recorded recommendation did not suggest",
                ));
            }
            if let Some(Choice::Drug { drug, .. }) = &d.choice {
                if d.action != Action::Accept {
                    return Err(IpcError::new(
                        ErrorCode::InvalidInput,
                        "a drug is chosen only for an accepted suggestion",
                    ));
                }
                let under_class = drug.atc_level() == Some(5) && drug.is_within(&d.medication);
                if !under_class {
                    return Err(IpcError::new(
                        ErrorCode::InvalidInput,
                        "the chosen drug is not an ingredient of the accepted suggestion's class",
                    ));
                }
            }
        }
        // What was decided, screened against the current medications.
        let mut drugs: Vec<(Code, Role)> =
            shown.current_medications.iter().map(|c| (c.clone(), Role::Current)).collect();
        for d in &req.decisions {
            let Some(decided) = decided_code(d) else { continue };
            if !drugs.iter().any(|(c, _)| c == decided) {
                drugs.push((decided.clone(), Role::Suggested));
            }
        }
        let level = self.store.medication_atc_level().await?;
        let interactions: Vec<crate::recommend::ShownFinding> =
            self.lookups(level).await?.kb.screen(&drugs).iter().map(crate::recommend::ShownFinding::from).collect();
        for d in &req.decisions {
            if let Some(o) = &d.override_reason {
                o.check()?;
            }
            if d.override_reason.is_none() && needs_override(d, &shown.suggestions, &interactions) {
                return Err(IpcError::new(
                    ErrorCode::InvalidInput,
                    "ordering a drug in a contraindicated or major interaction, or a suggestion safe mode withheld, needs an override reason",
                ));
            }
        }
        let decision = Decision {
            recommendation_id: Some(req.recommendation_id),
            patient_id: shown.patient_id,
            admission_id: shown.admission_id,
            model: shown.model,
            suggestions: shown.suggestions,
            decisions: req.decisions,
            note: req.note,
            interactions,
            shown_interactions: shown.interactions,
            safe_mode: shown.safe_mode,
        };
        let payload = serde_json::to_value(&decision)
            .map_err(|_| IpcError::new(ErrorCode::InvalidInput, "the decision could not be read"))?;
        Ok(self.store.append_audit(&leader_store::actor::current_actor(), "decision", &payload).await?)
    }

    /// The interaction sources loaded in this store and how many rules each holds: what an
    /// empty result covers (and what it does not).
    pub async fn ddi_sources(&self) -> IpcResult<Vec<leader_store::ddi::DdiSource>> {
        Ok(self.store.ddi_sources().await?)
    }

    pub async fn check_interactions(&self, codes: Vec<Code>) -> IpcResult<InteractionCheck> {
        check_codes(&codes)?;
        let drugs: Vec<(Code, Role)> = codes.iter().map(|c| (c.clone(), Role::Checked)).collect();
        self.screen(&drugs).await
    }

    /// Screens drugs in their roles against the loaded interaction rules (kept between
    /// calls, like the recommendation's), with display names.
    pub async fn screen(&self, drugs: &[(Code, Role)]) -> IpcResult<InteractionCheck> {
        let level = self.store.medication_atc_level().await?;
        let lookups = self.lookups(level).await?;
        let findings = lookups.kb.screen(drugs);
        let codes: Vec<Code> = drugs.iter().map(|(c, _)| c.clone()).collect();
        let titles = lookups.titles(&self.store, &codes).await?;
        Ok(InteractionCheck { findings, titles })
    }

    /// The active model on this store's held-out visits (the model's own split), beside
    /// repeating the previous visit and the most frequent medications on the same visits.
    pub async fn evaluate_model(&self) -> IpcResult<crate::evaluate::Evaluation> {
        self.with_engine(async |e| {
            let opts = crate::evaluate::EvalOptions {
                split: Some(leader_core::split::Split::Test),
                seed: Some(crate::evaluate::model_seed(&e.manifest().await?)),
                baselines: true,
                ..Default::default()
            };
            crate::evaluate::evaluate(&self.store, e, &opts).await
        })
        .await
    }

    pub async fn list_models(&self) -> IpcResult<Vec<ModelEntry>> {
        Ok(crate::models::list(&self.registry)?)
    }

    /// Installs through the gate and hot-swaps the serving model. An unsigned or unknown-key
    /// bundle only with `allow_unsigned` (the user ticked it; it is audited).
    /// Installs `dir` through the gate; `force` overrides a refusal of the gate's comparisons
    /// (never a bad signature), and is written to the audit log with the report.
    pub async fn install_model(&self, dir: &Path, allow_unsigned: bool, force: bool) -> IpcResult<GateReport> {
        let _guard =
            self.busy.try_lock().map_err(|_| IpcError::new(ErrorCode::Busy, "another model operation is running"))?;
        // The new model is served as part of its activation: if that fails, the previous
        // model is restored and keeps serving.
        Ok(crate::models::install_with(&self.store, &self.registry, dir, force, allow_unsigned, self.session, self)
            .await?)
    }

    pub async fn rollback_model(&self) -> IpcResult<Pointer> {
        let _guard =
            self.busy.try_lock().map_err(|_| IpcError::new(ErrorCode::Busy, "another model operation is running"))?;
        let p = crate::models::rollback(&self.store, &self.registry).await?;
        self.reload().await?;
        Ok(p)
    }

    async fn reload(&self) -> IpcResult<()> {
        let dir = crate::models::resolve(&self.registry, None)?;
        Ok(self.serve_model(&dir).await?)
    }

    /// Serves the model in `dir` (verified again on load); on error the current one stays.
    async fn serve_model(&self, dir: &Path) -> crate::Result<()> {
        let mut slot = self.engine.lock().await;
        match slot.as_ref() {
            Some(e) => {
                e.install(dir).await?;
            }
            None => *slot = Some(Engine::open(dir, self.session).await?),
        }
        *self.teacher.lock().await = None;
        Ok(())
    }

    /// Builds and evaluates a candidate (not installed: the user confirms).
    pub async fn refine(&self, tiny: bool, progress: &dyn RefineProgress) -> IpcResult<RefineReport> {
        let _guard =
            self.busy.try_lock().map_err(|_| IpcError::new(ErrorCode::Busy, "another model operation is running"))?;
        let work = self.refine_work();
        let opts = RefineOptions {
            work,
            teacher: None,
            device: self.session.device,
            tiny,
            seed: 42,
            alpha: 1.0,
            force: false,
            install: false,
            keep_work: false,
        };
        Ok(crate::refine::refine(&self.store, &self.registry, &opts, progress).await?)
    }

    /// Installs this store's refined candidate (through the gate, signed by the store's key)
    /// and its teacher. The web view names the candidate it was shown; it must be the one
    /// `refine` wrote, and the teacher is taken from the same work folder, never from a path
    /// the web view chose.
    pub async fn confirm_install(&self, candidate: &Path, force: bool) -> IpcResult<GateReport> {
        let work = self.refine_work();
        let own = work.join("candidate");
        let same = match (std::fs::canonicalize(candidate), std::fs::canonicalize(&own)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if !same {
            return Err(IpcError::new(ErrorCode::InvalidInput, "that is not this store's refined candidate"));
        }
        let report = self.install_model(&own, false, force).await?;
        let teacher = work.join("teacher-bundle");
        if report.installed && teacher.join("manifest.json").is_file() {
            crate::models::install_teacher(&self.store, &self.registry, &teacher, false).await?;
        }
        Ok(report)
    }

    /// `<store file>.refine/` beside the store: like the models folder, one per store.
    fn refine_work(&self) -> PathBuf {
        crate::models::beside_store(&self.db_path, "refine")
    }

    pub async fn import(
        &self,
        kind: ImportKind,
        dir: &Path,
        systems: Option<&str>,
        progress: &dyn Progress,
    ) -> IpcResult<ImportSummary> {
        let _guard =
            self.busy.try_lock().map_err(|_| IpcError::new(ErrorCode::Busy, "another long operation is running"))?;
        let summary = match kind {
            ImportKind::MimicIv => self.store.import_mimic(dir, MimicVersion::Iv, progress).await?,
            ImportKind::MimicIii => self.store.import_mimic(dir, MimicVersion::Iii, progress).await?,
            ImportKind::Fhir => {
                let systems = leader_store::import::fhir::systems_from(systems).map_err(StoreError::from)?;
                self.store.import_fhir(dir, &systems, progress).await?
            }
        };
        *self.lookups.lock().await = None;
        Ok(summary)
    }

    /// Writes the latest decision on a stored visit as a FHIR R4 Bundle into the data
    /// folder's `exports/` (owner-only) and says where.
    pub async fn export_fhir(&self, patient_id: &str, admission_id: Option<&str>) -> IpcResult<FhirExport> {
        let built =
            crate::fhir_export::decision_bundle(&self.store, &self.registry, self.session, patient_id, admission_id)
                .await?;
        let dir = self.db_path.parent().unwrap_or(Path::new(".")).join("exports");
        let file = dir.join(format!("decision-{}.fhir.json", built.summary.decision_id));
        crate::fhir_export::write_bundle(&file, &built.bundle)?;
        Ok(FhirExport { file: file.display().to_string(), ..built.summary })
    }

    /// The latest audit events, each with its user and role, patient and the names of the
    /// codes it mentions (the Audit screen).
    pub async fn audit_events(&self, kind: Option<String>, limit: i64) -> IpcResult<Vec<AuditEntry>> {
        let events = self.store.audit_events(kind.as_deref().filter(|k| !k.is_empty()), limit.clamp(1, 1000)).await?;
        // Each payload walked once: its codes, then every event's titled in one lookup.
        let per_event: Vec<Vec<Code>> = events
            .iter()
            .map(|e| {
                let mut mine = Vec::new();
                collect_codes(&e.payload, &mut mine);
                mine
            })
            .collect();
        let all: Vec<Code> =
            per_event.iter().flatten().cloned().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let level = self.store.medication_atc_level().await?;
        let titles = self.lookups(level).await?.titles(&self.store, &all).await?;
        Ok(events
            .into_iter()
            .zip(per_event)
            .map(|(e, mine)| {
                let (role, user) = User::parse_actor(&e.actor);
                AuditEntry {
                    user: user.to_owned(),
                    role,
                    patient_id: e.payload.get("patient_id").and_then(|v| v.as_str()).map(str::to_owned),
                    titles: mine
                        .iter()
                        .filter_map(|c| titles.get(&c.to_string()).map(|t| (c.to_string(), t.clone())))
                        .collect(),
                    id: e.id,
                    at: e.at,
                    actor: e.actor,
                    kind: e.kind,
                    payload: e.payload,
                }
            })
            .collect())
    }

    /// Walks the audit log's hash chain: intact, or the first event changed, removed,
    /// inserted or reordered.
    pub async fn audit_verify(&self) -> IpcResult<leader_store::audit::AuditVerification> {
        Ok(self.store.verify_audit().await?)
    }

    /// On exit: checkpoints the WAL and closes the store, so the database file alone holds
    /// everything.
    pub async fn close(&self) {
        self.store.clone().close().await;
    }
}

impl crate::models::Serve for App {
    fn serve<'a>(&'a self, dir: &'a Path) -> crate::models::BoxFuture<'a, crate::Result<()>> {
        Box::pin(self.serve_model(dir))
    }
}

/// What `d` orders (the chosen drug, the class, or the replacement), if anything.
pub fn decided_code(d: &ItemDecision) -> Option<&Code> {
    match (d.action, &d.choice, &d.replacement) {
        (Action::Accept, Some(Choice::Drug { drug, .. }), _) => Some(drug),
        (Action::Accept, _, _) => Some(&d.medication),
        (Action::Replace, _, Some(r)) => Some(r),
        _ => None,
    }
}

/// Whether `d` needs an override reason: it orders a drug that is part of a contraindicated
/// or major finding among what was decided and the current medications, or accepts a
/// suggestion that safe mode withheld.
pub fn needs_override(
    d: &ItemDecision,
    suggestions: &[ShownSuggestion],
    interactions: &[crate::recommend::ShownFinding],
) -> bool {
    let withheld = d.action == Action::Accept
        && suggestions
            .iter()
            .any(|s| s.medication == d.medication && s.status == leader_infer::recommend::Status::WithheldInteraction);
    let Some(code) = decided_code(d) else { return false };
    withheld || interactions.iter().any(|f| f.severity.is_high() && (&f.a == code || &f.b == code))
}

/// An audit event as the Audit screen shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    /// As stored: `role:name`, or a bare name for events written before roles.
    pub actor: String,
    pub user: String,
    pub role: Option<UserRole>,
    pub kind: String,
    /// The patient the event is about, when it is about one.
    pub patient_id: Option<String>,
    /// `SYSTEM:VALUE` → display name, for the codes the payload mentions.
    pub titles: std::collections::BTreeMap<String, String>,
    pub payload: serde_json::Value,
}

/// Every code-shaped string (`ATC:…`, `ICD10CM:…`) in `v`, at most 2,000.
fn collect_codes(v: &serde_json::Value, out: &mut Vec<Code>) {
    if out.len() >= 2_000 {
        return;
    }
    match v {
        serde_json::Value::String(s) if s.contains(':') && s.len() < 40 => {
            if let Ok(c) = s.parse::<Code>() {
                out.push(c);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_codes(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_codes(x, out)),
        _ => {}
    }
}

/// Keeps an `Arc<App>` for handlers that outlive one command (refine, import).
pub type SharedApp = Arc<App>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileKind, FileOp};

    #[test]
    fn the_ipc_error_shape_is_pinned() {
        let e = IpcError::new(ErrorCode::ModelUnavailable, "no model");
        assert_eq!(serde_json::to_string(&e).expect("json"), r#"{"code":"model_unavailable","message":"no model"}"#);
        let all = [
            ErrorCode::NotFound,
            ErrorCode::InvalidInput,
            ErrorCode::ModelUnavailable,
            ErrorCode::Refused,
            ErrorCode::Busy,
            ErrorCode::Internal,
        ];
        let names: Vec<String> = all.iter().map(|c| serde_json::to_string(c).expect("json")).collect();
        assert_eq!(
            names,
            [
                r#""not_found""#,
                r#""invalid_input""#,
                r#""model_unavailable""#,
                r#""refused""#,
                r#""busy""#,
                r#""internal""#
            ]
        );
    }

    #[test]
    fn messages_carry_no_paths() {
        let e: IpcError =
            ServiceError::Infer(InferError::Checksum { dir: "/secret/models/x".into(), file: "model.onnx".into() })
                .into();
        assert!(!e.message.contains("/secret"), "{}", e.message);
        let e: IpcError = ServiceError::Store(StoreError::Import(ImportError::MissingFile {
            dir: "/data/hospital".into(),
            file: "patients".into(),
        }))
        .into();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(!e.message.contains("/data"), "{}", e.message);
        let e: IpcError = ServiceError::Store(StoreError::Corrupt {
            table: "visits",
            column: "admit_time",
            problem: "SELECT x".into(),
        })
        .into();
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::Internal, "the patient store reported an error (see the log)")
        );
        // A failed refine stage: its stage and exit status, not its log's path nor its tail.
        let e: IpcError = ServiceError::RefineStage { stage: "teacher".into(), status: "exit status: 1".into() }.into();
        assert_eq!(e.code, ErrorCode::Refused);
        assert!(!e.message.contains('/') && e.message.contains("teacher"), "{}", e.message);
        // A file error names the kind of file, never its path.
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        for kind in [FileKind::Dataset, FileKind::FhirBundle, FileKind::RefineWork, FileKind::KeyFile] {
            let e: IpcError = ServiceError::file(kind, FileOp::Write, Path::new("/secret/x"), &io).into();
            assert!(!e.message.contains("/secret"), "{}", e.message);
        }
    }

    /// Real failures of refine, export and store opening, on paths that cannot be created
    /// (under a regular file): the message shown says what failed, not where.
    #[tokio::test]
    async fn refine_export_and_store_opening_failures_carry_no_paths() {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("secret-file");
        std::fs::write(&file, "x").expect("write");
        let below = file.join("secret-dir");
        let shown = |e: IpcError| {
            assert!(!e.message.contains("secret"), "{}", e.message);
            assert!(!e.message.contains(&*tmp.path().to_string_lossy()), "{}", e.message);
        };

        // Store opening.
        let err = Store::open(&below.join("store.db")).await.expect_err("cannot create");
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        shown(err.into());

        let app = App::open(&tmp.path().join("data/store.db"), SessionOptions::default()).await.expect("open");
        // Export: the dataset and the FHIR Bundle.
        let err = crate::export::export_dataset(&app.store, &below.join("dataset"), &Default::default())
            .await
            .expect_err("cannot write");
        assert!(matches!(err, ServiceError::File { kind: FileKind::Dataset, .. }), "{err:?}");
        shown(err.into());
        let err = crate::fhir_export::write_bundle(&below.join("b.json"), &serde_json::json!({})).expect_err("no");
        assert!(matches!(err, ServiceError::File { kind: FileKind::FhirBundle, .. }), "{err:?}");
        shown(err.into());

        // Refine: no Python (a path-free message) or a working folder that cannot be made.
        let opts = RefineOptions {
            work: below.join("work"),
            teacher: None,
            device: leader_infer::runtime::Device::Cpu,
            tiny: true,
            seed: 1,
            alpha: 1.0,
            force: false,
            install: false,
            keep_work: false,
        };
        struct Quiet;
        impl RefineProgress for Quiet {
            fn stage(&self, _: &str, _: Option<u64>) {}
            fn update(&self, _: u64, _: u64, _: &str) {}
            fn skipped(&self, _: &str) {}
        }
        let err = crate::refine::refine(&app.store, &app.registry, &opts, &Quiet).await.expect_err("refused");
        assert!(
            matches!(err, ServiceError::PythonMissing | ServiceError::File { kind: FileKind::RefineWork, .. }),
            "{err:?}"
        );
        shown(err.into());
        app.close().await;
    }
}
