//! The demo cohort: a small, hand-written, entirely fictional set of patients.
//!
//! `leader demo` seeds these into a fresh store so the app can be tried without any
//! licensed data. Every patient, date and prescription below was made up by the LEADER Rx
//! project; none is taken or adapted from a real record. The codes are real (ICD-10-CM
//! diagnoses, ICD-10-PCS procedures, WHO ATC level-5 medications) and the stories are meant
//! to be clinically coherent: medications follow the diagnoses, and patients with several
//! admissions mostly keep their long-term medications, with changes that make sense.
//!
//! A few patients carry a drug-interaction scenario on purpose (documented above each);
//! the rest are kept free of major interactions. The titles in [`titles`] are our own
//! short, plain wording, not the official WHO or CMS titles.
//!
//! Everything is built from the constant tables below: no randomness and no clock, so the
//! same cohort comes out of every call.

use crate::atc_names::atc_name;
use crate::{Code, CodeSystem, Patient, Prescription, Profile, Sex, Timestamp, Visit};

/// One demo patient with their admissions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPatient {
    pub patient: Patient,
    pub visits: Vec<Visit>,
}

/// The whole demo cohort, in id order (`DEMO-001`, `DEMO-002`, …).
pub fn cohort() -> Vec<DemoPatient> {
    PATIENTS.iter().enumerate().map(|(n, spec)| build_patient(n, spec)).collect()
}

/// Titles written by us for every code used in the cohort: (system, value without dots,
/// title). Medications are titled at ATC level 5 and at their level-3 class, with the
/// project's ATC names ([`crate::atc_names`]).
pub fn titles() -> Vec<(CodeSystem, &'static str, &'static str)> {
    let dx = DIAGNOSES.iter().map(|&(code, title)| (CodeSystem::Icd10Cm, code, title));
    let px = PROCEDURES.iter().map(|&(code, title)| (CodeSystem::Icd10Pcs, code, title));
    let mut classes: Vec<&'static str> = DRUGS.iter().map(|d| &d.atc[..4]).collect();
    classes.sort_unstable();
    classes.dedup();
    let atc = classes.into_iter().chain(DRUGS.iter().map(|d| d.atc));
    // Every ATC code here is in the project's table (tested below); none is left untitled.
    let meds = atc.filter_map(|code| Some((CodeSystem::Atc, code, atc_name(code)?)));
    dx.chain(px).chain(meds).collect()
}

// --- Vocabulary: every code the cohort uses, with our own title. ---

/// ICD-10-CM diagnoses (without dots).
#[rustfmt::skip]
const DIAGNOSES: &[(&str, &str)] = &[
    ("A419", "Sepsis, organism not identified"),
    ("B9562", "MRSA as the cause of an infection"),
    ("D62", "Anaemia after acute blood loss"),
    ("D649", "Anaemia, unspecified"),
    ("E039", "Underactive thyroid, unspecified"),
    ("E1010", "Type 1 diabetes with ketoacidosis, no coma"),
    ("E1122", "Type 2 diabetes with diabetic kidney disease"),
    ("E1142", "Type 2 diabetes with nerve damage (polyneuropathy)"),
    ("E11621", "Type 2 diabetes with a foot ulcer"),
    ("E1165", "Type 2 diabetes with high blood sugar"),
    ("E119", "Type 2 diabetes without complications"),
    ("E669", "Obesity, unspecified"),
    ("E785", "Raised blood lipids, unspecified"),
    ("E860", "Dehydration"),
    ("E871", "Low blood sodium"),
    ("E876", "Low blood potassium"),
    ("F0390", "Dementia, type not stated, no behaviour problems"),
    ("F05", "Delirium due to a medical condition"),
    ("F1020", "Alcohol dependence"),
    ("F17210", "Cigarette dependence"),
    ("F209", "Schizophrenia, unspecified"),
    ("F329", "Depression, single episode, severity not stated"),
    ("F3340", "Recurrent depression, in remission"),
    ("F419", "Anxiety disorder, type not stated"),
    ("G40909", "Epilepsy, unspecified, not intractable"),
    ("G43909", "Migraine, unspecified"),
    ("G4700", "Insomnia, unspecified"),
    ("I10", "High blood pressure (primary)"),
    ("I214", "Heart attack without ST elevation (NSTEMI)"),
    ("I2510", "Coronary artery disease without angina"),
    ("I350", "Narrowed aortic valve (non-rheumatic)"),
    ("I4891", "Atrial fibrillation, type not stated"),
    ("I5022", "Systolic heart failure, chronic"),
    ("I5023", "Systolic heart failure, acute on chronic"),
    ("I5032", "Diastolic heart failure, chronic"),
    ("I5033", "Diastolic heart failure, acute on chronic"),
    ("I6340", "Stroke from a clot carried to a brain artery, artery not stated"),
    ("I69351", "Right-sided weakness after a stroke (dominant side)"),
    ("I82401", "Acute deep vein clot, right leg"),
    ("J189", "Pneumonia, organism not identified"),
    ("J441", "COPD with an acute flare-up"),
    ("J45909", "Asthma, type not stated, no complication coded"),
    ("J9601", "Acute breathing failure with low oxygen"),
    ("K219", "Acid reflux without oesophagitis"),
    ("K3580", "Acute appendicitis, unspecified"),
    ("K5791", "Bleeding from bowel diverticula (pouches)"),
    ("K5900", "Constipation, unspecified"),
    ("K8020", "Gallstones without inflammation or blockage"),
    ("K8520", "Acute pancreatitis caused by alcohol"),
    ("K922", "Bleeding from the gut, unspecified"),
    ("L03116", "Cellulitis of the left leg"),
    ("L97511", "Chronic ulcer of the right foot, skin only"),
    ("M109", "Gout, unspecified"),
    ("M1712", "Primary osteoarthritis of the left knee"),
    ("M1990", "Osteoarthritis, site not stated"),
    ("M5430", "Sciatica, side not stated"),
    ("M549", "Back pain, unspecified"),
    ("M810", "Age-related osteoporosis, no current fracture"),
    ("N179", "Acute kidney injury, unspecified"),
    ("N184", "Chronic kidney disease stage 4"),
    ("N189", "Chronic kidney disease, stage not stated"),
    ("N390", "Urinary tract infection, site not stated"),
    ("N401", "Enlarged prostate with urinary symptoms"),
    ("R0789", "Other chest pain"),
    ("R0902", "Low blood oxygen (hypoxaemia)"),
    ("R1013", "Upper abdominal (epigastric) pain"),
    ("R2681", "Unsteady on the feet"),
    ("R339", "Unable to empty the bladder (urinary retention)"),
    ("R55", "Fainting (syncope)"),
    ("R6520", "Severe sepsis without shock"),
    ("S72145A", "Broken left hip between the trochanters, not displaced, first visit, closed"),
    ("W19XXXA", "Fall, cause not stated, first visit"),
    ("Z7901", "Long-term use of a blood thinner"),
    ("Z794", "Long-term use of insulin"),
    ("Z86711", "Past pulmonary embolism"),
    ("Z86718", "Past venous blood clot"),
    ("Z87891", "Former smoker"),
    ("Z9181", "History of falls"),
    ("Z955", "Has a coronary stent"),
];

