//! The offline refine kit: `setup` installs a kit's wheels into the data folder with the
//! kit's own uv and no index, checks the kit against this build first, and never leaves a
//! half-made environment or loses the previous one. The kits here are small (one wheel made
//! by the test, the real uv binary); the full kit (torch & co., 3.2 GB) is checked by
//! `tests/e2e/installed-kit.sh` on an installed package.

use std::path::{Path, PathBuf};
use std::process::Command;

use leader_service::ServiceError;
use leader_service::refine_env::{self, EnvSource, KitProblem, SetupProgress, lock_sha256, setup};
use sha2::{Digest, Sha256};

struct Quiet;

impl SetupProgress for Quiet {
    fn step(&self, _: &str) {}
    fn file_checked(&self, _: usize, _: usize) {}
}

/// The real uv binary (bootstrap's `python` step installs it into the Python that has pip).
fn uv_binary() -> PathBuf {
    let out =
        Command::new("python3").args(["-c", "import uv; print(uv.find_uv_bin())"]).output().expect("python3 runs");
    assert!(out.status.success(), "uv is not installed for python3 (scripts/bootstrap.sh python installs it)");
    PathBuf::from(String::from_utf8(out.stdout).expect("utf-8").trim())
}

/// A pure-Python wheel `name-1.0` whose module defines `VALUE = value`, made with zipfile.
fn make_wheel(dir: &Path, name: &str, value: &str) -> PathBuf {
    let script = r#"
import base64, hashlib, sys, zipfile, pathlib
out, name, value = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
files = {
    f"{name}/__init__.py": f"VALUE = {value!r}\n",
    f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
    f"{name}-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
def digest(b):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
record = "".join(f"{p},{digest(c.encode())},{len(c.encode())}\n" for p, c in files.items())
record += f"{name}-1.0.dist-info/RECORD,,\n"
whl = out / f"{name}-1.0-py3-none-any.whl"
with zipfile.ZipFile(whl, "w") as z:
    for p, c in files.items():
        z.writestr(p, c)
    z.writestr(f"{name}-1.0.dist-info/RECORD", record)
print(whl)
"#;
    let out = Command::new("python3").args(["-c", script]).arg(dir).args([name, value]).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    PathBuf::from(String::from_utf8(out.stdout).expect("utf-8").trim())
}

fn sha256(path: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(path).expect("read")))
}

/// A kit with one wheel (`probe`, whose module holds `value`), laid out as
/// `scripts/refine-kit.sh` lays it out, with this build's lock digest.
fn make_kit(root: &Path, probe: &str, value: &str) -> PathBuf {
    let kit = root.join("kit");
    std::fs::create_dir_all(kit.join("wheels")).expect("mkdir");
    std::fs::create_dir_all(kit.join("bin")).expect("mkdir");
    std::fs::copy(uv_binary(), kit.join("bin/uv")).expect("copy uv");
    let whl = make_wheel(&kit.join("wheels"), probe, value);
    std::fs::write(kit.join("requirements.txt"), format!("{probe}==1.0 --hash=sha256:{}\n", sha256(&whl)))
        .expect("write");
    write_manifest(&kit, |_| {});
    kit
}

/// (Re)writes kit.json from the kit's files, letting the test change it first.
fn write_manifest(kit: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut files = Vec::new();
    for rel in ["bin/uv", "requirements.txt"] {
        let p = kit.join(rel);
        files.push(serde_json::json!({"path": rel, "sha256": sha256(&p), "bytes": p.metadata().expect("meta").len()}));
    }
    for e in std::fs::read_dir(kit.join("wheels")).expect("wheels") {
        let p = e.expect("entry").path();
        let rel = format!("wheels/{}", p.file_name().expect("name").to_string_lossy());
        files.push(serde_json::json!({"path": rel, "sha256": sha256(&p), "bytes": p.metadata().expect("meta").len()}));
    }
    let mut m = serde_json::json!({
        "format": 1, "lock_sha256": lock_sha256(), "python": "3.11", "platform": "linux-x86_64",
        "created": "2026-12-03 08:00:00", "files": files,
    });
    edit(&mut m);
    std::fs::write(kit.join("kit.json"), serde_json::to_string_pretty(&m).expect("json")).expect("write");
}

