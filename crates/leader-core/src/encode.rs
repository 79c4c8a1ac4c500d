//! The one encoder: a patient's history and current visit → the student's input ids.
//!
//! Serving (`leader recommend`) and training (`leader export-dataset`) both call
//! [`Encoder::encode`], so the model is always fed exactly what it was trained on.
//!
//! Layout, per sample: up to `max_visits` visit rows, oldest first and the **current
//! visit last**; each row holds diagnosis, procedure and medication ids (the current
//! visit's medication row is empty: that is what is predicted). Batches pad visits on
//! the left, so the current visit is always the last row, and pad codes on the right.
//! Id 0 is padding, id 1 an unknown code. The profile is a fixed list of tokens
//! (`age:60-69`, `sex:F`, ...) encoded as a pseudo-visit, as LEADER does.

use serde::{Deserialize, Serialize};

use crate::patient::{Patient, Visit};
use crate::vocab::{PAD_ID, UNK_ID, Vocabulary};
use crate::{Code, Sex};

/// The profile fields, in tensor order.
pub const PROFILE_FIELDS: [&str; 7] =
    ["age", "sex", "admission_type", "insurance", "language", "marital_status", "race"];

/// One visit's codes as the encoder sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitCodes {
    pub diagnoses: Vec<Code>,
    pub procedures: Vec<Code>,
    pub medications: Vec<Code>,
}

/// What a recommendation is asked about: the profile, the previous visits (oldest
/// first) and the current visit's diagnoses and procedures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryInput {
    /// Profile tokens in [`PROFILE_FIELDS`] order (see [`profile_tokens`]).
    pub profile: Vec<String>,
    pub previous: Vec<VisitCodes>,
    pub current: VisitCodes,
}

/// Age bucket token (decades; 90+ together).
pub fn age_token(age: Option<i32>) -> String {
    match age {
        Some(a) if a >= 90 => "age:90+".to_owned(),
        Some(a) if a >= 0 => {
            let d = a / 10 * 10;
            format!("age:{d}-{}", d + 9)
        }
        _ => "age:?".to_owned(),
    }
}

fn field_token(field: &str, value: Option<&str>) -> String {
    let v = value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_uppercase);
    format!("{field}:{}", v.as_deref().unwrap_or("?"))
}

/// The profile tokens of `patient` at `visit`.
pub fn profile_tokens(patient: &Patient, visit: &Visit) -> Vec<String> {
    profile_tokens_from(patient.age_at(visit), patient.sex, &visit.profile)
}

/// Profile tokens from loose parts (ad-hoc requests give only age and sex).
pub fn profile_tokens_from(age: Option<i32>, sex: Sex, p: &crate::Profile) -> Vec<String> {
    vec![
        age_token(age),
        format!("sex:{}", if sex == Sex::Unknown { "?" } else { sex.as_str() }),
        field_token("admission_type", p.admission_type.as_deref()),
        field_token("insurance", p.insurance.as_deref()),
        field_token("language", p.language.as_deref()),
        field_token("marital_status", p.marital_status.as_deref()),
        field_token("race", p.race.as_deref()),
    ]
}

impl HistoryInput {
    /// The input for `visits[index]`: its diagnoses and procedures, every earlier visit
    /// with its medications at `atc_level` (the encoder keeps the most recent ones).
    pub fn for_visit(patient: &Patient, visits: &[Visit], index: usize, atc_level: u8) -> HistoryInput {
        let current = &visits[index];
        HistoryInput {
            profile: profile_tokens(patient, current),
            previous: visits[..index]
                .iter()
                .map(|v| VisitCodes {
                    diagnoses: v.diagnoses.clone(),
                    procedures: v.procedures.clone(),
                    medications: v.medications(atc_level),
                })
                .collect(),
            current: VisitCodes {
                diagnoses: current.diagnoses.clone(),
                procedures: current.procedures.clone(),
                medications: vec![],
            },
        }
    }

