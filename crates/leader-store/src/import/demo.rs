//! The synthetic demo cohort ([`leader_core::demo`]) as an import batch.

use leader_core::demo::{cohort, titles};
use leader_core::{Code, Prescription};

use super::{Batch, CodedEvent, RawPrescription, VisitHeader};

pub const SOURCE: &str = "demo";

pub fn demo_batch() -> Batch {
    let mut batch = Batch { source: SOURCE.to_owned(), ..Batch::default() };
    for d in cohort() {
        for v in &d.visits {
            batch.visits.push(VisitHeader {
                admission_id: v.admission_id.clone(),
                patient_id: d.patient.id.clone(),
                admit_time: v.admit_time,
                discharge_time: v.discharge_time,
                profile: v.profile.clone(),
            });
            let events = |codes: &[Code]| -> Vec<CodedEvent> {
                codes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| CodedEvent {
                        admission_id: v.admission_id.clone(),
                        seq_num: i as i64 + 1,
                        code: c.clone(),
                        date: None,
                    })
                    .collect()
            };
            batch.diagnoses.extend(events(&v.diagnoses));
            batch.procedures.extend(events(&v.procedures));
            batch.prescriptions.extend(v.prescriptions.iter().map(|p: &Prescription| RawPrescription {
                admission_id: v.admission_id.clone(),
                prescription: p.clone(),
            }));
        }
        batch.patients.push(d.patient);
    }
    batch.titles = titles()
        .into_iter()
        .filter_map(|(system, value, title)| Some((Code::new(system, value).ok()?, title.to_owned())))
        .collect();
    batch
}
