//! Concrete candidates under each suggested class, interactions screened on them, evidence
//! grouped by kind, and decisions that record the chosen ingredient.

use leader_core::Code;
use leader_core::user::UserRole;
use leader_infer::runtime::SessionOptions;
use leader_service::app::{
    Action, App, Choice, DecisionRequest, ItemDecision, Override, OverrideReason, RecommendRequest,
};
use leader_service::recommend::Subject;
use serde_json::Value;

use crate::{import_mimic_iv_demo, json, leader};

fn suggestion<'a>(answer: &'a Value, class: &str) -> &'a Value {
    answer["recommendation"]["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .find(|s| s["medication"] == class)
        .unwrap_or_else(|| panic!("{class} is suggested"))
}

fn pair(f: &Value) -> (String, String) {
    let (a, b) = (f["a"].as_str().expect("a").to_owned(), f["b"].as_str().expect("b").to_owned());
    if a < b { (a, b) } else { (b, a) }
}

#[test]
fn demo_012_gets_her_own_drugs_first_and_no_class_level_false_alarm() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let a = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-012", "--top-k", "10"]));

    // Her macrolide is azithromycin by mouth, her cephalosporin ceftriaxone IV: continued.
    let macrolide = &suggestion(&a, "ATC:J01F")["candidates"][0];
    assert_eq!(macrolide["drug"], "ATC:J01FA10");
    assert_eq!(macrolide["route"], "PO");
    assert_eq!(macrolide["basis"], serde_json::json!({ "kind": "current", "last_visit": true }));
    assert_eq!(suggestion(&a, "ATC:J01D")["candidates"][0]["drug"], "ATC:J01DD04");

    for s in a["recommendation"]["suggestions"].as_array().expect("suggestions") {
        let class = s["medication"].as_str().expect("class");
        let candidates = s["candidates"].as_array().expect("candidates");
        assert!(candidates.len() <= 3, "{class}");
        for c in candidates {
            let drug: Code = c["drug"].as_str().expect("drug").parse().expect("code");
            assert_eq!(drug.atc_level(), Some(5), "{class}: an ingredient");
            assert!(drug.to_string().starts_with(class), "{drug} is of {class}");
            assert!(c["name"].as_str().is_some_and(|n| !n.is_empty()), "{drug} named");
            if c["basis"]["kind"] == "practice" {
                let (n, of) =
                    (c["basis"]["visits"].as_u64().expect("n"), c["basis"]["of_visits"].as_u64().expect("of"));
                assert!(n >= 1 && n <= of);
                // A share only over enough visits, and then exactly n / of.
                match c["basis"]["share"].as_f64() {
                    Some(share) => assert!(of >= 5 && (share - n as f64 / of as f64).abs() < 1e-6),
                    None => assert!(of < 5),
                }
            }
        }
        // Evidence grouped by kind, largest drop first; the groups' codes are in the input.
        let groups = s["evidence_groups"].as_array().expect("groups");
        assert!(!groups.is_empty(), "{class}: evidence by kind");
        let deltas: Vec<f64> = groups.iter().map(|g| g["delta"].as_f64().expect("delta")).collect();
        assert!(deltas.windows(2).all(|w| w[0] >= w[1]), "{class}: {deltas:?}");
    }

    // One alert per pair, screened on the concrete drugs: the class-level "macrolides x blood
    // thinners" contraindication (clarithromycin x ticagrelor) is not raised for azithromycin.
    let shown = a["recommendation"]["interactions"].as_array().expect("interactions");
    let pairs: Vec<(String, String)> = shown.iter().map(pair).collect();
    let mut unique = pairs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), pairs.len(), "one alert per drug pair");
    assert!(shown.iter().all(|f| !(f["certainty"] == "class" && f["severity"] == "contraindicated")), "{shown:#?}");
    // Every alert shown is among those of all choices (which a front-end filters by choice).
    let any: Vec<(String, String)> =
        a["recommendation"]["interactions_any_choice"].as_array().expect("any").iter().map(pair).collect();
    assert!(pairs.iter().all(|p| any.contains(p)));

    let text = leader(&db, &["recommend", "--patient", "DEMO-012"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("J01FA10   Azithromycin PO: continue (last visit)"), "{text}");
    assert!(text.contains("continued from the previous visit"), "{text}");
}

#[test]
fn alerts_fall_and_every_curated_high_severity_pair_is_still_shown() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let e = json(&leader(&db, &["--json", "evaluate", "--split", "all", "--alerts"]));
    let b = &e["alerts"];
    let f = |k: &str| b[k].as_f64().unwrap_or_else(|| panic!("{k}"));
    assert!(b["visits"].as_u64().expect("visits") >= 30);
    assert!(b["after"]["per_visit"].as_f64() < b["before"]["per_visit"].as_f64(), "{b:#}");
    assert!(b["after"]["class_level_share"].as_f64() < b["before"]["class_level_share"].as_f64(), "{b:#}");
    assert!(f("curated_high_pairs") >= 5.0, "the demo cohort carries curated interaction scenarios: {b:#}");
    assert_eq!(b["curated_high_caught"], b["curated_high_pairs"], "100% of curated high-severity pairs shown");
}

