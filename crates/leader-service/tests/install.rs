//! Model install: what is evaluated is the copy that is installed, and an activation that
//! fails after the pointer switch puts the previous model back in service. Uses the inference
//! crate's fixture bundle on an empty store (nothing to evaluate on, so the gate passes).
//! Bundles are signed with the store's key unless a test says otherwise.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use leader_infer::registry::ModelRegistry;
use leader_infer::runtime::SessionOptions;
use leader_infer::signing::{KeyRing, SecretKey, sign_bundle};
use leader_infer::{Bundle, Engine};
use leader_service::ServiceError;
use leader_service::models::{BoxFuture, Serve, install, install_teacher, install_with, resolve};
use leader_store::Store;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-infer/tests/fixtures/tiny-bundle")
}

/// Hot-swaps the engine to the newly active model, then answers as the closure says.
struct InstallThen<'e, F>(&'e Engine, F);

impl<F: Fn(&Path) -> leader_service::Result<()> + Sync> Serve for InstallThen<'_, F> {
    fn serve<'a>(&'a self, dir: &'a Path) -> BoxFuture<'a, leader_service::Result<()>> {
        Box::pin(async move {
            self.0.install(dir).await?;
            (self.1)(dir)
        })
    }
}

/// A copy of the fixture under `id`, checksums updated, signed with the store's key.
fn fixture_as(to: &Path, id: &str) {
    unsigned_fixture_as(to, id);
    let keys = KeyRing::beside_store(&to.parent().expect("parent").join("leader.sqlite"));
    sign_bundle(to, &keys.store_key().expect("store key")).expect("sign");
}

/// A copy of the fixture under `id`, checksums updated, not signed.
fn unsigned_fixture_as(to: &Path, id: &str) {
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
    let db = dir.path().join("leader.sqlite");
    let store = Store::open(&db).await.expect("store");
    let registry = ModelRegistry::new(dir.path().join("models")).with_keys(KeyRing::beside_store(&db));
    (dir, store, registry)
}

async fn events(store: &Store, kind: &str) -> Vec<serde_json::Value> {
    store.audit_events(Some(kind), 50).await.expect("audit").into_iter().map(|e| e.payload).collect()
}

#[tokio::test]
async fn the_installed_copy_is_the_one_evaluated_and_holds_only_the_listed_files() {
    let (dir, store, registry) = setup().await;
    let src = dir.path().join("src");
    fixture_as(&src, "first");
    let report = install(&store, &registry, &src, true, false, SessionOptions::default()).await.expect("install");
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
    install(&store, &registry, &first, true, false, SessionOptions::default()).await.expect("first install");
    let first_dir = resolve(&registry, None).expect("active");
    let engine = Engine::start(&first_dir, SessionOptions::default()).expect("serving the first model");

    // The serving side takes the new model, then the activation fails (injected).
    let served = Mutex::new(Vec::new());
    let serve = |d: &Path| -> leader_service::Result<()> {
        served.lock().expect("lock").push(d.to_owned());
        if d == first_dir {
            Ok(())
        } else {
            Err(ServiceError::Infer(leader_service::InferError::Inference("injected activation failure".into())))
        }
    };
    let serve = InstallThen(&engine, serve);
    let err = install_with(&store, &registry, &second, true, false, SessionOptions::default(), &serve)
        .await
        .expect_err("the activation failed")
        .to_string();
    assert!(err.contains("injected activation failure") && err.contains("previous model was restored"), "{err}");
    let served = served.into_inner().expect("lock");
    assert_eq!(served.len(), 2, "the new model, then the previous one: {served:?}");
    assert_eq!(served[1], first_dir);
    assert_eq!(resolve(&registry, None).expect("active"), first_dir, "the pointer names the previous model again");
    assert_eq!(engine.manifest().await.expect("manifest").model.id, "first", "the previous model is serving");
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
    let err = install(&store, &registry, &src, true, false, SessionOptions::default()).await.expect_err("refused");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!registry.root().exists() || std::fs::read_dir(registry.root()).expect("read").next().is_none());
}

