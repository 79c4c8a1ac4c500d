//! FHIR R4 code systems: which coding `system` URI means which of our code systems, plus
//! the few site rules a FHIR source needs (which identifier names a patient or a hospital
//! stay, which encounter classes are hospital stays, which sub-encounters fold into their
//! stay). Shared by the FHIR importer and everything that reads or writes FHIR, so the
//! mapping is written once.
//!
//! The standard HL7 URIs are always known. A site's own URIs come from a small TOML file
//! (`leader import fhir --systems FILE`); the project ships one for the MIMIC-IV demo on
//! FHIR ([`FhirSystems::mimic`]). A URI that is neither is reported with its count and
//! never guessed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::CodeSystem;

/// The HL7 URIs of our code systems (FHIR R4 terminology, "External code systems").
pub const STANDARD_SYSTEMS: [(&str, CodeSystem); 8] = [
    ("http://hl7.org/fhir/sid/icd-10-cm", CodeSystem::Icd10Cm),
    ("http://hl7.org/fhir/sid/icd-9-cm", CodeSystem::Icd9Cm),
    ("http://www.cms.gov/Medicare/Coding/ICD10", CodeSystem::Icd10Pcs),
    ("http://snomed.info/sct", CodeSystem::Snomed),
    ("http://www.nlm.nih.gov/research/umls/rxnorm", CodeSystem::RxNorm),
    ("http://hl7.org/fhir/sid/ndc", CodeSystem::Ndc),
    ("http://www.whocc.no/atc", CodeSystem::Atc),
    ("http://terminology.hl7.org/CodeSystem/gsn", CodeSystem::Gsn),
];

/// The URI we write for one of our code systems (ICD-9 procedures share ICD-9-CM's URI).
pub fn system_uri(system: CodeSystem) -> &'static str {
    match system {
        CodeSystem::Icd9Pcs => "http://hl7.org/fhir/sid/icd-9-cm",
        other => STANDARD_SYSTEMS.iter().find(|(_, s)| *s == other).map(|(u, _)| *u).unwrap_or(""),
    }
}

/// What a coding's system means to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One of our code systems.
    Code(CodeSystem),
    /// The code is the drug's name (e.g. a hospital's formulary names).
    DrugName,
    /// The code is the hospital's formulary code.
    FormularyCode,
    /// Known and deliberately not used (e.g. ICU charting items).
    Ignore,
}

impl Target {
    fn parse(s: &str) -> Option<Target> {
        match s.trim().to_ascii_lowercase().as_str() {
            "drug-name" => Some(Target::DrugName),
            "formulary-code" => Some(Target::FormularyCode),
            "ignore" => Some(Target::Ignore),
            other => other.parse::<CodeSystem>().ok().map(Target::Code),
        }
    }
}

/// Resource types whose sub-encounter instances may fold into their hospital stay.
pub const FOLDABLE: [&str; 3] = ["Condition", "Procedure", "MedicationRequest"];

/// The encounter classes (HL7 v3 ActCode) that are hospital stays unless a site says
/// otherwise: inpatient (IMP, ACUTE, NONAC), emergency (EMER), observation (OBSENC) and
/// short stay (SS).
pub const DEFAULT_VISIT_CLASSES: [&str; 6] = ["IMP", "ACUTE", "NONAC", "EMER", "OBSENC", "SS"];

