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
    /// Suggest medications for a stored visit (--patient) or an ad-hoc one (--dx ...).
    Recommend(RecommendArgs),
    /// Interaction knowledge: check drugs against it, list its sources.
    #[command(subcommand)]
    Ddi(DdiCmd),
    /// Evaluate a model on the store's held-out visits (Jaccard, PRAUC, F1, #drugs, DDI rate).
    Evaluate(EvaluateArgs),
    /// Export as FHIR R4: the latest recorded decision on a visit.
    #[command(subcommand)]
    Export(ExportCmd),
    /// Write the training dataset (samples, prompts, vocabularies) for the Python pipeline.
    ExportDataset(ExportArgs),
    /// Refine on this store: export → teacher → student → ONNX → evaluate → install gate.
    Refine(RefineArgs),
    /// Installed models: list, install (through the gate), roll back.
    #[command(subcommand)]
    Model(ModelCmd),
    /// Read the append-only audit log; `audit verify` checks its hash chain.
    Audit(AuditArgs),
    /// Write a consistent single-file copy of the store (owner-only); the way to back up.
    Backup(BackupArgs),
    /// Serve CDS Hooks 2.0 (suggestions and interaction alerts for an EHR) on loopback.
    Serve(ServeArgs),
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
    /// FHIR R4: a Bulk Data export folder (*.ndjson[.gz], any file names) and/or JSON
    /// Bundles, or one such file.
    Fhir {
        path: PathBuf,
        /// Code-system mapping: `standard` (HL7 URIs only, the default), `mimic` (the
        /// shipped mapping for the MIMIC-IV demo on FHIR) or a TOML file of the site's own.
        #[arg(long)]
        systems: Option<String>,
    },
    /// Drug -> ATC mapping table with columns gsn / ndc / drug and atc (or atc_code).
    AtcMap { file: PathBuf },
    /// An interaction pair table (code_a/code_b, or atc3_a/atc3_b), kept under its source name.
    Ddi {
        file: PathBuf,
        /// Name of the source, e.g. `twosides` (the DDI-rate adjacency used by `evaluate`).
        #[arg(long)]
        source: String,
        /// Licence of the table, recorded with the source.
        #[arg(long, default_value = "see the source")]
        licence: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Only loopback unless --allow-remote.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: std::net::SocketAddr,
    /// Listen on a non-loopback address (the hospital network): say so explicitly.
    #[arg(long)]
    pub allow_remote: bool,
    /// The EHR's public keys (a JWKS file); every request must carry a JWT signed by one.
    #[arg(long)]
    pub jwks: PathBuf,
    /// Allowed JWT issuers (the EHRs), repeatable.
    #[arg(long = "issuer", required = true)]
    pub issuers: Vec<String>,
    /// The base URL the EHR calls, the JWT audience (default: http://LISTEN/cds-services).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Browser origins allowed by CORS, repeatable (default: none).
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1_048_576)]
    pub max_body: usize,
    /// Time limit per request, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Requests per second per client (burst: twice this); 0 turns the limit off.
    #[arg(long, default_value_t = 100)]
    pub rate_limit: u32,
    /// FHIR code-system mapping for incoming resources: standard, mimic or a TOML file.
    #[arg(long)]
    pub systems: Option<String>,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// A `collection` Bundle of the visit's latest decision: accepted suggestions as draft
    /// MedicationRequests, interaction alerts as DetectedIssues, a Provenance.
    Fhir {
        /// The stored patient.
        #[arg(long)]
        patient: String,
        /// The admission id of the visit (default: the patient's latest).
        #[arg(long)]
        visit: Option<String>,
        /// Write the Bundle here (owner-readable only); default: standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Which model and where it runs.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// A model bundle folder or an installed model's name (default: the active model, else the bundled one).
    #[arg(long)]
    pub model: Option<String>,
    /// Execution provider: cpu, or cuda (errors out if CUDA cannot start; never falls back).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Threads: on the CPU, this many single-threaded ONNX Runtime sessions share each batch
    /// (a single visit uses one); with CUDA, the session's intra-op threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// A stored patient; the visit defaults to their latest.
    #[arg(long, conflicts_with_all = ["dx", "px", "age", "sex"])]
    pub patient: Option<String>,
    /// The admission id of the visit (with --patient).
    #[arg(long, requires = "patient")]
    pub visit: Option<String>,
    /// Diagnosis codes of an ad-hoc visit, e.g. ICD10CM:I48.91,ICD10CM:I10
    #[arg(long, value_delimiter = ',')]
    pub dx: Vec<String>,
    /// Procedure codes of an ad-hoc visit.
    #[arg(long, value_delimiter = ',')]
    pub px: Vec<String>,
    /// Medications the patient takes now (screened for interactions; ad-hoc: also history).
    #[arg(long, value_delimiter = ',')]
    pub current_meds: Vec<String>,
    #[arg(long)]
    pub age: Option<i32>,
    /// F or M.
    #[arg(long)]
    pub sex: Option<String>,
    /// Also list this many below the threshold.
    #[arg(long, default_value_t = 5)]
    pub top_k: usize,
    /// Withhold the lower-probability member of contraindicated/major pairs at drug level
    /// (class-level "some members interact" findings are shown, not acted on).
    #[arg(long)]
    pub safe_mode: bool,
    /// Skip the occlusion evidence.
    #[arg(long)]
    pub no_evidence: bool,
    /// Teacher mode: answer with the teacher bundle (the installed one, or --teacher-dir).
    #[arg(long)]
    pub teacher: bool,
    #[arg(long, requires = "teacher")]
    pub teacher_dir: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Subcommand)]
