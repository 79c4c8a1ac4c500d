//! Patients and their visits, as LEADER sees them.

use serde::{Deserialize, Serialize};

use crate::{Code, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub enum Sex {
    #[serde(rename = "F")]
    Female,
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "U")]
    Unknown,
}

impl Sex {
    /// Reads `F`/`M` (any case, or `female`/`male`); anything else is [`Sex::Unknown`].
    pub fn parse_lenient(s: &str) -> Sex {
        match s.trim().to_ascii_uppercase().as_str() {
            "F" | "FEMALE" => Sex::Female,
            "M" | "MALE" => Sex::Male,
            _ => Sex::Unknown,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "U",
        }
    }
}

/// A de-identified patient. `id` is the source's own de-identified identifier
/// (MIMIC `subject_id`, Synthea `patient_id`, `DEMO-…` for the demo cohort).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Patient {
    pub id: String,
    /// Which import produced the patient (`mimic-iv`, `mimic-iii`, `synthea`, `demo`).
    pub source: String,
    pub sex: Sex,
    /// Year of birth in the source's (possibly shifted) calendar.
    pub birth_year: Option<i32>,
    /// Synthetic patients (demo, Synthea) are marked as such everywhere they are shown.
    pub synthetic: bool,
}

impl Patient {
    /// Age in whole years at `visit` (by calendar year; MIMIC gives no more precision),
    /// capped at 90 as MIMIC does for the oldest patients.
    pub fn age_at(&self, visit: &Visit) -> Option<i32> {
        self.birth_year.map(|b| (visit.admit_time.year() - b).clamp(0, 90))
    }
}

/// The profile fields LEADER adds to its prompt. They are recorded per admission in
/// MIMIC, so they live on the visit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Profile {
    pub admission_type: Option<String>,
    pub insurance: Option<String>,
    pub language: Option<String>,
    pub marital_status: Option<String>,
    pub race: Option<String>,
}

/// One raw prescription row, kept as the source wrote it, plus the medication code it
/// was normalised to (`None` when the mapping tables do not map it: never guessed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Prescription {
    pub drug: String,
    pub ndc: Option<String>,
    pub gsn: Option<String>,
    pub formulary_code: Option<String>,
    pub route: Option<String>,
    pub start: Option<Timestamp>,
    pub stop: Option<Timestamp>,
    pub medication: Option<Code>,
}

/// One hospital admission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Visit {
    /// The source's admission id (MIMIC `hadm_id`).
    pub admission_id: String,
    pub admit_time: Timestamp,
    pub discharge_time: Option<Timestamp>,
    pub profile: Profile,
    pub diagnoses: Vec<Code>,
    pub procedures: Vec<Code>,
    pub prescriptions: Vec<Prescription>,
}

impl Visit {
    /// The visit's distinct medication codes at ATC `level` (non-ATC codes unchanged),
    /// in first-prescribed order. Unmapped prescriptions contribute nothing.
    pub fn medications(&self, atc_level: u8) -> Vec<Code> {
        let mut out: Vec<Code> = Vec::new();
        for code in self.prescriptions.iter().filter_map(|p| p.medication.as_ref()?.at_atc_level(atc_level)) {
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CodeSystem;

    fn visit(meds: &[&str]) -> Visit {
        Visit {
            admission_id: "1".into(),
            admit_time: "2150-03-01 08:00:00".parse().expect("valid"),
            discharge_time: None,
            profile: Profile::default(),
            diagnoses: vec![],
            procedures: vec![],
            prescriptions: meds
                .iter()
                .map(|m| Prescription {
                    drug: (*m).into(),
                    medication: (!m.is_empty()).then(|| Code::new(CodeSystem::Atc, m).expect("valid ATC")),
                    ..Prescription::default()
                })
                .collect(),
        }
    }

    #[test]
    fn medications_are_distinct_classes_in_prescribing_order() {
        let v = visit(&["B01AC06", "", "C07AB02", "B01AB01", "C07AB07"]);
        let got: Vec<String> = v.medications(3).iter().map(ToString::to_string).collect();
        assert_eq!(got, ["ATC:B01A", "ATC:C07A"]);
        assert_eq!(v.medications(4).len(), 3, "B01AC, C07AB, B01AB");
    }

    #[test]
    fn age_is_taken_at_the_visit_and_capped() {
        let mut p = Patient {
            id: "1".into(),
            source: "demo".into(),
            sex: Sex::Female,
            birth_year: Some(2080),
            synthetic: true,
        };
        assert_eq!(p.age_at(&visit(&[])), Some(70));
        p.birth_year = Some(1800);
        assert_eq!(p.age_at(&visit(&[])), Some(90));
    }
}