fn import_value(env: &Path, module: &str) -> Option<String> {
    let out = Command::new(env.join("bin/python"))
        .args(["-c", &format!("import {module}; print({module}.VALUE)")])
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn kit_problem(r: leader_service::Result<refine_env::InstalledKit>) -> KitProblem {
    match r {
        Err(ServiceError::Kit(p)) => p,
        other => panic!("expected a kit problem, got {other:?}"),
    }
}

/// Nothing but the environment itself is left in its parent folder (no partial or old copy).
fn only_env_left(parent: &Path) {
    let names: Vec<String> =
        std::fs::read_dir(parent).expect("list").map(|e| e.expect("e").file_name().to_string_lossy().into()).collect();
    assert!(names.iter().all(|n| !n.contains(".partial") && !n.contains(".old")), "{names:?}");
}

#[test]
fn a_kit_installs_offline_and_a_second_replaces_it_whole() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let dest = data.join("refine-env");
    let kit = make_kit(&tmp.path().join("a"), "leader_kit_probe", "first");
    let installed = setup(&kit, &dest, &["leader_kit_probe"], &Quiet).expect("installs");
    assert_eq!(installed.lock_sha256, lock_sha256());
    assert_eq!(installed.files, 3);
    assert_eq!(import_value(&dest, "leader_kit_probe").as_deref(), Some("first"));
    // The data folder's environment is used when LEADER_PYTHON is not set and the pipeline's
    // source is found (here: the checkout's, registered as the app registers its resources).
    refine_env::add_pipeline_root(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipeline"));
    // What the Model screen and `refine status` read.
    let st = refine_env::status_from(None, &dest);
    assert_eq!(st.source, Some(EnvSource::Kit));
    assert!(st.pipeline_found);
    assert_eq!(st.folder, dest.display().to_string());
    assert_eq!(st.kit.expect("installed kit").created, "2026-12-03 08:00:00");
    // LEADER_PYTHON (a checkout), when set, wins; the kit is then not the one in use.
    let st = refine_env::status_from(Some("/somewhere/python".into()), &dest);
    assert_eq!((st.source, st.kit.is_none()), (Some(EnvSource::Checkout), true));
    // Nothing installed there: not available, and the folder it would go to.
    let st = refine_env::status_from(None, &tmp.path().join("nothing"));
    assert_eq!((st.source, st.kit.is_none()), (None, true));
    let env = refine_env::locate_from(None, Some(&dest)).expect("found");
    assert_eq!(env.source, EnvSource::Kit);
    assert_eq!(env.python, dest.join("bin/python"));
    assert!(env.pipeline.join("leader_pipeline/__main__.py").is_file());
    // LEADER_PYTHON, when set, wins.
    let env = refine_env::locate_from(Some("/somewhere/python".into()), Some(&dest)).expect("found");
    assert_eq!(env.source, EnvSource::Checkout);

    // A second kit replaces the first whole.
    let kit2 = make_kit(&tmp.path().join("b"), "leader_kit_probe", "second");
    setup(&kit2, &dest, &["leader_kit_probe"], &Quiet).expect("reinstalls");
    assert_eq!(import_value(&dest, "leader_kit_probe").as_deref(), Some("second"));
    only_env_left(&data);
}

#[test]
fn a_kit_that_fails_any_check_leaves_the_previous_environment_as_it_was() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let dest = data.join("refine-env");
    let good = make_kit(&tmp.path().join("good"), "leader_kit_probe", "good");
    setup(&good, &dest, &["leader_kit_probe"], &Quiet).expect("installs");
    let check = |what: &str| {
        assert_eq!(import_value(&dest, "leader_kit_probe").as_deref(), Some("good"), "{what}");
        only_env_left(&data);
    };

    // Not a kit.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    assert_eq!(kit_problem(setup(&empty, &dest, &[], &Quiet)), KitProblem::NotAKit);
    check("not a kit");

    // Built from another lock, another format, another platform, a path out of the kit.
    let other = make_kit(&tmp.path().join("other"), "leader_kit_probe", "bad");
    write_manifest(&other, |m| m["lock_sha256"] = "0".repeat(64).into());
    assert!(matches!(kit_problem(setup(&other, &dest, &[], &Quiet)), KitProblem::OtherVersion { .. }));
    write_manifest(&other, |m| m["format"] = 2.into());
    assert_eq!(kit_problem(setup(&other, &dest, &[], &Quiet)), KitProblem::Format(2));
    write_manifest(&other, |m| m["python"] = "3.12".into());
    assert!(matches!(kit_problem(setup(&other, &dest, &[], &Quiet)), KitProblem::Platform { .. }));
    write_manifest(&other, |m| m["files"][0]["path"] = "../outside".into());
    assert_eq!(kit_problem(setup(&other, &dest, &[], &Quiet)), KitProblem::Escapes("../outside".into()));
    check("manifest checks");

    // A damaged wheel (one byte changed after the manifest was written).
    let damaged = make_kit(&tmp.path().join("damaged"), "leader_kit_probe", "bad");
    let whl = std::fs::read_dir(damaged.join("wheels")).expect("ls").next().expect("one").expect("e").path();
    let mut bytes = std::fs::read(&whl).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&whl, bytes).expect("write");
    let name = format!("wheels/{}", whl.file_name().expect("n").to_string_lossy());
    assert_eq!(kit_problem(setup(&damaged, &dest, &[], &Quiet)), KitProblem::Damaged(name));
    check("damaged wheel");

    // A requirement the kit has no wheel for: uv may not fetch it (no index, offline).
    let missing = make_kit(&tmp.path().join("missing"), "leader_kit_probe", "bad");
    let req = missing.join("requirements.txt");
    let mut text = std::fs::read_to_string(&req).expect("read");
    text.push_str(&format!("leader-kit-not-in-kit==1.0 --hash=sha256:{}\n", "0".repeat(64)));
    std::fs::write(&req, text).expect("write");
    write_manifest(&missing, |_| {});
    assert_eq!(kit_problem(setup(&missing, &dest, &[], &Quiet)), KitProblem::Step("installing the packages"));
    check("missing wheel");

    // Installs, but does not import what refinement needs.
    let incomplete = make_kit(&tmp.path().join("incomplete"), "leader_kit_probe", "bad");
    assert_eq!(
        kit_problem(setup(&incomplete, &dest, &["leader_kit_probe", "leader_kit_absent"], &Quiet)),
        KitProblem::Import("leader_kit_absent".into())
    );
    check("does not import");
}

#[tokio::test]
async fn install_audits_what_happened_and_refuses_a_kit_without_the_pipeline_modules() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("leader.sqlite");
    let store = leader_store::Store::open(&db).await.expect("store");
    // A well-formed kit that lacks torch & co.: installed into the partial folder, refused
    // at the import check, audited as a failure, nothing left in the data folder.
    let kit = make_kit(&tmp.path().join("k"), "leader_kit_probe", "x");
    let dest = tmp.path().join("refine-env");
    let err = refine_env::install(&store, &kit, &dest, Box::new(Quiet)).await.expect_err("refused");
    assert!(matches!(err, ServiceError::Kit(KitProblem::Import(ref m)) if m == "torch"), "{err:?}");
    assert!(!dest.exists());
    let events = store.audit_events(Some("refine-env-install-failed"), 10).await.expect("audit");
    assert_eq!(events.len(), 1);
    assert!(events[0].payload["reason"].as_str().expect("reason").contains("cannot import torch"));
    only_env_left(tmp.path());
    store.close().await;
}
