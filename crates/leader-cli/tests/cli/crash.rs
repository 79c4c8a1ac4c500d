//! Crash trials: `leader` is killed with SIGKILL at a random moment (seeded) during an import,
//! a model install and a decision write. After every kill the store must pass
//! `PRAGMA integrity_check`, be exactly the state before the command or the state after it
//! (`stats`, which counts every table and the audit log, and the active and previous model),
//! load its active model, and pass `audit verify`.
//!
//! `CRASH_TRIALS` trials of each kind (default 5, what CI runs), `CRASH_SEED` seeds the kill
//! moments (default 20261202); `scripts/crash-trials.sh [TRIALS] [SEED]` runs the long version
//! on the release binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use leader_store::synth::{SplitMix, write_mimic_iv_cohort};

use crate::{json, leader};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-infer/tests/fixtures/tiny-bundle")
}

/// What a command may change: every count `stats` gives (the audit log's included), and
/// which model is active and which one rollback would return to.
#[derive(Debug, Clone, PartialEq)]
struct State {
    stats: serde_json::Value,
    active: Option<(String, String)>,
    previous: Option<(String, String)>,
}

fn state(db: &Path) -> State {
    let stats = json(&leader(db, &["--json", "stats"]));
    let models = json(&leader(db, &["--json", "model", "list"]));
    let pick = |flag: &str| {
        models
            .as_array()
            .expect("a model list")
            .iter()
            .find(|m| m[flag] == true)
            .map(|m| (m["id"].as_str().expect("id").to_owned(), m["version"].as_str().expect("version").to_owned()))
    };
    State { stats, active: pick("active"), previous: pick("previous") }
}

/// `PRAGMA integrity_check` on a plain connection (what the sqlite3 shell would run).
fn integrity_check(db: &Path) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(db);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.expect("a raw connection");
        let rows: Vec<String> =
            sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await.expect("integrity_check");
        conn.close().await.expect("close");
        rows.join("; ")
    })
}

fn spawn(db: &Path, args: &[String]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_leader"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LEADER_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the leader binary starts")
}

/// One kind of trial: `setup` builds the store as it is before the command in a folder
/// (afresh for every trial: a store's models folder names the store's path, so a copy
/// elsewhere is not the same store), and the command.
struct Scenario {
    name: &'static str,
    setup: Box<dyn Fn(&Path) -> PathBuf>,
    command: Vec<String>,
    /// The command writes its audit event before its effect (model install: the event,
    /// then the install record and the pointer switch), so a kill between the two leaves
    /// the old state plus that one event, of this kind. Such trials are counted apart.
    audit_ahead: Option<&'static str>,
    /// The command records its effect in the store's `models` table after switching the
    /// active pointer (model install), so a kill between the two leaves the new state with
    /// that table as it was. Such trials are counted apart.
    record_after_switch: bool,
}

#[derive(Debug, Default)]
struct Tally {
    trials: u64,
    killed: u64,
    finished: u64,
    old_state: u64,
    new_state: u64,
    audit_ahead: u64,
    record_behind: u64,
}

