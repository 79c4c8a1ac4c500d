//! A generated MIMIC-IV-format cohort of any size, for import benchmarks and tests.
//! Every value is invented here from a seeded generator: no real record is involved.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Deterministic 64-bit generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Invented drug products: (name, GSN, ATC level 5). The GSNs are not real GSNs.
const DRUGS: [(&str, &str, &str); 12] = [
    ("Genamol 500 mg", "900001", "N02BE01"),
    ("Genfurox 40 mg", "900002", "C03CA01"),
    ("Genaspir 81 mg", "900003", "B01AC06"),
    ("Genmetop 25 mg", "900004", "C07AB02"),
    ("Genpraz 40 mg", "900005", "A02BC02"),
    ("Genstatin 20 mg", "900006", "C10AA05"),
    ("Genlisin 10 mg", "900007", "C09AA03"),
    ("Genmetf 500 mg", "900008", "A10BA02"),
    ("Genheparin 5000 unit", "900009", "B01AB01"),
    ("Gencef 1 g", "900010", "J01DD04"),
    ("Saline flush 10 mL", "", ""),
    ("Dextrose 5% bag", "", ""),
];
const DX: [&str; 10] = ["I10", "E119", "I4891", "N179", "J189", "I5022", "E785", "K219", "A419", "N390"];
const PX: [&str; 4] = ["5A1955Z", "0DJ08ZZ", "02703DZ", "3E033GC"];

/// Writes `patients.csv`, `admissions.csv`, `diagnoses_icd.csv`, `procedures_icd.csv`,
/// `prescriptions.csv` (MIMIC-IV 2.x columns) and `atc_map.csv` (gsn,atc) into `dir`,
/// with `prescriptions` prescription rows (about 20 per admission, 2.5 admissions per
/// patient).
pub fn write_mimic_iv_cohort(dir: &Path, prescriptions: u64, seed: u64) -> std::io::Result<()> {
    let mut rng = SplitMix::new(seed);
    let admissions = (prescriptions / 20).max(1);
    let patients = (admissions * 2 / 5).max(1);
    let open = |name: &str| -> std::io::Result<BufWriter<File>> {
        Ok(BufWriter::with_capacity(1 << 20, File::create(dir.join(name))?))
    };

    let mut f = open("patients.csv")?;
    writeln!(f, "subject_id,gender,anchor_age,anchor_year,anchor_year_group,dod")?;
    for p in 0..patients {
        let sex = if rng.below(2) == 0 { "F" } else { "M" };
        writeln!(f, "{},{sex},{},{},2011 - 2013,", 50_000_000 + p, 18 + rng.below(70), 2110 + rng.below(60))?;
    }
    f.flush()?;

    let mut f = open("admissions.csv")?;
    writeln!(
        f,
        "subject_id,hadm_id,admittime,dischtime,deathtime,admission_type,admit_provider_id,admission_location,discharge_location,insurance,language,marital_status,race,edregtime,edouttime,hospital_expire_flag"
    )?;
    let mut owner = Vec::with_capacity(admissions as usize);
    for a in 0..admissions {
        let p = if a < patients { a } else { rng.below(patients) };
        owner.push(p);
        let (y, m, d) = (2110 + rng.below(60), 1 + rng.below(12), 1 + rng.below(28));
        writeln!(
            f,
            "{},{},{y}-{m:02}-{d:02} 08:00:00,{y}-{m:02}-{d:02} 18:00:00,,EW EMER.,P0,EMERGENCY ROOM,HOME,Medicare,ENGLISH,MARRIED,WHITE,,,0",
            50_000_000 + p,
            60_000_000 + a
        )?;
    }
    f.flush()?;

    let mut dx = open("diagnoses_icd.csv")?;
    writeln!(dx, "subject_id,hadm_id,seq_num,icd_code,icd_version")?;
    let mut px = open("procedures_icd.csv")?;
    writeln!(px, "subject_id,hadm_id,seq_num,chartdate,icd_code,icd_version")?;
    for (a, p) in owner.iter().enumerate() {
        for s in 1..=(2 + rng.below(8)) {
            writeln!(dx, "{},{},{s},{},10", 50_000_000 + p, 60_000_000 + a, DX[rng.below(DX.len() as u64) as usize])?;
        }
        if rng.below(3) == 0 {
            writeln!(
                px,
                "{},{},1,2150-01-01,{},10",
                50_000_000 + p,
                60_000_000 + a,
                PX[rng.below(PX.len() as u64) as usize]
            )?;
        }
    }
    dx.flush()?;
    px.flush()?;

    let mut f = open("prescriptions.csv")?;
    writeln!(
        f,
        "subject_id,hadm_id,pharmacy_id,poe_id,poe_seq,order_provider_id,starttime,stoptime,drug_type,drug,formulary_drug_cd,gsn,ndc,prod_strength,form_rx,dose_val_rx,dose_unit_rx,form_val_disp,form_unit_disp,doses_per_24_hrs,route"
    )?;
    for i in 0..prescriptions {
        let a = rng.below(admissions) as usize;
        let (name, gsn, _) = DRUGS[rng.below(DRUGS.len() as u64) as usize];
        writeln!(
            f,
            "{},{},{},,,,2150-01-01 08:00:00,2150-01-02 08:00:00,MAIN,{name},F{},{gsn},0,,,1,mg,1,TAB,1,PO",
            50_000_000 + owner[a],
            60_000_000 + a,
            70_000_000 + i,
            i % 97
        )?;
    }
    f.flush()?;

    let mut f = open("atc_map.csv")?;
    writeln!(f, "gsn,atc")?;
    for (_, gsn, atc) in DRUGS.iter().filter(|d| !d.1.is_empty()) {
        writeln!(f, "{gsn},{atc}")?;
    }
    f.flush()
}
