//! Clinical codes: `SYSTEM:VALUE`, normalised once at the edge.
//!
//! Values are stored as MIMIC stores them: upper case, without dots (`ICD10CM:I4891`).
//! Dotted input (`ICD10CM:I48.91`) is accepted and normalised, so a clinician can type
//! codes the way they are printed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The code systems LEADER Rx understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
pub enum CodeSystem {
    #[serde(rename = "ICD9CM")]
    Icd9Cm,
    #[serde(rename = "ICD10CM")]
    Icd10Cm,
    #[serde(rename = "ICD9PCS")]
    Icd9Pcs,
    #[serde(rename = "ICD10PCS")]
    Icd10Pcs,
    #[serde(rename = "ATC")]
    Atc,
    #[serde(rename = "NDC")]
    Ndc,
    #[serde(rename = "GSN")]
    Gsn,
    #[serde(rename = "RXNORM")]
    RxNorm,
    #[serde(rename = "SNOMED")]
    Snomed,
}

/// What a code describes. SNOMED CT covers both diagnoses and procedures, so the kind
/// of a code is decided by where it is recorded, not by its system alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(ts_rs::TS)]
pub enum CodeKind {
    Diagnosis,
    Procedure,
    Medication,
}

impl CodeKind {
    /// The systems a code of this kind is looked up in, in order of preference (the code
    /// search of every front-end).
    pub const fn systems(self) -> &'static [CodeSystem] {
        match self {
            CodeKind::Diagnosis => &[CodeSystem::Icd10Cm, CodeSystem::Icd9Cm, CodeSystem::Snomed],
            CodeKind::Procedure => &[CodeSystem::Icd10Pcs, CodeSystem::Icd9Pcs, CodeSystem::Snomed],
            CodeKind::Medication => &[CodeSystem::Atc, CodeSystem::RxNorm],
        }
    }
}

impl CodeSystem {
    pub const ALL: [CodeSystem; 9] = [
        CodeSystem::Icd9Cm,
        CodeSystem::Icd10Cm,
        CodeSystem::Icd9Pcs,
        CodeSystem::Icd10Pcs,
        CodeSystem::Atc,
        CodeSystem::Ndc,
        CodeSystem::Gsn,
        CodeSystem::RxNorm,
        CodeSystem::Snomed,
    ];

    /// The spelling used on the command line, in JSON and in the store.
    pub const fn as_str(self) -> &'static str {
        match self {
            CodeSystem::Icd9Cm => "ICD9CM",
            CodeSystem::Icd10Cm => "ICD10CM",
            CodeSystem::Icd9Pcs => "ICD9PCS",
            CodeSystem::Icd10Pcs => "ICD10PCS",
            CodeSystem::Atc => "ATC",
            CodeSystem::Ndc => "NDC",
            CodeSystem::Gsn => "GSN",
            CodeSystem::RxNorm => "RXNORM",
            CodeSystem::Snomed => "SNOMED",
        }
    }

    /// Human name for messages and the UI.
    pub const fn display_name(self) -> &'static str {
        match self {
            CodeSystem::Icd9Cm => "ICD-9-CM",
            CodeSystem::Icd10Cm => "ICD-10-CM",
            CodeSystem::Icd9Pcs => "ICD-9-PCS",
            CodeSystem::Icd10Pcs => "ICD-10-PCS",
            CodeSystem::Atc => "ATC",
            CodeSystem::Ndc => "NDC",
            CodeSystem::Gsn => "GSN",
            CodeSystem::RxNorm => "RxNorm",
            CodeSystem::Snomed => "SNOMED CT",
        }
    }

    /// Systems whose values are digits only.
    const fn numeric(self) -> bool {
        matches!(self, CodeSystem::Ndc | CodeSystem::Gsn | CodeSystem::RxNorm | CodeSystem::Snomed)
    }
}