/// ICD-10-PCS procedures.
#[rustfmt::skip]
const PROCEDURES: &[(&str, &str)] = &[
    ("027034Z", "Coronary angioplasty with one drug-coated stent"),
    ("02HV33Z", "Central venous line placed"),
    ("0BH17EZ", "Breathing tube placed (intubation)"),
    ("0DD68ZX", "Stomach biopsy during gastroscopy"),
    ("0DJ08ZZ", "Gastroscopy (upper gut endoscopy)"),
    ("0DJD8ZZ", "Colonoscopy (lower gut endoscopy)"),
    ("0QH736Z", "Nail fixed inside the left upper thigh bone"),
    ("0TJB8ZZ", "Bladder looked at through a scope (cystoscopy)"),
    ("4A023N7", "Left heart catheterisation"),
    ("5A1945Z", "Breathing machine, 24 to 96 hours"),
    ("5A1955Z", "Breathing machine, more than 96 hours"),
    ("B2111ZZ", "Coronary angiogram"),
];

/// A drug as the demo charts write it.
#[derive(Debug)]
struct Drug {
    /// Short key used in the patient tables below.
    key: &'static str,
    atc: &'static str,
    /// The prescription line, in our own wording.
    chart: &'static str,
    route: &'static str,
}

#[rustfmt::skip]
const fn d(key: &'static str, atc: &'static str, chart: &'static str, route: &'static str) -> Drug {
    Drug { key, atc, chart, route }
}

