//! Recommendations for a stored patient's visit, or for an ad-hoc visit, with display
//! names and titles filled in from the store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use leader_core::ddi::Role;
use leader_core::encode::{HistoryInput, VisitCodes, profile_tokens_from};
use leader_core::{Code, Profile, Sex};
use leader_infer::Engine;
use leader_infer::recommend::{Candidate, CandidateBasis, MAX_CANDIDATES, RecommendOptions, Recommendation, Request};
use leader_store::Store;
use serde::{Deserialize, Serialize};

use crate::{Result, Rule, ServiceError};

/// What to recommend for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum Subject {
    /// A stored visit (default: the patient's latest): its diagnoses and procedures, the
    /// visits before it as history, and the previous visit's medications as current ones.
    Patient { patient_id: String, admission_id: Option<String>, extra_current: Vec<Code> },
    /// A new visit typed in by a clinician; current medications are used as history too.
    AdHoc { diagnoses: Vec<Code>, procedures: Vec<Code>, current: Vec<Code>, age: Option<i32>, sex: Sex },
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Answer {
    pub patient_id: Option<String>,
    pub admission_id: Option<String>,
    pub recommendation: Recommendation,
    /// `SYSTEM:VALUE` → title for the input, evidence, current and interacting codes.
    pub titles: BTreeMap<String, String>,
    /// A digest of the model's inputs (the encoded request: profile, visits, current
    /// medications), recorded with the answer.
    #[serde(default)]
    pub input_digest: String,
    /// The audit event that recorded this answer ([`record`]); a decision names it.
    #[serde(default)]
    pub recommendation_id: Option<i64>,
    /// For a stored visit: the orders it actually has, beside the suggestions, screened.
    #[serde(default)]
    pub review: Option<VisitReview>,
}

/// Review mode, for a stored visit: its actual orders beside the suggestions, and every
/// order screened against the others and the current medications (the pharmacist's check
/// of a visit's orders). Without it, a visit whose orders interact could read "no
/// interaction" because only the suggestions were screened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VisitReview {
    /// The visit's mapped orders, each drug once, in order of first prescription.
    pub orders: Vec<ReviewedOrder>,
    /// Suggested classes (status `suggested`) of which the visit has no order.
    pub suggested_not_ordered: Vec<Code>,
    /// Interactions among the orders and the current medications, one per pair, strongest
    /// first (orders have the role `checked`).
    pub interactions: Vec<leader_core::ddi::Finding>,
    /// Prescriptions of the visit whose drug is not mapped to a code: not screened.
    pub unmapped_orders: usize,
    /// Duplicate-therapy pairs among the orders not listed because the two were never given
    /// at the same time ([`drop_sequential_duplicates`]): a switch within the stay.
    #[serde(default)]
    pub sequential_duplicates: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReviewedOrder {
    pub drug: Code,
    /// The drug as the prescription names it.
    pub written: String,
    pub route: Option<String>,
    /// The suggested class (status `suggested`) it falls in, if any.
    pub suggested_class: Option<Code>,
}

/// The review of a stored `visit` answered by `rec`.
pub fn review(kb: &leader_core::ddi::KnowledgeBase, visit: &leader_core::Visit, rec: &Recommendation) -> VisitReview {
    let suggested: Vec<&Code> = rec
        .suggestions
        .iter()
        .filter(|s| s.status == leader_infer::recommend::Status::Suggested)
        .map(|s| &s.medication)
        .collect();
    let mut orders: Vec<ReviewedOrder> = Vec::new();
    let mut unmapped_orders = 0;
    for p in &visit.prescriptions {
        let Some(drug) = &p.medication else {
            unmapped_orders += 1;
            continue;
        };
        if orders.iter().any(|o| &o.drug == drug) {
            continue;
        }
        let suggested_class = suggested.iter().find(|c| drug.is_within(c)).map(|c| (*c).clone());
        orders.push(ReviewedOrder {
            drug: drug.clone(),
            written: p.drug.clone(),
            route: p.route.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_uppercase),
            suggested_class,
        });
    }
    let suggested_not_ordered = suggested
        .iter()
        .filter(|c| !orders.iter().any(|o| o.suggested_class.as_ref() == Some(**c)))
        .map(|c| (*c).clone())
        .collect();
    let mut drugs: Vec<(Code, Role)> = rec.current_medications.iter().map(|c| (c.clone(), Role::Current)).collect();
    for o in &orders {
        if !drugs.iter().any(|(d, _)| d == &o.drug) {
            drugs.push((o.drug.clone(), Role::Checked));
        }
    }
    let (interactions, sequential_duplicates) = drop_sequential_duplicates(kb.screen(&drugs), visit);
    VisitReview { orders, suggested_not_ordered, interactions, unmapped_orders, sequential_duplicates }
}