#[test]
fn the_top_evidence_moves_the_probability_at_least_three_times_more_than_random_codes() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    import_mimic_iv_demo(&db);
    let e = json(&leader(&db, &["--json", "evaluate", "--evidence-faithfulness"]));
    let f = &e["evidence_faithfulness"];
    assert!(f["suggestions"].as_u64().expect("n") >= 100, "{f:#}");
    assert!(f["ratio"].as_f64().expect("ratio") >= 3.0, "the deletion test: {f:#}");
}

#[tokio::test]
async fn a_decision_records_the_chosen_ingredient_and_refuses_one_outside_the_class() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let app = App::open(&db, SessionOptions::default()).await.expect("app opens");
    let subject = Subject::Patient { patient_id: "DEMO-012".into(), admission_id: None, extra_current: vec![] };
    let answer = app
        .recommend(RecommendRequest { subject, safe_mode: false, top_k: 5, teacher: false })
        .await
        .expect("recommendation");
    let id = answer.recommendation_id.expect("recorded");
    let class: Code = "ATC:J01D".parse().expect("code");
    let drug: Code = "ATC:J01DB01".parse().expect("code");
    let decide = |choice: Choice| DecisionRequest {
        recommendation_id: id,
        decisions: vec![ItemDecision {
            medication: class.clone(),
            action: Action::Accept,
            replacement: None,
            choice: Some(choice),
            override_reason: None,
        }],
        note: None,
    };
    let outside = Choice::Drug { drug: "ATC:J01FA09".parse().expect("code"), route: None };
    let err = app.record_decision(decide(outside)).await.expect_err("clarithromycin is not a cephalosporin");
    assert!(err.message.contains("not an ingredient"), "{}", err.message);

    let event = app
        .record_decision(decide(Choice::Drug { drug: drug.clone(), route: Some("PO".into()) }))
        .await
        .expect("recorded");
    let logged = app.store.audit_event(event).await.expect("read").expect("the event");
    assert_eq!(logged.kind, "decision");
    assert_eq!(logged.payload["decisions"][0]["choice"]["drug"], "ATC:J01DB01");
    assert_eq!(logged.payload["decisions"][0]["choice"]["route"], "PO");
    assert!(logged.payload["interactions"].is_array(), "the decided drugs were screened");
    app.close().await;

    // The FHIR export orders the ingredient, with the class's probability in its note.
    let out = leader(&db, &["export", "fhir", "--patient", "DEMO-012"]);
    let bundle: Value = serde_json::from_slice(&out.stdout).expect("a Bundle on stdout");
    let request = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "MedicationRequest")
        .expect("a MedicationRequest");
    let coded = request["medicationCodeableConcept"].to_string();
    assert!(coded.contains("J01DB01"), "{coded}");
    let note = request["note"][0]["text"].as_str().expect("note");
    assert!(note.contains("ATC:J01D") && !note.contains("NaN"), "{note}");
}

