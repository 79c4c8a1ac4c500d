//! The curated interaction list against the ONC high-priority list (Phansalkar et al.,
//! JAMIA 2012), and the QT group rule.
//!
//! The ONC list (`../shared/data/mappings/onc_ddi/ONC_High_Priority_Mapped.csv`, drug
//! pairs by name and DrugBank id) has no licence: it is read here only to *measure*
//! coverage, never copied. Names are mapped to ATC level-5 codes with the shared WHO ATC
//! name table (`mappings/ethos/atc_coding.csv.gz`), the project's own ATC names
//! (`leader_core::atc_names`, INN and US names) and a few US-name → INN aliases below. A pair
//! is covered when the store's curated knowledge base, matching as the product matches,
//! flags some ATC code of one drug against some ATC code of the other.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use leader_core::ddi::{KnowledgeBase, Role, Severity};
use leader_core::{Code, CodeSystem};

use crate::common::*;

/// US adopted names of the list whose INN differs (or whose WHO entry names the salt).
const ALIASES: &[(&str, &str)] = &[
    ("diethylpropion", "amfepramone"),
    ("ergonovine", "ergometrine"),
    ("levomethadyl acetate", "levacetylmethadol"),
    ("methamphetamine", "metamfetamine"),
    ("methylergonovine", "methylergometrine"),
    ("pentamidine", "pentamidine isethionate"),
];

/// Lower-case drug name → ATC level-5 codes.
fn name_map(atc_coding_gz: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(atc_coding_gz).expect("atc_coding.csv.gz"))
        .read_to_string(&mut text)
        .expect("gzip text");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    for r in rows.records() {
        let r = r.expect("csv row");
        let (code, name) = (&r[0], &r[1]);
        if code.len() == 7 {
            map.entry(name.trim().to_lowercase()).or_default().insert(code.to_owned());
        }
    }
    // The project's names: "Inn (us name)" or "Inn".
    for (code, name) in leader_core::atc_names::entries().filter(|(c, _)| c.len() == 7) {
        let name = name.to_lowercase();
        let (inn, us) = match name.split_once(" (") {
            Some((inn, rest)) => (inn.to_owned(), Some(rest.trim_end_matches(')').to_owned())),
            None => (name.clone(), None),
        };
        map.entry(inn).or_default().insert(code.to_owned());
        if let Some(us) = us {
            map.entry(us).or_default().insert(code.to_owned());
        }
    }
    map
}

fn codes_of(map: &BTreeMap<String, BTreeSet<String>>, name: &str) -> Vec<Code> {
    let key = name.trim().to_lowercase();
    let alias = ALIASES.iter().find(|(us, _)| *us == key).map(|(_, inn)| *inn);
    [Some(key.as_str()), alias]
        .into_iter()
        .flatten()
        .filter_map(|k| map.get(k))
        .flatten()
        .map(|c| Code::new(CodeSystem::Atc, c).expect("ATC code"))
        .collect()
}

fn flags(kb: &KnowledgeBase, a: &[Code], b: &[Code]) -> bool {
    a.iter().any(|x| b.iter().any(|y| !kb.screen(&[(x.clone(), Role::Checked), (y.clone(), Role::Checked)]).is_empty()))
}

async fn curated() -> KnowledgeBase {
    let store = memory_store().await;
    store.knowledge_base(Some(&["leader-curated".to_owned()])).await.expect("knowledge base")
}