/// Drops the duplicate-therapy findings (with no interaction rule besides) between two of
/// the visit's orders that were never given at the same time: every prescription of both
/// has a start and a stop, and no two of them overlap (a switch within the stay, e.g. one
/// proton-pump inhibitor replaced by another). Returns the rest and how many were dropped.
pub fn drop_sequential_duplicates(
    mut findings: Vec<leader_core::ddi::Finding>,
    visit: &leader_core::Visit,
) -> (Vec<leader_core::ddi::Finding>, usize) {
    type Period = (Option<leader_core::Timestamp>, Option<leader_core::Timestamp>);
    let periods = |drug: &Code| -> Vec<Period> {
        visit.prescriptions.iter().filter(|p| p.medication.as_ref() == Some(drug)).map(|p| (p.start, p.stop)).collect()
    };
    let never_together = |a: &Code, b: &Code| {
        let (pa, pb) = (periods(a), periods(b));
        !pa.is_empty()
            && !pb.is_empty()
            && pa.iter().chain(&pb).all(|(s, e)| s.is_some() && e.is_some())
            && pa.iter().all(|(s1, e1)| pb.iter().all(|(s2, e2)| s1 >= e2 || s2 >= e1))
    };
    let before = findings.len();
    findings.retain(|f| {
        let duplicate_only = f.kind == leader_core::ddi::FindingKind::DuplicateTherapy
            && f.rules.iter().all(|r| r.source == leader_core::ddi::DUPLICATE_SOURCE);
        !(duplicate_only && f.a_role == Role::Checked && f.b_role == Role::Checked && never_together(&f.a, &f.b))
    });
    let dropped = before - findings.len();
    (findings, dropped)
}

#[cfg(test)]
mod review_tests {
    use leader_core::ddi::{KnowledgeBase, Role};
    use leader_core::{Code, Prescription, Visit};

    use super::drop_sequential_duplicates;

    fn rx(code: &str, start: &str, stop: Option<&str>) -> Prescription {
        Prescription {
            drug: code.into(),
            ndc: None,
            gsn: None,
            formulary_code: None,
            route: None,
            start: Some(start.parse().expect("time")),
            stop: stop.map(|s| s.parse().expect("time")),
            medication: Some(code.parse().expect("code")),
        }
    }

    fn visit(prescriptions: Vec<Prescription>) -> Visit {
        Visit {
            admission_id: "1".into(),
            admit_time: "2026-01-01 00:00:00".parse().expect("time"),
            discharge_time: None,
            profile: Default::default(),
            diagnoses: vec![],
            procedures: vec![],
            prescriptions,
        }
    }

