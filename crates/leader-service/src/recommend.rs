//! Recommendations for a stored patient's visit, or for an ad-hoc visit, with display
//! names and titles filled in from the store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use leader_core::encode::{HistoryInput, VisitCodes, profile_tokens_from};
use leader_core::{Code, Profile, Sex};
use leader_infer::Engine;
use leader_infer::recommend::{RecommendOptions, Recommendation, Request};
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
}

/// A suggestion as shown: what a decision refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ShownSuggestion {
    pub medication: Code,
    pub probability: f32,
    pub status: leader_infer::recommend::Status,
}

/// An interaction warning as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownFinding {
    pub a: Code,
    pub b: Code,
    pub severity: leader_core::ddi::Severity,
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
            .map(|s| ShownSuggestion { medication: s.medication.clone(), probability: s.probability, status: s.status })
            .collect(),
        interactions: r
            .interactions
            .iter()
            .map(|f| ShownFinding { a: f.a.clone(), b: f.b.clone(), severity: f.severity })
            .collect(),
        withheld_for_coverage: r.coverage.insufficient,
        safe_mode: r.safe_mode,
    };
    let payload = serde_json::to_value(&rec).map_err(|_| ServiceError::Encode { what: "recommendation record" })?;
    let id = store.append_audit(&crate::models::actor(), "recommendation", &payload).await?;
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

/// Builds the model request for `subject` at the model's medication level.
pub async fn request_for(
    store: &Store,
    subject: &Subject,
    atc_level: u8,
) -> Result<(Request, Option<String>, Option<String>)> {
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
            if index > 0 {
                for p in &record.visits[index - 1].prescriptions {
                    if let Some(m) = &p.medication
                        && !current.contains(m)
                    {
                        current.push(m.clone());
                    }
                }
            }
            for c in extra_current {
                if !current.contains(c) {
                    current.push(c.clone());
                }
            }
            Ok((
                Request { input, current_medications: current },
                Some(record.patient.id),
                Some(record.visits[index].admission_id.clone()),
            ))
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
            Ok((Request { input, current_medications: current.clone() }, None, None))
        }
    }
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
    let (req, patient_id, admission_id) = request_for(store, subject, lookups.level).await?;
    let mut rec = engine.recommend(req.clone(), opts, Arc::clone(&lookups.kb)).await?;
    let names = &lookups.names;
    for s in &mut rec.suggestions {
        s.name = names.get(&s.medication.to_string()).cloned();
    }
    let mut codes: Vec<Code> = req.input.input_codes();
    codes.extend(req.current_medications.iter().cloned());
    for f in &rec.interactions {
        codes.extend([f.a.clone(), f.b.clone()]);
        codes.extend(f.rules.iter().flat_map(|r| [r.a.clone(), r.b.clone()]));
    }
    let titles = lookups.titles(store, &codes).await?;
    Ok(Answer {
        patient_id,
        admission_id,
        recommendation: rec,
        titles,
        input_digest: input_digest(&req),
        recommendation_id: None,
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
    let (req, patient_id, admission_id) = request_for(store, subject, level).await?;
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
        leader_infer::recommend::assemble(&probs[0], meds, m.threshold, |_| Vec::new(), &req, &opts, kb, model);
    for s in &mut rec.suggestions {
        s.name = names.get(&s.medication.to_string()).cloned();
    }
    rec.latency_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut all = codes;
    all.extend(req.current_medications.iter().cloned());
    for f in &rec.interactions {
        all.extend([f.a.clone(), f.b.clone()]);
        all.extend(f.rules.iter().flat_map(|r| [r.a.clone(), r.b.clone()]));
    }
    let titles: BTreeMap<String, String> = store.titles_of(&all).await?.into_iter().collect();
    let input_digest = input_digest(&req);
    Ok((
        Answer { patient_id, admission_id, recommendation: rec, titles, input_digest, recommendation_id: None },
        prompt,
    ))
}
