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

/// An interacting pair of the screened drugs.
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
}

#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    rules: Vec<InteractionRule>,
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
    pub fn new(rules: Vec<InteractionRule>) -> Self {
        KnowledgeBase { rules }
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
    fn severities_order_by_risk() {
        assert!(Severity::Contraindicated > Severity::Major && Severity::Major > Severity::Moderate);
        assert_eq!(Severity::parse("MAJOR"), Some(Severity::Major));
        assert_eq!(Severity::parse("severe"), None);
    }
}