impl fmt::Display for CodeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CodeSystem {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted: String = s.chars().filter(|c| !matches!(c, '-' | '_' | ' ')).collect();
        CodeSystem::ALL
            .into_iter()
            .find(|sys| sys.as_str().eq_ignore_ascii_case(&wanted))
            .or_else(|| match wanted.to_ascii_uppercase().as_str() {
                "SNOMEDCT" | "SCT" => Some(CodeSystem::Snomed),
                "RXCUI" => Some(CodeSystem::RxNorm),
                _ => None,
            })
            .ok_or_else(|| CodeError::UnknownSystem(s.to_owned()))
    }
}

/// Why a code was refused. Messages name the offending text, never patient data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error(
        "unknown code system `{0}` (expected one of ICD9CM, ICD10CM, ICD9PCS, ICD10PCS, ATC, NDC, GSN, RXNORM, SNOMED)"
    )]
    UnknownSystem(String),
    #[error("`{0}` is not a code: write it as SYSTEM:VALUE, e.g. ICD10CM:I48.91")]
    MissingSystem(String),
    #[error("empty {0} code")]
    Empty(CodeSystem),
    #[error("`{value}` is not a valid {system} code: {why}")]
    Invalid { system: CodeSystem, value: String, why: &'static str },
}

/// One clinical code, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
#[ts(type = "string")]
pub struct Code {
    system: CodeSystem,
    value: String,
}

impl Code {
    /// Normalises `value` for `system` (trims, drops dots, upper-cases) and validates it.
    pub fn new(system: CodeSystem, value: &str) -> Result<Self, CodeError> {
        let value: String = value.trim().chars().filter(|c| *c != '.').map(|c| c.to_ascii_uppercase()).collect();
        if value.is_empty() {
            return Err(CodeError::Empty(system));
        }
        let invalid = |why| CodeError::Invalid { system, value: value.clone(), why };
        if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid("only letters and digits are allowed"));
        }
        if system.numeric() && !value.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid("only digits are allowed"));
        }
        if value.len() > 32 {
            return Err(invalid("longer than 32 characters"));
        }
        if system == CodeSystem::Atc && atc_level_of(&value).is_none() {
            return Err(invalid("ATC codes look like C, C01, C01A, C01AA or C01AA05"));
        }
        Ok(Code { system, value })
    }

    pub fn system(&self) -> CodeSystem {
        self.system
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    /// ATC level (1–5) of an ATC code, `None` for other systems.
    pub fn atc_level(&self) -> Option<u8> {
        (self.system == CodeSystem::Atc).then(|| atc_level_of(&self.value)).flatten()
    }

    /// Whether this code is `class` or lies under it in its hierarchy (same system, `class`'s
    /// value a prefix of this one's): `ATC:B01AA03` is within `ATC:B01A`.
    pub fn is_within(&self, class: &Code) -> bool {
        self.system == class.system && self.value.starts_with(&class.value)
    }

    /// This code truncated to ATC `level` (3 is the 4-character class such as `B01A`).
    /// Non-ATC codes are returned unchanged: a cohort's own medication vocabulary
    /// (e.g. RxNorm) is used as it is. `None` when an ATC code is coarser than `level`.
    pub fn at_atc_level(&self, level: u8) -> Option<Code> {
        if self.system != CodeSystem::Atc {
            return Some(self.clone());
        }
        let len = atc_len(level)?;
        (self.value.len() >= len).then(|| Code { system: CodeSystem::Atc, value: self.value[..len].to_owned() })
    }
}

/// Number of characters of an ATC code at `level`.
pub const fn atc_len(level: u8) -> Option<usize> {
    match level {
        1 => Some(1),
        2 => Some(3),
        3 => Some(4),
        4 => Some(5),
        5 => Some(7),
        _ => None,
    }
}

