//! Drug–drug interaction screening over a knowledge base of code pairs.
//!
//! Rules are pairs of codes of one system. Matching follows the code hierarchy: a rule
//! on `B01AA` (vitamin K antagonists) covers the drug `B01AA03` (warfarin) — a
//! *drug-level* match — and, when a suggestion is only a class such as `B01A`, the rule
//! still applies to some members of that class — a *class-level* match, reported as
//! such. Each finding lists every matching rule with its source.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(ts_rs::TS)]
pub enum Severity {
    /// Known from a pair table without a severity (e.g. TWOSIDES-derived adjacency).
    Unknown,
    Moderate,
    Major,
    Contraindicated,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "contraindicated" => Some(Severity::Contraindicated),
            "major" => Some(Severity::Major),
            "moderate" => Some(Severity::Moderate),
            "unknown" | "" => Some(Severity::Unknown),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Moderate => "moderate",
            Severity::Major => "major",
            Severity::Contraindicated => "contraindicated",
        }
    }

    /// Contraindicated and major interactions are flagged on suggestions.
    pub const fn is_high(self) -> bool {
        matches!(self, Severity::Major | Severity::Contraindicated)
    }
}

/// One knowledge-base rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InteractionRule {
    pub source: String,
    pub a: Code,
    pub b: Code,
    pub severity: Severity,
    pub mechanism: Option<String>,
    pub management: Option<String>,
    pub reference: Option<String>,
}

/// Why a drug is on the list being screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(ts_rs::TS)]
pub enum Role {
    Suggested,
    Current,
    Checked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(ts_rs::TS)]
pub enum Certainty {
    /// Both drugs fall under the rule's codes.
    Drug,
    /// At least one side is a class broader than the rule: some of its members interact.
    Class,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// An interaction between two drugs (rules of the loaded sources).
    #[default]
    Interaction,
    /// Two different drugs of one therapeutic class ([`DUPLICATE_CLASSES`]); the pair may
    /// also have interaction rules, listed with it.
    DuplicateTherapy,
}

/// The source name of duplicate-therapy findings' rules.
pub const DUPLICATE_SOURCE: &str = "leader-duplicate-therapy";

/// A therapeutic class in which two different drugs at once are duplicate therapy: the
/// class is a set of ATC codes (its drugs are the level-5 ingredients under them).
/// Project-written; each with what to do and a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateClass {
    /// Plural, as read in "both are …".
    pub name: &'static str,
    pub atc: &'static [&'static str],
    pub severity: Severity,
    pub management: &'static str,
    pub reference: &'static str,
}

