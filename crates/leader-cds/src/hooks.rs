//! The handlers: discovery, the services, feedback.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leader_core::Code;
use leader_core::ddi::{Certainty, Finding, Role, Severity};
use leader_service::app::RecommendRequest;
use leader_service::recommend::Subject;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Shared;
use crate::cards::{self, Action, Card, Coding, Source, Suggestion};

pub const SUGGESTIONS: &str = "leader-medication-suggestions";
pub const INTERACTIONS: &str = "leader-interaction-check";
pub const INTERACTIONS_SELECT: &str = "leader-interaction-check-select";

/// At most this many suggestion cards (the EHR shows them all; more is noise).
const MAX_SUGGESTION_CARDS: usize = 8;

fn hook_of(service: &str) -> Option<&'static str> {
    match service {
        SUGGESTIONS | INTERACTIONS_SELECT => Some("order-select"),
        INTERACTIONS => Some("order-sign"),
        _ => None,
    }
}

// ---------------------------------------------------------------- errors

/// A refusal: status and a message for the EHR's log (never patient data).
#[derive(Debug)]
pub struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        tracing::info!(status = self.0.as_u16(), reason = %self.1, "cds request refused");
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal(status, message.into())
}

// ---------------------------------------------------------------- discovery

pub async fn discovery() -> Json<Value> {
    let patient = "Patient/{{context.patientId}}";
    let conditions = "Condition?patient={{context.patientId}}&encounter={{context.encounterId}}";
    let meds = "MedicationRequest?patient={{context.patientId}}&status=active";
    let statements = "MedicationStatement?patient={{context.patientId}}&status=active";
    Json(json!({ "services": [
        {
            "hook": "order-select",
            "id": SUGGESTIONS,
            "title": "LEADER Rx medication suggestions",
            "description": "Suggests medication classes for this encounter from its diagnoses and the patient's current medications (LEADER student model), each with its probability, evidence and concrete draft order. Suggestions, not orders: the prescriber decides. This service is offline: it never calls the EHR's FHIR server, so send the prefetch; without it, it answers only for patients in its local store.",
            "prefetch": { "patient": patient, "conditions": conditions, "medications": meds, "statements": statements },
            "usageRequirements": "Signed JWT (CDS Hooks) from a configured issuer. Prefetch required unless the patient is in the service's local store."
        },
        {
            "hook": "order-sign",
            "id": INTERACTIONS,
            "title": "LEADER Rx interaction check",
            "description": "Screens the draft orders against each other and the patient's active medications with the LEADER Rx interaction knowledge base: one card per interacting pair (critical: contraindicated, warning: major, info: moderate or table-only), with mechanism, management, source and override reasons. A pair without a card has no rule in the loaded sources, which is not proof that it is safe.",
            "prefetch": { "medications": meds, "statements": statements },
            "usageRequirements": "Signed JWT (CDS Hooks) from a configured issuer."
        },
        {
            "hook": "order-select",
            "id": INTERACTIONS_SELECT,
            "title": "LEADER Rx interaction check (while selecting)",
            "description": "The interaction check of leader-interaction-check, at order-select.",
            "prefetch": { "medications": meds, "statements": statements },
            "usageRequirements": "Signed JWT (CDS Hooks) from a configured issuer."
        }
    ]}))
}

// ---------------------------------------------------------------- requests

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HookRequest {
    hook: String,
    hook_instance: String,
    #[serde(default)]
    context: Value,
    #[serde(default)]
    prefetch: Option<serde_json::Map<String, Value>>,
}

/// What we remember of a card until its feedback arrives (bounded, oldest dropped first).
#[derive(Debug, Clone)]
pub struct IssuedCard {
    pub service: String,
    pub patient_id: String,
    pub user: Option<String>,
    pub hook_instance: String,
    pub summary: String,
    pub indicator: String,
    pub subject: Value,
}

#[derive(Debug, Default)]
pub struct IssuedCards {
    inner: Mutex<(HashMap<String, IssuedCard>, VecDeque<String>)>,
}

impl IssuedCards {
    const MAX: usize = 50_000;

    fn insert(&self, uuid: String, card: IssuedCard) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.1.push_back(uuid.clone());
        g.0.insert(uuid, card);
        while g.1.len() > Self::MAX {
            if let Some(old) = g.1.pop_front() {
                g.0.remove(&old);
            }
        }
    }

    pub fn get(&self, uuid: &str) -> Option<IssuedCard> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).0.get(uuid).cloned()
    }
}

