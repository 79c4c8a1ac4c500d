//! LEADER Rx desktop app: a thin Tauri shell. Each command is a few lines delegating to
//! `leader_service::app::App`; all logic (and its tests) lives in the crates. No plugin
//! with file system, shell or network access is enabled; see capabilities/default.json.
//!
//! Owns: the window, the IPC command table, the app's resource folders. Must not: hold
//! logic of its own, accept a path or payload it has not bounded, or return an error
//! message that carries a path or patient data (errors cross as `leader_service` codes).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::sync::Arc;

use leader_core::Code;
use leader_service::app::{
    App, AppInfo, AuditEntry, CodeKind, DecisionRequest, ErrorCode, FhirExport, ImportKind, InteractionCheck, IpcError,
    IpcResult, ProgressEvent, RecommendRequest,
};
use leader_service::models::{GateReport, ModelEntry};
use leader_service::recommend::Answer;
use leader_service::refine::RefineProgress;
use leader_store::{CodeHit, PatientRecord, PatientSummary};
use leader_store::{ImportSummary, Progress};
use tauri::{AppHandle, Emitter, Manager, State};

type Shared<'a> = State<'a, Arc<App>>;

#[tauri::command]
async fn app_info(app: Shared<'_>) -> IpcResult<AppInfo> {
    app.app_info().await
}

#[tauri::command]
async fn list_patients(app: Shared<'_>, query: Option<String>) -> IpcResult<Vec<PatientSummary>> {
    app.list_patients(query).await
}

#[tauri::command]
async fn patient_timeline(app: Shared<'_>, id: String) -> IpcResult<PatientRecord> {
    app.patient_timeline(&id).await
}

#[tauri::command]
async fn search_codes(app: Shared<'_>, query: String, kind: CodeKind, limit: i64) -> IpcResult<Vec<CodeHit>> {
    app.search_codes(&query, kind, limit).await
}

#[tauri::command]
async fn recommend(app: Shared<'_>, request: RecommendRequest) -> IpcResult<Answer> {
    app.recommend(request).await
}

#[tauri::command]
async fn record_decision(app: Shared<'_>, decision: DecisionRequest) -> IpcResult<i64> {
    app.record_decision(decision).await
}

#[tauri::command]
async fn ddi_sources(app: Shared<'_>) -> IpcResult<Vec<leader_store::ddi::DdiSource>> {
    app.ddi_sources().await
}

#[tauri::command]
async fn check_interactions(app: Shared<'_>, codes: Vec<Code>) -> IpcResult<InteractionCheck> {
    app.check_interactions(codes).await
}

#[tauri::command]
async fn evaluate_model(app: Shared<'_>) -> IpcResult<leader_service::evaluate::Evaluation> {
    app.evaluate_model().await
}

#[tauri::command]
async fn list_models(app: Shared<'_>) -> IpcResult<Vec<ModelEntry>> {
    app.list_models().await
}

#[tauri::command]
async fn install_model(app: Shared<'_>, dir: String, allow_unsigned: bool, force: bool) -> IpcResult<GateReport> {
    app.install_model(&PathBuf::from(dir), allow_unsigned, force).await
}

#[tauri::command]
async fn rollback_model(app: Shared<'_>) -> IpcResult<leader_infer::registry::Pointer> {
    app.rollback_model().await
}

#[tauri::command]
async fn confirm_install(app: Shared<'_>, candidate: String, force: bool) -> IpcResult<GateReport> {
    app.confirm_install(&PathBuf::from(candidate), force).await
}

#[tauri::command]
async fn audit_events(app: Shared<'_>, kind: Option<String>, limit: i64) -> IpcResult<Vec<AuditEntry>> {
    app.audit_events(kind, limit).await
}

/// Sets who is using the app (name and role); every later audit event carries them.
#[tauri::command]
async fn set_user(
    app: Shared<'_>,
    name: String,
    role: leader_core::user::UserRole,
) -> IpcResult<leader_core::user::User> {
    app.set_user(&name, role).await
}

#[tauri::command]
async fn audit_verify(app: Shared<'_>) -> IpcResult<leader_store::audit::AuditVerification> {
    app.audit_verify().await
}

/// Streams progress as Tauri events.
struct Events {
    handle: AppHandle,
    event: &'static str,
    stage: std::sync::Mutex<String>,
    /// Running count and total of the current import stage (imports report increments).
    count: std::sync::Mutex<(u64, u64)>,
}

impl Events {
    fn send(&self, done: u64, total: u64, note: &str) {
        let stage = self.stage.lock().map(|s| s.clone()).unwrap_or_default();
        let _ = self.handle.emit(self.event, ProgressEvent { stage, done, total, note: note.to_owned() });
    }
}