/// The duplicate-therapy classes (project-written). Combinations that are deliberate
/// standard practice (basal with prandial insulin, aspirin with a P2Y12 inhibitor, a
/// long-acting with a breakthrough opioid…) are either not listed or flagged only as
/// moderate, so the prescriber confirms rather than being stopped.
pub const DUPLICATE_CLASSES: &[DuplicateClass] = &[
    DuplicateClass {
        name: "anticoagulants",
        atc: &["B01AA", "B01AB", "B01AE", "B01AF"],
        severity: Severity::Major,
        management: "Two anticoagulants add to the bleeding risk. Outside a planned bridge or switch (with its stop date), keep one.",
        reference: "Kearon C et al. Chest 2012;141(2 Suppl):e419S-e496S; ISMP list of high-alert medications (anticoagulants)",
    },
    DuplicateClass {
        name: "P2Y12 inhibitors",
        atc: &["B01AC04", "B01AC05", "B01AC22", "B01AC24"],
        severity: Severity::Major,
        management: "Two P2Y12 inhibitors add bleeding without added benefit. When switching, follow the switching protocol and stop the first.",
        reference: "Angiolillo DJ et al. Circulation 2017;136:1955-75 (international consensus on switching P2Y12 inhibitors)",
    },
    DuplicateClass {
        name: "NSAIDs",
        atc: &["M01AA", "M01AB", "M01AC", "M01AE", "M01AG", "M01AH"],
        severity: Severity::Major,
        management: "Two NSAIDs add gastrointestinal bleeding and kidney injury risk without added pain relief. Keep one.",
        reference: "American Geriatrics Society Beers Criteria 2023 (J Am Geriatr Soc 2023;71:2052-81)",
    },
    DuplicateClass {
        name: "selective serotonin reuptake inhibitors",
        atc: &["N06AB"],
        severity: Severity::Major,
        management: "Two SSRIs add serotonergic toxicity without evidence of benefit. During a cross-taper, record the end date of the first.",
        reference: "Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20 (serotonin syndrome)",
    },
    DuplicateClass {
        name: "proton-pump inhibitors",
        atc: &["A02BC"],
        severity: Severity::Moderate,
        management: "Two proton-pump inhibitors give no added acid suppression. Keep one.",
        reference: "Farrell B et al. Can Fam Physician 2017;63:354-64 (PPI deprescribing guideline)",
    },
    DuplicateClass {
        name: "H2-receptor antagonists",
        atc: &["A02BA"],
        severity: Severity::Moderate,
        management: "Two H2-receptor antagonists give no added acid suppression. Keep one.",
        reference: "WHO ATC/DDD Index, A02BA; product information of each H2-receptor antagonist",
    },
    DuplicateClass {
        name: "statins",
        atc: &["C10AA"],
        severity: Severity::Moderate,
        management: "Two statins add myopathy risk; intensify with one statin's dose or add a non-statin instead.",
        reference: "Grundy SM et al. Circulation 2019;139:e1082-e1143 (2018 AHA/ACC cholesterol guideline)",
    },
    DuplicateClass {
        name: "ACE inhibitors",
        atc: &["C09AA", "C09BA", "C09BB", "C09BX"],
        severity: Severity::Moderate,
        management: "Two ACE inhibitors (single or in combination products) duplicate one action: hyperkalaemia, hypotension, kidney injury. Keep one.",
        reference: "WHO ATC/DDD Index, C09A/C09B; Whelton PK et al. Hypertension 2018;71:e13-e115",
    },
    DuplicateClass {
        name: "angiotensin II receptor blockers",
        atc: &["C09CA", "C09DA", "C09DB", "C09DX"],
        severity: Severity::Moderate,
        management: "Two angiotensin II receptor blockers (single or in combination products) duplicate one action. Keep one.",
        reference: "WHO ATC/DDD Index, C09C/C09D; Whelton PK et al. Hypertension 2018;71:e13-e115",
    },
    DuplicateClass {
        name: "beta blockers",
        atc: &["C07"],
        severity: Severity::Moderate,
        management: "Two systemic beta blockers add bradycardia, heart block and hypotension. Keep one.",
        reference: "WHO ATC/DDD Index, C07; product information of each beta blocker",
    },
    DuplicateClass {
        name: "loop diuretics",
        atc: &["C03CA"],
        severity: Severity::Moderate,
        management: "Two loop diuretics duplicate one action (volume depletion, electrolyte loss). Keep one and adjust its dose.",
        reference: "WHO ATC/DDD Index, C03CA; Felker GM et al. N Engl J Med 2011;364:797-805 (loop diuretic dosing)",
    },
    DuplicateClass {
        name: "sulfonylureas",
        atc: &["A10BB"],
        severity: Severity::Moderate,
        management: "Two sulfonylureas add hypoglycaemia without added benefit. Keep one.",
        reference: "American Diabetes Association. Standards of Care in Diabetes 2024, section 9",
    },
    DuplicateClass {
        name: "incretin-based agents (DPP-4 inhibitors and GLP-1 receptor agonists)",
        atc: &["A10BH", "A10BJ"],
        severity: Severity::Moderate,
        management: "A DPP-4 inhibitor adds nothing to a GLP-1 receptor agonist (the same pathway). Stop the DPP-4 inhibitor.",
        reference: "American Diabetes Association. Standards of Care in Diabetes 2024, section 9",
    },
    DuplicateClass {
        name: "benzodiazepines or Z-drugs",
        atc: &["N05BA", "N05CD", "N05CF"],
        severity: Severity::Moderate,
        management: "Two benzodiazepine-receptor agonists add sedation, falls and respiratory depression. Keep one.",
        reference: "American Geriatrics Society Beers Criteria 2023 (J Am Geriatr Soc 2023;71:2052-81)",
    },
    DuplicateClass {
        name: "opioids",
        atc: &["N02AA", "N02AB", "N02AC", "N02AD", "N02AE", "N02AF", "N02AG", "N02AJ", "N02AX"],
        severity: Severity::Moderate,
        management: "Two opioids add respiratory depression. A long-acting with a short-acting opioid for breakthrough pain is deliberate; otherwise keep one.",
        reference: "Dowell D et al. MMWR Recomm Rep 2022;71(3):1-95 (CDC opioid prescribing guideline)",
    },
    DuplicateClass {
        name: "antipsychotics",
        atc: &["N05AA", "N05AB", "N05AC", "N05AD", "N05AE", "N05AF", "N05AG", "N05AH", "N05AL", "N05AX"],
        severity: Severity::Moderate,
        management: "Two antipsychotics add QT, metabolic and extrapyramidal risk; outside a cross-taper keep one.",
        reference: "American Geriatrics Society Beers Criteria 2023; NICE CG178 (psychosis and schizophrenia in adults)",
    },
    DuplicateClass {
        name: "bisphosphonates",
        atc: &["M05BA", "M05BB"],
        severity: Severity::Moderate,
        management: "Two bisphosphonates duplicate one action (hypocalcaemia, osteonecrosis). Keep one.",
        reference: "WHO ATC/DDD Index, M05BA; product information of each bisphosphonate",
    },
    DuplicateClass {
        name: "systemic corticosteroids",
        atc: &["H02AB"],
        severity: Severity::Moderate,
        management: "Two systemic corticosteroids duplicate one action. Keep one and express the dose as one drug's equivalent.",
        reference: "WHO ATC/DDD Index, H02AB; product information of each corticosteroid",
    },
];