fn card_uuid(parts: &[&str]) -> String {
    leader_service::fhir_export::uuid(parts)
}

/// Reads and checks the request: rate, JWT, body size and shape, hook.
async fn admit(state: &Shared, id: &str, req: Request) -> Result<(crate::auth::Claims, Value), Refusal> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into());
    if !state.limiter.allow(&peer) {
        return Err(refuse(StatusCode::TOO_MANY_REQUESTS, "too many requests from this client; retry later"));
    }
    if hook_of(id).is_none() {
        return Err(refuse(StatusCode::NOT_FOUND, "no such CDS service"));
    }
    let auth = req.headers().get(axum::http::header::AUTHORIZATION).and_then(|h| h.to_str().ok()).map(str::to_owned);
    let claims =
        state.verifier.verify(auth.as_deref(), id).map_err(|e| refuse(StatusCode::UNAUTHORIZED, e.to_string()))?;
    let limit = state.config.max_body_bytes;
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body exceeds {limit} bytes")))?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|e| {
        refuse(StatusCode::BAD_REQUEST, format!("the body is not JSON (line {}, column {})", e.line(), e.column()))
    })?;
    Ok((claims, body))
}

pub async fn invoke(State(state): State<Shared>, Path(id): Path<String>, req: Request) -> Response {
    let started = Instant::now();
    let result = handle(&state, &id, req).await;
    let status = match &result {
        Ok(_) => 200,
        Err(Refusal(s, _)) => s.as_u16(),
    };
    tracing::info!(service = %id, status, ms = started.elapsed().as_secs_f64() * 1e3, "cds request");
    match result {
        Ok(r) => Json(r).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn handle(state: &Shared, id: &str, req: Request) -> Result<Value, Refusal> {
    let (claims, body) = admit(state, id, req).await?;
    let request: HookRequest = serde_json::from_value(body)
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, "not a CDS Hooks request (hook, hookInstance, context)"))?;
    let expected = hook_of(id).unwrap_or_default();
    if request.hook != expected {
        return Err(refuse(StatusCode::BAD_REQUEST, format!("this service answers the {expected} hook")));
    }
    let patient_id = request
        .context
        .get("patientId")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty() && p.len() <= 128)
        .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "context.patientId is required"))?
        .to_owned();
    let user = request.context.get("userId").and_then(Value::as_str).map(str::to_owned);
    let inputs = inputs(state, &request, &patient_id).await?;
    let cards = match id {
        SUGGESTIONS => suggestion_cards(state, &request, &patient_id, inputs).await?,
        _ => interaction_cards(state, &request, inputs).await?,
    };
    // Remember the cards for feedback; record what was shown.
    for (card, subject) in &cards {
        state.cards.insert(
            card.uuid.clone(),
            IssuedCard {
                service: id.to_owned(),
                patient_id: patient_id.clone(),
                user: user.clone(),
                hook_instance: request.hook_instance.clone(),
                summary: card.summary.clone(),
                indicator: card.indicator.clone(),
                subject: subject.clone(),
            },
        );
    }
    let cards: Vec<Card> = cards.into_iter().map(|(c, _)| c).collect();
    if !cards.is_empty() {
        let payload = json!({
            "service": id, "hook": request.hook, "hook_instance": request.hook_instance,
            "patient_id": patient_id, "user": user, "issuer": claims.iss,
            "cards": cards.iter().map(|c| json!({ "uuid": c.uuid, "summary": c.summary, "indicator": c.indicator })).collect::<Vec<_>>(),
        });
        let _one_writer = state.audit_writer.lock().await;
        state
            .app
            .store
            .append_audit(&format!("cds:{}", claims.iss), "cds-cards", &payload)
            .await
            .map_err(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "the audit log could not be written"))?;
    }
    Ok(serde_json::to_value(cards::Response { cards }).unwrap_or_else(|_| json!({ "cards": [] })))
}

// ---------------------------------------------------------------- inputs

/// The visit as the EHR describes it (prefetch), or as the local store knows it.
#[derive(Debug, Default)]
struct Inputs {
    diagnoses: Vec<Code>,
    procedures: Vec<Code>,
    /// Active medications (codes) and how many could not be mapped to a code.
    current: Vec<Code>,
    unmapped_current: usize,
    age: Option<i32>,
    sex: Option<leader_core::Sex>,
    /// `Some` when the answer comes from the local store (no prefetch).
    local: Option<Subject>,
    /// Why nothing can be answered.
    none: Option<&'static str>,
}

