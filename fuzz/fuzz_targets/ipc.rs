//! The desktop app's IPC requests: the first byte picks a Tauri command, the rest is the
//! JSON object of its arguments (camelCase keys, as the web view sends them), decoded into
//! the command's argument types as `src-tauri` declares them. Commands that only read, and
//! `record_decision`, then run through `leader_service::app::App` on a store holding the
//! demo cohort; `recommend` builds its model request (`request_for`) without running a
//! model; commands that touch files or start long jobs are decoded only.
//!
//! The store also holds one recorded recommendation (audit event 2), the one the seed
//! decision refers to.
//!
//! Checks: error messages carry no control characters; a decision request reads back from
//! its own JSON; a recorded decision is the last audit event, refers to the recommendation
//! named and holds the choices given; the audit chain stays intact.
#![no_main]

use std::sync::OnceLock;

use leader_core::Code;
use leader_service::app::{App, CodeKind, DecisionRequest, ImportKind, IpcError, RecommendRequest};
use leader_service::recommend::{RecommendationRecord, request_for};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde::de::DeserializeOwned;

struct Harness {
    rt: tokio::runtime::Runtime,
    app: App,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = leader_fuzz::runtime();
        let db = leader_fuzz::scratch("ipc").join("leader.sqlite");
        let app = rt.block_on(App::open_store(&db, leader_infer::SessionOptions::default())).expect("the app opens");
        rt.block_on(app.store.seed_demo()).expect("the demo cohort");
        let shown = serde_json::json!({
            "patient_id": "DEMO-001", "admission_id": "DEMO-001-V3",
            "model": {"id": "tiny-fixture", "version": "1", "kind": "fixture"},
            "model_digest": null, "input_digest": "0",
            "suggestions": [
                {"medication": "ATC:B01A", "probability": 0.9, "status": "suggested"},
                {"medication": "ATC:M01A", "probability": 0.4, "status": "below_threshold"}
            ],
            "interactions": [], "withheld_for_coverage": false, "safe_mode": false
        });
        serde_json::from_value::<RecommendationRecord>(shown.clone()).expect("a recommendation record");
        let id = rt
            .block_on(leader_store::repo::append_audit(app.store.pool(), "fuzz", "recommendation", &shown))
            .expect("a recorded recommendation");
        assert_eq!(id, 2, "the seeds name recommendation 2");
        Harness { rt, app }
    })
}

#[derive(Deserialize)]
struct ListPatients {
    query: Option<String>,
}
#[derive(Deserialize)]
struct PatientTimeline {
    id: String,
}
#[derive(Deserialize)]
struct SearchCodes {
    query: String,
    kind: CodeKind,
    limit: i64,
}
#[derive(Deserialize)]
struct Recommend {
    request: RecommendRequest,
}
#[derive(Deserialize)]
struct RecordDecision {
    decision: DecisionRequest,
}
#[derive(Deserialize)]
struct CheckInteractions {
    codes: Vec<Code>,
}
#[derive(Deserialize)]
struct AuditEvents {
    kind: Option<String>,
    limit: i64,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct InstallModel {
    dir: String,
    allow_unsigned: bool,
}
#[derive(Deserialize)]
#[allow(dead_code)]
struct StartImport {
    kind: ImportKind,
    dir: String,
    systems: Option<String>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct ExportFhir {
    patient_id: String,
    admission_id: Option<String>,
}
#[derive(Deserialize)]
#[allow(dead_code)]
struct StartRefine {
    tiny: bool,
}

/// Tauri reads the arguments from a JSON value; so do we.
fn args<T: DeserializeOwned>(value: &serde_json::Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

fn checked<T>(r: Result<T, IpcError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            leader_fuzz::check_message(&e.message);
            None
        }
    }
}

async fn run(app: &App, command: u8, value: &serde_json::Value) {
    match command % 11 {
        0 => {
            if let Some(a) = args::<ListPatients>(value) {
                checked(app.list_patients(a.query).await);
            }
        }
        1 => {
            if let Some(a) = args::<PatientTimeline>(value) {
                checked(app.patient_timeline(&a.id).await);
            }
        }
        2 => {
            if let Some(a) = args::<SearchCodes>(value) {
                checked(app.search_codes(&a.query, a.kind, a.limit).await);
            }
        }
        3 => {
            if let Some(a) = args::<Recommend>(value) {
                if let Err(e) = request_for(&app.store, &a.request.subject, 3).await {
                    leader_fuzz::check_message(&e.to_string());
                }
            }
        }
        4 => {
            if let Some(a) = args::<RecordDecision>(value) {
                let given = serde_json::to_value(&a.decision).expect("a decision serialises");
                let again: DecisionRequest = serde_json::from_value(given.clone())
                    .unwrap_or_else(|e| panic!("a decision does not read back from its own JSON: {e}: {given}"));
                assert_eq!(
                    serde_json::to_value(&again).expect("serialises"),
                    given,
                    "a decision changes on a round trip"
                );
                let (recommendation, choices) = (a.decision.recommendation_id, given["decisions"].clone());
                if let Some(id) = checked(app.record_decision(a.decision).await) {
                    let last = app.audit_events(Some("decision".into()), 1).await.expect("audit events");
                    let event = last.first().expect("the decision is in the audit log");
                    assert_eq!(event.id, id, "the decision is the last audit event");
                    assert_eq!(event.payload["recommendation_id"], recommendation, "the recommendation decided on");
                    assert_eq!(event.payload["decisions"], choices, "the choices as given");
                    if id % 256 == 0 {
                        let v = app.audit_verify().await.expect("audit verify");
                        assert!(v.ok, "the audit chain broke: {v:?}");
                    }
                }
            }
        }
        5 => {
            if let Some(a) = args::<CheckInteractions>(value) {
                checked(app.check_interactions(a.codes).await);
            }
        }
        6 => {
            if let Some(a) = args::<AuditEvents>(value) {
                checked(app.audit_events(a.kind, a.limit).await);
            }
        }
        7 => {
            let _ = args::<InstallModel>(value);
        }
        8 => {
            let _ = args::<StartImport>(value);
        }
        9 => {
            let _ = args::<ExportFhir>(value);
        }
        _ => {
            let _ = args::<StartRefine>(value);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&command, body)) = data.split_first() else { return };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else { return };
    let h = harness();
    h.rt.block_on(run(&h.app, command, &value));
});
