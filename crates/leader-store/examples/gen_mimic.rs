//! Writes a generated MIMIC-IV-format cohort (synthetic values, deterministic seed) for
//! import benchmarks: `cargo run --release -p leader-store --example gen_mimic -- DIR
//! PRESCRIPTIONS [SEED]`. DIR gets `patients.csv`, `admissions.csv`, `diagnoses_icd.csv`,
//! `procedures_icd.csv`, `prescriptions.csv` and `atc_map.csv` (about 20 prescriptions,
//! 5.5 diagnoses and 0.33 procedures per admission, 2.5 admissions per patient). No real
//! record is involved; never commit the output.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_mimic DIR PRESCRIPTIONS [SEED]";
    let (Some(dir), Some(n)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let Ok(n) = n.replace('_', "").parse::<u64>() else {
        eprintln!("PRESCRIPTIONS must be a whole number; {usage}");
        return ExitCode::from(2);
    };
    let seed = match args.get(2).map(|s| s.parse::<u64>()) {
        None => 42,
        Some(Ok(s)) => s,
        Some(Err(_)) => {
            eprintln!("SEED must be a whole number; {usage}");
            return ExitCode::from(2);
        }
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: cannot create the folder: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let started = std::time::Instant::now();
    if let Err(e) = leader_store::synth::write_mimic_iv_cohort(&dir, n, seed) {
        eprintln!("{}: cannot write the cohort: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    println!(
        "wrote a cohort of {n} prescriptions (seed {seed}) to {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