/// How `drug` belongs to the class made of `codes`: `Some((code, true))` when it is under
/// one of them, `Some((code, false))` when it is a broader class containing one of them.
fn membership<'c>(drug: &Code, codes: &'c [Code]) -> Option<(&'c Code, bool)> {
    codes.iter().find_map(|code| relation(drug, code).map(|inside| (code, inside)))
}

impl DuplicateClass {
    /// The rule a duplicate-therapy finding lists (`a` and `b`: the class codes matched).
    fn rule(&self, a: Code, b: Code) -> InteractionRule {
        InteractionRule {
            source: DUPLICATE_SOURCE.into(),
            a,
            b,
            severity: self.severity,
            mechanism: Some(format!("Duplicate therapy: both are {}.", self.name)),
            management: Some(self.management.into()),
            reference: Some(self.reference.into()),
        }
    }
}

/// An interacting pair of the screened drugs, or a duplicate therapy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Finding {
    pub a: Code,
    pub a_role: Role,
    pub b: Code,
    pub b_role: Role,
    /// The highest severity among the matching rules.
    pub severity: Severity,
    pub certainty: Certainty,
    pub rules: Vec<InteractionRule>,
    #[serde(default)]
    pub kind: FindingKind,
    /// For a duplicate therapy: the class both drugs belong to ("anticoagulants").
    #[serde(default)]
    pub duplicate_class: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    rules: Vec<InteractionRule>,
    /// The duplicate-therapy classes screened too ([`DUPLICATE_CLASSES`], their codes parsed
    /// once); empty when off.
    duplicates: Vec<(&'static DuplicateClass, Vec<Code>)>,
}

/// How `drug` relates to a rule's `code`: `Some(true)` drug-level, `Some(false)` class-level.
fn relation(drug: &Code, code: &Code) -> Option<bool> {
    if drug.is_within(code) {
        Some(true)
    } else if code.is_within(drug) {
        Some(false)
    } else {
        None
    }
}

impl KnowledgeBase {
    /// The rules, without duplicate-therapy screening.
    pub fn new(rules: Vec<InteractionRule>) -> Self {
        KnowledgeBase { rules, duplicates: Vec::new() }
    }

    /// Screens for duplicate therapy too (or not).
    pub fn with_duplicate_therapy(mut self, on: bool) -> Self {
        self.duplicates = if on {
            DUPLICATE_CLASSES
                .iter()
                .map(|d| (d, d.atc.iter().filter_map(|c| Code::new(crate::CodeSystem::Atc, c).ok()).collect()))
                .collect()
        } else {
            Vec::new()
        };
        self
    }

