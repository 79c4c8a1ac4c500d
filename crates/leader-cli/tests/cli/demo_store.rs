//! `leader demo` never mixes the synthetic cohort with imported patients; `evaluate` and
//! `export-dataset` on a store holding both leave the synthetic ones out and say so.

use std::path::{Path, PathBuf};

use crate::{json, leader};

fn mimic_iii() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-store/tests/fixtures/mimic-iii")
}

fn import_real(db: &Path) {
    let dir = mimic_iii();
    json(&leader(db, &["--json", "import", "atc-map", dir.join("atc_map.csv").to_str().expect("path")]));
    json(&leader(db, &["--json", "import", "mimic-iii", dir.to_str().expect("path")]));
}

#[test]
fn demo_refuses_a_store_with_imported_patients() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    import_real(&db);
    let out = leader(&db, &["demo"]);
    assert!(!out.status.success(), "refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("demo cohort") && err.contains("imported patients"), "{err}");
    let stats = json(&leader(&db, &["--json", "stats"]));
    assert_eq!(stats["patients"], 3);
    assert_eq!(stats["synthetic_patients"], 0, "no demo patient added");
}

#[test]
fn evaluate_and_export_leave_out_synthetic_patients_beside_real_ones() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    import_real(&db);
    let stats = json(&leader(&db, &["--json", "stats"]));
    let demo = stats["synthetic_patients"].as_u64().expect("n");
    assert!(demo >= 30);

    let out = dir.path().join("dataset");
    let m = json(&leader(&db, &["--json", "export-dataset", "--out", out.to_str().expect("path")]));
    assert_eq!(m["excluded_synthetic_patients"], demo);
    assert!(m["sources"].get("demo").is_none(), "{}", m["sources"]);
    let text = leader(&db, &["export-dataset", "--out", out.to_str().expect("path")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("{demo} synthetic patients excluded")), "{text}");

    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-infer/tests/fixtures/tiny-bundle");
    let model = model.to_str().expect("path");
    let e = json(&leader(&db, &["--json", "evaluate", "--split", "all", "--model", model]));
    assert_eq!(e["excluded_synthetic_patients"], demo);
    let text = leader(&db, &["evaluate", "--split", "all", "--model", model]);
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("{demo} synthetic patients excluded")), "{text}");
}