async fn install_plain(
    store: &Store,
    registry: &ModelRegistry,
    src: &Path,
    allow_unsigned: bool,
) -> leader_service::models::GateReport {
    install(store, registry, src, true, allow_unsigned, SessionOptions::default()).await.expect("the install runs")
}

#[tokio::test]
async fn an_unsigned_bundle_is_refused_with_a_clear_message_and_the_refusal_is_audited() {
    let (dir, store, registry) = setup().await;
    let src = dir.path().join("src");
    unsigned_fixture_as(&src, "unsigned");
    let report = install_plain(&store, &registry, &src, false).await;
    assert!(!report.installed, "an unsigned bundle is not installed without --allow-unsigned");
    assert!(report.reason.contains("not signed") && report.reason.contains("--allow-unsigned"), "{}", report.reason);
    assert!(registry.active().expect("pointer").is_none(), "nothing was switched");
    let refused = events(&store, "model-install-refused").await;
    assert_eq!(refused.len(), 1, "the refusal is in the audit log");
    assert_eq!(refused[0]["signature"]["status"], "unsigned");
    assert!(refused[0]["digest"].as_str().is_some_and(|d| d.len() == 64), "the audit names the digest");
}

#[tokio::test]
async fn allow_unsigned_installs_an_unsigned_bundle_and_the_audit_log_says_so() {
    let (dir, store, registry) = setup().await;
    let src = dir.path().join("src");
    unsigned_fixture_as(&src, "unsigned");
    let report = install_plain(&store, &registry, &src, true).await;
    assert!(report.installed, "{}", report.reason);
    assert!(report.allowed_unsigned);
    assert_eq!(report.signature, "unsigned");
    let installed = events(&store, "model-install").await;
    assert_eq!(installed.len(), 1);
    assert_eq!(installed[0]["allowed_unsigned"], true, "the choice is on record");
    assert_eq!(installed[0]["signature_status"]["status"], "unsigned");
    // A signed bundle installs without the flag, and is recorded as signed.
    let signed = dir.path().join("signed");
    fixture_as(&signed, "signed");
    let report = install_plain(&store, &registry, &signed, false).await;
    assert!(report.installed && !report.allowed_unsigned, "{}", report.reason);
    assert!(report.signature.starts_with("signed by key"), "{}", report.signature);
}