    /// The duplicate-therapy class shared by `x` and `y`: its rule, and whether both are
    /// under it (drug level).
    fn duplicate(&self, x: &Code, y: &Code) -> Option<(&'static DuplicateClass, InteractionRule, bool)> {
        if self.duplicates.is_empty() || x.system() != crate::CodeSystem::Atc || y.system() != crate::CodeSystem::Atc {
            return None;
        }
        self.duplicates.iter().find_map(|(d, codes)| {
            let (cx, ix) = membership(x, codes)?;
            let (cy, iy) = membership(y, codes)?;
            Some((*d, d.rule(cx.clone(), cy.clone()), ix && iy))
        })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every interacting pair among `drugs` (each unordered pair once; two current
    /// medications are screened too, since a pharmacist wants to see them).
    pub fn screen(&self, drugs: &[(Code, Role)]) -> Vec<Finding> {
        let mut out = Vec::new();
        for i in 0..drugs.len() {
            for j in i + 1..drugs.len() {
                let ((x, xr), (y, yr)) = (&drugs[i], &drugs[j]);
                // A drug and its own class (a suggested `C10A` with current atorvastatin
                // `C10AA05`) mean continuing the same treatment, not a combination.
                if x.is_within(y) || y.is_within(x) {
                    continue;
                }
                let mut rules = Vec::new();
                let mut drug_level = false;
                for r in &self.rules {
                    let forward = relation(x, &r.a).zip(relation(y, &r.b));
                    let backward = relation(x, &r.b).zip(relation(y, &r.a));
                    if let Some((p, q)) = forward.or(backward) {
                        drug_level |= p && q;
                        rules.push(r.clone());
                    }
                }
                let duplicate = self.duplicate(x, y);
                let (kind, duplicate_class) = match duplicate {
                    Some((d, rule, inside)) => {
                        drug_level |= inside;
                        rules.push(rule);
                        (FindingKind::DuplicateTherapy, Some(d.name.to_owned()))
                    }
                    None => (FindingKind::Interaction, None),
                };
                if rules.is_empty() {
                    continue;
                }
                rules.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.source.cmp(&b.source)));
                out.push(Finding {
                    a: x.clone(),
                    a_role: *xr,
                    b: y.clone(),
                    b_role: *yr,
                    severity: rules[0].severity,
                    certainty: if drug_level { Certainty::Drug } else { Certainty::Class },
                    rules,
                    kind,
                    duplicate_class,
                });
            }
        }
        out.sort_by_key(|f| std::cmp::Reverse(f.severity));
        out
    }

