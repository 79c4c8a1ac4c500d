//! The `leader` binary end to end: arguments, exit codes, JSON and one-line errors.

use std::path::Path;
use std::process::{Command, Output};

// Recommend, interaction checks, evaluate, model install/rollback with the fixture bundle.
mod infer;

// Model bundles: an edited installed bundle, external data, symbolic links, invalid outputs.
mod bundles;

// FHIR R4 import of the MIMIC-IV demo on FHIR against its CSV release; decision export, validated.
mod fhir;

// `leader serve`: loopback by default, discovery over HTTP, unsigned calls refused.
mod serve;

// The demo cohort only in a store of its own; synthetic patients left out beside real ones.
mod demo_store;

// The whole refinement chain in its tiny configuration (needs the pipeline's Python env).
mod refine;

// `audit verify` on intact and tampered stores; `backup`; the database file alone holds the
// rows after a command; owner-only files.
mod integrity;

// Crash trials: SIGKILL at random moments during an import, a model install and a decision
// write; the store is the old or the new state, intact, verified, with a model that loads.
mod crash;

// No ATC code shown without a name: recommend on the demo store and a MIMIC-IV demo store.
mod names;

// Models per store, the coverage gate, explicit runtime paths, decisions on recorded answers.
mod stores;

// Concrete candidates, interactions on them (alert burden, curated pairs caught), grouped
// evidence and its deletion test, decisions naming the chosen ingredient.
mod candidates;

pub fn leader(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leader"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LEADER_DB")
        .output()
        .expect("the leader binary runs")
}

pub fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "command failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

/// The MIMIC-IV demo with the two drug maps, imported into `db` through the CLI.
pub fn import_mimic_iv_demo(db: &Path) {
    let maps = shared_data().join("mappings/ethos");
    for map in ["gsn_atc_ndc_mapping.csv.gz", "mimic_drug_to_atc.csv.gz"] {
        json(&leader(db, &["--json", "import", "atc-map", maps.join(map).to_str().expect("path")]));
    }
    let hosp = shared_data().join("mimic-iv-demo-2.2/hosp");
    json(&leader(db, &["--json", "import", "mimic-iv", hosp.to_str().expect("path")]));
}

pub fn shared_data() -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(p.join("README.md").exists(), "the shared data folder is expected at {}", p.display());
    p
}

#[test]
fn demo_creates_the_store_once_and_stats_describe_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("nested/leader.sqlite");
    let first = json(&leader(&db, &["--json", "demo"]));
    assert!(first["seeded"]["patients"].as_u64().expect("seeded") >= 30);
    let again = json(&leader(&db, &["demo", "--json"]));
    assert!(again["seeded"].is_null(), "the demo store is created only when absent");
    let stats = json(&leader(&db, &["--json", "stats"]));
    assert_eq!(stats["patients"], stats["synthetic_patients"]);
    let list = json(&leader(&db, &["--json", "patient", "list", "--search", "demo-00"]));
    assert_eq!(list.as_array().expect("array").len(), 9, "DEMO-001 .. DEMO-009");
    assert!(list.as_array().expect("array").iter().all(|p| p["synthetic"] == true));
    let show = leader(&db, &["patient", "show", "DEMO-001"]);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("SYNTHETIC") && text.contains("ICD10CM:I4891") && text.contains("ATC:B01A"), "{text}");
}

#[test]
fn errors_are_one_line_with_a_non_zero_exit_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let out = leader(&db, &["patient", "show", "NOBODY"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: ") && !err.contains("NOBODY"), "no patient id echoed: {err}");
    let out = leader(&db, &["import", "mimic-iv", dir.path().to_str().expect("utf-8 path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no file `patients`"));
}

#[test]
fn mimic_iv_demo_imports_through_the_cli_with_the_ethos_maps() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let data = shared_data();
    let map = data.join("mappings/ethos/gsn_atc_ndc_mapping.csv.gz");
    let names = data.join("mappings/ethos/mimic_drug_to_atc.csv.gz");
    json(&leader(&db, &["--json", "import", "atc-map", map.to_str().expect("path")]));
    json(&leader(&db, &["--json", "import", "atc-map", names.to_str().expect("path")]));
    let s =
        json(&leader(&db, &["--json", "import", "mimic-iv", data.join("mimic-iv-demo-2.2").to_str().expect("path")]));
    assert_eq!(s["prescriptions"], 18_087);
    let stats = json(&leader(&db, &["--json", "stats"]));
    assert!(stats["mapped_share"].as_f64().expect("share") >= 0.94);
    assert_eq!(
        stats["patients_single_visit"].as_i64().expect("n") + stats["patients_multi_visit"].as_i64().expect("n"),
        100
    );
    let audit = json(&leader(&db, &["--json", "audit", "--kind", "import"]));
    assert_eq!(audit.as_array().expect("array").len(), 1);
}

#[test]
fn the_atc_level_setting_switches_the_medication_vocabulary() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let level3 = json(&leader(&db, &["--json", "stats"]))["distinct_medications"].as_i64().expect("n");
    json(&leader(&db, &["--json", "settings", "atc-level", "4"]));
    let level4 = json(&leader(&db, &["--json", "stats"]))["distinct_medications"].as_i64().expect("n");
    assert!(level4 > level3, "ATC level 4 is finer ({level4} vs {level3})");
    assert!(!leader(&db, &["settings", "atc-level", "5"]).status.success());
}