#[rustfmt::skip]
const DRUGS: &[Drug] = &[
    d("omeprazole", "A02BC01", "Omeprazole 20 mg capsule", "PO"),
    d("pantoprazole", "A02BC02", "Pantoprazole 40 mg tablet", "PO"),
    d("metoclopramide", "A03FA01", "Metoclopramide 10 mg injection", "IV"),
    d("ondansetron", "A04AA01", "Ondansetron 4 mg injection", "IV"),
    d("docusate", "A06AA02", "Docusate sodium 100 mg capsule", "PO"),
    d("senna", "A06AB06", "Senna 8.6 mg tablet", "PO"),
    d("macrogol", "A06AD15", "Polyethylene glycol 17 g powder", "PO"),
    d("aspart", "A10AB05", "Insulin aspart 100 units/mL pen", "SC"),
    d("glargine", "A10AE04", "Insulin glargine 100 units/mL pen", "SC"),
    d("metformin", "A10BA02", "Metformin 500 mg tablet", "PO"),
    d("empagliflozin", "A10BK03", "Empagliflozin 10 mg tablet", "PO"),
    d("vitamin_d", "A11CC05", "Cholecalciferol 1000 units tablet", "PO"),
    d("thiamine", "A11DA01", "Thiamine 100 mg tablet", "PO"),
    d("kcl", "A12BA01", "Potassium chloride 20 mEq ER tablet", "PO"),
    d("heparin", "B01AB01", "Heparin 5000 units injection", "SC"),
    d("enoxaparin", "B01AB05", "Enoxaparin 40 mg injection", "SC"),
    d("warfarin", "B01AA03", "Warfarin 5 mg tablet", "PO"),
    d("clopidogrel", "B01AC04", "Clopidogrel 75 mg tablet", "PO"),
    d("aspirin", "B01AC06", "Aspirin 81 mg tablet", "PO"),
    d("rivaroxaban", "B01AF01", "Rivaroxaban 20 mg tablet", "PO"),
    d("apixaban", "B01AF02", "Apixaban 5 mg tablet", "PO"),
    d("iron", "B03AA07", "Ferrous sulfate 325 mg tablet", "PO"),
    d("folic_acid", "B03BB01", "Folic acid 1 mg tablet", "PO"),
    d("digoxin", "C01AA05", "Digoxin 125 mcg tablet", "PO"),
    d("amiodarone", "C01BD01", "Amiodarone 200 mg tablet", "PO"),
    d("nitroglycerin", "C01DA02", "Nitroglycerin 0.4 mg sublingual tablet", "SL"),
    d("furosemide", "C03CA01", "Furosemide 40 mg/4 mL injection", "IV"),
    d("spironolactone", "C03DA01", "Spironolactone 25 mg tablet", "PO"),
    d("metoprolol", "C07AB02", "Metoprolol tartrate 25 mg tablet", "PO"),
    d("bisoprolol", "C07AB07", "Bisoprolol 5 mg tablet", "PO"),
    d("carvedilol", "C07AG02", "Carvedilol 6.25 mg tablet", "PO"),
    d("amlodipine", "C08CA01", "Amlodipine 5 mg tablet", "PO"),
    d("lisinopril", "C09AA03", "Lisinopril 10 mg tablet", "PO"),
    d("ramipril", "C09AA05", "Ramipril 5 mg capsule", "PO"),
    d("losartan", "C09CA01", "Losartan 50 mg tablet", "PO"),
    d("simvastatin", "C10AA01", "Simvastatin 20 mg tablet", "PO"),
    d("atorvastatin", "C10AA05", "Atorvastatin 40 mg tablet", "PO"),
    d("tamsulosin", "G04CA02", "Tamsulosin 0.4 mg capsule", "PO"),
    d("dexamethasone", "H02AB02", "Dexamethasone 10 mg injection", "IV"),
    d("methylprednisolone", "H02AB04", "Methylprednisolone 40 mg injection", "IV"),
    d("prednisone", "H02AB07", "Prednisone 40 mg tablet", "PO"),
    d("levothyroxine", "H03AA01", "Levothyroxine 75 mcg tablet", "PO"),
    d("doxycycline", "J01AA02", "Doxycycline 100 mg tablet", "PO"),
    d("amoxiclav", "J01CR02", "Amoxicillin/clavulanate 875/125 mg tablet", "PO"),
    d("piptazo", "J01CR05", "Piperacillin/tazobactam 4.5 g injection", "IV"),
    d("cephalexin", "J01DB01", "Cephalexin 500 mg capsule", "PO"),
    d("cefazolin", "J01DB04", "Cefazolin 2 g injection", "IV"),
    d("ceftriaxone", "J01DD04", "Ceftriaxone 1 g injection", "IV"),
    d("clarithromycin", "J01FA09", "Clarithromycin 500 mg tablet", "PO"),
    d("azithromycin", "J01FA10", "Azithromycin 500 mg tablet", "PO"),
    d("ciprofloxacin", "J01MA02", "Ciprofloxacin 500 mg tablet", "PO"),
    d("vancomycin", "J01XA01", "Vancomycin 1 g injection", "IV"),
    d("metronidazole", "J01XD01", "Metronidazole 500 mg injection", "IV"),
    d("nitrofurantoin", "J01XE01", "Nitrofurantoin 100 mg capsule", "PO"),
    d("linezolid", "J01XX08", "Linezolid 600 mg tablet", "PO"),
    d("ibuprofen", "M01AE01", "Ibuprofen 400 mg tablet", "PO"),
    d("naproxen", "M01AE02", "Naproxen 500 mg tablet", "PO"),
    d("allopurinol", "M04AA01", "Allopurinol 100 mg tablet", "PO"),
    d("colchicine", "M04AC01", "Colchicine 0.6 mg tablet", "PO"),
    d("alendronate", "M05BA04", "Alendronic acid 70 mg tablet", "PO"),
    d("morphine", "N02AA01", "Morphine 2 mg injection", "IV"),
    d("oxycodone", "N02AA05", "Oxycodone 5 mg tablet", "PO"),
    d("tramadol", "N02AX02", "Tramadol 50 mg tablet", "PO"),
    d("acetaminophen", "N02BE01", "Acetaminophen 500 mg tablet", "PO"),
    d("gabapentin", "N03AX12", "Gabapentin 300 mg capsule", "PO"),
    d("levetiracetam", "N03AX14", "Levetiracetam 500 mg tablet", "PO"),
    d("olanzapine", "N05AH03", "Olanzapine 10 mg tablet", "PO"),
    d("quetiapine", "N05AH04", "Quetiapine 100 mg tablet", "PO"),
    d("lorazepam", "N05BA06", "Lorazepam 1 mg tablet", "PO"),
    d("melatonin", "N05CH01", "Melatonin 3 mg tablet", "PO"),
    d("fluoxetine", "N06AB03", "Fluoxetine 20 mg capsule", "PO"),
    d("citalopram", "N06AB04", "Citalopram 20 mg tablet", "PO"),
    d("sertraline", "N06AB06", "Sertraline 50 mg tablet", "PO"),
    d("mirtazapine", "N06AX11", "Mirtazapine 15 mg tablet", "PO"),
    d("donepezil", "N06DA02", "Donepezil 5 mg tablet", "PO"),
    d("memantine", "N06DX01", "Memantine 10 mg tablet", "PO"),
    d("nicotine", "N07BA01", "Nicotine 21 mg/24 h patch", "TD"),
    d("salbutamol", "R03AC02", "Salbutamol (albuterol) 90 mcg inhaler", "INH"),
    d("budesonide_formoterol", "R03AK07", "Budesonide/formoterol 160/4.5 mcg inhaler", "INH"),
    d("ipratropium", "R03BB01", "Ipratropium 0.5 mg/2.5 mL nebuliser solution", "INH"),
    d("tiotropium", "R03BB04", "Tiotropium 18 mcg inhalation capsule", "INH"),
];

// --- The patients. ---

#[derive(Debug)]
struct PatientSpec {
    id: &'static str,
    sex: Sex,
    born: i32,
    marital: &'static str,
    race: &'static str,
    insurance: &'static str,
    visits: &'static [VisitSpec],
}

#[derive(Debug)]
struct VisitSpec {
    /// Admission date (year, month, day).
    admit: (i32, u8, u8),
    /// Length of stay in days.
    days: u8,
    kind: &'static str,
    /// ICD-10-CM codes, separated by spaces.
    dx: &'static str,
    /// ICD-10-PCS codes, separated by spaces.
    px: &'static str,
    /// Keys into [`DRUGS`], separated by spaces.
    rx: &'static str,
}