#[tokio::test]
async fn the_curated_list_covers_the_onc_high_priority_list() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mappings");
    let onc = data.join("onc_ddi/ONC_High_Priority_Mapped.csv");
    if !onc.exists() {
        eprintln!("note: {} is absent; ONC coverage not measured", onc.display());
        return;
    }
    let map = name_map(&data.join("ethos/atc_coding.csv.gz"));
    let kb = curated().await;

    // Unordered pairs by name ('$'-separated: name, DrugBank id, name, DrugBank id).
    let text = std::fs::read_to_string(&onc).expect("ONC list");
    let mut rows = 0;
    let mut pairs = BTreeSet::new();
    for line in text.trim_start_matches('\u{feff}').lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('$').collect();
        assert!(f.len() >= 4, "ONC line: {line}");
        rows += 1;
        let (a, b) = (f[0].trim().to_owned(), f[2].trim().to_owned());
        pairs.insert(if a <= b { (a, b) } else { (b, a) });
    }
    assert!(rows > 1900 && pairs.len() > 1000, "{rows} rows, {} pairs", pairs.len());

    let (mut unmapped, mut uncovered, mut covered) = (Vec::new(), Vec::new(), 0usize);
    for (a, b) in &pairs {
        let (ca, cb) = (codes_of(&map, a), codes_of(&map, b));
        if ca.is_empty() || cb.is_empty() {
            unmapped.push(format!("{a} + {b}"));
        } else if flags(&kb, &ca, &cb) {
            covered += 1;
        } else {
            uncovered.push(format!("{a} + {b}"));
        }
    }
    let mapped = covered + uncovered.len();
    let share = covered as f64 / mapped as f64;
    println!(
        "ONC high-priority list: {rows} rows, {} distinct pairs; {mapped} pairs with both drugs mapped to ATC; \
         {covered} covered by the curated list ({:.1}%); {} unmapped",
        pairs.len(),
        100.0 * share,
        unmapped.len()
    );
    println!("uncovered: {uncovered:?}");
    println!("unmapped (a drug without an ATC code): {unmapped:?}");
    assert!(share >= 0.95, "ONC coverage {:.1}% < 95%; uncovered: {uncovered:?}", 100.0 * share);
}

#[tokio::test]
async fn two_qt_prolonging_drugs_form_a_finding_that_names_both() {
    let kb = curated().await;
    let atc = |v: &str| Code::new(CodeSystem::Atc, v).expect("ATC");
    let screen = |a: &str, b: &str| kb.screen(&[(atc(a), Role::Current), (atc(b), Role::Suggested)]);

    // Ondansetron with haloperidol: both on the QT list, neither forbids the other → major.
    let f = screen("A04AA01", "N05AD01");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Major);
    let mech = f[0].rules[0].mechanism.as_deref().expect("mechanism");
    assert!(mech.contains("ondansetron") && mech.contains("haloperidol"), "{mech}");
    assert!(f[0].rules[0].reference.as_deref().expect("reference").contains("Phansalkar"));

    // Pimozide's labelling forbids any QT-prolonging partner → contraindicated.
    assert_eq!(screen("J01FA10", "N05AG02")[0].severity, Severity::Contraindicated);
    // A pair the first curated migration already held keeps its own row and text.
    let f = screen("C01BD01", "N05AD01");
    assert_eq!(f[0].rules.len(), 1);
    assert!(!f[0].rules[0].mechanism.as_deref().expect("mechanism").starts_with("QT group"));
    // Three QT drugs: every pair is named.
    let three = kb.screen(&[
        (atc("A04AA01"), Role::Current),
        (atc("J01MA14"), Role::Current),
        (atc("N06AB04"), Role::Suggested),
    ]);
    assert_eq!(three.len(), 3);
    // A drug outside the group does not join it.
    assert!(screen("A04AA01", "N02BE01").is_empty());
}

#[tokio::test]
async fn every_curated_pair_is_stored_once_and_the_qt_group_has_a_reference_per_drug() {
    let store = memory_store().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ddi_pairs WHERE source = 'leader-curated'")
        .fetch_one(store.pool())
        .await
        .expect("count");
    let members: Vec<(String, String)> =
        sqlx::query_as("SELECT code, reference FROM ddi_group_members WHERE group_name = 'qt-prolonging'")
            .fetch_all(store.pool())
            .await
            .expect("members");
    assert!(members.len() >= 40, "{} QT drugs", members.len());
    assert!(members.iter().all(|(_, r)| r.len() > 10));
    // 118 first rules + the ONC classes + every QT pair not already present.
    assert!(n > 118 + 100 + 800, "{n} curated rules");
    let missing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ddi_group_members x JOIN ddi_group_members y ON x.ingredient < y.ingredient \
         WHERE NOT EXISTS (SELECT 1 FROM ddi_pairs p WHERE p.source = 'leader-curated' \
           AND p.code_a = min(x.code, y.code) AND p.code_b = max(x.code, y.code))",
    )
    .fetch_one(store.pool())
    .await
    .expect("missing pairs");
    assert_eq!(missing, 0, "every two QT drugs have a rule");
}