    #[test]
    fn a_switch_within_the_stay_is_not_a_duplicate_but_overlapping_or_open_orders_are() {
        let kb = KnowledgeBase::new(vec![]).with_duplicate_therapy(true);
        let (omeprazole, pantoprazole) = ("ATC:A02BC01", "ATC:A02BC02");
        let drugs: Vec<(Code, Role)> =
            [omeprazole, pantoprazole].iter().map(|c| (c.parse().expect("code"), Role::Checked)).collect();
        let screen = || kb.screen(&drugs);
        assert_eq!(screen().len(), 1, "two PPIs");
        // One after the other: a switch.
        let switch = visit(vec![
            rx(omeprazole, "2026-01-01 08:00:00", Some("2026-01-03 08:00:00")),
            rx(pantoprazole, "2026-01-03 08:00:00", Some("2026-01-05 08:00:00")),
        ]);
        assert_eq!(drop_sequential_duplicates(screen(), &switch), (vec![], 1));
        // Overlapping for a day: a duplicate.
        let overlap = visit(vec![
            rx(omeprazole, "2026-01-01 08:00:00", Some("2026-01-04 08:00:00")),
            rx(pantoprazole, "2026-01-03 08:00:00", Some("2026-01-05 08:00:00")),
        ]);
        assert_eq!(drop_sequential_duplicates(screen(), &overlap).1, 0);
        // No stop time: cannot tell, so it stays.
        let open = visit(vec![
            rx(omeprazole, "2026-01-01 08:00:00", None),
            rx(pantoprazole, "2026-01-03 08:00:00", Some("2026-01-05 08:00:00")),
        ]);
        assert_eq!(drop_sequential_duplicates(screen(), &open).1, 0);
    }
}

/// A suggestion as shown: what a decision refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ShownSuggestion {
    pub medication: Code,
    pub probability: f32,
    pub status: leader_infer::recommend::Status,
    /// The concrete drugs listed under it, in order.
    #[serde(default)]
    pub candidates: Vec<ShownCandidate>,
}

/// A candidate as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ShownCandidate {
    pub drug: Code,
    pub route: Option<String>,
}

/// An interaction warning as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ShownFinding {
    pub a: Code,
    pub b: Code,
    pub severity: leader_core::ddi::Severity,
    /// Drug-level or class-level ("possible"); absent in records older than the field.
    #[serde(default)]
    pub certainty: Option<leader_core::ddi::Certainty>,
}

impl From<&leader_core::ddi::Finding> for ShownFinding {
    fn from(f: &leader_core::ddi::Finding) -> ShownFinding {
        ShownFinding { a: f.a.clone(), b: f.b.clone(), severity: f.severity, certainty: Some(f.certainty) }
    }
}

/// The `recommendation` audit event: what was shown, by which model, on which inputs. The
/// service writes it for every answer the CLI or the app shows, and a decision is accepted
/// only on a recorded recommendation (its model and suggestions come from here, never from
/// the front-end).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecommendationRecord {
    pub patient_id: Option<String>,
    pub admission_id: Option<String>,
    pub model: leader_infer::recommend::ModelRef,
    /// The bundle digest of the model that answered (students; `None` for the teacher).
    pub model_digest: Option<String>,
    pub input_digest: String,
    pub suggestions: Vec<ShownSuggestion>,
    /// The current medications screened (what a decision's choices are screened against).
    #[serde(default)]
    pub current_medications: Vec<Code>,
    pub interactions: Vec<ShownFinding>,
    /// The model knew too little of the visit and withheld every suggestion.
    pub withheld_for_coverage: bool,
    pub safe_mode: bool,
}

/// Writes the `recommendation` audit event of `answer` and stores its id in the answer.
pub async fn record(store: &Store, answer: &mut Answer, model_digest: Option<String>) -> Result<i64> {
    let r = &answer.recommendation;
    let rec = RecommendationRecord {
        patient_id: answer.patient_id.clone(),
        admission_id: answer.admission_id.clone(),
        model: r.model.clone(),
        model_digest,
        input_digest: answer.input_digest.clone(),
        suggestions: r
            .suggestions
            .iter()
            .map(|s| ShownSuggestion {
                medication: s.medication.clone(),
                probability: s.probability,
                status: s.status,
                candidates: s
                    .candidates
                    .iter()
                    .map(|c| ShownCandidate { drug: c.drug.clone(), route: c.route.clone() })
                    .collect(),
            })
            .collect(),
        current_medications: r.current_medications.clone(),
        interactions: r.interactions.iter().map(ShownFinding::from).collect(),
        withheld_for_coverage: r.coverage.insufficient,
        safe_mode: r.safe_mode,
    };
    let payload = serde_json::to_value(&rec).map_err(|_| ServiceError::Encode { what: "recommendation record" })?;
    let id = store.append_audit(&leader_store::actor::current_actor(), "recommendation", &payload).await?;
    answer.recommendation_id = Some(id);
    Ok(id)
}

