//! The CDS Hooks service end to end through its router (`cargo test -p leader-cds --test cds`):
//! discovery, both services on real MIMIC-IV-on-FHIR encounters and on the demo patients,
//! the JWT checks, limits, malformed input and feedback into the audit log. Every response
//! is checked against the specification's card rules, and the draft orders the cards offer
//! are validated with the pipeline's FHIR validator.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use leader_cds::cards::check_response;
use leader_cds::testkit::{BulkExport, TestEhr};
use leader_cds::{Config, Shared, State, router};
use leader_infer::runtime::SessionOptions;
use leader_service::app::App;
use serde_json::{Value, json};
use tower::ServiceExt;

const BASE: &str = "http://127.0.0.1:8787/cds-services";
const ISSUER: &str = "https://ehr.example.org";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn shared_data() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(p.join("README.md").exists(), "the shared data folder is expected at {}", p.display());
    p
}

fn ehr() -> TestEhr {
    let pem = std::fs::read_to_string(fixtures().join("test-ehr-private-key.pem")).expect("key");
    TestEhr::new(&pem, "test-ehr-1", ISSUER).expect("test key")
}

fn config(systems: leader_core::fhir::FhirSystems, rate: u32) -> Config {
    Config {
        listen: "127.0.0.1:8787".parse().expect("addr"),
        base_url: BASE.into(),
        jwks: std::fs::read_to_string(fixtures().join("test-ehr-jwks.json")).expect("jwks"),
        issuers: vec![ISSUER.into()],
        cors_origins: vec!["https://ehr.example.org".into()],
        max_body_bytes: 256 * 1024,
        timeout: Duration::from_secs(10),
        rate_per_second: rate,
        systems,
    }
}

/// A demo store (the synthetic cohort, the bundled student).
async fn demo(rate: u32) -> (tempfile::TempDir, Shared) {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let app = App::open(&db, SessionOptions::default()).await.expect("app");
    let state = State::new(app, config(leader_core::fhir::FhirSystems::standard(), rate)).await.expect("state");
    (dir, Arc::new(state))
}

/// An empty store with the ATC maps, for the MIMIC-IV demo on FHIR.
async fn mimic() -> (tempfile::TempDir, Shared) {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let app = App::open_store(&db, SessionOptions::default()).await.expect("app");
    let maps = shared_data().join("mappings/ethos");
    for m in ["gsn_atc_ndc_mapping.csv.gz", "mimic_drug_to_atc.csv.gz"] {
        app.store.import_atc_map(&maps.join(m), &leader_store::NoProgress).await.expect("map");
    }
    let state = State::new(app, config(leader_core::fhir::FhirSystems::mimic(), 0)).await.expect("state");
    (dir, Arc::new(state))
}

async fn post(state: &Shared, path: &str, token: Option<String>, body: Vec<u8>) -> (StatusCode, Value) {
    let mut req = Request::post(path).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = router(state.clone()).oneshot(req.body(Body::from(body)).expect("request")).await.expect("response");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn call(state: &Shared, ehr: &TestEhr, service: &str, body: &Value) -> (StatusCode, Value) {
    post(
        state,
        &format!("/cds-services/{service}"),
        Some(ehr.token(&format!("{BASE}/{service}"), 300)),
        body.to_string().into_bytes(),
    )
    .await
}

async fn audit_count(state: &Shared) -> i64 {
    state.app.store.audit_events(None, 100_000).await.expect("audit").len() as i64
}

fn validate_resources(resources: &[Value]) {
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipeline");
    let python = pipeline.join(".venv/bin/python");
    assert!(python.exists(), "the pipeline environment is needed to validate FHIR (scripts/bootstrap.sh python)");
    let dir = tempfile::tempdir().expect("tmp");
    let entries: Vec<Value> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| json!({ "fullUrl": format!("urn:uuid:00000000-0000-4000-8000-{i:012}"), "resource": r }))
        .collect();
    let file = dir.path().join("cards.json");
    std::fs::write(&file, json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }).to_string())
        .expect("write");
    let out = std::process::Command::new(python)
        .current_dir(&pipeline)
        .args(["-m", "leader_pipeline.fhir_validate"])
        .arg(&file)
        .output()
        .expect("validator runs");
    assert!(
        out.status.success(),
        "the cards' draft orders are not valid FHIR R4:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn discovery_lists_the_three_services_with_their_prefetch() {
    let (_dir, state) = demo(0).await;
    let resp =
        router(state).oneshot(Request::get("/cds-services").body(Body::empty()).expect("req")).await.expect("resp");
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = serde_json::from_slice(&resp.into_body().collect().await.expect("body").to_bytes()).expect("json");
    let services = v["services"].as_array().expect("services");
    let ids: Vec<(&str, &str)> =
        services.iter().map(|s| (s["id"].as_str().expect("id"), s["hook"].as_str().expect("hook"))).collect();
    assert_eq!(
        ids,
        [
            ("leader-medication-suggestions", "order-select"),
            ("leader-interaction-check", "order-sign"),
            ("leader-interaction-check-select", "order-select")
        ]
    );
    for s in services {
        assert!(s["description"].as_str().is_some_and(|d| d.len() > 20), "every service describes itself");
        assert!(s["prefetch"]["medications"].as_str().is_some_and(|t| t.contains("{{context.patientId}}")));
    }
}

