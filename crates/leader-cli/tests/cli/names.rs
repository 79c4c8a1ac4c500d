//! No ATC code is shown without a name: `leader recommend` with the bundled model, on the
//! demo store and on a MIMIC-IV demo store, as JSON and as text.

use std::collections::BTreeMap;
use std::path::Path;

use leader_core::{Code, CodeSystem};
use serde_json::Value;

use crate::{import_mimic_iv_demo, json, leader};

/// Whether `s` is an ATC code as the CLI prints it (`ATC:J01D`).
fn atc(s: &str) -> bool {
    s.parse::<Code>().is_ok_and(|c| c.system() == CodeSystem::Atc && c.to_string() == s)
}

/// Every ATC code in `v` (string values anywhere, object keys aside) with the name shown for
/// it: the `name` beside it in the same object when it is the object's own code (a
/// suggestion's `medication`, a candidate's `drug`), else the answer's `titles`. A code
/// without either maps to "".
fn named_codes(v: &Value, titles: &BTreeMap<String, String>, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(o) => {
            let beside = o.get("name").and_then(Value::as_str).unwrap_or("");
            for (key, x) in o {
                if let Some(s) = x.as_str().filter(|s| atc(s)) {
                    let own = matches!(key.as_str(), "medication" | "drug");
                    let name =
                        if beside.is_empty() || !own { titles.get(s).map_or("", String::as_str) } else { beside };
                    let e = out.entry(s.to_owned()).or_default();
                    if e.is_empty() {
                        *e = name.to_owned();
                    }
                } else {
                    named_codes(x, titles, out);
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                if let Some(s) = x.as_str().filter(|s| atc(s)) {
                    let e = out.entry(s.to_owned()).or_default();
                    if e.is_empty() {
                        *e = titles.get(s).cloned().unwrap_or_default();
                    }
                } else {
                    named_codes(x, titles, out);
                }
            }
        }
        _ => {}
    }
}

/// Recommends for `patient` with the bundled model and checks that every ATC code of the
/// answer (suggestions, candidates, evidence, current medications, interactions and the
/// rules behind them, the review of the visit's orders) has a name in the JSON, and that every text line showing an ATC code shows its name.
fn every_atc_code_is_named(db: &Path, patient: &str) -> usize {
    let out = json(&leader(db, &["--json", "recommend", "--patient", patient, "--top-k", "40"]));
    let titles: BTreeMap<String, String> = serde_json::from_value(out["titles"].clone()).expect("titles");
    let mut codes = BTreeMap::new();
    named_codes(&out["recommendation"], &titles, &mut codes);
    named_codes(&out["review"], &titles, &mut codes);
    let bare: Vec<&String> = codes.iter().filter(|(_, n)| n.trim().is_empty()).map(|(c, _)| c).collect();
    assert!(bare.is_empty(), "{patient}: ATC codes without a name in --json: {bare:?}");

    let text = leader(db, &["recommend", "--patient", patient, "--top-k", "40"]);
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let text = String::from_utf8_lossy(&text.stdout);
    for line in text.lines() {
        for word in line.split(|c: char| c.is_whitespace() || c == ';' || c == '[' || c == ']') {
            if atc(word) {
                let name = codes.get(word).unwrap_or_else(|| panic!("{patient}: {word} printed but not in --json"));
                assert!(line.contains(name.as_str()), "{patient}: {word} shown without its name `{name}`: {line}");
            }
        }
    }
    codes.len()
}

#[test]
fn recommendations_on_the_demo_store_name_every_atc_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let mut n = 0;
    for p in ["DEMO-001", "DEMO-012", "DEMO-020"] {
        n += every_atc_code_is_named(&db, p);
    }
    assert!(n >= 60, "only {n} codes checked");
}

#[test]
fn recommendations_on_a_mimic_iv_demo_store_name_every_atc_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    import_mimic_iv_demo(&db);
    // The patients with the most visits: long histories, many current medications.
    let list = json(&leader(&db, &["--json", "patient", "list"]));
    let mut patients: Vec<(u64, String)> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|p| (p["visits"].as_u64().unwrap_or(0), p["id"].as_str().expect("id").to_owned()))
        .collect();
    patients.sort_by(|a, b| b.cmp(a));
    assert!(patients.len() >= 100 && patients[0].0 >= 2, "{:?}", &patients[..3]);
    let mut n = 0;
    for (_, p) in patients.iter().take(4) {
        n += every_atc_code_is_named(&db, p);
    }
    assert!(n >= 60, "only {n} codes checked");
}
