//! Command-line arguments (raw), then [`Resolved`]: the validated global settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "leader", version, about = "LEADER Rx: offline medication suggestions and interaction checks")]
pub struct Cli {
    /// The patient store (SQLite). Default: the OS data directory, e.g.
    /// ~/.local/share/leader-rx/leader.sqlite
    #[arg(long, global = true, env = "LEADER_DB")]
    pub db: Option<PathBuf>,
    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import a cohort or a mapping table (each import is one transaction; re-running adds no duplicates).
    #[command(subcommand)]
    Import(Import),
    /// Counts per table, mapped share of prescriptions, single- vs multi-visit patients.
    Stats,
    /// List or show patients.
    #[command(subcommand)]
    Patient(PatientCmd),
    /// Create the synthetic demo store (when absent) and show what it holds.
    Demo,
    /// Read the append-only audit log.
    Audit(AuditArgs),
    /// Store settings.
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCmd),
}

#[derive(Debug, Subcommand)]
pub enum Import {
    /// MIMIC-IV 2.x `hosp/` tables (.csv or .csv.gz).
    MimicIv { dir: PathBuf },
    /// MIMIC-III v1.4 tables (ADMISSIONS.csv, ...; any letter case; optional .gz).
    MimicIii { dir: PathBuf },
    /// The Synthea admissions cohort (SNOMED CT, RxNorm).
    Synthea { dir: PathBuf },
    /// Drug -> ATC mapping table with columns gsn / ndc / drug and atc (or atc_code).
    AtcMap { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum PatientCmd {
    /// De-identified id, age, sex, visits, synthetic flag.
    List {
        /// Only ids containing this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// One patient's timeline with code titles.
    Show { id: String },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only events of this kind (import, import-atc-map, decision, model-install, ...).
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Show or set the ATC level (3 or 4) of the medication vocabulary.
    AtcLevel { level: Option<u8> },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Time imports: a real MIMIC-IV folder (--mimic-iv) and/or a generated cohort.
    Import {
        /// A MIMIC-IV folder to import repeatedly into fresh stores.
        #[arg(long)]
        mimic_iv: Option<PathBuf>,
        /// A mapping table loaded before the MIMIC-IV import.
        #[arg(long)]
        atc_map: Option<PathBuf>,
        /// Size of the generated MIMIC-IV-format cohort, in prescription rows (0: skip).
        #[arg(long, default_value_t = 1_000_000)]
        prescriptions: u64,
        /// Repetitions (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

/// Global settings after validation.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub db: PathBuf,
    pub json: bool,
}

impl Resolved {
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Resolved> {
        let db = match &cli.db {
            Some(p) => p.clone(),
            None => dirs::data_dir()
                .ok_or_else(|| anyhow::anyhow!("no data directory for this user; pass --db PATH or set LEADER_DB"))?
                .join("leader-rx")
                .join("leader.sqlite"),
        };
        Ok(Resolved { db, json: cli.json })
    }
}