pub enum DdiCmd {
    /// Every interacting pair among the given drugs, with severity, mechanism, management, source.
    Check {
        /// Codes such as ATC:B01AA03 ATC:M01AE01
        #[arg(required = true, num_args = 2..)]
        codes: Vec<String>,
    },
    /// The knowledge sources and their pair counts.
    Sources,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the patient-level split.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also assign K cross-validation folds by patient.
    #[arg(long)]
    pub folds: Option<usize>,
    /// Visits per sample, the current one included (LEADER: 3 previous + current).
    #[arg(long, default_value_t = 4)]
    pub max_visits: usize,
    /// Codes listed per field in the teacher prompt.
    #[arg(long, default_value_t = 12)]
    pub prompt_codes: usize,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RefineArgs {
    /// The refinement environment (the pipeline's Python): install it from a kit, or check it.
    #[command(subcommand)]
    pub env: Option<RefineEnvCmd>,
    /// A local Hugging Face model directory for the teacher (default: all-MiniLM-L6-v2).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Working folder (default: `<store file>.refine/` beside the store). Re-running resumes.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Few steps and short prompts: a smoke test of the whole chain.
    #[arg(long)]
    pub tiny: bool,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Distillation weight alpha.
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f64,
    /// Install even when the gate refuses.
    #[arg(long)]
    pub force: bool,
    /// Build and evaluate the candidate, but do not install it.
    #[arg(long)]
    pub no_install: bool,
    /// Keep the exported dataset (patient ids, prompts) in the working folder; by default it
    /// is deleted when the run ends.
    #[arg(long)]
    pub keep_work: bool,
}

#[derive(Debug, Subcommand)]
pub enum RefineEnvCmd {
    /// Install the refinement environment from a refine kit (made by `scripts/refine-kit.sh`
    /// on a computer with network access) into the data folder, without network.
    Setup {
        /// The kit folder (holding kit.json).
        #[arg(long = "from", value_name = "KIT")]
        from: PathBuf,
    },
    /// Whether refinement can run here: where its Python comes from, and which kit.
    Status,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// test, val, train or all.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// Split seed (default: the model's own).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The interaction source whose pairs define the DDI rate.
    #[arg(long, default_value = "twosides")]
    pub adjacency_source: String,
    /// Also score "repeat the previous visit" and "most frequent" on the same visits.
    #[arg(long)]
    pub baselines: bool,
    /// Also measure the interaction alerts shown on every stored visit with a previous
    /// visit: per visit, by severity, class-level share, as screened now (concrete
    /// candidates) and as classes, and the curated high-severity pairs caught.
    #[arg(long)]
    pub alerts: bool,
    /// Also run the evidence deletion test on the split's visits: removing each suggestion's
    /// top evidence codes vs as many random codes (RANDOM_DRAWS draws).
    #[arg(long)]
    pub evidence_faithfulness: bool,
    #[arg(long, default_value_t = 5, value_name = "RANDOM_DRAWS")]
    pub draws: usize,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Subcommand)]