#[tokio::test]
async fn real_mimic_encounters_get_suggestion_and_interaction_cards() {
    let (_dir, state) = mimic().await;
    let ehr = ehr();
    let export = BulkExport::load(&shared_data().join("mimic-iv-fhir-demo/fhir")).expect("FHIR demo");
    let encounters = export.encounters();
    assert!(encounters.len() >= 250, "the demo's hospital encounters with diagnoses: {}", encounters.len());
    let (mut with_cards, mut alerts, mut offered) = (0, 0, Vec::new());
    let sample: Vec<&(String, String)> = encounters.iter().step_by(10).collect();
    for (patient, encounter) in &sample {
        let (status, v) =
            call(&state, &ehr, "leader-medication-suggestions", &export.request(patient, encounter, "order-select", 0))
                .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert!(check_response(&v).is_empty(), "{:?}", check_response(&v));
        let cards = v["cards"].as_array().expect("cards");
        if !cards.is_empty() {
            with_cards += 1;
        }
        for c in cards {
            assert_eq!(c["indicator"], "info");
            assert!(c["detail"].as_str().is_some_and(|d| d.contains("probability")));
            let action = &c["suggestions"][0]["actions"][0];
            assert_eq!(action["type"], "create");
            assert_eq!(action["resource"]["status"], "draft");
            offered.push(action["resource"].clone());
        }
        let (status, v) =
            call(&state, &ehr, "leader-interaction-check", &export.request(patient, encounter, "order-sign", 15)).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert!(check_response(&v).is_empty(), "{:?}", check_response(&v));
        alerts += v["cards"].as_array().expect("cards").len();
    }
    eprintln!(
        "{} MIMIC-IV FHIR encounters: {with_cards} with suggestion cards, {alerts} interaction cards",
        sample.len()
    );
    assert!(
        with_cards * 10 >= sample.len() * 9,
        "suggestions for at least 90% of encounters: {with_cards}/{}",
        sample.len()
    );
    validate_resources(&offered[..offered.len().min(40)]);
}

fn coded(atc: &str, name: &str) -> Value {
    json!({ "coding": [{ "system": "http://www.whocc.no/atc", "code": atc, "display": name }], "text": name })
}

fn order_sign(patient: &str, draft_atc: &str, active_atc: &str) -> Value {
    json!({
        "hook": "order-sign",
        "hookInstance": "d1f1b2c0-0000-4000-8000-000000000001",
        "context": {
            "userId": "Practitioner/dr-a", "patientId": patient,
            "draftOrders": { "resourceType": "Bundle", "type": "collection", "entry": [{ "resource": {
                "resourceType": "MedicationRequest", "status": "draft", "intent": "order",
                "subject": { "reference": format!("Patient/{patient}") },
                "medicationCodeableConcept": coded(draft_atc, "draft drug") } }] }
        },
        "prefetch": { "statements": { "resourceType": "Bundle", "type": "searchset", "entry": [{ "resource": {
            "resourceType": "MedicationStatement", "status": "active",
            "subject": { "reference": format!("Patient/{patient}") },
            "medicationCodeableConcept": coded(active_atc, "active drug") } }] } }
    })
}

