//! What the clinician decided, as FHIR R4: a `collection` Bundle of a visit's latest
//! recorded decision (`leader export fhir`, the composer's "Export as FHIR").
//!
//! Contents: the Patient and the Encounter (identified by our ids, no other demographics
//! than sex and birth year), the visit's Conditions, each accepted suggestion (or the
//! clinician's replacement) as a `MedicationRequest` (`draft`, `proposal`) with the Conditions
//! that were its evidence as `reasonReference`, the current medications that take part in an
//! interaction as `MedicationStatement`s, each interaction finding among them as a
//! `DetectedIssue`, and a `Provenance` naming the model bundle's digest and the decision's
//! audit id. Resource ids are UUIDs derived from the decision, so exporting the same
//! decision twice gives the same Bundle apart from its timestamp.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use leader_core::Code;
use leader_core::ddi::{Finding, Role, Severity};
use leader_core::fhir::system_uri;
use leader_infer::registry::ModelRegistry;
use leader_infer::runtime::SessionOptions;
use leader_store::Store;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::app::{Action, Decision};
use crate::recommend::Subject;
use crate::{FileKind, FileOp, Result, Rule, ServiceError};

/// What an export wrote (the app shows it; the CLI prints it with `--json`).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FhirExport {
    /// Where the Bundle was written (empty when written to standard output).
    pub file: String,
    pub medication_requests: u32,
    pub detected_issues: u32,
    pub conditions: u32,
    /// The audit id of the exported decision.
    pub decision_id: i64,
}

/// A built Bundle and its counts.
#[derive(Debug, Clone)]
pub struct DecisionBundle {
    pub bundle: Value,
    pub summary: FhirExport,
}

/// A deterministic UUID (RFC 4122 layout, version 5 bits) from `parts` (also the CDS
/// service's card ids).
pub fn uuid(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// `YYYY-MM-DD HH:MM:SS` (our stored UTC audit times) as a FHIR instant.
fn instant(at: &str) -> String {
    format!("{}Z", at.trim().replacen(' ', "T", 1))
}

fn coding(code: &Code, display: Option<&String>) -> Value {
    let mut c = json!({ "system": system_uri(code.system()), "code": code.value() });
    if let Some(d) = display.filter(|d| !d.trim().is_empty()) {
        c["display"] = json!(d);
    }
    c
}

fn concept(code: &Code, display: Option<&String>) -> Value {
    let mut c = json!({ "coding": [coding(code, display)] });
    c["text"] = json!(display.cloned().unwrap_or_else(|| code.to_string()));
    c
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Contraindicated | Severity::Major => "high",
        Severity::Moderate => "moderate",
        Severity::Unknown => "low",
    }
}

/// The latest decision recorded on `patient_id`'s visit `admission_id`.
async fn latest_decision(
    store: &Store,
    patient_id: &str,
    admission_id: &str,
) -> Result<(i64, String, String, Decision)> {
    let event = store.latest_decision(patient_id, admission_id).await?.ok_or_else(|| {
        ServiceError::Store(leader_store::StoreError::NotFound(
            "no decision has been recorded for this visit yet".into(),
        ))
    })?;
    let decision: Decision = serde_json::from_value(event.payload)
        .map_err(|_| ServiceError::UnreadableRecord { kind: "decision", id: event.id })?;
    Ok((event.id, event.at, event.actor, decision))
}