/// The recorded recommendation `id` (a `recommendation` audit event).
pub async fn recorded(store: &Store, id: i64) -> Result<RecommendationRecord> {
    let event = store
        .audit_event(id)
        .await?
        .filter(|e| e.kind == "recommendation")
        .ok_or(ServiceError::Invalid(Rule::NoRecordedRecommendation))?;
    serde_json::from_value(event.payload).map_err(|_| ServiceError::UnreadableRecord { kind: "recommendation", id })
}

fn input_digest(req: &Request) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&(&req.input, &req.current_medications)).unwrap_or_default());
    format!("{:x}", h.finalize())
}

/// Builds the model request for `subject` at the model's medication level, without
/// candidates (an answer adds them, [`recommend_with`]); what callers that only screen or
/// export need, e.g. the current medications.
pub async fn request_for(
    store: &Store,
    subject: &Subject,
    atc_level: u8,
) -> Result<(Request, Option<String>, Option<String>)> {
    let p = prepare(store, subject, atc_level).await?;
    Ok((p.req, p.patient_id, p.admission_id))
}

/// A request and what an answer takes from the stored record besides it.
struct Prepared {
    req: Request,
    patient_id: Option<String>,
    admission_id: Option<String>,
    /// The previous visit's drugs with the route each was ordered by most often.
    continued: Vec<(Code, Option<String>)>,
    /// Current medications given by the caller (not from the record).
    given: Vec<(Code, Option<String>)>,
    /// The stored visit answered for (for its review).
    visit: Option<leader_core::Visit>,
}

impl Prepared {
    /// The request with its candidates.
    async fn with_candidates(mut self, store: &Store, atc_level: u8) -> Result<Prepared> {
        self.req.candidates =
            candidates(store, &self.req.input.current.diagnoses, &self.continued, &self.given, atc_level).await?;
        Ok(self)
    }
}