    /// Every distinct code of the input, with where it appears (for occlusion).
    pub fn input_codes(&self) -> Vec<Code> {
        let mut out: Vec<Code> = Vec::new();
        let all =
            self.current.diagnoses.iter().chain(&self.current.procedures).chain(
                self.previous.iter().flat_map(|v| v.diagnoses.iter().chain(&v.procedures).chain(&v.medications)),
            );
        for c in all {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }

    /// This input with every occurrence of `code` removed.
    pub fn without(&self, code: &Code) -> HistoryInput {
        self.without_all(std::slice::from_ref(code))
    }

    /// This input with every occurrence of each of `codes` removed.
    pub fn without_all(&self, codes: &[Code]) -> HistoryInput {
        let keep = |list: &[Code]| list.iter().filter(|c| !codes.contains(c)).cloned().collect();
        let strip = |v: &VisitCodes| VisitCodes {
            diagnoses: keep(&v.diagnoses),
            procedures: keep(&v.procedures),
            medications: keep(&v.medications),
        };
        HistoryInput {
            profile: self.profile.clone(),
            previous: self.previous.iter().map(strip).collect(),
            current: strip(&self.current),
        }
    }

    /// This input with every profile field unknown (`age:?`, `sex:?`, ...).
    pub fn without_profile(&self) -> HistoryInput {
        let profile = self
            .profile
            .iter()
            .map(|t| t.split_once(':').map_or_else(|| t.clone(), |(f, _)| format!("{f}:?")))
            .collect();
        HistoryInput { profile, ..self.clone() }
    }
}

/// Shape limits of a model's input, from its manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncoderLimits {
    /// Visits per sample including the current one (so `max_visits - 1` previous visits).
    pub max_visits: usize,
    pub max_diagnoses: usize,
    pub max_procedures: usize,
    pub max_medications: usize,
}

/// The vocabularies of a model.
#[derive(Debug, Clone)]
pub struct Vocabularies {
    pub diagnoses: Vocabulary,
    pub procedures: Vocabulary,
    pub medications: Vocabulary,
    pub profile: Vocabulary,
}

/// One encoded sample: `visits` rows of ids (unpadded), plus the profile ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedSample {
    pub diagnoses: Vec<Vec<i64>>,
    pub procedures: Vec<Vec<i64>>,
    pub medications: Vec<Vec<i64>>,
    pub profile: Vec<i64>,
    /// Input codes the model does not know (encoded as unknown), reported to the user.
    pub unknown: Vec<Code>,
}

#[derive(Debug, Clone)]
pub struct Encoder {
    pub limits: EncoderLimits,
    pub vocabularies: Vocabularies,
}

impl Encoder {
    pub fn encode(&self, input: &HistoryInput) -> EncodedSample {
        let keep = self.limits.max_visits.saturating_sub(1);
        let previous = &input.previous[input.previous.len().saturating_sub(keep)..];
        let mut out = EncodedSample::default();
        let ids = |vocab: &Vocabulary, codes: &[Code], max: usize, unknown: &mut Vec<Code>| -> Vec<i64> {
            codes
                .iter()
                .take(max)
                .map(|c| {
                    i64::from(vocab.code_id(c).unwrap_or_else(|| {
                        if !unknown.contains(c) {
                            unknown.push(c.clone());
                        }
                        UNK_ID
                    }))
                })
                .collect()
        };
        let v = &self.vocabularies;
        let l = &self.limits;
        for visit in previous.iter().chain(std::iter::once(&input.current)) {
            out.diagnoses.push(ids(&v.diagnoses, &visit.diagnoses, l.max_diagnoses, &mut out.unknown));
            out.procedures.push(ids(&v.procedures, &visit.procedures, l.max_procedures, &mut out.unknown));
            out.medications.push(ids(&v.medications, &visit.medications, l.max_medications, &mut out.unknown));
        }
        out.profile = input.profile.iter().map(|t| i64::from(v.profile.id(t).unwrap_or(UNK_ID))).collect();
        out
    }

    /// How much of `input`'s current visit (diagnoses and procedures, distinct codes) the
    /// model knows, and whether that is enough to answer ([`MIN_KNOWN_SHARE`], and at least
    /// one known diagnosis when the visit has any).
    pub fn coverage(&self, input: &HistoryInput) -> Coverage {
        let mut c = Coverage::default();
        let v = &self.vocabularies;
        let mut seen: Vec<&Code> = Vec::new();
        for (codes, vocab, is_dx) in
            [(&input.current.diagnoses, &v.diagnoses, true), (&input.current.procedures, &v.procedures, false)]
        {
            for code in codes {
                if seen.contains(&code) {
                    continue;
                }
                seen.push(code);
                let known = vocab.code_id(code).is_some();
                let (total, hit) = if is_dx {
                    (&mut c.diagnoses, &mut c.known_diagnoses)
                } else {
                    (&mut c.procedures, &mut c.known_procedures)
                };
                *total += 1;
                if known {
                    *hit += 1;
                } else {
                    c.unknown.push(code.clone());
                }
            }
        }
        c.insufficient = (c.diagnoses > 0 && c.known_diagnoses == 0) || c.known_share() < MIN_KNOWN_SHARE;
        c
    }
}

/// The least share of a visit's diagnosis and procedure codes a model must know to answer
/// for it: below this (or when it knows none of the visit's diagnoses) its suggestions are
/// withheld, because they would rest on the patient's profile and history alone.
pub const MIN_KNOWN_SHARE: f64 = 0.5;

