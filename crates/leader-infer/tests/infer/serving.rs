use std::sync::Arc;

use leader_core::Code;
use leader_core::ddi::{InteractionRule, KnowledgeBase, Role, Severity};
use leader_core::encode::{HistoryInput, VisitCodes};
use leader_infer::evaluate::{Adjacency, EvalSample, evaluate};
use leader_infer::recommend::{RecommendOptions, Request, Status};
use leader_infer::runtime::SessionOptions;
use leader_infer::{Engine, InferError};

use crate::common::*;

fn c(s: &str) -> Code {
    s.parse().expect("valid code")
}

fn input() -> HistoryInput {
    HistoryInput {
        profile: vec!["age:70-79".into(), "sex:M".into(), "admission_type:EMERGENCY".into()],
        previous: vec![VisitCodes {
            diagnoses: vec![c("ICD10CM:I4891"), c("ICD10CM:I10")],
            procedures: vec![],
            medications: vec![c("ATC:B01A"), c("ATC:C07A")],
        }],
        current: VisitCodes {
            diagnoses: vec![c("ICD10CM:M1990"), c("ICD10CM:I4891"), c("ICD10CM:Z9999")],
            procedures: vec![c("ICD10PCS:B246ZZZ")],
            medications: vec![],
        },
    }
}

fn kb() -> Arc<KnowledgeBase> {
    Arc::new(KnowledgeBase::new(vec![InteractionRule {
        source: "test".into(),
        a: c("ATC:B01AA"),
        b: c("ATC:M01A"),
        severity: Severity::Major,
        mechanism: Some("additive bleeding risk".into()),
        management: Some("avoid".into()),
        reference: None,
    }]))
}

#[tokio::test]
async fn a_recommendation_carries_probabilities_evidence_and_unknown_codes() {
    let engine = Engine::start(&fixture(), SessionOptions::default()).expect("engine");
    let req = Request { input: input(), current_medications: vec![c("ATC:B01AA03")], candidates: vec![] };
    let r = engine
        .recommend(req, RecommendOptions { top_k_below: 13, ..Default::default() }, kb())
        .await
        .expect("recommend");
    assert_eq!(r.model.id, "tiny-fixture");
    assert_eq!(r.suggestions.len(), 13, "all of the small vocabulary is listed");
    assert!(r.suggestions.windows(2).all(|w| w[0].probability >= w[1].probability), "ranked by probability");
    assert!(r.suggestions.iter().all(|s| (s.probability >= r.threshold) == (s.status == Status::Suggested)));
    assert_eq!(r.unknown_codes, [c("ICD10CM:Z9999")], "codes the model does not know are reported");
    let with_evidence = r.suggestions.iter().filter(|s| !s.evidence.is_empty()).count();
    assert!(with_evidence > 0, "occlusion finds codes that raise probabilities");
    for s in &r.suggestions {
        assert!(s.evidence.windows(2).all(|w| w[0].delta >= w[1].delta) && s.evidence.len() <= 3);
        assert!(s.evidence.iter().all(|e| input().input_codes().contains(&e.code)), "evidence names input codes");
    }
    // Independent check of one evidence value: removing the top code and re-running.
    let top = r.suggestions.iter().find(|s| !s.evidence.is_empty()).expect("one with evidence");
    let e = &top.evidence[0];
    let without = Request { input: input().without(&e.code), current_medications: vec![], candidates: vec![] };
    let r2 = engine
        .recommend(without, RecommendOptions { top_k_below: 13, evidence: false, ..Default::default() }, kb())
        .await
        .expect("again");
    let p2 = r2.suggestions.iter().find(|s| s.medication == top.medication).expect("listed").probability;
    assert!((top.probability - p2 - e.delta).abs() < 1e-6, "delta = p(with) - p(without)");
}