/// The resources of a prefetch value (a resource or a searchset Bundle).
fn resources(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => vec![],
        Some(v) if v.get("resourceType").and_then(Value::as_str) == Some("Bundle") => {
            v.get("entry").and_then(Value::as_array).into_iter().flatten().filter_map(|e| e.get("resource")).collect()
        }
        Some(v) => vec![v],
    }
}

async fn inputs(state: &Shared, request: &HookRequest, patient_id: &str) -> Result<Inputs, Refusal> {
    let systems = &state.config.systems;
    let Some(prefetch) = request.prefetch.as_ref().filter(|p| p.values().any(|v| !v.is_null())) else {
        // Offline: no FHIR server to ask. The local store, if it knows the patient.
        return match state.app.store.patient(patient_id).await {
            Ok(_) => Ok(Inputs {
                local: Some(Subject::Patient {
                    patient_id: patient_id.to_owned(),
                    admission_id: None,
                    extra_current: vec![],
                }),
                ..Inputs::default()
            }),
            Err(_) => {
                tracing::info!(reason = "no prefetch, and the patient is not in the local store", "cds: no card");
                Ok(Inputs { none: Some("no prefetch and the patient is not in the local store"), ..Inputs::default() })
            }
        };
    };
    let mut out = Inputs::default();
    let bad = |what: &str| refuse(StatusCode::BAD_REQUEST, format!("prefetch `{what}` is not valid FHIR R4"));
    if let Some(p) = resources(prefetch.get("patient")).first() {
        if p.get("resourceType").and_then(Value::as_str) != Some("Patient") {
            return Err(bad("patient"));
        }
        out.sex = p.get("gender").and_then(Value::as_str).map(leader_core::Sex::parse_lenient);
        out.age = p
            .get("birthDate")
            .and_then(Value::as_str)
            .and_then(|d| d.get(0..4))
            .and_then(|y| y.parse::<i32>().ok())
            .map(|y| (this_year() - y).clamp(0, 90));
    }
    let encounter = request.context.get("encounterId").and_then(Value::as_str);
    for (key, kind) in [("conditions", "Condition"), ("procedures", "Procedure")] {
        for r in resources(prefetch.get(key)) {
            if r.get("resourceType").and_then(Value::as_str) != Some(kind) {
                return Err(bad(key));
            }
            // Only this encounter's, when the resource says which.
            let enc = r.get("encounter").and_then(|e| e.get("reference")).and_then(Value::as_str);
            if let (Some(want), Some(got)) = (encounter, enc)
                && !got.ends_with(&format!("Encounter/{want}"))
                && got != want
            {
                continue;
            }
            let text = r.to_string();
            let code = if kind == "Condition" {
                leader_store::import::fhir::diagnosis_code(&text, systems)
            } else {
                leader_store::import::fhir::procedure_code(&text, systems)
            }
            .map_err(|_| bad(key))?;
            let list = if kind == "Condition" { &mut out.diagnoses } else { &mut out.procedures };
            if let Some(c) = code
                && !list.contains(&c)
            {
                list.push(c);
            }
        }
    }
    for key in ["medications", "statements"] {
        for r in resources(prefetch.get(key)) {
            if !matches!(
                r.get("resourceType").and_then(Value::as_str),
                Some("MedicationRequest" | "MedicationStatement")
            ) {
                return Err(bad(key));
            }
            let codes =
                leader_store::import::fhir::medication_codes(&r.to_string(), systems, &state.mapper).map_err(|e| {
                    tracing::debug!(error = %e, "prefetch medication refused");
                    bad(key)
                })?;
            if codes.is_empty() {
                out.unmapped_current += 1;
            }
            for c in codes {
                if !out.current.contains(&c) {
                    out.current.push(c);
                }
            }
        }
    }
    Ok(out)
}

fn this_year() -> i32 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    1970 + (secs / 31_556_952) as i32
}

// ---------------------------------------------------------------- suggestions

