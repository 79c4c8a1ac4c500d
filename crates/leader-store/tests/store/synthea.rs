use leader_core::CodeSystem;

use crate::common::*;

#[tokio::test]
async fn snomed_and_rxnorm_flow_through_unchanged() {
    let store = memory_store().await;
    let dir = shared_data().join("synthea-medmodels/admissions_dataset");
    let s = store.import_synthea(&dir, &P).await.expect("Synthea imports");
    assert_eq!(counts(&store).await, (100, 2_000, 1_413, 5_726, 1_329));
    assert_eq!(s.coded_natively, 1_329, "RxNorm codes are the medication vocabulary");
    assert_eq!(s.unmapped, 0);
    let stats = store.stats().await.expect("stats");
    assert_eq!(stats.synthetic_patients, 100, "Synthea patients are synthetic");
    let with_drugs: String = sqlx::query_scalar(
        "SELECT v.patient_id FROM prescriptions p JOIN visits v ON v.id = p.visit_id GROUP BY v.patient_id ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("a patient with drugs");
    let r = store.patient(&with_drugs).await.expect("timeline");
    let meds: Vec<_> = r.visits.iter().flat_map(|v| v.medications(3)).collect();
    assert!(
        !meds.is_empty() && meds.iter().all(|c| c.system() == CodeSystem::RxNorm),
        "RxNorm survives the ATC level step"
    );
    assert!(r.visits.iter().flat_map(|v| &v.diagnoses).all(|c| c.system() == CodeSystem::Snomed));
    assert!(
        r.titles.values().any(|t| t.contains("(disorder)") || t.contains("(finding)")),
        "SNOMED descriptions are titles"
    );
}