async fn prepare(store: &Store, subject: &Subject, atc_level: u8) -> Result<Prepared> {
    match subject {
        Subject::Patient { patient_id, admission_id, extra_current } => {
            let record = store.patient(patient_id).await?;
            let index = match admission_id {
                Some(a) => record
                    .visits
                    .iter()
                    .position(|v| &v.admission_id == a)
                    .ok_or_else(|| ServiceError::Invalid(Rule::AdmissionNotOfPatient))?,
                None => {
                    record.visits.len().checked_sub(1).ok_or_else(|| ServiceError::Invalid(Rule::PatientHasNoVisits))?
                }
            };
            let input = HistoryInput::for_visit(&record.patient, &record.visits, index, atc_level);
            let mut current: Vec<Code> = Vec::new();
            // The previous visit's drugs with the route each was ordered by most often.
            let mut continued: Vec<(Code, Option<String>)> = Vec::new();
            if index > 0 {
                let prescriptions = &record.visits[index - 1].prescriptions;
                for p in prescriptions {
                    if let Some(m) = &p.medication
                        && !current.contains(m)
                    {
                        current.push(m.clone());
                        let mut routes: Vec<&str> = prescriptions
                            .iter()
                            .filter(|q| q.medication.as_ref() == Some(m))
                            .filter_map(|q| q.route.as_deref().map(str::trim).filter(|r| !r.is_empty()))
                            .collect();
                        routes.sort_unstable();
                        let route =
                            routes.chunk_by(|a, b| a == b).max_by_key(|run| run.len()).map(|run| run[0].to_uppercase());
                        continued.push((m.clone(), route));
                    }
                }
            }
            let mut others: Vec<(Code, Option<String>)> = Vec::new();
            for c in extra_current {
                if !current.contains(c) {
                    current.push(c.clone());
                    others.push((c.clone(), None));
                }
            }
            let visit = record.visits.into_iter().nth(index);
            Ok(Prepared {
                req: Request { input, current_medications: current, candidates: vec![] },
                patient_id: Some(record.patient.id),
                admission_id: visit.as_ref().map(|v| v.admission_id.clone()),
                continued,
                given: others,
                visit,
            })
        }
        Subject::AdHoc { diagnoses, procedures, current, age, sex } => {
            if diagnoses.is_empty() {
                return Err(ServiceError::Invalid(Rule::NoDiagnosis));
            }
            let history_meds: Vec<Code> = current.iter().filter_map(|c| c.at_atc_level(atc_level)).collect();
            let previous = if history_meds.is_empty() {
                vec![]
            } else {
                vec![VisitCodes { medications: history_meds, ..VisitCodes::default() }]
            };
            let input = HistoryInput {
                profile: profile_tokens_from(*age, *sex, &Profile::default()),
                previous,
                current: VisitCodes {
                    diagnoses: diagnoses.clone(),
                    procedures: procedures.clone(),
                    medications: vec![],
                },
            };
            Ok(Prepared {
                req: Request { input, current_medications: current.clone(), candidates: vec![] },
                patient_id: None,
                admission_id: None,
                continued: vec![],
                given: current.iter().map(|c| (c.clone(), None)).collect(),
                visit: None,
            })
        }
    }
}

/// Concrete drugs for every class at `level`, best first within a class, at most
/// [`MAX_CANDIDATES`] each: the patient's own drugs of the class (`continued`: ordered at the
/// previous visit, with their route; `given`: current medications typed in), then what this
/// store's visits ordered in the class, at visits carrying the first of `diagnoses` that has
/// enough of them, else at all visits (the store's `class_practice`).
pub async fn candidates(
    store: &Store,
    diagnoses: &[Code],
    continued: &[(Code, Option<String>)],
    given: &[(Code, Option<String>)],
    level: u8,
) -> Result<Vec<Candidate>> {
    use leader_core::CodeSystem;
    let is_ingredient = |c: &Code| c.system() == CodeSystem::Atc && c.atc_level() == Some(5);
    let mut by_class: BTreeMap<Code, Vec<Candidate>> = BTreeMap::new();
    for (list, last_visit) in [(continued, true), (given, false)] {
        for (drug, route) in list.iter().filter(|(d, _)| is_ingredient(d)) {
            let Some(class) = drug.at_atc_level(level) else { continue };
            let listed = by_class.entry(class.clone()).or_default();
            if !listed.iter().any(|c| &c.drug == drug) {
                listed.push(Candidate {
                    class,
                    drug: drug.clone(),
                    route: route.clone(),
                    name: None,
                    basis: CandidateBasis::Current { last_visit },
                });
            }
        }
    }
    let rows = store.class_practice(level, diagnoses).await?;
    // (class, diagnosis) -> visits with an order in the class: the class totals.
    let totals: HashMap<(&str, &str), i64> = rows
        .iter()
        .filter(|r| r.is_total())
        .map(|r| ((r.class_code.as_str(), r.diagnosis.as_str()), r.visits))
        .collect();
    let keys: Vec<String> = diagnoses.iter().map(ToString::to_string).collect();
    let mut classes: Vec<&str> = rows.iter().map(|r| r.class_code.as_str()).collect();
    classes.dedup();
    for class_code in classes {
        let Ok(class) = Code::new(CodeSystem::Atc, class_code) else { continue };
        // The first diagnosis of the visit with enough visits in this class, else all visits.
        let scope = keys.iter().map(String::as_str).find(|d| totals.contains_key(&(class_code, *d))).unwrap_or("");
        let Some(&of_visits) = totals.get(&(class_code, scope)) else { continue };
        let diagnosis = (!scope.is_empty()).then(|| scope.parse::<Code>().ok()).flatten();
        let listed = by_class.entry(class.clone()).or_default();
        // Rows come most-ordered first within a class and diagnosis.
        for r in rows.iter().filter(|r| r.class_code == class_code && r.diagnosis == scope && !r.is_total()) {
            if listed.len() >= MAX_CANDIDATES {
                break;
            }
            let Ok(drug) = Code::new(CodeSystem::Atc, &r.ingredient) else { continue };
            if listed.iter().any(|c| c.drug == drug) {
                continue;
            }
            let share = (of_visits >= leader_store::PRACTICE_MIN_VISITS).then(|| r.visits as f32 / of_visits as f32);
            listed.push(Candidate {
                class: class.clone(),
                drug,
                route: (!r.route.is_empty()).then(|| r.route.clone()),
                name: None,
                basis: CandidateBasis::Practice {
                    visits: u32::try_from(r.visits).unwrap_or(u32::MAX),
                    of_visits: u32::try_from(of_visits).unwrap_or(u32::MAX),
                    diagnosis: diagnosis.clone(),
                    share,
                },
            });
        }
    }
    Ok(by_class
        .into_values()
        .flat_map(|mut v| {
            v.truncate(MAX_CANDIDATES);
            v
        })
        .collect())
}