fn atc_level_of(v: &str) -> Option<u8> {
    let b = v.as_bytes();
    let alpha = |i: usize| b.get(i).is_some_and(u8::is_ascii_uppercase);
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let ok = match b.len() {
        1 => alpha(0),
        3 => alpha(0) && digit(1) && digit(2),
        4 => alpha(0) && digit(1) && digit(2) && alpha(3),
        5 => alpha(0) && digit(1) && digit(2) && alpha(3) && alpha(4),
        7 => alpha(0) && digit(1) && digit(2) && alpha(3) && alpha(4) && digit(5) && digit(6),
        _ => false,
    };
    if !ok {
        return None;
    }
    Some(match b.len() {
        1 => 1,
        3 => 2,
        4 => 3,
        5 => 4,
        _ => 5,
    })
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.system, self.value)
    }
}

impl FromStr for Code {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (system, value) = s.trim().split_once(':').ok_or_else(|| CodeError::MissingSystem(s.to_owned()))?;
        Code::new(system.parse()?, value)
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses a comma-separated list of codes, as typed on the command line.
pub fn parse_code_list(s: &str) -> Result<Vec<Code>, CodeError> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_icd_input_is_normalised_to_mimic_spelling() {
        let c: Code = "icd10cm:I48.91".parse().expect("valid code");
        assert_eq!(c.to_string(), "ICD10CM:I4891");
        assert_eq!(c.value(), "I4891");
    }

    #[test]
    fn every_system_round_trips_through_its_spelling() {
        for sys in CodeSystem::ALL {
            assert_eq!(sys.as_str().parse::<CodeSystem>(), Ok(sys));
        }
        assert_eq!("snomed-ct".parse::<CodeSystem>(), Ok(CodeSystem::Snomed));
    }

    #[test]
    fn atc_levels_follow_the_who_structure() {
        let levels: Vec<_> = ["B", "B01", "B01A", "B01AC", "B01AC06"]
            .iter()
            .map(|v| Code::new(CodeSystem::Atc, v).expect("valid ATC").atc_level())
            .collect();
        assert_eq!(levels, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
        let asa = Code::new(CodeSystem::Atc, "B01AC06").expect("valid ATC");
        assert_eq!(asa.at_atc_level(3).map(|c| c.to_string()), Some("ATC:B01A".to_owned()));
        assert_eq!(asa.at_atc_level(4).map(|c| c.to_string()), Some("ATC:B01AC".to_owned()));
        let class = Code::new(CodeSystem::Atc, "B01A").expect("valid ATC");
        assert_eq!(class.at_atc_level(4), None, "a level-3 class cannot be refined to level 4");
    }

    #[test]
    fn malformed_codes_are_refused_with_a_reason() {
        assert!(matches!("I4891".parse::<Code>(), Err(CodeError::MissingSystem(_))));
        assert!(matches!("XYZ:1".parse::<Code>(), Err(CodeError::UnknownSystem(_))));
        assert!(matches!("ATC:B1A".parse::<Code>(), Err(CodeError::Invalid { .. })));
        assert!(matches!("NDC:12AB".parse::<Code>(), Err(CodeError::Invalid { .. })));
        assert!(matches!("ICD10CM: ".parse::<Code>(), Err(CodeError::Empty(_))));
    }

    #[test]
    fn non_atc_medication_codes_are_their_own_vocabulary() {
        let rx = Code::new(CodeSystem::RxNorm, "198405").expect("valid RxNorm");
        assert_eq!(rx.at_atc_level(3), Some(rx.clone()));
    }

    #[test]
    fn codes_serialise_as_system_colon_value() {
        let c = Code::new(CodeSystem::Snomed, "65363002").expect("valid");
        let json = serde_json::to_string(&c).expect("serialises");
        assert_eq!(json, "\"SNOMED:65363002\"");
        assert_eq!(serde_json::from_str::<Code>(&json).expect("parses"), c);
        assert_eq!(parse_code_list("ICD10CM:I10, ATC:C09A,").expect("list").len(), 2);
    }
}