/// A site's FHIR rules, resolved: the standard URIs plus the site's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirSystems {
    /// Name shown in summaries (`standard`, `mimic`, or the file's `name`).
    pub name: String,
    systems: BTreeMap<String, Target>,
    /// When set, a patient's id is the value of its identifier in this system.
    pub patient_identifier: Option<String>,
    /// When set, only encounters with an identifier in this system are hospital stays,
    /// and that identifier's value is the visit's admission id.
    pub visit_identifier: Option<String>,
    /// Encounter classes (`class.code`, upper case) that are hospital stays.
    pub visit_classes: BTreeSet<String>,
    /// Resource types recorded on a sub-encounter (`partOf`) that fold into the stay.
    pub fold: BTreeSet<String>,
    /// When set, only MedicationRequests with an identifier in one of these systems are
    /// imported (e.g. the pharmacy's verified orders, not the provider order entry's).
    pub order_identifiers: Option<BTreeSet<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SystemsError {
    #[error("the code-system mapping is not valid TOML: {0}")]
    Toml(String),
    #[error(
        "the code-system mapping maps `{uri}` to `{target}`, which is none of ICD9CM, ICD10CM, ICD9PCS, ICD10PCS, ATC, NDC, GSN, RXNORM, SNOMED, drug-name, formulary-code, ignore"
    )]
    Target { uri: String, target: String },
    #[error(
        "the code-system mapping's [encounter] fold lists `{0}`; only Condition, Procedure and MedicationRequest can fold"
    )]
    Fold(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    name: Option<String>,
    #[serde(default)]
    systems: BTreeMap<String, String>,
    #[serde(default)]
    patient: RawPatient,
    #[serde(default)]
    encounter: RawEncounter,
    #[serde(default)]
    medication_request: RawOrders,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrders {
    identifier_systems: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPatient {
    id_identifier: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEncounter {
    visit_identifier: Option<String>,
    visit_classes: Option<Vec<String>>,
    fold: Option<Vec<String>>,
}

/// The mapping shipped for the MIMIC-IV Clinical Database Demo on FHIR.
const MIMIC: &str = include_str!("fhir/mimic.toml");

impl Default for FhirSystems {
    fn default() -> Self {
        FhirSystems::standard()
    }
}

impl FhirSystems {
    /// Only the standard HL7 URIs; every encounter class of [`DEFAULT_VISIT_CLASSES`];
    /// every sub-encounter resource folds.
    pub fn standard() -> FhirSystems {
        FhirSystems {
            name: "standard".into(),
            systems: STANDARD_SYSTEMS.iter().map(|(u, s)| ((*u).to_owned(), Target::Code(*s))).collect(),
            patient_identifier: None,
            visit_identifier: None,
            visit_classes: DEFAULT_VISIT_CLASSES.iter().map(|c| (*c).to_owned()).collect(),
            fold: FOLDABLE.iter().map(|c| (*c).to_owned()).collect(),
            order_identifiers: None,
        }
    }

    /// The shipped mapping for the MIMIC-IV demo on FHIR (`--systems mimic`).
    pub fn mimic() -> FhirSystems {
        // The shipped file is tested; the default (standard) only keeps the function total.
        FhirSystems::from_toml(MIMIC).unwrap_or_default()
    }

    /// The standard URIs plus a site file's entries (the file wins on a shared URI).
    pub fn from_toml(text: &str) -> Result<FhirSystems, SystemsError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| SystemsError::Toml(e.message().to_owned()))?;
        let mut out = FhirSystems::standard();
        out.name = raw.name.unwrap_or_else(|| "site".into());
        for (uri, target) in raw.systems {
            let t = Target::parse(&target).ok_or_else(|| SystemsError::Target { uri: uri.clone(), target })?;
            out.systems.insert(uri, t);
        }
        out.patient_identifier = raw.patient.id_identifier;
        out.visit_identifier = raw.encounter.visit_identifier;
        if let Some(classes) = raw.encounter.visit_classes {
            out.visit_classes = classes.iter().map(|c| c.trim().to_ascii_uppercase()).collect();
        }
        if let Some(fold) = raw.encounter.fold {
            for f in &fold {
                if !FOLDABLE.contains(&f.as_str()) {
                    return Err(SystemsError::Fold(f.clone()));
                }
            }
            out.fold = fold.into_iter().collect();
        }
        out.order_identifiers = raw.medication_request.identifier_systems.map(|v| v.into_iter().collect());
        Ok(out)
    }

    /// What a coding's `system` means; `None` when the URI is unknown.
    pub fn target(&self, uri: &str) -> Option<Target> {
        self.systems.get(uri.trim()).copied()
    }
}

/// An NDC as FHIR may write it (`0069-3150-83`, 10 digits in 4-4-2, 5-3-2 or 5-4-1
/// segments) in the 11-digit 5-4-2 form MIMIC and the mapping tables use. Unsegmented
/// values are kept as they are (an unsegmented 10-digit NDC cannot be placed).
pub fn ndc_11(value: &str) -> String {
    let parts: Vec<&str> = value.trim().split('-').collect();
    if parts.len() != 3 || !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return value.trim().to_owned();
    }
    let widths = [5, 4, 2];
    parts.iter().zip(widths).map(|(p, w)| format!("{p:0>w$}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_uris_are_known_and_round_trip() {
        let s = FhirSystems::standard();
        for (uri, sys) in STANDARD_SYSTEMS {
            assert_eq!(s.target(uri), Some(Target::Code(sys)));
            if sys != CodeSystem::Icd9Pcs {
                assert_eq!(system_uri(sys), uri);
            }
        }
        assert_eq!(s.target("http://example.org/unknown"), None, "unknown systems are never guessed");
    }

    #[test]
    fn the_shipped_mimic_mapping_parses() {
        let m = FhirSystems::from_toml(MIMIC).expect("shipped mapping");
        assert_eq!(m.name, "mimic");
        assert_eq!(
            m.target("http://mimic.mit.edu/fhir/mimic/CodeSystem/mimic-diagnosis-icd10"),
            Some(Target::Code(CodeSystem::Icd10Cm))
        );
        assert_eq!(
            m.target("http://mimic.mit.edu/fhir/mimic/CodeSystem/mimic-medication-name"),
            Some(Target::DrugName)
        );
        assert!(m.visit_identifier.is_some() && m.patient_identifier.is_some());
        assert!(m.fold.contains("MedicationRequest"));
    }

    #[test]
    fn bad_site_files_are_refused_with_the_reason() {
        let e = FhirSystems::from_toml("[systems]\n\"urn:x\" = \"ICD11\"\n").expect_err("unknown target");
        assert!(e.to_string().contains("urn:x"), "{e}");
        let e = FhirSystems::from_toml("[encounter]\nfold = [\"Observation\"]\n").expect_err("bad fold");
        assert!(e.to_string().contains("Observation"), "{e}");
        assert!(FhirSystems::from_toml("[oops]\n").is_err(), "unknown sections are refused");
    }

    #[test]
    fn segmented_ndcs_become_eleven_digits() {
        assert_eq!(ndc_11("0069-3150-83"), "00069315083");
        assert_eq!(ndc_11("12345-678-90"), "12345067890");
        assert_eq!(ndc_11("12345-6789-1"), "12345678901");
        assert_eq!(ndc_11("51079030020"), "51079030020");
    }
}