    /// Rules grouped by source, for summaries.
    pub fn sources(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in &self.rules {
            *m.entry(r.source.clone()).or_insert(0) += 1;
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Code {
        s.parse().expect("valid code")
    }

    fn kb() -> KnowledgeBase {
        let rule = |a: &str, b: &str, s| InteractionRule {
            source: "test".into(),
            a: c(a),
            b: c(b),
            severity: s,
            mechanism: Some("m".into()),
            management: None,
            reference: None,
        };
        KnowledgeBase::new(vec![
            rule("ATC:B01AA", "ATC:M01A", Severity::Major),
            rule("ATC:C10AA01", "ATC:J01FA09", Severity::Contraindicated),
            rule("ATC:B01A", "ATC:M01A", Severity::Unknown),
        ])
    }

    #[test]
    fn a_drug_under_a_rule_class_matches_at_drug_level_in_either_order() {
        let f = kb().screen(&[(c("ATC:M01AE01"), Role::Suggested), (c("ATC:B01AA03"), Role::Current)]);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].severity, f[0].certainty), (Severity::Major, Certainty::Drug));
        assert_eq!(f[0].rules.len(), 2, "both sources are listed, most severe first");
        assert_eq!(f[0].rules[0].severity, Severity::Major);
    }

    #[test]
    fn a_broader_class_matches_at_class_level() {
        let f = kb().screen(&[(c("ATC:C10A"), Role::Suggested), (c("ATC:J01F"), Role::Suggested)]);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].severity, f[0].certainty), (Severity::Contraindicated, Certainty::Class));
    }

    #[test]
    fn unrelated_drugs_and_other_systems_do_not_match() {
        assert!(kb().screen(&[(c("ATC:C07A"), Role::Suggested), (c("ATC:M01A"), Role::Current)]).is_empty());
        assert!(kb().screen(&[(c("RXNORM:855332"), Role::Current), (c("ATC:M01A"), Role::Suggested)]).is_empty());
    }

    #[test]
    fn a_drug_is_not_screened_against_its_own_class() {
        let kb = KnowledgeBase::new(vec![InteractionRule {
            source: "test".into(),
            a: c("ATC:C10AA"),
            b: c("ATC:C10AB04"),
            severity: Severity::Major,
            mechanism: None,
            management: None,
            reference: None,
        }]);
        assert!(
            kb.screen(&[(c("ATC:C10A"), Role::Suggested), (c("ATC:C10AA05"), Role::Current)]).is_empty(),
            "continuing a statin"
        );
        assert_eq!(kb.screen(&[(c("ATC:C10AB04"), Role::Suggested), (c("ATC:C10AA05"), Role::Current)]).len(), 1);
    }

    #[test]
    fn two_drugs_of_one_therapeutic_class_are_a_duplicate_therapy_finding() {
        let dup = kb().with_duplicate_therapy(true);
        // Warfarin and apixaban: two anticoagulants of different ATC groups.
        let f = dup.screen(&[(c("ATC:B01AA03"), Role::Current), (c("ATC:B01AF02"), Role::Suggested)]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].kind, f[0].severity, f[0].certainty),
            (FindingKind::DuplicateTherapy, Severity::Major, Certainty::Drug)
        );
        assert_eq!(f[0].duplicate_class.as_deref(), Some("anticoagulants"));
        assert!(f[0].rules[0].mechanism.as_deref().is_some_and(|m| m.contains("Duplicate therapy")));
        // Two PPIs: moderate.
        let f = dup.screen(&[(c("ATC:A02BC01"), Role::Current), (c("ATC:A02BC02"), Role::Checked)]);
        assert_eq!((f[0].kind, f[0].severity), (FindingKind::DuplicateTherapy, Severity::Moderate));
        // A pair with an interaction rule and a duplicate: one finding, both rules, most severe first.
        let f = dup.screen(&[(c("ATC:M01AE01"), Role::Suggested), (c("ATC:M01AB05"), Role::Current)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::DuplicateTherapy);
        // A class broader than the duplicate class is class level; the same drug twice, or a
        // drug and its own class, is continuation, not duplication.
        let f = dup.screen(&[(c("ATC:B01A"), Role::Suggested), (c("ATC:C07AB02"), Role::Current)]);
        assert!(f.is_empty());
        let f = dup.screen(&[(c("ATC:C07A"), Role::Suggested), (c("ATC:C07AB02"), Role::Current)]);
        assert!(f.is_empty(), "continuing a beta blocker");
        let f = dup.screen(&[(c("ATC:N02A"), Role::Suggested), (c("ATC:N02AA01"), Role::Current)]);
        assert!(f.is_empty(), "a class and its own member");
        let f = dup.screen(&[(c("ATC:A10B"), Role::Suggested), (c("ATC:A10BB01"), Role::Current)]);
        assert!(f.is_empty());
        // Off by default, and aspirin with clopidogrel (deliberate) is not a duplicate.
        assert!(kb().screen(&[(c("ATC:B01AA03"), Role::Current), (c("ATC:B01AF02"), Role::Suggested)]).is_empty());
        assert!(dup.screen(&[(c("ATC:B01AC06"), Role::Current), (c("ATC:B01AC04"), Role::Suggested)]).is_empty());
    }

    #[test]
    fn every_duplicate_class_has_valid_codes_a_reference_and_no_shared_code() {
        let mut seen = std::collections::BTreeSet::new();
        for d in DUPLICATE_CLASSES {
            assert!(d.reference.len() > 20 && d.management.len() > 20, "{}", d.name);
            for a in d.atc {
                assert!(Code::new(crate::CodeSystem::Atc, a).is_ok(), "{a}");
                assert!(seen.insert(*a), "{a} in two classes");
            }
        }
    }

    #[test]
    fn severities_order_by_risk() {
        assert!(Severity::Contraindicated > Severity::Major && Severity::Major > Severity::Moderate);
        assert_eq!(Severity::parse("MAJOR"), Some(Severity::Major));
        assert_eq!(Severity::parse("severe"), None);
    }
}