#[tokio::test]
async fn a_curated_contraindicated_pair_gives_a_critical_card_and_its_feedback_is_audited() {
    let (_dir, state) = demo(0).await;
    let ehr = ehr();
    // Clarithromycin ordered for a patient on ticagrelor: contraindicated in the curated list.
    let (status, v) =
        call(&state, &ehr, "leader-interaction-check", &order_sign("DEMO-012", "J01FA09", "B01AC24")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(check_response(&v).is_empty(), "{:?}", check_response(&v));
    let card =
        v["cards"].as_array().expect("cards").iter().find(|c| c["indicator"] == "critical").expect("a critical card");
    assert!(card["summary"].as_str().expect("summary").starts_with("CONTRAINDICATED"), "{card}");
    assert!(card["detail"].as_str().expect("detail").contains("Management"), "management advice in detail");
    assert!(card["source"]["label"].as_str().expect("label").contains("curated"));
    assert!(card["overrideReasons"].as_array().is_some_and(|r| r.len() >= 3), "override reasons offered");
    let uuid = card["uuid"].as_str().expect("uuid").to_owned();

    // Overridden with a reason: one audit event with the reason and the pair.
    let before = audit_count(&state).await;
    let feedback = json!({ "feedback": [{ "card": uuid, "outcome": "overridden", "outcomeTimestamp": "2026-12-02T10:00:00Z",
        "overrideReason": { "reason": card["overrideReasons"][1], "userComment": "short course, INR monitored" } }] });
    let path = "/cds-services/leader-interaction-check/feedback";
    let (status, _) = post(
        &state,
        path,
        Some(ehr.token(&format!("{BASE}/leader-interaction-check"), 300)),
        feedback.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let events = state.app.store.audit_events(Some("cds-feedback"), 10).await.expect("audit");
    assert_eq!(events.len(), 1);
    let p = &events[0].payload;
    assert_eq!(
        (p["outcome"].as_str(), p["override_reason"]["code"].as_str()),
        (Some("overridden"), Some("will-monitor"))
    );
    assert_eq!(p["subject"]["severity"], "contraindicated");
    assert_eq!(events[0].actor, "Practitioner/dr-a", "the prescriber who decided");
    assert_eq!(audit_count(&state).await, before + 1);

    // Feedback on a card never issued: refused, nothing written.
    let bogus = json!({ "feedback": [{ "card": "not-a-card", "outcome": "accepted", "outcomeTimestamp": "2026-12-02T10:00:00Z" }] });
    let (status, _) = post(
        &state,
        path,
        Some(ehr.token(&format!("{BASE}/leader-interaction-check"), 300)),
        bogus.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(audit_count(&state).await, before + 1, "nothing written for a refused feedback");
}

#[tokio::test]
async fn demo_patients_are_answered_from_the_local_store_without_prefetch() {
    let (_dir, state) = demo(0).await;
    let ehr = ehr();
    let body = json!({ "hook": "order-select", "hookInstance": "i-1",
        "context": { "userId": "Practitioner/x", "patientId": "DEMO-012", "selections": [], "draftOrders": { "resourceType": "Bundle", "type": "collection", "entry": [] } } });
    let (status, v) = call(&state, &ehr, "leader-medication-suggestions", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert!(check_response(&v).is_empty());
    assert!(!v["cards"].as_array().expect("cards").is_empty(), "the store knows DEMO-012: {v}");
    let resources: Vec<Value> = v["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .map(|c| c["suggestions"][0]["actions"][0]["resource"].clone())
        .collect();
    validate_resources(&resources);
    // An unknown patient without prefetch: no card (nothing to answer from), not an error.
    let body = json!({ "hook": "order-select", "hookInstance": "i-2", "context": { "patientId": "NOBODY" } });
    let (status, v) = call(&state, &ehr, "leader-medication-suggestions", &body).await;
    assert_eq!((status, v["cards"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
}

#[tokio::test]
async fn invalid_tokens_are_refused_and_nothing_is_written() {
    let (_dir, state) = demo(0).await;
    let ehr = ehr();
    let body = order_sign("DEMO-012", "J01FA09", "B01AC24").to_string().into_bytes();
    let service = "/cds-services/leader-interaction-check";
    let aud = format!("{BASE}/leader-interaction-check");
    let before = audit_count(&state).await;
    let attacker = TestEhr::new(
        &std::fs::read_to_string(fixtures().join("test-attacker-private-key.pem")).expect("key"),
        "test-ehr-1",
        ISSUER,
    )
    .expect("key");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
    let replayed = ehr.token(&aud, 300);
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("garbage", Some("not.a.jwt".into())),
        ("bad signature", Some(attacker.token(&aud, 300))),
        ("wrong audience", Some(ehr.token("https://other.example.org/cds-services", 300))),
        ("expired", Some(ehr.token(&aud, -600))),
        (
            "unknown issuer",
            Some(ehr.token_with(
                &json!({ "iss": "https://evil.example", "aud": aud, "exp": now + 300, "iat": now, "jti": "x1" }),
            )),
        ),
        ("no jti", Some(ehr.token_with(&json!({ "iss": ISSUER, "aud": aud, "exp": now + 300, "iat": now })))),
    ];
    for (what, token) in cases {
        let (status, v) = post(&state, service, token, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {v}");
        assert!(v["error"].is_string(), "{what}: a reason is given");
    }
    let (status, _) = post(&state, service, Some(replayed.clone()), body.clone()).await;
    assert_eq!(status, StatusCode::OK, "the first use of a token is fine");
    let after_ok = audit_count(&state).await;
    let (status, v) = post(&state, service, Some(replayed), body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "replayed: {v}");
    assert!(v["error"].as_str().expect("error").contains("replay"));
    assert_eq!(after_ok, before + 1, "only the accepted request wrote (its cards)");
    assert_eq!(audit_count(&state).await, after_ok, "refused requests write nothing");
}

#[tokio::test]
async fn oversized_malformed_and_misrouted_requests_get_clear_4xx() {
    let (_dir, state) = demo(0).await;
    let ehr = ehr();
    let before = audit_count(&state).await;
    let service = "/cds-services/leader-interaction-check";
    let aud = format!("{BASE}/leader-interaction-check");
    let big = vec![b' '; 300 * 1024];
    let (status, _) = post(&state, service, Some(ehr.token(&aud, 300)), big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, v) = post(&state, service, Some(ehr.token(&aud, 300)), b"{ not json".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let wrong_hook = json!({ "hook": "patient-view", "hookInstance": "h", "context": { "patientId": "DEMO-001" } });
    let (status, v) = call(&state, &ehr, "leader-interaction-check", &wrong_hook).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let mut bad_fhir = order_sign("DEMO-001", "J01FA09", "B01AC24");
    bad_fhir["prefetch"]["statements"]["entry"][0]["resource"]["medicationCodeableConcept"] = json!("a string");
    let (status, v) = call(&state, &ehr, "leader-interaction-check", &bad_fhir).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "malformed FHIR: {v}");
    let mut not_patient = order_sign("DEMO-001", "J01FA09", "B01AC24");
    not_patient["prefetch"]["patient"] = json!({ "resourceType": "Observation" });
    let (status, _) = call(&state, &ehr, "leader-interaction-check", &not_patient).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let no_patient = json!({ "hook": "order-sign", "hookInstance": "h", "context": {} });
    let (status, _) = call(&state, &ehr, "leader-interaction-check", &no_patient).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&state, &ehr, "no-such-service", &no_patient).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&state).await, before, "nothing written for refused requests");
}

#[tokio::test]
async fn unmapped_drafts_are_said_to_be_unscreened_never_silently_passed() {
    let (_dir, state) = demo(0).await;
    let ehr = ehr();
    let mut body = order_sign("DEMO-012", "J01FA09", "B01AC24");
    body["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"] =
        json!({ "coding": [{ "system": "http://example.org/local-formulary", "code": "X1" }] });
    let (status, v) = call(&state, &ehr, "leader-interaction-check", &body).await;
    assert_eq!(status, StatusCode::OK);
    let cards = v["cards"].as_array().expect("cards");
    assert!(cards.iter().any(|c| c["summary"].as_str().is_some_and(|s| s.contains("not screened"))), "{v}");
}

#[tokio::test]
async fn clients_over_their_rate_are_refused_and_cors_is_only_for_configured_origins() {
    let (_dir, state) = demo(1).await;
    let ehr = ehr();
    let body = order_sign("DEMO-012", "J01FA09", "B01AC24");
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(call(&state, &ehr, "leader-interaction-check", &body).await.0);
    }
    assert_eq!(&codes[..2], &[StatusCode::OK, StatusCode::OK], "a burst of twice the rate");
    assert!(codes[2..].contains(&StatusCode::TOO_MANY_REQUESTS), "{codes:?}");
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/cds-services")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .expect("req")
    };
    let ok = router(state.clone()).oneshot(preflight("https://ehr.example.org")).await.expect("resp");
    assert_eq!(
        ok.headers().get("access-control-allow-origin").and_then(|h| h.to_str().ok()),
        Some("https://ehr.example.org")
    );
    let other = router(state).oneshot(preflight("https://evil.example")).await.expect("resp");
    assert!(other.headers().get("access-control-allow-origin").is_none(), "no CORS for other origins");
}