/// Every code an answer shows: the input, the current medications, the suggestions and
/// their candidates, the review's orders and both sides and rules of every finding.
fn shown_codes(req: &Request, rec: &Recommendation, review: Option<&VisitReview>) -> Vec<Code> {
    let mut codes: Vec<Code> = req.input.input_codes();
    if let Some(r) = review {
        codes.extend(r.orders.iter().map(|o| o.drug.clone()));
        for f in &r.interactions {
            codes.extend(f.rules.iter().flat_map(|r| [r.a.clone(), r.b.clone()]));
        }
    }
    codes.extend(req.current_medications.iter().cloned());
    codes.extend(rec.suggestions.iter().map(|s| s.medication.clone()));
    codes.extend(rec.suggestions.iter().flat_map(|s| s.candidates.iter().map(|c| c.drug.clone())));
    for d in rec.suggestions.iter().flat_map(|s| &s.candidates) {
        if let CandidateBasis::Practice { diagnosis: Some(d), .. } = &d.basis {
            codes.push(d.clone());
        }
    }
    for f in rec.interactions.iter().chain(&rec.interactions_any_choice) {
        codes.extend([f.a.clone(), f.b.clone()]);
        codes.extend(f.rules.iter().flat_map(|r| [r.a.clone(), r.b.clone()]));
    }
    codes.sort();
    codes.dedup();
    codes
}

/// What every recommendation reads besides the patient: the interaction rules and the
/// medication display names at one ATC level. Loading them scans the prescriptions table, so
/// a long-running front-end keeps one and reloads it only after an import.
#[derive(Debug, Clone)]
pub struct Lookups {
    pub level: u8,
    pub kb: Arc<leader_core::ddi::KnowledgeBase>,
    pub names: Arc<HashMap<String, String>>,
}

impl Lookups {
    pub async fn load(store: &Store, level: u8) -> Result<Lookups> {
        let kb = Arc::new(store.knowledge_base(None).await?);
        let names = Arc::new(store.medication_names(level).await?);
        Ok(Lookups { level, kb, names })
    }

    /// Display titles of `codes`: the dictionary's title, else the medication's display
    /// name. Every answer and interaction check names its codes this way.
    pub async fn titles(&self, store: &Store, codes: &[Code]) -> Result<BTreeMap<String, String>> {
        let mut titles: BTreeMap<String, String> = store.titles_of(codes).await?.into_iter().collect();
        for c in codes {
            if let Some(n) = self.names.get(&c.to_string()) {
                titles.entry(c.to_string()).or_insert_with(|| n.clone());
            }
        }
        Ok(titles)
    }
}