#[tokio::test]
async fn interactions_with_current_medications_are_screened_and_safe_mode_withholds() {
    let engine = Engine::start(&fixture(), SessionOptions::default()).expect("engine");
    // Force every medication above threshold by asking with threshold semantics: use a
    // bundle whose threshold is 0 so M01A is suggested.
    let dir = copy_fixture();
    edit_manifest(dir.path(), |m| m["threshold"] = 0.0.into());
    engine.install(dir.path()).await.expect("install the zero-threshold copy");
    let req = Request { input: input(), current_medications: vec![c("ATC:B01AA03")], candidates: vec![] };
    let r = engine
        .recommend(req.clone(), RecommendOptions { evidence: false, ..Default::default() }, kb())
        .await
        .expect("recommend");
    let warfarin = c("ATC:B01AA03");
    let f = r
        .interactions
        .iter()
        .find(|f| [&f.a, &f.b] == [&c("ATC:M01A"), &warfarin] || [&f.a, &f.b] == [&warfarin, &c("ATC:M01A")])
        .expect("NSAID suggestion × current warfarin is flagged");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(f.certainty, leader_core::ddi::Certainty::Drug);
    assert!(f.a_role == Role::Current || f.b_role == Role::Current);
    let safe = engine
        .recommend(req, RecommendOptions { evidence: false, safe_mode: true, ..Default::default() }, kb())
        .await
        .expect("safe");
    let nsaid = safe.suggestions.iter().find(|s| s.medication == c("ATC:M01A")).expect("listed");
    assert_eq!(nsaid.status, Status::WithheldInteraction, "safe mode withholds it, and says so");
}

#[tokio::test]
async fn a_broken_model_is_refused_and_the_previous_one_keeps_serving() {
    let engine = Engine::start(&fixture(), SessionOptions::default()).expect("engine");
    let broken = copy_fixture();
    std::fs::write(broken.path().join("model.onnx"), b"garbage").expect("write");
    let err = engine.install(broken.path()).await.expect_err("refused");
    assert!(matches!(err, InferError::Checksum { .. }), "{err}");
    assert_eq!(engine.manifest().await.expect("manifest").model.id, "tiny-fixture");

    let next = copy_fixture();
    edit_manifest(next.path(), |m| m["model"]["id"] = "tiny-fixture-2".into());
    let old = engine.install(next.path()).await.expect("install");
    assert_eq!(old, "tiny-fixture 1");
    assert_eq!(engine.manifest().await.expect("manifest").model.id, "tiny-fixture-2", "swapped without a restart");
    let r = engine
        .recommend(
            Request { input: input(), current_medications: vec![], candidates: vec![] },
            RecommendOptions::default(),
            kb(),
        )
        .await
        .expect("serves");
    assert_eq!(r.model.id, "tiny-fixture-2");
}

#[tokio::test]
async fn evaluation_reports_groups_and_the_ground_truth_ddi_rate() {
    let engine = Engine::start(&fixture(), SessionOptions::default()).expect("engine");
    let first =
        EvalSample { input: HistoryInput { previous: vec![], ..input() }, truth: vec![c("ATC:N02B"), c("ATC:M01A")] };
    let later = EvalSample { input: input(), truth: vec![c("ATC:B01A"), c("ATC:C07A"), c("ATC:X99X")] };
    let adjacency = Adjacency::new([("ATC:B01A".to_owned(), "ATC:C07A".to_owned())]);
    let kb = kb();
    let report = engine
        .worker()
        .run(move |b, be| evaluate(b, be, &[first, later], &adjacency, Some(&kb)))
        .await
        .expect("worker")
        .expect("evaluate");
    assert_eq!((report.overall.visits, report.first_visit.visits, report.with_history.visits), (2, 1, 1));
    assert_eq!(report.truth_outside_vocabulary, 1, "ATC:X99X is not in the vocabulary");
    assert!((report.ground_truth_ddi_rate - 0.5).abs() < 1e-12, "1 interacting pair of 2");
    assert!(report.overall.prauc > 0.0 && report.overall.prauc <= 1.0);
    assert!(report.safe_mode.is_some());
}