#[tokio::test]
async fn ordering_a_drug_in_a_major_interaction_needs_an_override_reason_recorded_with_the_user() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let app = App::open(&db, SessionOptions::default()).await.expect("app opens");
    app.for_desktop().await.expect("desktop mode");
    let subject = Subject::Patient { patient_id: "DEMO-012".into(), admission_id: None, extra_current: vec![] };
    let request = RecommendRequest { subject, safe_mode: false, top_k: 5, teacher: false };
    // The desktop app records nothing before it knows who is using it.
    let err = app.recommend(request.clone()).await.expect_err("no user yet");
    assert!(err.message.contains("who is using the app"), "{}", err.message);
    assert!(app.set_user(" ", UserRole::Clinician).await.is_err(), "a name is required");
    app.set_user("Dr Test Prescriber", UserRole::Clinician).await.expect("user set");
    let info = app.app_info().await.expect("info");
    assert_eq!(info.user.as_ref().map(|u| u.name.as_str()), Some("Dr Test Prescriber"));

    let answer = app.recommend(request).await.expect("recommendation");
    let id = answer.recommendation_id.expect("recorded");
    // Clarithromycin, a macrolide: a major QT interaction with a current medication.
    let class: Code = "ATC:J01F".parse().expect("code");
    assert!(answer.recommendation.suggestions.iter().any(|s| s.medication == class), "macrolides are suggested");
    let decide = |override_reason: Option<Override>| DecisionRequest {
        recommendation_id: id,
        decisions: vec![ItemDecision {
            medication: class.clone(),
            action: Action::Accept,
            replacement: None,
            choice: Some(Choice::Drug { drug: "ATC:J01FA09".parse().expect("code"), route: None }),
            override_reason,
        }],
        note: None,
    };
    let err = app.record_decision(decide(None)).await.expect_err("an override reason is required");
    assert!(err.message.contains("needs an override reason"), "{}", err.message);
    let unexplained = Override { reason: OverrideReason::Other, comment: Some("  ".into()) };
    let err = app.record_decision(decide(Some(unexplained))).await.expect_err("other needs words");
    assert!(err.message.contains("explanation"), "{}", err.message);
    let reason = Override { reason: OverrideReason::WillMonitor, comment: Some("ECG before the second dose".into()) };
    let event = app.record_decision(decide(Some(reason))).await.expect("recorded with its reason");
    let logged = app.store.audit_event(event).await.expect("read").expect("the event");
    assert_eq!(logged.actor, "clinician:Dr Test Prescriber");
    let d = &logged.payload;
    assert_eq!(d["decisions"][0]["override_reason"]["reason"], "will-monitor");
    assert_eq!(d["decisions"][0]["override_reason"]["comment"], "ECG before the second dose");
    assert_eq!(d["safe_mode"], false);
    assert!(d["shown_interactions"].is_array(), "{d:#}");
    let high = d["interactions"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| ["major", "contraindicated"].contains(&f["severity"].as_str().unwrap_or("")));
    assert!(high, "the overridden finding is stored with its severity: {d:#}");
    assert!(d["model"].is_object(), "the model");

    // A drug without a high-severity finding needs no reason.
    let plain = DecisionRequest {
        recommendation_id: id,
        decisions: vec![ItemDecision {
            medication: "ATC:J01D".parse().expect("code"),
            action: Action::Accept,
            replacement: None,
            choice: Some(Choice::Drug { drug: "ATC:J01DB01".parse().expect("code"), route: None }),
            override_reason: None,
        }],
        note: None,
    };
    app.record_decision(plain).await.expect("no override needed");

    // The Audit screen's entries: user, role, patient and drug names.
    let entries = app.audit_events(Some("decision".into()), 10).await.expect("entries");
    let e = entries.iter().find(|e| e.id == event).expect("the decision");
    assert_eq!((e.user.as_str(), e.role), ("Dr Test Prescriber", Some(UserRole::Clinician)));
    assert_eq!(e.patient_id.as_deref(), Some("DEMO-012"));
    assert!(e.titles.get("ATC:J01FA09").is_some_and(|t| t.to_lowercase().contains("clarithromycin")), "{:?}", e.titles);
    let users = app.audit_events(Some("user".into()), 10).await.expect("user events");
    assert_eq!(users.len(), 1, "choosing the user is itself recorded");
    app.close().await;
    leader_store::actor::set_current_user(None);
}

#[test]
fn review_mode_screens_the_orders_a_stored_visit_already_has() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    // DEMO-005 is on digoxin; this visit started amiodarone (raising digoxin levels).
    let a = json(&leader(&db, &["--json", "recommend", "--patient", "DEMO-005"]));
    let review = &a["review"];
    let orders: Vec<&str> =
        review["orders"].as_array().expect("orders").iter().map(|o| o["drug"].as_str().expect("drug")).collect();
    assert!(orders.contains(&"ATC:C01BD01") && orders.contains(&"ATC:C01AA05"), "{orders:?}");
    let findings = review["interactions"].as_array().expect("interactions");
    assert!(
        findings.iter().any(|f| pair(f) == ("ATC:C01AA05".to_owned(), "ATC:C01BD01".to_owned())
            && ["major", "contraindicated"].contains(&f["severity"].as_str().unwrap_or(""))),
        "amiodarone x digoxin among the visit's own orders: {findings:#?}"
    );
    // Each order says whether it was suggested; each suggestion whether it was ordered.
    for o in review["orders"].as_array().expect("orders") {
        if let Some(class) = o["suggested_class"].as_str() {
            assert!(o["drug"].as_str().expect("drug").starts_with(class));
        }
    }
    let text = String::from_utf8_lossy(&leader(&db, &["recommend", "--patient", "DEMO-005"]).stdout).into_owned();
    assert!(text.contains("review of this visit's orders"), "{text}");
    assert!(text.contains("interactions among the orders and the current medications"), "{text}");

    // An ad-hoc visit has no stored orders to review.
    let ad_hoc = json(&leader(&db, &["--json", "recommend", "--dx", "ICD10CM:I10"]));
    assert!(ad_hoc["review"].is_null());
}
