//! Plain-language names for ATC codes, written by the LEADER Rx project.
//!
//! WHO's ATC texts may not be redistributed, so every name here is our own: class names
//! (levels 1–4) in words a prescriber or patient reads at a glance ("Cephalosporin
//! antibiotics", "Blood thinners (antithrombotics)"), ingredient names (level 5) as the
//! international non-proprietary name, with the US name in brackets where it differs.
//!
//! Covered: every level-1, -2 and -3 group (so any store's level-3 vocabulary is named),
//! every level-4 subgroup the MIMIC drug-mapping tables (ethos GSN/NDC/name maps) can map a
//! prescription to (so a full MIMIC store is named at level 4 too), and the level-5
//! ingredients that the MIMIC-IV demo's prescriptions map to, the synthetic demo cohort uses
//! and the curated interaction rules name. The table is
//! `atc_names.txt` beside this file; the store writes it into its code titles (source
//! `leader`) so every display path finds the names without a lookup of its own.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::{Code, CodeSystem};

/// The table as written: `CODE name` lines, `#` comments.
pub const TABLE: &str = include_str!("atc_names.txt");

/// The entries of [`TABLE`] in file order. A line that is not `CODE name` is skipped here
/// and refused by the tests, so a typo can never reach a release.
pub fn entries() -> impl Iterator<Item = (&'static str, &'static str)> {
    TABLE.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).filter_map(|l| {
        let (code, name) = l.split_once(' ')?;
        let name = name.trim();
        (!code.is_empty() && !name.is_empty()).then_some((code, name))
    })
}

fn index() -> &'static FxHashMap<&'static str, &'static str> {
    static INDEX: OnceLock<FxHashMap<&'static str, &'static str>> = OnceLock::new();
    INDEX.get_or_init(|| entries().collect())
}

/// Our name for an ATC code value (no dots, upper case, as [`Code`] stores it), or `None`
/// when the table has none.
pub fn atc_name(code: &str) -> Option<&'static str> {
    index().get(code).copied()
}

/// Our name for a code when it is an ATC code; `None` for other systems.
pub fn name_of(code: &Code) -> Option<&'static str> {
    (code.system() == CodeSystem::Atc).then(|| atc_name(code.value())).flatten()
}

/// How many entries the table has.
pub fn len() -> usize {
    index().len()
}

/// A fingerprint of the table (FNV-1a, 64 bits, hex): the store rewrites its copy of the
/// names only when this changes.
pub fn fingerprint() -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in TABLE.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn level(code: &str) -> Option<u8> {
        Code::new(CodeSystem::Atc, code).ok().filter(|c| c.value() == code).and_then(|c| c.atc_level())
    }

    #[test]
    fn every_line_is_a_valid_code_and_a_name_once() {
        let mut seen = HashSet::new();
        for (n, line) in TABLE.lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            let (code, name) = line.split_once(' ').unwrap_or_else(|| panic!("line {}: no name", n + 1));
            assert!(level(code).is_some(), "line {}: {code} is not an ATC code as stored", n + 1);
            assert_eq!(name, name.trim(), "line {}: stray spaces", n + 1);
            assert!(name.len() >= 3, "line {}: empty name", n + 1);
            assert!(!name.chars().any(char::is_control), "line {}: control character", n + 1);
            assert!(name.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()), "line {}: {name}", n + 1);
            assert!(seen.insert(code), "line {}: {code} twice", n + 1);
        }
        assert_eq!(seen.len(), len());
        assert_eq!(entries().count(), len());
    }

    #[test]
    fn every_group_down_to_level_3_is_named_and_every_code_has_its_parents() {
        let mut by_level: HashMap<u8, usize> = HashMap::new();
        for (code, _) in entries() {
            let l = level(code).expect("valid");
            *by_level.entry(l).or_default() += 1;
            // The parents of every named code are named too (a class never shows bare
            // above a named ingredient).
            for parent in 1..l {
                let p = Code::new(CodeSystem::Atc, code).expect("valid").at_atc_level(parent).expect("a parent");
                assert!(atc_name(p.value()).is_some(), "{code}: parent {p} has no name");
            }
        }
        // 14 anatomical groups, 94 therapeutic groups and all 270 level-3 classes.
        assert_eq!(by_level.get(&1), Some(&14));
        assert_eq!(by_level.get(&2), Some(&94));
        assert_eq!(by_level.get(&3), Some(&270));
        assert!(by_level.get(&4).copied().unwrap_or(0) >= 540, "{by_level:?}");
        assert!(by_level.get(&5).copied().unwrap_or(0) >= 400, "{by_level:?}");
    }

    #[test]
    fn names_read_as_we_wrote_them() {
        assert_eq!(atc_name("J01D"), Some("Cephalosporin antibiotics"));
        assert_eq!(atc_name("A12C"), Some("Other mineral supplements (magnesium, zinc, sodium and others)"));
        assert_eq!(atc_name("B05C"), Some("Irrigation and flushing solutions"));
        assert_eq!(atc_name("J01DD04"), Some("Ceftriaxone"));
        assert_eq!(atc_name("J01DD99"), None);
        assert_eq!(atc_name("j01d"), None, "values are upper case, as Code stores them");
        let c = Code::new(CodeSystem::Atc, "b01a").expect("valid");
        assert_eq!(name_of(&c), Some("Blood thinners (antithrombotics)"));
        let icd = Code::new(CodeSystem::Icd10Cm, "J01").expect("valid");
        assert_eq!(name_of(&icd), None, "only ATC codes are named here");
    }

    #[test]
    fn the_fingerprint_is_sixteen_hex_digits_and_stable() {
        assert_eq!(fingerprint(), fingerprint());
        assert!(fingerprint().len() == 16 && fingerprint().chars().all(|c| c.is_ascii_hexdigit()));
    }
}
