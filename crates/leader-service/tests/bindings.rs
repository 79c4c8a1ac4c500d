//! The TypeScript bindings in ui/src/bindings are generated from the Rust types that cross
//! the IPC boundary. This test regenerates them and fails when the committed files differ.
//! To update them: `UPDATE_BINDINGS=1 cargo test -p leader-service --test bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use leader_service::app::{
    Action, AppInfo, AuditEntry, CodeKind, Decision, DecisionRequest, ErrorCode, FhirExport, ImportKind,
    InteractionCheck, IpcError, ProgressEvent, RecommendRequest,
};
use leader_service::models::{GateReport, ModelEntry};
use leader_service::recommend::Answer;
use leader_service::refine::RefineReport;
use leader_store::ImportSummary;
use leader_store::{AuditEvent, CodeHit, PatientRecord, PatientSummary};
use ts_rs::{Config, TS};

fn generate(dir: &Path) {
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all(&cfg).expect(concat!("export ", stringify!($t))); )* };
    }
    export!(
        AppInfo,
        PatientSummary,
        PatientRecord,
        CodeHit,
        RecommendRequest,
        Answer,
        Decision,
        DecisionRequest,
        InteractionCheck,
        ModelEntry,
        GateReport,
        leader_infer::registry::Pointer,
        RefineReport,
        ImportSummary,
        AuditEvent,
        AuditEntry,
        leader_core::user::User,
        leader_core::user::UserRole,
        leader_service::app::Override,
        leader_service::app::OverrideReason,
        IpcError,
        ErrorCode,
        ProgressEvent,
        CodeKind,
        Action,
        ImportKind,
        FhirExport,
        leader_store::audit::AuditVerification,
        leader_store::ddi::DdiSource,
    );
}

fn read_tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ts") {
                out.insert(p.strip_prefix(dir).expect("inside").to_owned(), std::fs::read_to_string(&p).expect("read"));
            }
        }
    }
    out
}

#[test]
fn typescript_bindings_are_up_to_date() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        generate(&committed);
        return;
    }
    let fresh = tempfile::tempdir().expect("tmp");
    generate(fresh.path());
    let (want, got) = (read_tree(fresh.path()), read_tree(&committed));
    let stale: Vec<String> = want
        .keys()
        .chain(got.keys())
        .filter(|k| want.get(*k) != got.get(*k))
        .map(|k| k.display().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale ({stale:?}); run UPDATE_BINDINGS=1 cargo test -p leader-service --test bindings"
    );
}