async fn suggestion_cards(
    state: &Shared,
    request: &HookRequest,
    patient_id: &str,
    inputs: Inputs,
) -> Result<Vec<(Card, Value)>, Refusal> {
    if inputs.none.is_some() {
        return Ok(vec![]);
    }
    let subject = match inputs.local {
        Some(s) => s,
        None if inputs.diagnoses.is_empty() => {
            tracing::info!(reason = "no diagnosis in the prefetch could be read", "cds: no suggestion");
            return Ok(vec![]);
        }
        None => Subject::AdHoc {
            diagnoses: inputs.diagnoses.clone(),
            procedures: inputs.procedures.clone(),
            current: inputs.current.clone(),
            age: inputs.age,
            sex: inputs.sex.unwrap_or(leader_core::Sex::Unknown),
        },
    };
    let answer = state
        .app
        .recommend(RecommendRequest { subject, safe_mode: true, top_k: 0, teacher: false })
        .await
        .map_err(|e| refuse(StatusCode::SERVICE_UNAVAILABLE, e.message))?;
    let rec = &answer.recommendation;
    let model = format!("{} {}", rec.model.id, rec.model.version);
    let title = |c: &Code| answer.titles.get(&c.to_string()).cloned().unwrap_or_else(|| c.to_string());
    let encounter = request.context.get("encounterId").and_then(Value::as_str);
    let mut out = Vec::new();
    for s in rec.suggestions.iter().filter(|s| s.status == leader_infer::recommend::Status::Suggested) {
        if out.len() >= MAX_SUGGESTION_CARDS {
            break;
        }
        let name = s.name.clone().unwrap_or_else(|| s.medication.to_string());
        let evidence: Vec<String> = s
            .evidence
            .iter()
            .filter(|e| e.delta > 0.0)
            .take(3)
            .map(|e| format!("{} (+{:.2})", title(&e.code), e.delta))
            .collect();
        let alerts: Vec<String> = rec
            .interactions
            .iter()
            .filter(|f| f.a == s.medication || f.b == s.medication)
            .map(|f| {
                format!(
                    "{} interaction with {}",
                    f.severity.as_str(),
                    title(if f.a == s.medication { &f.b } else { &f.a })
                )
            })
            .collect();
        let mut detail = format!(
            "**{name}** ({}), probability {:.2} (threshold {:.2}), from the LEADER Rx model {model}.\n\n",
            s.medication, s.probability, rec.threshold
        );
        if !evidence.is_empty() {
            detail.push_str(&format!("Evidence (what raises it most): {}.\n\n", evidence.join("; ")));
        }
        if !alerts.is_empty() {
            detail.push_str(&format!("Interactions: {}.\n\n", alerts.join("; ")));
        }
        if !rec.unknown_codes.is_empty() {
            let unknown: Vec<String> = rec.unknown_codes.iter().map(|c| c.to_string()).collect();
            detail.push_str(&format!("Codes this model does not know (ignored): {}.\n\n", unknown.join(", ")));
        }
        detail.push_str("A suggestion of a medication class, not an order or a dose: the prescriber decides.");
        let uuid = card_uuid(&[&request.hook_instance, SUGGESTIONS, &s.medication.to_string()]);
        let mut resource = json!({
            "resourceType": "MedicationRequest",
            "status": "draft",
            "intent": "proposal",
            "subject": { "reference": format!("Patient/{patient_id}") },
            "medicationCodeableConcept": {
                "coding": [{ "system": leader_core::fhir::system_uri(s.medication.system()), "code": s.medication.value(), "display": name }],
                "text": name,
            },
            "note": [{ "text": format!("Suggested by LEADER Rx ({model}), probability {:.2}.", s.probability) }],
        });
        if let Some(e) = encounter {
            resource["encounter"] = json!({ "reference": format!("Encounter/{e}") });
        }
        let card = Card {
            uuid: uuid.clone(),
            summary: cards::summary(&format!("Consider {name} (probability {:.2})", s.probability)),
            detail,
            indicator: "info".into(),
            source: Source {
                label: format!("LEADER Rx model {model}"),
                topic: Some(Coding {
                    system: "urn:leader-rx:card-topic".into(),
                    code: "medication-suggestion".into(),
                    display: "Medication suggestion".into(),
                }),
            },
            suggestions: vec![Suggestion {
                label: cards::summary(&format!("Add a draft order: {name}")),
                uuid: card_uuid(&[&uuid, "create"]),
                is_recommended: false,
                actions: vec![Action {
                    kind: "create".into(),
                    description: format!("Create a draft MedicationRequest for {name}"),
                    resource: Some(resource),
                }],
            }],
            selection_behavior: Some("at-most-one".into()),
            override_reasons: vec![],
        };
        out.push((card, json!({ "medication": s.medication, "probability": s.probability, "model": model })));
    }
    Ok(out)
}

// ---------------------------------------------------------------- interactions