#[test]
fn lanes_split_a_batch_and_give_the_same_answers_in_the_same_order() {
    use leader_core::encode::EncodedBatch;
    use leader_infer::{Backend, Bundle, OrtBackend};
    let env = env();
    let bundle = Bundle::open(&fixture()).expect("fixture");
    // 70 different visits: two shares of 35, each run as 32 + 3; order must survive.
    let inputs: Vec<HistoryInput> = (0..70)
        .map(|k| {
            let mut x = input();
            x.current.diagnoses.truncate(1 + k % 3);
            if k % 2 == 0 {
                x.previous.clear();
            }
            if k % 5 == 0 {
                x.current.procedures.clear();
            }
            x
        })
        .collect();
    let mut one =
        OrtBackend::start(&env, &bundle, SessionOptions { threads: 1, ..Default::default() }).expect("one lane");
    let mut two =
        OrtBackend::start(&env, &bundle, SessionOptions { threads: 2, ..Default::default() }).expect("two lanes");
    let want: Vec<Vec<f32>> = inputs
        .iter()
        .map(|i| one.predict(&EncodedBatch::from_samples(&[bundle.encoder.encode(i)])).expect("predict").remove(0))
        .collect();
    let by_inputs = two.predict_inputs(&bundle.encoder, &inputs).expect("lanes");
    let samples: Vec<_> = inputs.iter().map(|i| bundle.encoder.encode(i)).collect();
    let by_batch = two.predict(&EncodedBatch::from_samples(&samples)).expect("lanes");
    assert_eq!(by_inputs.len(), 70);
    assert_eq!(by_batch.len(), 70);
    for (k, w) in want.iter().enumerate() {
        for (a, (b, c)) in w.iter().zip(by_inputs[k].iter().zip(&by_batch[k])) {
            assert!((a - b).abs() < 1e-5 && (a - c).abs() < 1e-5, "visit {k}: {a} vs {b} / {c}");
        }
    }
    assert_ne!(want[0], want[1], "the visits differ, so a reordering would show");
}

#[tokio::test]
async fn group_thresholds_decide_for_first_visits_and_visits_with_history() {
    let dir = copy_fixture();
    edit_manifest(dir.path(), |m| m["thresholds"] = serde_json::json!({"first_visit": 0.9, "with_history": 0.1}));
    let engine = Engine::start(dir.path(), SessionOptions::default()).expect("engine");
    let opts = RecommendOptions { top_k_below: 13, evidence: false, ..Default::default() };
    let later = engine
        .recommend(Request { input: input(), current_medications: vec![], candidates: vec![] }, opts.clone(), kb())
        .await
        .expect("ok");
    let mut first_input = input();
    first_input.previous.clear();
    let first = engine
        .recommend(Request { input: first_input, current_medications: vec![], candidates: vec![] }, opts, kb())
        .await
        .expect("ok");
    assert_eq!((later.threshold, first.threshold), (0.1, 0.9));
    for r in [&later, &first] {
        assert!(r.suggestions.iter().all(|s| (s.probability >= r.threshold) == (s.status == Status::Suggested)));
    }

    edit_manifest(dir.path(), |m| m["thresholds"]["with_history"] = 1.5.into());
    let err = leader_infer::Bundle::open(dir.path()).expect_err("refused");
    assert!(err.to_string().contains("threshold 1.5 is not a probability"), "{err}");
}

#[tokio::test]
async fn a_dead_worker_is_restarted_on_the_next_request() {
    let engine = Engine::start(&fixture(), SessionOptions::default()).expect("engine");
    let next = copy_fixture();
    edit_manifest(next.path(), |m| m["model"]["id"] = "tiny-fixture-2".into());
    engine.install(next.path()).await.expect("install");
    // A job that panics takes the inference thread down: that job fails...
    let err = engine.worker().run(|_, _| -> () { panic!("a bug in a job") }).await.expect_err("the job's thread died");
    assert!(matches!(err, InferError::WorkerGone), "{err}");
    // ...and the next request runs on a fresh thread, on the model that was active.
    let r = engine
        .recommend(
            Request { input: input(), current_medications: vec![], candidates: vec![] },
            RecommendOptions::default(),
            kb(),
        )
        .await
        .expect("serves again");
    assert_eq!(r.model.id, "tiny-fixture-2", "the restart serves the active model");
    assert_eq!(engine.worker().restarts(), 1);
}