/// Builds the Bundle of the latest decision on a stored visit.
pub async fn decision_bundle(
    store: &Store,
    registry: &ModelRegistry,
    session: SessionOptions,
    patient_id: &str,
    admission_id: Option<&str>,
) -> Result<DecisionBundle> {
    let record = store.patient(patient_id).await?;
    let index = match admission_id {
        Some(a) => record
            .visits
            .iter()
            .position(|v| v.admission_id == a)
            .ok_or(ServiceError::Invalid(Rule::AdmissionNotOfPatient))?,
        None => record.visits.len().checked_sub(1).ok_or(ServiceError::Invalid(Rule::PatientHasNoVisits))?,
    };
    let visit = &record.visits[index];
    let (decision_id, at, actor, decision) = latest_decision(store, patient_id, &visit.admission_id).await?;
    let did = decision_id.to_string();
    let id_of = |kind: &str, key: &str| uuid(&["leader-rx", &did, kind, key]);

    // The decision's model: its folder (installed or bundled) gives the digest and the evidence.
    let model_dir = crate::models::list(registry)?
        .into_iter()
        .find(|m| m.id == decision.model.id && m.version == decision.model.version)
        .map(|m| PathBuf::from(m.path));
    let subject = Subject::Patient {
        patient_id: patient_id.to_owned(),
        admission_id: Some(visit.admission_id.clone()),
        extra_current: vec![],
    };
    // Evidence of each suggestion, from the same model on the same visit; the bundle's
    // identity (one digest over the manifest and every listed file) from the loaded bundle.
    let mut evidence: BTreeMap<Code, Vec<Code>> = BTreeMap::new();
    let current: Vec<Code>;
    let mut digest = None;
    let mut titles: BTreeMap<String, String> = record.titles.clone();
    let level = store.medication_atc_level().await?;
    if let Some(dir) = &model_dir {
        let engine = leader_infer::Engine::open(dir, session).await?;
        digest = Some(engine.bundle().await?.digest.clone());
        let answer = crate::recommend::recommend(
            store,
            &engine,
            &subject,
            leader_infer::recommend::RecommendOptions { top_k_below: 50, ..Default::default() },
        )
        .await?;
        for s in &answer.recommendation.suggestions {
            let codes = s.evidence.iter().filter(|e| e.delta > 0.0).map(|e| e.code.clone()).collect();
            evidence.insert(s.medication.clone(), codes);
        }
        current = answer.recommendation.current_medications.clone();
        titles.extend(answer.titles);
    } else {
        let (req, _, _) = crate::recommend::request_for(store, &subject, level).await?;
        current = req.current_medications;
    }
    let names = store.medication_names(level).await?;
    let name_of = |c: &Code| -> Option<String> {
        names.get(&c.to_string()).cloned().or_else(|| titles.get(&c.to_string()).cloned())
    };

    let patient_url = format!("urn:uuid:{}", id_of("Patient", patient_id));
    let encounter_url = format!("urn:uuid:{}", id_of("Encounter", &visit.admission_id));
    let mut entries: Vec<Value> = Vec::new();
    let mut push = |url: &str, resource: Value| entries.push(json!({ "fullUrl": url, "resource": resource }));

    let mut patient = json!({
        "resourceType": "Patient",
        "id": id_of("Patient", patient_id),
        "identifier": [{ "system": "urn:leader-rx:patient", "value": patient_id }],
        "gender": match record.patient.sex { leader_core::Sex::Female => "female", leader_core::Sex::Male => "male", leader_core::Sex::Unknown => "unknown" },
    });
    if let Some(y) = record.patient.birth_year.filter(|y| (1..=9999).contains(y)) {
        patient["birthDate"] = json!(format!("{y:04}"));
    }
    push(&patient_url, patient);

    let class = visit
        .profile
        .admission_type
        .as_deref()
        .filter(|t| leader_core::fhir::DEFAULT_VISIT_CLASSES.contains(t) || *t == "AMB")
        .unwrap_or("IMP");
    let mut period = json!({ "start": instant(&visit.admit_time.to_string()) });
    if let Some(end) = visit.discharge_time {
        period["end"] = json!(instant(&end.to_string()));
    }
    push(
        &encounter_url,
        json!({
            "resourceType": "Encounter",
            "id": id_of("Encounter", &visit.admission_id),
            "identifier": [{ "system": "urn:leader-rx:admission", "value": visit.admission_id }],
            "status": if visit.discharge_time.is_some() { "finished" } else { "in-progress" },
            "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": class },
            "subject": { "reference": patient_url },
            "period": period,
        }),
    );

    // Conditions: the visit's diagnoses.
    let mut condition_url: BTreeMap<Code, String> = BTreeMap::new();
    for dx in visit.diagnoses.iter().filter(|c| !system_uri(c.system()).is_empty()) {
        if condition_url.contains_key(dx) {
            continue;
        }
        let url = format!("urn:uuid:{}", id_of("Condition", &dx.to_string()));
        push(
            &url,
            json!({
                "resourceType": "Condition",
                "id": id_of("Condition", &dx.to_string()),
                "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "encounter-diagnosis", "display": "Encounter Diagnosis" }] }],
                "code": concept(dx, titles.get(&dx.to_string())),
                "subject": { "reference": patient_url },
                "encounter": { "reference": encounter_url },
            }),
        );
        condition_url.insert(dx.clone(), url);
    }

    // Accepted suggestions (or the clinician's replacements) as draft orders.
    let shown: BTreeMap<&Code, f32> = decision.suggestions.iter().map(|s| (&s.medication, s.probability)).collect();
    // (what is ordered, its url, the suggestion it replaces, the suggested class)
    let mut ordered: Vec<(Code, String, Option<&Code>, &Code)> = Vec::new();
    for d in &decision.decisions {
        let (med, suggested) = match d.action {
            // The ingredient the prescriber chose, else the class.
            Action::Accept => match &d.choice {
                Some(crate::app::Choice::Drug { drug, .. }) => (drug.clone(), None),
                _ => (d.medication.clone(), None),
            },
            Action::Replace => match &d.replacement {
                Some(r) => (r.clone(), Some(&d.medication)),
                None => continue,
            },
            Action::Reject => continue,
        };
        if ordered.iter().any(|(m, _, _, _)| *m == med) {
            continue;
        }
        let url = format!("urn:uuid:{}", id_of("MedicationRequest", &med.to_string()));
        ordered.push((med, url, suggested, &d.medication));
    }
    let model_text = format!("{} {}", decision.model.id, decision.model.version);
    for (med, url, replaced, class) in &ordered {
        let reasons: Vec<Value> = evidence
            .get(*class)
            .into_iter()
            .flatten()
            .filter_map(|c| condition_url.get(c))
            .map(|u| json!({ "reference": u }))
            .collect();
        let note = match replaced {
            None if med != *class => format!(
                "{} chosen by {actor} for the suggestion {class} of the LEADER Rx model {model_text} (probability {:.2}); decision audit event {decision_id}. A suggestion, not a dosing recommendation.",
                name_of(med).unwrap_or_else(|| med.to_string()),
                shown.get(*class).copied().unwrap_or(f32::NAN)
            ),
            None => format!(
                "Suggested by the LEADER Rx model {model_text} (probability {:.2}) and accepted by {actor}; decision audit event {decision_id}. A suggestion, not a dosing recommendation.",
                shown.get(med).copied().unwrap_or(f32::NAN)
            ),
            Some(s) => format!(
                "Chosen by {actor} in place of the suggestion {s} of the LEADER Rx model {model_text}; decision audit event {decision_id}."
            ),
        };
        let mut mr = json!({
            "resourceType": "MedicationRequest",
            "id": url.trim_start_matches("urn:uuid:"),
            "status": "draft",
            "intent": "proposal",
            "medicationCodeableConcept": concept(med, name_of(med).as_ref()),
            "subject": { "reference": patient_url },
            "encounter": { "reference": encounter_url },
            "authoredOn": instant(&at),
            "note": [{ "text": note }],
        });
        if !reasons.is_empty() {
            mr["reasonReference"] = json!(reasons);
        }
        push(url, mr);
    }

    // Interactions among the ordered drugs and the current medications.
    let kb = store.knowledge_base(None).await?;
    let mut drugs: Vec<(Code, Role)> = ordered.iter().map(|(m, _, _, _)| (m.clone(), Role::Suggested)).collect();
    for c in &current {
        if !drugs.iter().any(|(d, _)| d == c) {
            drugs.push((c.clone(), Role::Current));
        }
    }
    let findings: Vec<Finding> =
        kb.screen(&drugs).into_iter().filter(|f| f.a_role == Role::Suggested || f.b_role == Role::Suggested).collect();
    let mut statement_url: BTreeMap<Code, String> = BTreeMap::new();
    let needed: BTreeSet<&Code> = findings
        .iter()
        .flat_map(|f| [(&f.a, f.a_role), (&f.b, f.b_role)])
        .filter(|(_, r)| *r == Role::Current)
        .map(|(c, _)| c)
        .collect();
    for c in needed {
        let url = format!("urn:uuid:{}", id_of("MedicationStatement", &c.to_string()));
        push(
            &url,
            json!({
                "resourceType": "MedicationStatement",
                "id": url.trim_start_matches("urn:uuid:"),
                "status": "active",
                "medicationCodeableConcept": concept(c, name_of(c).as_ref()),
                "subject": { "reference": patient_url },
                "context": { "reference": encounter_url },
                "note": [{ "text": "Current medication at this visit (the previous visit's medications in the LEADER Rx store)." }],
            }),
        );
        statement_url.insert(c.clone(), url);
    }
    let url_of = |c: &Code| {
        ordered
            .iter()
            .find(|(m, _, _, _)| m == c)
            .map(|(_, u, _, _)| u.clone())
            .or_else(|| statement_url.get(c).cloned())
    };
    let mut issue_urls = Vec::new();
    for f in &findings {
        let rule = f.rules.iter().max_by_key(|r| r.severity);
        let (Some(ua), Some(ub)) = (url_of(&f.a), url_of(&f.b)) else { continue };
        let key = format!("{}|{}", f.a, f.b);
        let url = format!("urn:uuid:{}", id_of("DetectedIssue", &key));
        let names = format!(
            "{} × {}",
            name_of(&f.a).unwrap_or_else(|| f.a.to_string()),
            name_of(&f.b).unwrap_or_else(|| f.b.to_string())
        );
        let level = match f.certainty {
            leader_core::ddi::Certainty::Drug => "",
            leader_core::ddi::Certainty::Class => " Class-level: some drugs of this class interact.",
        };
        let mechanism =
            rule.and_then(|r| r.mechanism.clone()).unwrap_or_else(|| "Mechanism not given by the source.".into());
        let (code, display, text) = match &f.duplicate_class {
            Some(class) => (
                "DUPTHPY",
                "Duplicate Therapy Alert",
                format!("{} duplicate therapy: both are {class}", f.severity.as_str()),
            ),
            None => ("DRG", "Drug Interaction Alert", format!("{} interaction", f.severity.as_str())),
        };
        let mut issue = json!({
            "resourceType": "DetectedIssue",
            "id": url.trim_start_matches("urn:uuid:"),
            "status": "final",
            "code": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": code, "display": display }], "text": text },
            "severity": severity(f.severity),
            "patient": { "reference": patient_url },
            "identifiedDateTime": instant(&at),
            "implicated": [{ "reference": ua }, { "reference": ub }],
            "detail": format!("{names}: {mechanism}{level}"),
        });
        let mut mitigation: Vec<Value> = Vec::new();
        if let Some(m) = rule.and_then(|r| r.management.clone()) {
            mitigation.push(json!({ "action": { "text": m } }));
        }
        // The prescriber's override of this warning, with its reason.
        for d in &decision.decisions {
            let (Some(o), Some(code)) = (&d.override_reason, crate::app::decided_code(d)) else { continue };
            if code != &f.a && code != &f.b {
                continue;
            }
            let comment = o.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
            mitigation.push(json!({
                "action": {
                    "coding": [{ "system": "urn:leader-rx:override-reason", "code": o.reason.code(), "display": o.reason.display() }],
                    "text": format!("Overridden by the prescriber: {}{}", o.reason.display(), comment.map(|c| format!(" ({c})")).unwrap_or_default()),
                },
                "date": instant(&at),
            }));
        }
        if !mitigation.is_empty() {
            issue["mitigation"] = json!(mitigation);
        }
        let sources: Vec<Value> = f
            .rules
            .iter()
            .map(|r| {
                let mut d = format!("{} rule {} × {} ({})", r.source, r.a, r.b, r.severity.as_str());
                if let Some(reference) = &r.reference {
                    d.push_str(&format!("; reference: {reference}"));
                }
                json!({ "display": d })
            })
            .collect();
        issue["evidence"] = json!([{ "detail": sources }]);
        push(&url, issue);
        issue_urls.push(url);
    }

    // Provenance: who decided, with which model, recorded as which audit event.
    let mut targets: Vec<Value> = ordered.iter().map(|(_, u, _, _)| json!({ "reference": u })).collect();
    targets.extend(issue_urls.iter().map(|u| json!({ "reference": u })));
    if targets.is_empty() {
        targets.push(json!({ "reference": encounter_url }));
    }
    let mut entities = vec![json!({
        "role": "source",
        "what": { "identifier": { "system": "urn:leader-rx:audit-event", "value": did }, "display": format!("LEADER Rx decision, audit event {decision_id}") },
    })];
    if let Some(d) = &digest {
        entities.push(json!({
            "role": "source",
            "what": { "identifier": { "system": "urn:leader-rx:model-bundle-sha256", "value": d }, "display": format!("LEADER Rx model {model_text}") },
        }));
    }
    let prov_url = format!("urn:uuid:{}", id_of("Provenance", "decision"));
    push(
        &prov_url,
        json!({
            "resourceType": "Provenance",
            "id": prov_url.trim_start_matches("urn:uuid:"),
            "target": targets,
            "recorded": instant(&at),
            "agent": [
                { "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "author" }] }, "who": { "display": actor } },
                { "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "assembler" }] }, "who": { "display": format!("LEADER Rx model {model_text}") } },
            ],
            "entity": entities,
        }),
    );
    let summary = FhirExport {
        file: String::new(),
        medication_requests: ordered.len() as u32,
        detected_issues: issue_urls.len() as u32,
        conditions: condition_url.len() as u32,
        decision_id,
    };
    let bundle = json!({
        "resourceType": "Bundle",
        "id": id_of("Bundle", "decision"),
        "type": "collection",
        "timestamp": instant(&leader_store::now_utc()),
        "entry": entries,
    });
    Ok(DecisionBundle { bundle, summary })
}

/// Writes `bundle` to `path` (write-then-rename; folder and file owner-only, as the store's).
pub fn write_bundle(path: &Path, bundle: &Value) -> Result<()> {
    use std::io::Write as _;
    let text = serde_json::to_string_pretty(bundle).map_err(|_| ServiceError::Encode { what: "FHIR Bundle" })?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| ServiceError::file(FileKind::FhirBundle, FileOp::Write, path, &e);
    leader_store::files::create_private_dir(dir).map_err(fail)?;
    let tmp = dir.join(format!(".{}.part", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
    // A part file left by an interrupted export is ours to replace.
    let _ = std::fs::remove_file(&tmp);
    let mut f = leader_store::files::create_private_file(&tmp).map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)?;
    f.write_all(b"\n").map_err(fail)?;
    f.sync_all().map_err(fail)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use leader_core::CodeSystem;

    #[test]
    fn uuids_are_deterministic_and_well_formed() {
        let a = uuid(&["x", "1"]);
        assert_eq!(a, uuid(&["x", "1"]));
        assert_ne!(a, uuid(&["x1", ""]), "parts are separated");
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5", "version nibble");
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() || c == '-') && a == a.to_lowercase());
    }

    #[test]
    fn audit_times_become_instants() {
        assert_eq!(instant("2026-12-02 03:20:06"), "2026-12-02T03:20:06Z");
    }

    #[test]
    fn severities_map_to_fhir() {
        assert_eq!(severity(Severity::Contraindicated), "high");
        assert_eq!(severity(Severity::Major), "high");
        assert_eq!(severity(Severity::Moderate), "moderate");
        assert_eq!(severity(Severity::Unknown), "low");
    }

    #[test]
    fn codings_use_the_hl7_uris() {
        let c = Code::new(CodeSystem::Atc, "B01AA03").expect("code");
        let v = coding(&c, Some(&"warfarin".to_owned()));
        assert_eq!(v["system"], "http://www.whocc.no/atc");
        assert_eq!(v["display"], "warfarin");
    }
}
