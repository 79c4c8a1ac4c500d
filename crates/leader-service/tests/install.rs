//! Model install: what is evaluated is the copy that is installed, and an activation that
//! fails after the pointer switch puts the previous model back in service. Uses the inference
//! crate's fixture bundle on an empty store (nothing to evaluate on, so the gate passes).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use leader_infer::registry::ModelRegistry;
use leader_infer::runtime::SessionOptions;
use leader_infer::{Bundle, Engine};
use leader_service::ServiceError;
use leader_service::models::{install, install_with, resolve};
use leader_store::{Store, repo};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-infer/tests/fixtures/tiny-bundle")
}

/// A copy of the fixture under `id`, checksums updated.
fn fixture_as(to: &Path, id: &str) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(fixture()).expect("fixture") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
    let p = to.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    m["model"]["id"] = id.into();
    std::fs::write(p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
}

async fn setup() -> (tempfile::TempDir, Store, ModelRegistry) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("leader.sqlite")).await.expect("store");
    let registry = ModelRegistry::new(dir.path().join("models"));
    (dir, store, registry)
}

async fn events(store: &Store, kind: &str) -> Vec<serde_json::Value> {
    repo::audit_events(store.pool(), Some(kind), 50).await.expect("audit").into_iter().map(|e| e.payload).collect()
}

#[tokio::test]
async fn the_installed_copy_is_the_one_evaluated_and_holds_only_the_listed_files() {
    let (dir, store, registry) = setup().await;
    let src = dir.path().join("src");
    fixture_as(&src, "first");
    let report = install(&store, &registry, &src, true, SessionOptions::default()).await.expect("install");
    assert!(report.installed, "{}", report.reason);
    let active = resolve(&registry, None).expect("active");
    assert!(active.starts_with(registry.root()), "the active model is the copy in the models folder");
    let bundle = Bundle::open(&active).expect("the copy verifies against its install record");
    let audited = events(&store, "model-install").await;
    assert_eq!(audited[0]["digest"], bundle.digest.as_str(), "the audit event names the digest that is installed");
    assert!(!active.join("expected.json").exists(), "files the manifest does not list are not copied");
    // The source is not read again: changing it changes nothing installed.
    std::fs::write(src.join("model.onnx"), b"changed").expect("write");
    Engine::start(&active, SessionOptions::default()).expect("the installed copy still serves");
}

#[tokio::test]
async fn a_failed_activation_restores_the_previous_model_and_it_keeps_serving() {
    let (dir, store, registry) = setup().await;
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    fixture_as(&first, "first");
    fixture_as(&second, "second");
    install(&store, &registry, &first, true, SessionOptions::default()).await.expect("first install");
    let first_dir = resolve(&registry, None).expect("active");
    let engine = Engine::start(&first_dir, SessionOptions::default()).expect("serving the first model");

    // The serving side takes the new model, then the activation fails (injected).
    let served = Mutex::new(Vec::new());
    let serve = |d: &Path| -> leader_service::Result<()> {
        served.lock().expect("lock").push(d.to_owned());
        engine.install(d)?;
        if d == first_dir { Ok(()) } else { Err(ServiceError::Invalid("injected activation failure".into())) }
    };
    let err = install_with(&store, &registry, &second, true, SessionOptions::default(), &serve)
        .await
        .expect_err("the activation failed")
        .to_string();
    assert!(err.contains("injected activation failure") && err.contains("previous model was restored"), "{err}");
    let served = served.into_inner().expect("lock");
    assert_eq!(served.len(), 2, "the new model, then the previous one: {served:?}");
    assert_eq!(served[1], first_dir);
    assert_eq!(resolve(&registry, None).expect("active"), first_dir, "the pointer names the previous model again");
    assert_eq!(engine.manifest().expect("manifest").model.id, "first", "the previous model is serving");
    let reverted = events(&store, "model-install-reverted").await;
    assert_eq!(reverted.len(), 1, "the failure is in the audit log");
    assert!(reverted[0]["error"].as_str().expect("error").contains("injected"));
}

#[tokio::test]
async fn a_bundle_holding_a_symlink_is_refused_before_anything_is_copied() {
    let (dir, store, registry) = setup().await;
    let src = dir.path().join("src");
    fixture_as(&src, "linked");
    std::os::unix::fs::symlink("/etc", src.join("etc")).expect("symlink");
    let err = install(&store, &registry, &src, true, SessionOptions::default()).await.expect_err("refused");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!registry.root().exists() || std::fs::read_dir(registry.root()).expect("read").next().is_none());
}