impl RefineProgress for Events {
    fn stage(&self, name: &str, total: Option<u64>) {
        if let Ok(mut s) = self.stage.lock() {
            *s = name.to_owned();
        }
        if let Ok(mut c) = self.count.lock() {
            *c = (0, total.unwrap_or(0));
        }
        self.send(0, total.unwrap_or(0), "");
    }
    fn update(&self, done: u64, total: u64, note: &str) {
        self.send(done, total, note);
    }
    fn skipped(&self, name: &str) {
        if let Ok(mut s) = self.stage.lock() {
            *s = name.to_owned();
        }
        self.send(1, 1, "skipped: inputs unchanged");
    }
}

impl Progress for Events {
    fn stage(&self, name: &str, total: Option<u64>) {
        RefineProgress::stage(self, name, total);
    }
    fn advance(&self, n: u64) {
        let (done, total) = self
            .count
            .lock()
            .map(|mut c| {
                c.0 += n;
                *c
            })
            .unwrap_or((n, 0));
        self.send(done, total, "");
    }
    fn finish(&self) {}
}

/// Runs the refinement off the UI thread; the result arrives as `refine-done` or `refine-failed`.
#[tauri::command]
async fn start_refine(app: Shared<'_>, handle: AppHandle, tiny: bool) -> IpcResult<()> {
    let app = Arc::clone(&app);
    tauri::async_runtime::spawn(async move {
        let events = Events {
            handle: handle.clone(),
            event: "refine-progress",
            stage: std::sync::Mutex::new(String::new()),
            count: std::sync::Mutex::new((0, 0)),
        };
        match app.refine(tiny, &events).await {
            Ok(report) => handle.emit("refine-done", report),
            Err(e) => handle.emit("refine-failed", e),
        }
    });
    Ok(())
}

#[tauri::command]
async fn start_import(
    app: Shared<'_>,
    handle: AppHandle,
    kind: ImportKind,
    dir: String,
    systems: Option<String>,
) -> IpcResult<ImportSummary> {
    let events = Events {
        handle,
        event: "import-progress",
        stage: std::sync::Mutex::new(String::new()),
        count: std::sync::Mutex::new((0, 0)),
    };
    app.import(kind, &PathBuf::from(dir), systems.as_deref(), &events).await
}

#[tauri::command]
async fn export_fhir(app: Shared<'_>, patient_id: String, admission_id: Option<String>) -> IpcResult<FhirExport> {
    app.export_fhir(&patient_id, admission_id.as_deref()).await
}

/// The store: `LEADER_DB`, else `leader-rx/leader.sqlite` in the user's data directory (the
/// CLI's default too, so both work on the same store).
fn db_path(handle: &AppHandle) -> Result<PathBuf, IpcError> {
    if let Some(p) = std::env::var_os("LEADER_DB").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let dir = handle.path().data_dir().map_err(|_| IpcError::new(ErrorCode::Internal, "no user data directory"))?;
    Ok(dir.join("leader-rx").join("leader.sqlite"))
}

fn main() {
    leader_service::logging::init();
    let result = tauri::Builder::default()
        .setup(|tauri_app| {
            let handle = tauri_app.handle().clone();
            // In an installed package the ONNX Runtime library and the bundled model are
            // resources of the app.
            if let Ok(res) = handle.path().resource_dir() {
                leader_infer::runtime::add_search_dir(res.join("lib"));
                leader_infer::registry::add_bundled_root(res.join("models"));
                leader_service::refine_env::add_pipeline_root(res.join("pipeline"));
            }
            let path = db_path(&handle)?;
            // First run: creates the store, seeds the synthetic demo cohort; the bundled
            // student is used until another model is installed.
            let app = tauri::async_runtime::block_on(async {
                let app = App::open(&path, leader_infer::SessionOptions::default()).await?;
                app.for_desktop().await?;
                Ok::<_, IpcError>(app)
            })?;
            tauri_app.manage(Arc::new(app));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            app_info,
            list_patients,
            patient_timeline,
            search_codes,
            recommend,
            record_decision,
            check_interactions,
            ddi_sources,
            list_models,
            evaluate_model,
            install_model,
            rollback_model,
            confirm_install,
            audit_events,
            audit_verify,
            set_user,
            start_refine,
            start_import,
            export_fhir,
        ])
        .build(tauri::generate_context!());
    match result {
        // A clean exit checkpoints the store's WAL: the database file alone then holds everything.
        Ok(tauri_app) => tauri_app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event
                && let Some(app) = handle.try_state::<Arc<App>>()
            {
                tauri::async_runtime::block_on(app.close());
            }
        }),
        Err(e) => {
            tracing::error!(error = %e, "the app could not start");
            std::process::exit(1);
        }
    }
}