pub enum ModelCmd {
    /// Installed and bundled models.
    List,
    /// Validate, evaluate against the active model, and switch atomically.
    Install {
        dir: PathBuf,
        /// Install even when the gate refuses (lower PRAUC, low vocabulary coverage).
        #[arg(long)]
        force: bool,
        /// Accept a bundle that is unsigned or signed by a key not trusted here (audited).
        /// A signature that does not verify is refused whatever the flags.
        #[arg(long)]
        allow_unsigned: bool,
        #[arg(long, default_value = "cpu")]
        device: String,
    },
    /// Switch back to the previous model.
    Rollback,
    /// Trust a model maker's public key (`leader-rx ed25519 <hex> [label]`) for installs.
    Trust { key: PathBuf },
    /// The keys whose signatures installs accept (project, this store's own, trusted).
    Keys,
    /// Sign a bundle (writes its signature.json) with this store's key, or with --key FILE
    /// (created with FILE.pub beside it when missing).
    Sign {
        dir: PathBuf,
        #[arg(long)]
        key: Option<PathBuf>,
    },
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
    #[command(subcommand)]
    pub action: Option<AuditCmd>,
    /// Only events of this kind (import, import-atc-map, decision, model-install, ...).
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Walk the hash chain: OK with the event count and head hash, or the first event that
    /// was changed, removed, inserted or reordered (exit code 1).
    Verify,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The copy to write (a SQLite database, 0600); refused if it exists, unless --force.
    pub file: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Show or set the ATC level (3 or 4) of the medication vocabulary.
    AtcLevel { level: Option<u8> },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Time the model: session load, batch-1 latency, batched throughput, encoding, evidence.
    Infer {
        #[command(flatten)]
        model: ModelArgs,
        /// Batch-1 repetitions.
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
        /// Also time the installed teacher (or --teacher-dir) on the same visits in the same
        /// run, and print its ratio to the student.
        #[arg(long)]
        teacher: bool,
        /// A teacher bundle folder (default: the store's installed teacher).
        #[arg(long)]
        teacher_dir: Option<PathBuf>,
        /// Teacher batch-1 repetitions (a language model is slow).
        #[arg(long, default_value_t = 100)]
        teacher_iterations: usize,
    },
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
    /// Stores opened by the command, closed (WAL checkpointed) when it ends.
    pub opened: std::sync::Arc<std::sync::Mutex<Vec<leader_store::Store>>>,
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
        Ok(Resolved { db, json: cli.json, opened: Default::default() })
    }

    /// Opens the store (closed, its WAL checkpointed, when the command ends).
    pub async fn open(&self) -> anyhow::Result<leader_store::Store> {
        use anyhow::Context as _;
        // One connection: a command does one thing at a time (`serve` opens its own store).
        let store = leader_store::Store::open_single(&self.db)
            .await
            .with_context(|| format!("cannot open the store {}", self.db.display()))?;
        self.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(store.clone());
        Ok(store)
    }

    /// Opens the service's context on the store (closed when the command ends, like
    /// [`Resolved::open`]) with these inference settings.
    pub async fn context(&self, session: leader_service::SessionOptions) -> anyhow::Result<leader_service::Context> {
        let store = self.open().await?;
        Ok(leader_service::Context::on_store(store, &self.db, session)?)
    }
}