/// The draft orders of `context.draftOrders` (a Bundle), with their codes.
fn drafts(state: &Shared, request: &HookRequest) -> Result<(Vec<Code>, usize), Refusal> {
    let Some(bundle) = request.context.get("draftOrders") else { return Ok((vec![], 0)) };
    let mut codes = Vec::new();
    let mut unmapped = 0;
    for r in resources(Some(bundle)) {
        if r.get("resourceType").and_then(Value::as_str) != Some("MedicationRequest") {
            continue;
        }
        let c = leader_store::import::fhir::medication_codes(&r.to_string(), &state.config.systems, &state.mapper)
            .map_err(|_| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "context.draftOrders holds a MedicationRequest that is not valid FHIR R4",
                )
            })?;
        if c.is_empty() {
            unmapped += 1;
        }
        for c in c {
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
    }
    Ok((codes, unmapped))
}

fn override_reasons() -> Vec<Coding> {
    leader_service::app::OverrideReason::LISTED
        .iter()
        .map(|r| Coding {
            system: "urn:leader-rx:override-reason".into(),
            code: r.code().into(),
            display: r.display().into(),
        })
        .collect()
}

fn indicator(s: Severity) -> &'static str {
    match s {
        Severity::Contraindicated => "critical",
        Severity::Major => "warning",
        Severity::Moderate | Severity::Unknown => "info",
    }
}

async fn interaction_cards(
    state: &Shared,
    request: &HookRequest,
    inputs: Inputs,
) -> Result<Vec<(Card, Value)>, Refusal> {
    let (draft, unmapped_drafts) = drafts(state, request)?;
    let mut current = inputs.current.clone();
    if let Some(subject) = &inputs.local {
        let level = state
            .app
            .store
            .medication_atc_level()
            .await
            .map_err(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "the store could not be read"))?;
        if let Ok((req, _, _)) = leader_service::recommend::request_for(&state.app.store, subject, level).await {
            current = req.current_medications;
        }
    } else if inputs.none.is_some() && draft.len() < 2 {
        return Ok(vec![]);
    }
    let mut drugs: Vec<(Code, Role)> = draft.iter().map(|c| (c.clone(), Role::Suggested)).collect();
    for c in current {
        if !drugs.iter().any(|(d, _)| *d == c) {
            drugs.push((c, Role::Current));
        }
    }
    let check = state.app.screen(&drugs).await.map_err(|e| refuse(StatusCode::SERVICE_UNAVAILABLE, e.message))?;
    let name = |c: &Code| check.titles.get(&c.to_string()).cloned().unwrap_or_else(|| c.to_string());
    let mut findings: Vec<&Finding> =
        check.findings.iter().filter(|f| f.a_role == Role::Suggested || f.b_role == Role::Suggested).collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut out = Vec::new();
    for f in findings {
        let rule = f.rules.iter().max_by_key(|r| r.severity);
        let (a, b) = (name(&f.a), name(&f.b));
        let role = |r: Role| if r == Role::Suggested { "draft order" } else { "active medication" };
        let mut detail = format!(
            "**{a}** ({}) and **{b}** ({}): {} interaction{}.\n\n",
            role(f.a_role),
            role(f.b_role),
            f.severity.as_str(),
            if f.certainty == Certainty::Class { ", class-level (some drugs of this class interact)" } else { "" }
        );
        if let Some(m) = rule.and_then(|r| r.mechanism.as_deref()) {
            detail.push_str(&format!("Mechanism: {m}\n\n"));
        }
        if let Some(m) = rule.and_then(|r| r.management.as_deref()) {
            detail.push_str(&format!("Management: {m}\n\n"));
        }
        let sources: Vec<String> = f
            .rules
            .iter()
            .map(|r| match &r.reference {
                Some(reference) => format!("{} ({reference})", r.source),
                None => r.source.clone(),
            })
            .collect();
        detail.push_str(&format!("Source: {}.", sources.join("; ")));
        let uuid = card_uuid(&[&request.hook_instance, "interaction", &f.a.to_string(), &f.b.to_string()]);
        let card = Card {
            uuid,
            summary: cards::summary(&format!("{}: {a} × {b}", f.severity.as_str().to_uppercase())),
            detail,
            indicator: indicator(f.severity).into(),
            source: Source {
                label: format!(
                    "LEADER Rx interaction knowledge base ({})",
                    f.rules.iter().map(|r| r.source.as_str()).collect::<Vec<_>>().join(", ")
                ),
                topic: Some(Coding {
                    system: "urn:leader-rx:card-topic".into(),
                    code: "drug-interaction".into(),
                    display: "Drug-drug interaction".into(),
                }),
            },
            suggestions: vec![],
            selection_behavior: None,
            override_reasons: override_reasons(),
        };
        out.push((card, json!({ "a": f.a, "b": f.b, "severity": f.severity, "certainty": f.certainty })));
    }
    // Never a silent "nothing found" for orders that could not be screened.
    let unscreened = unmapped_drafts + inputs.unmapped_current;
    if unscreened > 0 {
        let uuid = card_uuid(&[&request.hook_instance, "unscreened"]);
        let card = Card {
            uuid,
            summary: cards::summary(&format!("{unscreened} medication(s) could not be coded and were not screened")),
            detail: "These orders or medications carry no coding LEADER Rx can map to a drug (ATC via NDC, GSN or name; RxNorm). They were not checked for interactions: absence of an alert is not proof of safety.".into(),
            indicator: "info".into(),
            source: Source { label: "LEADER Rx interaction check".into(), topic: None },
            suggestions: vec![],
            selection_behavior: None,
            override_reasons: vec![],
        };
        out.push((card, json!({ "unscreened": unscreened })));
    }
    Ok(out)
}