#[rustfmt::skip]
const fn p(
    id: &'static str, sex: Sex, born: i32, marital: &'static str, race: &'static str, insurance: &'static str,
    visits: &'static [VisitSpec],
) -> PatientSpec {
    PatientSpec { id, sex, born, marital, race, insurance, visits }
}

#[rustfmt::skip]
const fn v(
    admit: (i32, u8, u8), days: u8, kind: &'static str, dx: &'static str, px: &'static str, rx: &'static str,
) -> VisitSpec {
    VisitSpec { admit, days, kind, dx, px, rx }
}

const M: Sex = Sex::Male;
const F: Sex = Sex::Female;
const EM: &str = "EMERGENCY";
const UR: &str = "URGENT";
const EL: &str = "ELECTIVE";
const MCARE: &str = "Medicare";
const MCAID: &str = "Medicaid";
const OTHER: &str = "Other";
const WHITE: &str = "WHITE";
const BLACK: &str = "BLACK/AFRICAN AMERICAN";
const HISPANIC: &str = "HISPANIC/LATINO";
const ASIAN: &str = "ASIAN";
const RACE_OTHER: &str = "OTHER";

#[rustfmt::skip]
const PATIENTS: &[PatientSpec] = &[
    // Scenario 1 (anticoagulant + NSAID): atrial fibrillation on warfarin from the first
    // admission; the last admission adds osteoarthritis pain treated with acetaminophen
    // only. Suggesting an NSAID (M01AE…) would interact with the current warfarin.
    p("DEMO-001", M, 1946, "MARRIED", WHITE, MCARE, &[
        v((2021, 2, 8), 4, EM, "I4891 I10 E785", "", "warfarin metoprolol lisinopril atorvastatin"),
        v((2021, 9, 20), 3, UR, "I4891 R0789 I10 E785 Z7901", "", "warfarin metoprolol lisinopril atorvastatin"),
        v((2022, 4, 11), 5, EM, "M1990 I4891 I10 E785 Z7901", "",
          "warfarin metoprolol lisinopril atorvastatin acetaminophen"),
    ]),
    // Scenario 2a (serotonergic): depression on sertraline throughout; the last admission
    // for back pain adds tramadol next to the sertraline.
    p("DEMO-002", F, 1968, "DIVORCED", WHITE, OTHER, &[
        v((2020, 6, 15), 3, UR, "F329 F419 G4700 K219", "", "sertraline melatonin omeprazole"),
        v((2021, 1, 25), 2, EM, "R0789 F329 K219", "", "sertraline omeprazole acetaminophen"),
        v((2021, 8, 30), 4, EM, "M549 F329 K219", "", "sertraline omeprazole acetaminophen tramadol senna"),
    ]),
    // Scenario 2b (SSRI + linezolid): recurrent depression on fluoxetine; MRSA cellulitis
    // on the second admission is treated with linezolid while fluoxetine continues.
    p("DEMO-003", M, 1957, "MARRIED", BLACK, MCARE, &[
        v((2022, 11, 3), 3, UR, "E1165 F3340 I10", "", "fluoxetine metformin glargine losartan"),
        v((2023, 5, 17), 6, EM, "L03116 B9562 E119 F3340 I10", "",
          "linezolid fluoxetine metformin glargine losartan acetaminophen"),
    ]),
    // Scenario 3a (macrolide + statin): pneumonia treated with clarithromycin while the
    // patient's simvastatin is continued.
    p("DEMO-004", F, 1950, "WIDOWED", WHITE, MCARE, &[
        v((2019, 12, 9), 5, EM, "J189 E785 I10", "",
          "ceftriaxone clarithromycin simvastatin lisinopril heparin acetaminophen"),
    ]),
    // Scenario 3b (amiodarone + digoxin): heart failure with atrial fibrillation on
    // digoxin; amiodarone is added for rhythm control on the second admission.
    p("DEMO-005", M, 1941, "MARRIED", WHITE, MCARE, &[
        v((2021, 3, 1), 5, EM, "I5023 I4891 N189 Z7901", "",
          "furosemide bisoprolol digoxin apixaban lisinopril"),
        v((2021, 10, 18), 4, EM, "I4891 I5022 N189 Z7901", "",
          "amiodarone digoxin apixaban bisoprolol furosemide lisinopril"),
    ]),
    // Scenario 3c (hyperkalaemia): heart failure on lisinopril; spironolactone is added on
    // the second admission while the potassium chloride from the first is continued.
    p("DEMO-006", F, 1944, "WIDOWED", BLACK, MCARE, &[
        v((2021, 5, 10), 4, EM, "I5023 E876 E119", "", "furosemide lisinopril carvedilol metformin kcl"),
        v((2021, 12, 6), 3, UR, "I5022 E876 E119 N189", "",
          "furosemide lisinopril carvedilol spironolactone kcl metformin"),
    ]),
    // Scenario 3d (quinolone + warfarin): long-term warfarin after a pulmonary embolism;
    // a urinary infection is treated with ciprofloxacin.
    p("DEMO-007", M, 1952, "MARRIED", HISPANIC, MCARE, &[
        v((2023, 7, 24), 3, EM, "N390 Z86711 Z7901 N401", "", "ciprofloxacin warfarin tamsulosin acetaminophen"),
    ]),
    p("DEMO-008", F, 1962, "MARRIED", WHITE, OTHER, &[
        v((2019, 4, 22), 3, EM, "E1165 I10 E785 E669", "", "metformin glargine aspart lisinopril atorvastatin"),
        v((2019, 11, 11), 2, UR, "E1165 I10 E785 Z794", "", "metformin glargine empagliflozin lisinopril atorvastatin"),
        v((2020, 8, 3), 4, EM, "N390 E119 I10 E785 Z794", "",
          "nitrofurantoin metformin glargine lisinopril atorvastatin acetaminophen"),
    ]),
    p("DEMO-009", M, 1949, "MARRIED", WHITE, MCARE, &[
        v((2020, 1, 13), 5, EM, "J441 F17210 I10", "",
          "salbutamol tiotropium prednisone doxycycline nicotine amlodipine"),
        v((2020, 9, 28), 7, EM, "J441 J9601 F17210 I10", "0BH17EZ 5A1945Z",
          "salbutamol tiotropium methylprednisolone ceftriaxone heparin amlodipine nicotine"),
        v((2021, 3, 15), 3, UR, "J441 Z87891 I10", "",
          "salbutamol budesonide_formoterol tiotropium prednisone amlodipine"),
    ]),
    p("DEMO-010", F, 1938, "WIDOWED", WHITE, MCARE, &[
        v((2019, 7, 8), 4, EM, "N390 F05 F0390 I10", "", "ceftriaxone donepezil amlodipine acetaminophen melatonin"),
        v((2020, 2, 17), 6, EM, "S72145A W19XXXA D62 F0390 I10", "0QH736Z",
          "cefazolin enoxaparin acetaminophen oxycodone docusate senna donepezil amlodipine"),
        v((2020, 9, 14), 3, UR, "N179 E860 F0390 I10", "", "donepezil memantine acetaminophen heparin"),
    ]),
    p("DEMO-011", M, 1958, "MARRIED", ASIAN, OTHER, &[
        v((2020, 5, 4), 4, EM, "I214 I10 E785 F17210", "4A023N7 B2111ZZ 027034Z",
          "aspirin clopidogrel atorvastatin metoprolol lisinopril nitroglycerin pantoprazole"),
        v((2021, 2, 22), 2, UR, "R0789 I2510 Z955 I10 E785", "",
          "aspirin clopidogrel atorvastatin metoprolol lisinopril pantoprazole"),
    ]),
    p("DEMO-012", F, 1975, "SINGLE", BLACK, MCAID, &[
        v((2019, 10, 7), 2, EM, "J45909 R0902", "", "salbutamol ipratropium methylprednisolone budesonide_formoterol"),
        v((2020, 11, 16), 3, EM, "J45909 J189", "",
          "salbutamol ipratropium prednisone budesonide_formoterol ceftriaxone azithromycin"),
        v((2022, 1, 10), 2, UR, "J45909 E669", "", "salbutamol ipratropium prednisone budesonide_formoterol"),
    ]),
    p("DEMO-013", M, 1943, "WIDOWED", WHITE, MCARE, &[
        v((2022, 2, 14), 8, EM, "A419 J189 R6520 J9601 N179 E119", "02HV33Z 0BH17EZ 5A1955Z",
          "ceftriaxone azithromycin aspart heparin acetaminophen pantoprazole"),
    ]),
    p("DEMO-014", F, 1955, "MARRIED", WHITE, MCARE, &[
        v((2021, 3, 29), 3, EM, "R55 E039 E860 I10", "", "levothyroxine heparin acetaminophen"),
        v((2021, 10, 18), 3, UR, "M1712 R2681 E039 I10", "",
          "acetaminophen oxycodone senna enoxaparin levothyroxine losartan"),
    ]),
    p("DEMO-015", M, 1966, "DIVORCED", WHITE, OTHER, &[
        v((2020, 12, 21), 5, EM, "K8520 F1020 E876 F17210", "",
          "thiamine folic_acid lorazepam kcl ondansetron acetaminophen pantoprazole"),
    ]),
    p("DEMO-016", F, 1980, "MARRIED", HISPANIC, OTHER, &[
        v((2022, 6, 6), 2, UR, "K8020 E669", "", "ondansetron acetaminophen oxycodone docusate"),
    ]),
    p("DEMO-017", M, 1999, "SINGLE", WHITE, OTHER, &[
        v((2023, 9, 11), 2, EM, "K3580", "", "ceftriaxone metronidazole acetaminophen ibuprofen morphine"),
    ]),
    p("DEMO-018", F, 1948, "WIDOWED", WHITE, MCARE, &[
        v((2022, 3, 7), 4, EM, "I5033 N184 D649 I10 E785", "", "furosemide amlodipine atorvastatin iron heparin"),
        v((2022, 8, 22), 3, EM, "K922 D62 N184 I5032 I10", "0DJ08ZZ",
          "pantoprazole furosemide amlodipine atorvastatin iron"),
        v((2023, 1, 30), 3, UR, "N179 N184 I5032 D649 I10", "",
          "furosemide amlodipine atorvastatin iron pantoprazole heparin"),
    ]),
    p("DEMO-019", M, 1970, "MARRIED", BLACK, OTHER, &[
        v((2021, 7, 19), 2, EM, "M109 I10 E669", "", "colchicine prednisone amlodipine acetaminophen"),
        v((2022, 5, 16), 2, UR, "M109 I10 E669 N189", "", "allopurinol colchicine amlodipine acetaminophen"),
    ]),
    p("DEMO-020", F, 1990, "SINGLE", ASIAN, OTHER, &[
        v((2024, 3, 18), 1, EM, "G43909", "", "dexamethasone naproxen metoclopramide acetaminophen"),
    ]),
    p("DEMO-021", M, 1960, "MARRIED", WHITE, OTHER, &[
        v((2021, 11, 8), 5, EM, "L03116 B9562 E119 E669 I10", "",
          "vancomycin metformin aspart lisinopril acetaminophen heparin"),
    ]),
    p("DEMO-022", F, 1953, "MARRIED", WHITE, MCARE, &[
        v((2019, 8, 19), 6, EM, "I6340 I4891 I10 E785", "",
          "apixaban atorvastatin metoprolol lisinopril acetaminophen"),
        v((2020, 4, 6), 3, UR, "N390 I69351 I4891 Z7901 I10", "",
          "cephalexin apixaban atorvastatin metoprolol lisinopril"),
        v((2020, 12, 14), 4, EM, "F329 I69351 I4891 Z7901 I10", "",
          "mirtazapine apixaban atorvastatin metoprolol lisinopril"),
    ]),
    p("DEMO-023", M, 1947, "MARRIED", WHITE, MCARE, &[
        v((2022, 10, 24), 3, EM, "R339 N401 N179 I10", "0TJB8ZZ",
          "tamsulosin amlodipine acetaminophen heparin docusate"),
    ]),
    p("DEMO-024", F, 1935, "WIDOWED", WHITE, MCARE, &[
        v((2020, 1, 27), 6, EM, "J189 E871 I10 M810", "",
          "ceftriaxone azithromycin vitamin_d heparin acetaminophen amlodipine"),
    ]),
    p("DEMO-025", M, 1978, "DIVORCED", WHITE, MCAID, &[
        v((2021, 4, 12), 8, EM, "F209 F17210", "", "olanzapine nicotine acetaminophen"),
        v((2022, 1, 3), 6, UR, "F209 E119 E785 F17210", "", "quetiapine metformin atorvastatin nicotine"),
    ]),
    p("DEMO-026", F, 1958, "MARRIED", WHITE, MCARE, &[
        v((2024, 6, 10), 3, EM, "G40909 E039", "", "levetiracetam levothyroxine acetaminophen heparin"),
    ]),
    p("DEMO-027", M, 1964, "MARRIED", HISPANIC, OTHER, &[
        v((2023, 2, 6), 4, EM, "E1122 N189 E1142 I10 E785", "", "glargine aspart gabapentin losartan atorvastatin"),
        v((2023, 9, 25), 5, EM, "E1165 N179 E860 N189 E1142", "", "glargine aspart gabapentin atorvastatin heparin"),
        v((2024, 5, 13), 3, UR, "E11621 L97511 E1122 N189 I10", "",
          "amoxiclav glargine aspart gabapentin losartan atorvastatin"),
    ]),
    p("DEMO-028", F, 1973, "MARRIED", WHITE, OTHER, &[
        v((2019, 5, 20), 2, UR, "R1013 K219", "0DJ08ZZ 0DD68ZX", "pantoprazole ondansetron acetaminophen"),
    ]),
    p("DEMO-029", M, 1955, "WIDOWED", WHITE, MCARE, &[
        v((2023, 3, 27), 4, EM, "K5791 D62 I10 E785", "0DJD8ZZ", "iron acetaminophen lisinopril simvastatin"),
    ]),
    p("DEMO-030", F, 1986, "MARRIED", BLACK, MCAID, &[
        v((2024, 1, 15), 3, EM, "I82401 D649 E669", "", "rivaroxaban acetaminophen iron"),
        v((2024, 7, 22), 2, UR, "R0789 K219 Z86718 Z7901 D649", "", "rivaroxaban pantoprazole acetaminophen iron"),
    ]),
    p("DEMO-031", M, 1940, "MARRIED", WHITE, MCARE, &[
        v((2019, 9, 16), 5, EM, "I5023 I350 E876 I10 E785", "",
          "furosemide kcl metoprolol atorvastatin heparin"),
    ]),
    p("DEMO-032", F, 1945, "WIDOWED", WHITE, MCARE, &[
        v((2019, 2, 11), 4, UR, "E039 F329 G4700 K5900", "", "levothyroxine citalopram melatonin macrogol"),
        v((2019, 10, 28), 5, EM, "J189 E039 F329 K5900", "",
          "ceftriaxone doxycycline levothyroxine citalopram macrogol"),
        v((2020, 6, 22), 3, EM, "N390 E039 F329 G4700", "",
          "nitrofurantoin levothyroxine citalopram melatonin acetaminophen"),
        v((2021, 1, 18), 3, UR, "R2681 Z9181 M810 E039 F329 G4700", "",
          "levothyroxine citalopram melatonin alendronate vitamin_d acetaminophen"),
    ]),
    p("DEMO-033", M, 1951, "MARRIED", WHITE, MCARE, &[
        v((2019, 3, 18), 4, EM, "I214 I10 E785 E119", "4A023N7 B2111ZZ 027034Z",
          "aspirin clopidogrel atorvastatin metoprolol ramipril metformin pantoprazole"),
        v((2019, 9, 9), 3, UR, "I5022 I2510 Z955 E119 E785", "",
          "aspirin clopidogrel atorvastatin metoprolol ramipril metformin furosemide pantoprazole"),
        v((2020, 4, 20), 5, EM, "I5023 I2510 Z955 E119", "",
          "aspirin clopidogrel atorvastatin carvedilol ramipril metformin furosemide pantoprazole"),
        v((2020, 11, 30), 3, UR, "I5022 I2510 Z955 E119 E785", "",
          "aspirin atorvastatin carvedilol ramipril empagliflozin metformin furosemide"),
        v((2021, 6, 14), 4, EM, "J189 I5022 I2510 E119", "",
          "ceftriaxone doxycycline aspirin atorvastatin carvedilol ramipril empagliflozin metformin furosemide"),
    ]),
    p("DEMO-034", F, 2001, "SINGLE", WHITE, MCAID, &[
        v((2022, 9, 5), 3, EM, "E1010 E860", "", "aspart glargine kcl ondansetron"),
    ]),
    p("DEMO-035", M, 1983, "SINGLE", RACE_OTHER, OTHER, &[
        v((2025, 2, 10), 2, EM, "M5430 F17210", "", "naproxen acetaminophen gabapentin nicotine"),
    ]),
    p("DEMO-036", F, 1939, "WIDOWED", ASIAN, MCARE, &[
        v((2025, 1, 13), 4, EM, "A419 N390 E860 I10", "", "piptazo acetaminophen heparin"),
        v((2025, 6, 9), 3, UR, "R55 E871 N189 I10", "", "amlodipine heparin acetaminophen"),
        v((2026, 1, 19), 3, EM, "J189 N189 I10", "",
          "ceftriaxone doxycycline amlodipine heparin acetaminophen"),
    ]),
];