fn run(scenario: &Scenario) -> Tally {
    let trials = env_u64("CRASH_TRIALS", 5);
    let seed = env_u64("CRASH_SEED", 20_261_202);
    let work = tempfile::tempdir().expect("tmp");
    let setup = |name: &str| {
        let dir = work.path().join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        (scenario.setup)(&dir)
    };
    let before = state(&setup("base"));

    // The reference: the command run to the end gives the new state and its duration.
    let db = setup("reference");
    let args: Vec<&str> = scenario.command.iter().map(String::as_str).collect();
    let started = Instant::now();
    let out = leader(&db, &args);
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}: the command fails without a crash: {}",
        scenario.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let after = state(&db);
    assert_ne!(after, before, "{}: the command changes nothing, so a trial would prove nothing", scenario.name);

    let mut rng = SplitMix::new(seed ^ scenario.name.bytes().fold(0u64, |h, b| h.wrapping_mul(31) ^ u64::from(b)));
    let window = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).saturating_mul(11) / 10;
    let mut tally = Tally::default();
    for trial in 0..trials {
        let db = setup(&format!("trial-{trial}"));
        let delay = Duration::from_micros(rng.below(window.max(1)));
        let mut child = spawn(&db, &scenario.command);
        std::thread::sleep(delay);
        let done_first = child.try_wait().expect("try_wait").is_some();
        child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
        child.wait().expect("wait");
        let what = format!("{} trial {trial} (seed {seed}, killed after {delay:?})", scenario.name);

        let integrity = integrity_check(&db);
        assert_eq!(integrity, "ok", "{what}: integrity_check");
        let now = state(&db);
        let old = now == before;
        let ahead = !old && now == audited(&before) && scenario.audit_ahead.is_some_and(|kind| last_event(&db) == kind);
        let behind = scenario.record_after_switch && now != after && now == unrecorded(&after, &before);
        assert!(
            old || ahead || behind || now == after,
            "{what}: the store is neither the old nor the new state: {now:#?}\nold: {before:#?}\nnew: {after:#?}"
        );
        let verify = leader(&db, &["--json", "audit", "verify"]);
        assert!(verify.status.success(), "{what}: audit verify: {}", String::from_utf8_lossy(&verify.stdout));
        let answer = json(&leader(&db, &["--json", "recommend", "--dx", "ICD10CM:I10,ICD10CM:E119", "--no-evidence"]));
        let serving = answer["recommendation"]["model"]["id"].as_str().map(str::to_owned);
        assert_eq!(serving, now.active.as_ref().map(|a| a.0.clone()), "{what}: the active model serves");

        tally.trials += 1;
        if done_first {
            tally.finished += 1
        } else {
            tally.killed += 1
        }
        if old {
            tally.old_state += 1
        } else if ahead {
            tally.audit_ahead += 1
        } else if behind {
            tally.record_behind += 1
        } else {
            tally.new_state += 1
        }
    }
    println!(
        "crash trials, {}: {} trials (seed {seed}, kills within {:?}): {} killed while running, {} had finished; \
         {} left the old state, {} the new one, {} the old one with the command's audit event written ahead, {} the new one \
         with the models table not yet written; \
         integrity_check, audit verify and the active model: ok in all",
        scenario.name,
        tally.trials,
        Duration::from_micros(window),
        tally.killed,
        tally.finished,
        tally.old_state,
        tally.new_state,
        tally.audit_ahead,
        tally.record_behind
    );
    if trials >= 3 {
        assert!(tally.killed > 0, "{}: no trial killed the command while it ran", scenario.name);
    }
    tally
}

/// The kind of the newest audit event.
fn last_event(db: &Path) -> String {
    let events = json(&leader(db, &["--json", "audit", "--limit", "1"]));
    events[0]["kind"].as_str().expect("an audit event").to_owned()
}

/// `after` with the `models` count of `before`.
fn unrecorded(after: &State, before: &State) -> State {
    let mut s = after.clone();
    s.stats["models"] = before.stats["models"].clone();
    s
}

/// `state` with one more audit event.
fn audited(state: &State) -> State {
    let mut s = state.clone();
    let n = s.stats["audit_events"].as_i64().expect("audit_events");
    s.stats["audit_events"] = (n + 1).into();
    s
}

fn arg(p: &Path) -> String {
    p.to_str().expect("a UTF-8 path").to_owned()
}

#[test]
fn crash_trials_import() {
    // The base store holds the cohort's mapping table (so the import also maps its
    // prescriptions); the import adds a generated MIMIC-IV-format cohort.
    let cohort = tempfile::tempdir().expect("tmp");
    write_mimic_iv_cohort(cohort.path(), 20_000, 7).expect("a generated cohort");
    let map = arg(&cohort.path().join("atc_map.csv"));
    let scenario = Scenario {
        name: "import",
        setup: Box::new(move |dir| {
            let db = dir.join("leader.sqlite");
            json(&leader(&db, &["--json", "import", "atc-map", &map]));
            db
        }),
        command: vec!["import".into(), "mimic-iv".into(), arg(cohort.path())],
        audit_ahead: None,
        record_after_switch: false,
    };
    run(&scenario);
}

/// `model install` of the fixture bundle over the bundled model, on a demo store (the gate
/// evaluates both on its held-out visits). `--force`: the untrained fixture is worse.
#[test]
fn crash_trials_model_install() {
    let mut command = vec!["model".into(), "install".into(), arg(&fixture()), "--force".into()];
    let help = leader(Path::new("unused.sqlite"), &["model", "install", "--help"]);
    if String::from_utf8_lossy(&help.stdout).contains("--allow-unsigned") {
        command.push("--allow-unsigned".into());
    }
    let scenario = Scenario {
        name: "model install",
        setup: Box::new(demo_store),
        command,
        audit_ahead: Some("model-install"),
        record_after_switch: true,
    };
    run(&scenario);
}

/// The decision write the CLI makes: `recommend` records the recommendation shown (model,
/// digest, inputs, suggestions) in the audit log, the event a clinician's decision refers to.
#[test]
fn crash_trials_decision_write() {
    let scenario = Scenario {
        name: "decision write",
        setup: Box::new(demo_store),
        command: ["recommend", "--patient", "DEMO-001", "--no-evidence", "--safe-mode"].map(String::from).to_vec(),
        audit_ahead: None,
        record_after_switch: false,
    };
    run(&scenario);
}

fn demo_store(dir: &Path) -> PathBuf {
    let db = dir.join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    db
}