/// How much of the current visit a model knows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Coverage {
    /// The current visit's diagnoses, and how many of them the model knows.
    pub diagnoses: u32,
    pub known_diagnoses: u32,
    /// The current visit's procedures, and how many of them the model knows.
    pub procedures: u32,
    pub known_procedures: u32,
    /// The current visit's diagnosis and procedure codes the model does not know.
    pub unknown: Vec<Code>,
    /// Whether the model knows too little of this visit to answer for it (see
    /// [`MIN_KNOWN_SHARE`]); the answer then withholds every suggestion.
    pub insufficient: bool,
}

impl Coverage {
    /// Share of the current visit's diagnosis and procedure codes the model knows (1 for a
    /// visit without any).
    pub fn known_share(&self) -> f64 {
        let total = self.diagnoses + self.procedures;
        if total == 0 { 1.0 } else { f64::from(self.known_diagnoses + self.known_procedures) / f64::from(total) }
    }
}

/// Samples padded into dense `[batch, visits, codes]` arrays (row-major), ready to
/// become tensors. Visits are padded on the left, codes on the right; every code axis
/// is at least 1 wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBatch {
    pub batch: usize,
    pub visits: usize,
    pub diagnoses: (usize, Vec<i64>),
    pub procedures: (usize, Vec<i64>),
    pub medications: (usize, Vec<i64>),
    pub profile: (usize, Vec<i64>),
}

impl EncodedBatch {
    /// The samples `rows` of this batch, with the same padded widths.
    pub fn rows(&self, rows: std::ops::Range<usize>) -> EncodedBatch {
        let take =
            |x: &(usize, Vec<i64>), per_row: usize| (x.0, x.1[rows.start * per_row..rows.end * per_row].to_vec());
        EncodedBatch {
            batch: rows.len(),
            visits: self.visits,
            diagnoses: take(&self.diagnoses, self.visits * self.diagnoses.0),
            procedures: take(&self.procedures, self.visits * self.procedures.0),
            medications: take(&self.medications, self.visits * self.medications.0),
            profile: take(&self.profile, self.profile.0),
        }
    }