#[tokio::test]
async fn a_signature_that_does_not_verify_is_refused_even_with_allow_unsigned() {
    let (dir, store, registry) = setup().await;
    // A file changed after signing (the signature names the old digest).
    let changed = dir.path().join("changed");
    fixture_as(&changed, "changed");
    let p = changed.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    m["threshold"] = 0.01.into();
    std::fs::write(&p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    let report = install_plain(&store, &registry, &changed, true).await;
    assert!(!report.installed, "{}", report.reason);
    assert!(
        report.reason.contains("does not verify") && report.reason.contains("changed after signing"),
        "{}",
        report.reason
    );
    // A forged signature: the store's public key, another key's signature.
    let forged = dir.path().join("forged");
    fixture_as(&forged, "forged");
    let sig_path = forged.join("signature.json");
    let mut sig: serde_json::Value = serde_json::from_slice(&std::fs::read(&sig_path).expect("sig")).expect("json");
    let other = SecretKey::generate("other").expect("key");
    let digest = sig["digest"].as_str().expect("digest").to_owned();
    sig["signature"] = other.sign_digest(&digest).signature.into();
    std::fs::write(&sig_path, sig.to_string()).expect("write");
    let report = install_plain(&store, &registry, &forged, true).await;
    assert!(!report.installed && report.reason.contains("does not match the signing key"), "{}", report.reason);
    assert_eq!(events(&store, "model-install-refused").await.len(), 2, "both refusals are audited");
    assert!(registry.active().expect("pointer").is_none());
}

#[tokio::test]
async fn an_unknown_key_is_refused_until_it_is_trusted() {
    let (dir, store, registry) = setup().await;
    let maker = SecretKey::generate("another hospital").expect("key");
    let src = dir.path().join("theirs");
    unsigned_fixture_as(&src, "theirs");
    sign_bundle(&src, &maker).expect("sign");
    let report = install_plain(&store, &registry, &src, false).await;
    assert!(!report.installed, "{}", report.reason);
    assert!(
        report.reason.contains("not trusted here") && report.reason.contains(&maker.public().id()),
        "{}",
        report.reason
    );
    assert!(report.reason.contains("leader model trust"), "the message says how to trust the key: {}", report.reason);

    let key_file = dir.path().join("theirs.pub");
    std::fs::write(&key_file, maker.public().to_text()).expect("write");
    let entry = leader_service::keys::trust(&store, &registry, &key_file).await.expect("trusted");
    assert_eq!(entry.id, maker.public().id());
    assert_eq!(events(&store, "model-key-trusted").await.len(), 1, "trusting a key is audited");
    let listed = leader_service::keys::list(&registry).expect("keys");
    assert!(listed.iter().any(|k| k.source == "project"), "the project key is always trusted");
    assert!(listed.iter().any(|k| k.source == "trusted" && k.id == entry.id));

    let report = install_plain(&store, &registry, &src, false).await;
    assert!(report.installed, "{}", report.reason);
    assert!(report.signature.contains("another hospital"), "{}", report.signature);
    // A secret key file is not a public key.
    let secret = dir.path().join("secret.key");
    maker.write(&secret).expect("write");
    let err = leader_service::keys::trust(&store, &registry, &secret).await.expect_err("refused").to_string();
    assert!(err.contains("secret"), "{err}");
}

/// The fixture as a teacher bundle (only its manifest's kind matters to the install path).
fn teacher_fixture(to: &Path, signed: bool) {
    unsigned_fixture_as(to, "teacher");
    let p = to.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
    m["model"]["kind"] = "teacher".into();
    std::fs::write(p, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    if signed {
        let keys = KeyRing::beside_store(&to.parent().expect("parent").join("leader.sqlite"));
        sign_bundle(to, &keys.store_key().expect("store key")).expect("sign");
    }
}

#[tokio::test]
async fn the_teacher_installs_through_the_same_verified_signed_and_audited_path() {
    let (dir, store, registry) = setup().await;
    let unsigned = dir.path().join("teacher-unsigned");
    teacher_fixture(&unsigned, false);
    let err = install_teacher(&store, &registry, &unsigned, false).await.expect_err("refused").to_string();
    assert!(err.contains("not signed"), "{err}");
    assert!(registry.teacher().is_none(), "no teacher was installed");
    assert_eq!(events(&store, "teacher-install-refused").await.len(), 1);

    let student = dir.path().join("student");
    fixture_as(&student, "student");
    let err = install_teacher(&store, &registry, &student, false).await.expect_err("not a teacher").to_string();
    assert!(err.contains("does not describe a teacher"), "{err}");

    let signed = dir.path().join("teacher-signed");
    teacher_fixture(&signed, true);
    let installed = install_teacher(&store, &registry, &signed, false).await.expect("installed");
    assert_eq!(registry.teacher().as_deref(), Some(installed.as_path()));
    let audited = events(&store, "teacher-install").await;
    assert_eq!(audited.len(), 1, "the teacher install is audited");
    assert_eq!(audited[0]["signature"]["status"], "verified");
    // The installed copy is checked against its install record like any installed model.
    leader_infer::bundle::CheckedFiles::read(&installed).expect("verifies against its record");
}

#[tokio::test]
async fn the_app_installs_only_its_own_refined_candidate() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let app = leader_service::app::App::open_store(&db, SessionOptions::default()).await.expect("app");
    let elsewhere = dir.path().join("elsewhere");
    fixture_as(&elsewhere, "elsewhere");
    std::fs::create_dir_all(elsewhere.join("..").join("teacher-bundle")).expect("mkdir");
    let err = app.confirm_install(&elsewhere, false).await.expect_err("refused");
    assert_eq!(err.code, leader_service::app::ErrorCode::InvalidInput);
    assert!(!err.message.contains('/'), "no path in the message: {}", err.message);
    let none = app.confirm_install(Path::new("/nonexistent/candidate"), false).await.expect_err("refused");
    assert_eq!(none.code, leader_service::app::ErrorCode::InvalidInput);
}