// --- Builders. ---

/// Builds a code from the tables above; every table entry is checked by the tests.
fn code(system: CodeSystem, value: &str) -> Code {
    Code::new(system, value).expect("demo code")
}

fn codes(system: CodeSystem, values: &str) -> Vec<Code> {
    values.split_whitespace().map(|v| code(system, v)).collect()
}

fn drug(key: &str) -> &'static Drug {
    DRUGS.iter().find(|d| d.key == key).expect("demo drug")
}

const fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

fn add_days((mut year, mut month, mut day): (i32, u8, u8), days: u8) -> (i32, u8, u8) {
    for _ in 0..days {
        day += 1;
        if day > days_in_month(year, month) {
            day = 1;
            month += 1;
            if month > 12 {
                month = 1;
                year += 1;
            }
        }
    }
    (year, month, day)
}

fn timestamp((year, month, day): (i32, u8, u8), hour: u8, minute: u8) -> Timestamp {
    Timestamp::from_parts(year, month, day, hour, minute, 0).expect("demo date")
}

/// Spreads admission and discharge times over the day, deterministically.
fn times(n: usize, i: usize, spec: &VisitSpec) -> (Timestamp, Timestamp) {
    // Each value is reduced below 60 before the narrowing cast.
    let spread = |base: usize, a: usize, b: usize, m: usize| ((base + n * a + i * b) % m) as u8;
    let (hour, minute) = if spec.kind == EL { (7, 30) } else { (spread(3, 5, 7, 24), spread(0, 13, 17, 60)) };
    let admit = timestamp(spec.admit, hour, minute);
    let discharge = timestamp(add_days(spec.admit, spec.days), 10 + spread(0, 1, 1, 6), spread(0, 7, 11, 60));
    (admit, discharge)
}