    pub fn from_samples(samples: &[EncodedSample]) -> EncodedBatch {
        let batch = samples.len();
        let visits = samples.iter().map(|s| s.diagnoses.len()).max().unwrap_or(1).max(1);
        let width = |f: fn(&EncodedSample) -> &Vec<Vec<i64>>| {
            samples.iter().flat_map(|s| f(s).iter().map(Vec::len)).max().unwrap_or(1).max(1)
        };
        let pack = |f: fn(&EncodedSample) -> &Vec<Vec<i64>>, w: usize| -> Vec<i64> {
            let mut data = vec![i64::from(PAD_ID); batch * visits * w];
            for (b, s) in samples.iter().enumerate() {
                let rows = f(s);
                let offset = visits - rows.len();
                for (r, row) in rows.iter().enumerate() {
                    let start = (b * visits + offset + r) * w;
                    data[start..start + row.len()].copy_from_slice(row);
                }
            }
            data
        };
        let (wd, wp, wm) = (width(|s| &s.diagnoses), width(|s| &s.procedures), width(|s| &s.medications));
        let wprof = samples.iter().map(|s| s.profile.len()).max().unwrap_or(1).max(1);
        let mut prof = vec![i64::from(PAD_ID); batch * wprof];
        for (b, s) in samples.iter().enumerate() {
            prof[b * wprof..b * wprof + s.profile.len()].copy_from_slice(&s.profile);
        }
        EncodedBatch {
            batch,
            visits,
            diagnoses: (wd, pack(|s| &s.diagnoses, wd)),
            procedures: (wp, pack(|s| &s.procedures, wp)),
            medications: (wm, pack(|s| &s.medications, wm)),
            profile: (wprof, prof),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CodeSystem;

    fn code(s: &str) -> Code {
        s.parse().expect("valid code")
    }

    fn encoder(max_visits: usize) -> Encoder {
        let v = |name: &str, toks: &[&str]| Vocabulary::build(name, toks.iter().map(|t| (*t).to_owned()));
        Encoder {
            limits: EncoderLimits { max_visits, max_diagnoses: 3, max_procedures: 2, max_medications: 4 },
            vocabularies: Vocabularies {
                diagnoses: v("dx", &["ICD10CM:I10", "ICD10CM:I4891", "ICD10CM:E119"]),
                procedures: v("px", &["ICD10PCS:5A1955Z"]),
                medications: v("med", &["ATC:B01A", "ATC:C07A"]),
                profile: v("profile", &["age:70-79", "sex:M"]),
            },
        }
    }

    fn visit(dx: &[&str], meds: &[&str]) -> VisitCodes {
        VisitCodes {
            diagnoses: dx.iter().map(|c| code(c)).collect(),
            procedures: vec![],
            medications: meds.iter().map(|c| code(c)).collect(),
        }
    }

    #[test]
    fn the_current_visit_is_last_and_only_the_most_recent_history_is_kept() {
        let input = HistoryInput {
            profile: vec!["age:70-79".into(), "sex:M".into()],
            previous: vec![visit(&["ICD10CM:E119"], &["ATC:C07A"]), visit(&["ICD10CM:I10"], &["ATC:B01A"])],
            current: visit(&["ICD10CM:I4891", "ICD10CM:J189"], &[]),
        };
        let s = encoder(2).encode(&input);
        assert_eq!(s.diagnoses.len(), 2, "one previous visit + the current one");
        let e = encoder(2);
        let id = |c: &str| i64::from(e.vocabularies.diagnoses.id(c).expect("known"));
        assert_eq!(s.diagnoses[0], [id("ICD10CM:I10")], "the most recent previous visit is kept");
        assert_eq!(s.diagnoses[1], [id("ICD10CM:I4891"), i64::from(UNK_ID)], "current visit last; unknown code → UNK");
        assert_eq!(s.unknown, [code("ICD10CM:J189")], "unknown codes are reported");
        assert!(s.medications[1].is_empty(), "the current visit's medications are what is predicted");
    }

    #[test]
    fn a_first_visit_encodes_with_no_history() {
        let input = HistoryInput { profile: vec![], previous: vec![], current: visit(&["ICD10CM:I10"], &[]) };
        let s = encoder(4).encode(&input);
        assert_eq!(s.diagnoses.len(), 1);
    }

    #[test]
    fn batches_pad_visits_on_the_left_and_codes_on_the_right() {
        let e = encoder(3);
        let long = HistoryInput {
            profile: vec!["sex:M".into()],
            previous: vec![visit(&["ICD10CM:I10"], &["ATC:B01A"])],
            current: visit(&["ICD10CM:E119", "ICD10CM:I10"], &[]),
        };
        let short =
            HistoryInput { profile: vec!["sex:M".into()], previous: vec![], current: visit(&["ICD10CM:I4891"], &[]) };
        let b = EncodedBatch::from_samples(&[e.encode(&long), e.encode(&short)]);
        assert_eq!((b.batch, b.visits, b.diagnoses.0), (2, 2, 2));
        let i4891 = i64::from(e.vocabularies.diagnoses.id("ICD10CM:I4891").expect("known"));
        // sample 1, visit row 0 is padding; row 1 (the current visit) holds I4891.
        assert_eq!(&b.diagnoses.1[4..8], &[0, 0, i4891, 0]);
        assert_eq!(b.procedures.0, 1, "an empty code axis is still one wide");
    }

    #[test]
    fn a_row_range_of_a_batch_is_the_batch_of_those_samples() {
        let e = encoder(4);
        let inputs = [
            HistoryInput { previous: vec![visit(&["ICD10CM:I10"], &["ATC:C07A"])], ..Default::default() },
            HistoryInput { current: visit(&["ICD10CM:E119", "ICD10CM:I10"], &[]), ..Default::default() },
            HistoryInput {
                previous: vec![visit(&["ICD10CM:E119"], &[]), visit(&["ICD10CM:I10"], &["ATC:C07A"])],
                ..Default::default()
            },
        ];
        let samples: Vec<_> = inputs.iter().map(|i| e.encode(i)).collect();
        let all = EncodedBatch::from_samples(&samples);
        let tail = all.rows(1..3);
        assert_eq!(tail.batch, 2);
        assert_eq!((tail.visits, tail.diagnoses.0), (all.visits, all.diagnoses.0));
        let per = all.visits * all.diagnoses.0;
        assert_eq!(tail.diagnoses.1, all.diagnoses.1[per..3 * per]);
        assert_eq!(all.rows(0..3), all);
    }

    #[test]
    fn occlusion_removes_a_code_everywhere() {
        let input = HistoryInput {
            profile: vec![],
            previous: vec![visit(&["ICD10CM:I10"], &[])],
            current: visit(&["ICD10CM:I10", "ICD10CM:E119"], &[]),
        };
        let i10 = code("ICD10CM:I10");
        assert_eq!(input.input_codes().len(), 2);
        let w = input.without(&i10);
        assert!(w.input_codes().iter().all(|c| *c != i10));
        assert_eq!(w.current.diagnoses, [Code::new(CodeSystem::Icd10Cm, "E119").expect("valid")]);
    }

    #[test]
    fn age_buckets_are_decades() {
        assert_eq!(age_token(Some(67)), "age:60-69");
        assert_eq!(age_token(Some(93)), "age:90+");
        assert_eq!(age_token(None), "age:?");
    }
}