/// The titles a prompt is rendered with: the medications' display names, overridden by the
/// dictionary's titles of `codes`. The same, in the same precedence, for the training
/// prompts (`export-dataset`), teacher mode and the teacher's benchmark.
pub async fn prompt_titles(
    store: &Store,
    names: &HashMap<String, String>,
    codes: &[Code],
) -> Result<BTreeMap<String, String>> {
    let mut titles: BTreeMap<String, String> = names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    titles.extend(store.titles_of(codes).await?);
    Ok(titles)
}

pub async fn recommend(store: &Store, engine: &Engine, subject: &Subject, opts: RecommendOptions) -> Result<Answer> {
    let lookups = Lookups::load(store, engine.manifest().await?.input.medication_atc_level).await?;
    recommend_with(store, engine, subject, opts, &lookups).await
}

/// [`recommend`] with `lookups` already loaded at the engine's medication level.
pub async fn recommend_with(
    store: &Store,
    engine: &Engine,
    subject: &Subject,
    opts: RecommendOptions,
    lookups: &Lookups,
) -> Result<Answer> {
    let p = prepare(store, subject, lookups.level).await?.with_candidates(store, lookups.level).await?;
    let rec = engine.recommend(p.req.clone(), opts, Arc::clone(&lookups.kb)).await?;
    answer(store, lookups, p, rec).await
}

/// The answer to `p` given `rec`: names, the stored visit's review, titles.
async fn answer(store: &Store, lookups: &Lookups, p: Prepared, mut rec: Recommendation) -> Result<Answer> {
    for s in &mut rec.suggestions {
        s.name = lookups.names.get(&s.medication.to_string()).cloned();
    }
    let review = p.visit.as_ref().map(|v| review(&lookups.kb, v, &rec));
    let titles = lookups.titles(store, &shown_codes(&p.req, &rec, review.as_ref())).await?;
    for c in rec.suggestions.iter_mut().flat_map(|s| s.candidates.iter_mut()) {
        c.name = titles.get(&c.drug.to_string()).cloned();
    }
    Ok(Answer {
        patient_id: p.patient_id,
        admission_id: p.admission_id,
        input_digest: input_digest(&p.req),
        recommendation: rec,
        titles,
        recommendation_id: None,
        review,
    })
}

/// Teacher mode: the same request answered by the teacher on its prompt (no occlusion
/// evidence: one prompt per code would be too slow for a language model). The teacher runs
/// on its own worker thread, like the student.
pub async fn recommend_teacher(
    store: &Store,
    teacher: &leader_infer::teacher::Teacher,
    subject: &Subject,
    opts: RecommendOptions,
    lookups: &Lookups,
) -> Result<(Answer, String)> {
    let started = std::time::Instant::now();
    let m = teacher.manifest();
    let level = m.prompt.medication_atc_level;
    if lookups.level != level {
        return Err(ServiceError::Invalid(Rule::TeacherLevel));
    }
    let p = prepare(store, subject, level).await?.with_candidates(store, level).await?;
    let req = &p.req;
    let kb = &lookups.kb;
    let names = &lookups.names;
    let codes: Vec<Code> = req.input.input_codes();
    // The same titles, in the same precedence, as `export-dataset` used for training prompts.
    let prompt_titles = prompt_titles(store, names, &codes).await?;
    let prompt = leader_core::prompt::render(&req.input, &prompt_titles, &m.prompt.options);
    let probs = teacher.predict(vec![prompt.clone()]).await?;
    let model = leader_infer::recommend::ModelRef {
        id: m.model.id.clone(),
        version: m.model.version.clone(),
        kind: m.model.kind.clone(),
    };
    let meds = &teacher.bundle().medications;
    let mut rec =
        leader_infer::recommend::assemble(&probs[0], meds, m.threshold, |_| Default::default(), req, &opts, kb, model);
    rec.latency_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok((answer(store, lookups, p, rec).await?, prompt))
}