fn build_patient(n: usize, spec: &PatientSpec) -> DemoPatient {
    let patient = Patient {
        id: spec.id.to_owned(),
        source: "demo".to_owned(),
        sex: spec.sex,
        birth_year: Some(spec.born),
        synthetic: true,
    };
    let visits = spec.visits.iter().enumerate().map(|(i, v)| build_visit(n, i, spec, v)).collect();
    DemoPatient { patient, visits }
}

fn build_visit(n: usize, i: usize, patient: &PatientSpec, spec: &VisitSpec) -> Visit {
    let (admit, discharge) = times(n, i, spec);
    let prescriptions = spec
        .rx
        .split_whitespace()
        .map(|key| {
            let d = drug(key);
            Prescription {
                drug: d.chart.to_owned(),
                ndc: None,
                gsn: None,
                formulary_code: None,
                route: Some(d.route.to_owned()),
                start: Some(admit),
                stop: Some(discharge),
                medication: Some(code(CodeSystem::Atc, d.atc)),
            }
        })
        .collect();
    Visit {
        admission_id: format!("{}-V{}", patient.id, i + 1),
        admit_time: admit,
        discharge_time: Some(discharge),
        profile: Profile {
            admission_type: Some(spec.kind.to_owned()),
            insurance: Some(patient.insurance.to_owned()),
            language: Some("ENGLISH".to_owned()),
            marital_status: Some(patient.marital.to_owned()),
            race: Some(patient.race.to_owned()),
        },
        diagnoses: codes(CodeSystem::Icd10Cm, spec.dx),
        procedures: codes(CodeSystem::Icd10Pcs, spec.px),
        prescriptions,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Whether any prescription of `visit` has an ATC code starting with `prefix`.
    fn has(visit: &Visit, prefix: &str) -> bool {
        visit.medications(5).iter().any(|m| m.value().starts_with(prefix))
    }

    fn patient(id: &str) -> DemoPatient {
        cohort().into_iter().find(|p| p.patient.id == id).expect("demo patient")
    }

    fn all_visits() -> Vec<Visit> {
        cohort().into_iter().flat_map(|p| p.visits).collect()
    }

    #[test]
    fn cohort_is_large_and_mixes_single_and_repeat_admissions() {
        let c = cohort();
        assert!(c.len() >= 34, "{} patients", c.len());
        let multi = c.iter().filter(|p| p.visits.len() >= 2).count();
        let single = c.iter().filter(|p| p.visits.len() == 1).count();
        assert!(multi >= 15 && single >= 12, "{multi} multi-visit, {single} single-visit");
        assert!(c.iter().all(|p| p.visits.len() <= 5));
        let sexes: HashSet<_> = c.iter().map(|p| p.patient.sex).collect();
        assert_eq!(sexes.len(), 2, "both sexes");
    }

    #[test]
    fn ids_are_unique_and_every_patient_is_synthetic() {
        for (n, p) in cohort().iter().enumerate() {
            let id = &p.patient.id;
            assert_eq!(*id, format!("DEMO-{:03}", n + 1));
            assert!(p.patient.source == "demo" && p.patient.synthetic, "{id}");
            let born = p.patient.birth_year.expect("birth year");
            assert!((1935..=2005).contains(&born), "{id}");
            for (i, v) in p.visits.iter().enumerate() {
                assert_eq!(v.admission_id, format!("{id}-V{}", i + 1));
            }
        }
        let visits = all_visits();
        let ids: HashSet<_> = visits.iter().map(|v| &v.admission_id).collect();
        assert_eq!(ids.len(), visits.len());
    }

    #[test]
    fn visits_are_in_time_order_within_the_demo_years() {
        for p in cohort() {
            for w in p.visits.windows(2) {
                let ordered = w[0].discharge_time < Some(w[1].admit_time);
                assert!(ordered, "{} visits overlap or are out of order", p.patient.id);
            }
            for v in &p.visits {
                assert!(Some(v.admit_time) < v.discharge_time, "{}", v.admission_id);
                assert!((2019..=2026).contains(&v.admit_time.year()), "{}", v.admission_id);
                let age = p.patient.age_at(v).expect("birth year");
                assert!((16..=90).contains(&age), "{} age {age}", v.admission_id);
            }
        }
    }

    #[test]
    fn every_visit_has_diagnoses_and_a_few_distinct_prescriptions() {
        for v in all_visits() {
            let id = &v.admission_id;
            let n = v.prescriptions.len();
            assert!(!v.diagnoses.is_empty(), "{id}");
            assert!((3..=9).contains(&n), "{id}: {n} prescriptions");
            assert_eq!(v.medications(5).len(), n, "{id}: a drug is listed twice");
            for rx in &v.prescriptions {
                assert_eq!((rx.start, rx.stop), (Some(v.admit_time), v.discharge_time));
                assert!(rx.ndc.is_none() && rx.gsn.is_none() && rx.formulary_code.is_none());
                assert!(rx.medication.is_some() && rx.route.is_some(), "{id}");
            }
        }
    }

    #[test]
    fn every_table_entry_is_a_valid_code() {
        let valid = |system, value: &str| Code::new(system, value).is_ok_and(|c| c.value() == value);
        for (code, _) in DIAGNOSES {
            assert!(valid(CodeSystem::Icd10Cm, code) && (3..=7).contains(&code.len()), "{code}");
        }
        for (code, _) in PROCEDURES {
            assert!(valid(CodeSystem::Icd10Pcs, code) && code.len() == 7, "{code}");
        }
        let atc_level = |value| Code::new(CodeSystem::Atc, value).ok().and_then(|c| c.atc_level());
        for d in DRUGS {
            assert!(atc_name(d.atc).is_some() && atc_name(&d.atc[..4]).is_some(), "{} has no name", d.atc);
        }
        let mut keys = HashSet::new();
        for d in DRUGS {
            assert_eq!(atc_level(d.atc), Some(5), "{}", d.atc);
            assert!(["PO", "IV", "SC", "INH", "SL", "TD"].contains(&d.route), "{}", d.key);
            assert!(keys.insert(d.key), "duplicate drug key {}", d.key);
        }
        for v in PATIENTS.iter().flat_map(|p| p.visits) {
            for key in v.rx.split_whitespace() {
                assert!(keys.contains(key), "unknown drug {key}");
            }
        }
    }

    #[test]
    fn every_code_used_has_one_title_and_every_title_is_used() {
        let titles = titles();
        let titled: HashSet<(CodeSystem, &str)> = titles.iter().map(|&(s, v, _)| (s, v)).collect();
        assert_eq!(titled.len(), titles.len(), "duplicate titles");
        assert!(titles.iter().all(|(_, _, t)| !t.trim().is_empty()));
        let mut used: HashSet<String> = HashSet::new();
        for v in all_visits() {
            let meds = v.medications(5).into_iter().chain(v.medications(3));
            for c in v.diagnoses.iter().chain(&v.procedures).cloned().chain(meds) {
                assert!(titled.contains(&(c.system(), c.value())), "{c} has no title");
                used.insert(c.to_string());
            }
        }
        for (s, v, _) in &titles {
            assert!(used.contains(&format!("{s}:{v}")), "{s}:{v} has a title but is never used");
        }
    }

    #[test]
    fn the_cohort_is_the_same_on_every_call() {
        assert_eq!(cohort(), cohort());
        assert_eq!(titles(), titles());
    }

    #[test]
    fn demo_001_would_get_an_nsaid_on_top_of_warfarin() {
        let p = patient("DEMO-001");
        let (last, earlier) = p.visits.split_last().expect("visits");
        assert!(earlier.iter().any(|v| has(v, "B01A")), "an earlier visit has an anticoagulant");
        assert!(earlier.iter().all(|v| has(v, "B01AA03")), "warfarin throughout");
        assert!(last.diagnoses.iter().any(|c| c.value() == "M1990"), "osteoarthritis last");
        assert!(!has(last, "M01A"), "no NSAID prescribed yet");
        assert!(has(last, "B01AA03"), "still on warfarin");
    }

    #[test]
    fn interaction_scenarios_are_present() {
        let p = patient("DEMO-002");
        let (last, earlier) = p.visits.split_last().expect("visits");
        assert!(earlier.iter().all(|v| has(v, "N06AB06") && !has(v, "N02AX02")));
        assert!(has(last, "N06AB06") && has(last, "N02AX02"), "sertraline with tramadol");
        for (id, a, b) in [
            ("DEMO-003", "N06AB", "J01XX08"),
            ("DEMO-004", "J01FA09", "C10AA01"),
            ("DEMO-005", "C01BD01", "C01AA05"),
            ("DEMO-006", "C03DA01", "A12BA01"),
            ("DEMO-006", "C03DA01", "C09AA"),
            ("DEMO-007", "J01MA02", "B01AA03"),
        ] {
            let together = patient(id).visits.iter().any(|v| has(v, a) && has(v, b));
            assert!(together, "{id}: {a} with {b}");
        }
    }

    #[test]
    fn no_one_else_gets_an_nsaid_with_a_blood_thinner_or_tramadol_with_an_ssri() {
        for v in all_visits() {
            assert!(!(has(&v, "M01A") && has(&v, "B01A")), "{}", v.admission_id);
            let serotonergic = has(&v, "N06AB") && has(&v, "N02AX02");
            assert!(!serotonergic || v.admission_id.starts_with("DEMO-002-"), "{}", v.admission_id);
        }
    }
}