// ---------------------------------------------------------------- feedback

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedbackBody {
    feedback: Vec<FeedbackItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedbackItem {
    card: String,
    outcome: String,
    #[serde(default)]
    accepted_suggestions: Vec<Value>,
    #[serde(default)]
    override_reason: Option<OverrideReason>,
    #[serde(default)]
    outcome_timestamp: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverrideReason {
    #[serde(default)]
    reason: Option<Value>,
    #[serde(default)]
    user_comment: Option<String>,
}

pub async fn feedback(State(state): State<Shared>, Path(id): Path<String>, req: Request) -> Response {
    match record_feedback(&state, &id, req).await {
        Ok(n) => {
            tracing::info!(service = %id, items = n, "cds feedback");
            (StatusCode::OK, Json(json!({}))).into_response()
        }
        Err(r) => r.into_response(),
    }
}

async fn record_feedback(state: &Shared, id: &str, req: Request) -> Result<usize, Refusal> {
    let (claims, body) = admit(state, id, req).await?;
    let body: FeedbackBody = serde_json::from_value(body)
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, "not a CDS Hooks feedback body (feedback: [{card, outcome}])"))?;
    // Check every item before writing any.
    let mut events = Vec::new();
    for item in &body.feedback {
        let card = state
            .cards
            .get(&item.card)
            .filter(|c| c.service == id)
            .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "feedback names a card this service did not issue"))?;
        if !matches!(item.outcome.as_str(), "accepted" | "overridden") {
            return Err(refuse(StatusCode::BAD_REQUEST, "outcome must be accepted or overridden"));
        }
        if item.user_comment_len() > 2_000 {
            return Err(refuse(StatusCode::BAD_REQUEST, "the override comment is too long"));
        }
        let actor = card.user.clone().unwrap_or_else(|| format!("cds:{}", claims.iss));
        events.push((
            actor,
            json!({
                "service": id, "card": item.card, "outcome": item.outcome,
                "patient_id": card.patient_id, "hook_instance": card.hook_instance,
                "summary": card.summary, "indicator": card.indicator, "subject": card.subject,
                "accepted_suggestions": item.accepted_suggestions,
                "override_reason": item.override_reason.as_ref().and_then(|o| o.reason.clone()),
                "user_comment": item.override_reason.as_ref().and_then(|o| o.user_comment.clone()),
                "outcome_timestamp": item.outcome_timestamp, "issuer": claims.iss,
            }),
        ));
    }
    let fail = |_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "the audit log could not be written");
    let _one_writer = state.audit_writer.lock().await;
    let mut tx = state.app.store.pool().begin().await.map_err(|e| fail(leader_store::StoreError::from(e)))?;
    for (actor, payload) in &events {
        leader_store::tx::append_audit(&mut *tx, actor, "cds-feedback", payload).await.map_err(fail)?;
    }
    tx.commit().await.map_err(|e| fail(leader_store::StoreError::from(e)))?;
    Ok(events.len())
}

impl FeedbackItem {
    fn user_comment_len(&self) -> usize {
        self.override_reason.as_ref().and_then(|o| o.user_comment.as_ref()).map_or(0, String::len)
    }
}
