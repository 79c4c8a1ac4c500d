//! One function per command; each opens the store, calls the crates and prints.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use leader_core::CodeSystem;
use leader_store::{MimicVersion, NoProgress, PatientRecord, Stats, Store};
use serde::Serialize;

use crate::args::{
    AuditArgs, AuditCmd, BackupArgs, BenchCmd, Cli, Command, ExportCmd, Import, PatientCmd, Resolved, SettingsCmd,
};
use crate::progress::Bars;

pub async fn run(cli: Cli) -> Result<()> {
    let cfg = Resolved::from_cli(&cli)?;
    let result = dispatch(cli.command, cfg.clone()).await;
    // A clean exit checkpoints the WAL: the database file alone then holds everything.
    let opened = std::mem::take(&mut *cfg.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    for store in opened {
        store.close().await;
    }
    result
}

async fn dispatch(command: Command, cfg: Resolved) -> Result<()> {
    match command {
        Command::Import(what) => import(&cfg, what).await,
        Command::Stats => stats(&cfg).await,
        Command::Patient(PatientCmd::List { search }) => patient_list(&cfg, search.as_deref()).await,
        Command::Patient(PatientCmd::Show { id }) => patient_show(&cfg, &id).await,
        Command::Demo => demo(&cfg).await,
        Command::Recommend(a) => crate::infer_cmds::recommend(&cfg, &a).await,
        Command::Ddi(c) => crate::infer_cmds::ddi(&cfg, &c).await,
        Command::Refine(a) => crate::infer_cmds::refine(&cfg, &a).await,
        Command::Export(ExportCmd::Fhir { patient, visit, out }) => {
            crate::infer_cmds::export_fhir(&cfg, &patient, visit.as_deref(), out.as_deref()).await
        }
        Command::ExportDataset(a) => crate::infer_cmds::export_dataset(&cfg, &a).await,
        Command::Evaluate(a) => crate::infer_cmds::evaluate(&cfg, &a).await,
        Command::Model(c) => crate::infer_cmds::model(&cfg, &c).await,
        Command::Bench(BenchCmd::Infer { model, iterations, teacher, teacher_dir, teacher_iterations }) => {
            let teacher = teacher.then_some((teacher_dir, teacher_iterations));
            crate::infer_cmds::bench_infer(&cfg, &model, iterations, teacher).await
        }
        Command::Audit(AuditArgs { action: Some(AuditCmd::Verify), .. }) => audit_verify(&cfg).await,
        Command::Audit(a) => audit(&cfg, &a).await,
        Command::Backup(a) => backup(&cfg, &a).await,
        Command::Serve(a) => crate::infer_cmds::serve(&cfg, a).await,
        Command::Settings(SettingsCmd::AtcLevel { level }) => atc_level(&cfg, level).await,
        Command::Bench(BenchCmd::Import { mimic_iv, atc_map, prescriptions, runs }) => {
            bench_import(&cfg, mimic_iv.as_deref(), atc_map.as_deref(), prescriptions, runs).await
        }
    }
}

pub async fn open(cfg: &Resolved) -> Result<Store> {
    let store = Store::open(&cfg.db).await.with_context(|| format!("cannot open the store {}", cfg.db.display()))?;
    cfg.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(store.clone());
    Ok(store)
}

/// Writes one line to the output buffer.
#[macro_export]
macro_rules! outln {
    ($w:expr) => {{
        $w.push('\n');
    }};
    ($w:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($w, $($arg)*);
    }};
}

/// Prints `value` as JSON, or the text `text` writes for people. Output is written in
/// one piece; a closed pipe (`leader patient list | head`) is not an error.
pub fn emit<T: Serialize>(cfg: &Resolved, value: &T, text: impl FnOnce(&mut String, &T)) -> Result<()> {
    let mut w = String::new();
    if cfg.json {
        w = serde_json::to_string_pretty(value)?;
        w.push('\n');
    } else {
        text(&mut w, value);
    }
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(w.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

async fn import(cfg: &Resolved, what: Import) -> Result<()> {
    let store = open(cfg).await?;
    let bars = Bars::new(!cfg.json);
    match what {
        Import::MimicIv { dir } => {
            let s = store.import_mimic(&dir, MimicVersion::Iv, &bars).await?;
            emit(cfg, &s, |w, s| outln!(w, "{}", s.one_line()))
        }
        Import::MimicIii { dir } => {
            let s = store.import_mimic(&dir, MimicVersion::Iii, &bars).await?;
            emit(cfg, &s, |w, s| outln!(w, "{}", s.one_line()))
        }
        Import::Synthea { dir } => {
            let s = store.import_synthea(&dir, &bars).await?;
            emit(cfg, &s, |w, s| outln!(w, "{}", s.one_line()))
        }
        Import::Fhir { path, systems } => {
            let systems = leader_store::import::fhir::systems_from(systems.as_deref())?;
            let s = store.import_fhir(&path, &systems, &bars).await?;
            emit(cfg, &s, |w, s| {
                outln!(w, "{}", s.one_line());
                let list = |m: &std::collections::BTreeMap<String, u64>| {
                    m.iter().map(|(k, v)| format!("  {v:>7}  {k}")).collect::<Vec<_>>().join("\n")
                };
                outln!(w, "resources read (code systems: {}):\n{}", systems.name, list(&s.resources));
                if !s.skipped.is_empty() {
                    outln!(w, "not imported:\n{}", list(&s.skipped));
                }
                if !s.unknown_systems.is_empty() {
                    outln!(
                        w,
                        "codings in unknown code systems (not imported; map them with --systems FILE):\n{}",
                        list(&s.unknown_systems)
                    );
                }
            })
        }
        Import::Ddi { file, source, licence } => {
            let s = store.import_ddi(&file, &source, &licence).await?;
            emit(cfg, &s, |w, s| {
                outln!(
                    w,
                    "loaded {} interacting pairs from {} as source `{}` ({} duplicates dropped)",
                    s.pairs,
                    s.file,
                    s.source,
                    s.duplicates
                )
            })
        }
        Import::AtcMap { file } => {
            let s = store.import_atc_map(&file, &bars).await?;
            emit(cfg, &s, |w, s| {
                outln!(
                    w,
                    "loaded {}: {} rows ({} GSN, {} NDC, {} drug-name keys); {} prescriptions re-mapped",
                    s.file,
                    s.rows,
                    s.gsn_keys,
                    s.ndc_keys,
                    s.name_keys,
                    s.prescriptions_remapped
                )
            })
        }
    }
}

async fn stats(cfg: &Resolved) -> Result<()> {
    let store = open(cfg).await?;
    let s = store.stats().await?;
    emit(cfg, &s, print_stats)
}

fn print_stats(w: &mut String, s: &Stats) {
    outln!(
        w,
        "patients        {:>9}  ({} synthetic; {} with one visit, {} with two or more)",
        s.patients,
        s.synthetic_patients,
        s.patients_single_visit,
        s.patients_multi_visit
    );
    for (source, n) in &s.patients_by_source {
        outln!(w, "  from {source:<10}{n:>9}");
    }
    outln!(w, "visits          {:>9}", s.visits);
    outln!(w, "diagnoses       {:>9}", s.diagnoses);
    outln!(w, "procedures      {:>9}", s.procedures);
    outln!(
        w,
        "prescriptions   {:>9}  ({:.1}% mapped to a medication code; {} distinct medications at ATC level {})",
        s.prescriptions,
        100.0 * s.mapped_share,
        s.distinct_medications,
        s.medication_atc_level
    );
    outln!(w, "code titles     {:>9}", s.code_titles);
    outln!(w, "ATC map rows    {:>9}", s.atc_map_rows);
    outln!(w, "interactions    {:>9}", s.ddi_pairs);
    outln!(w, "models          {:>9}", s.models);
    outln!(w, "audit events    {:>9}", s.audit_events);
    if !s.top_unmapped.is_empty() {
        outln!(w, "most frequent unmapped drug names (extend the map with `leader import atc-map`):");
        for (drug, n) in &s.top_unmapped {
            outln!(w, "  {n:>7}  {drug}");
        }
    }
}

async fn patient_list(cfg: &Resolved, search: Option<&str>) -> Result<()> {
    let store = open(cfg).await?;
    let mut list = store.patients().await?;
    if let Some(q) = search {
        let q = q.to_lowercase();
        list.retain(|p| p.id.to_lowercase().contains(&q));
    }
    emit(cfg, &list, |w, list| {
        outln!(
            w,
            "{:<14} {:>4} {:<3} {:>6}  {:<10}  {:<9} source",
            "id",
            "age",
            "sex",
            "visits",
            "last visit",
            "synthetic"
        );
        for p in list {
            outln!(
                w,
                "{:<14} {:>4} {:<3} {:>6}  {:<10}  {:<9} {}",
                p.id,
                p.age.map_or("?".into(), |a| a.to_string()),
                p.sex.as_str(),
                p.visits,
                p.last_visit.as_deref().unwrap_or("-"),
                if p.synthetic { "yes" } else { "no" },
                p.source
            );
        }
        outln!(w, "{} patients", list.len());
    })
}

async fn patient_show(cfg: &Resolved, id: &str) -> Result<()> {
    let store = open(cfg).await?;
    let level = store.medication_atc_level().await?;
    let record = store.patient(id).await?;
    emit(cfg, &record, |w, r| print_timeline(w, r, level))
}

fn print_timeline(w: &mut String, r: &PatientRecord, level: u8) {
    let p = &r.patient;
    outln!(
        w,
        "patient {} ({}; sex {}; born {}{})",
        p.id,
        p.source,
        p.sex.as_str(),
        p.birth_year.map_or("?".into(), |y| y.to_string()),
        if p.synthetic { "; SYNTHETIC" } else { "" }
    );
    let title = |c: &leader_core::Code| r.titles.get(&c.to_string()).map_or("(no title)", String::as_str).to_owned();
    for (i, v) in r.visits.iter().enumerate() {
        outln!(w);
        outln!(
            w,
            "visit {} of {}: admission {} on {} (age {}{})",
            i + 1,
            r.visits.len(),
            v.admission_id,
            v.admit_time.date_string(),
            p.age_at(v).map_or("?".into(), |a| a.to_string()),
            v.profile.admission_type.as_deref().map(|t| format!(", {t}")).unwrap_or_default()
        );
        outln!(w, "  diagnoses");
        for c in &v.diagnoses {
            outln!(w, "    {:<18} {}", c.to_string(), title(c));
        }
        if !v.procedures.is_empty() {
            outln!(w, "  procedures");
            for c in &v.procedures {
                outln!(w, "    {:<18} {}", c.to_string(), title(c));
            }
        }
        outln!(w, "  medications (ATC level {level} or the cohort's own code)");
        for m in v.medications(level) {
            let mut names: Vec<&str> = v
                .prescriptions
                .iter()
                .filter(|p| p.medication.as_ref().and_then(|c| c.at_atc_level(level)).as_ref() == Some(&m))
                .map(|p| p.drug.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            let shown = names.iter().take(3).copied().collect::<Vec<_>>().join("; ");
            let more = if names.len() > 3 { format!("; +{} more", names.len() - 3) } else { String::new() };
            let class = r.titles.get(&m.to_string()).map(|t| format!("{t}: ")).unwrap_or_default();
            outln!(w, "    {:<18} {class}{shown}{more}", m.to_string());
        }
        let unmapped = v.prescriptions.iter().filter(|p| p.medication.is_none()).count();
        if unmapped > 0 {
            outln!(w, "    ({unmapped} prescription rows without a medication code)");
        }
    }
}

async fn demo(cfg: &Resolved) -> Result<()> {
    let store = open(cfg).await?;
    let seeded = store.seed_demo().await?;
    let stats = store.stats().await?;
    #[derive(Serialize)]
    struct Out<'a> {
        db: String,
        seeded: Option<&'a leader_store::ImportSummary>,
        stats: &'a Stats,
    }
    let out = Out { db: cfg.db.display().to_string(), seeded: seeded.as_ref(), stats: &stats };
    emit(cfg, &out, |w, o| {
        match o.seeded {
            Some(s) => outln!(w, "demo store created at {}: {}", o.db, s.one_line()),
            None => outln!(w, "demo store at {} already holds the demo cohort", o.db),
        }
        outln!(w, "All demo patients are synthetic, written by this project; none is a real person.");
        outln!(w);
        print_stats(w, o.stats);
        outln!(w);
        outln!(w, "Next: leader --db {} patient list; leader --db {} patient show DEMO-001", o.db, o.db);
    })
}

async fn audit(cfg: &Resolved, a: &AuditArgs) -> Result<()> {
    let store = open(cfg).await?;
    let events = store.audit_events(a.kind.as_deref(), a.limit).await?;
    emit(cfg, &events, |w, events| {
        for e in events {
            outln!(w, "#{:<6} {}  {:<16} {:<10} {}", e.id, e.at, e.kind, e.actor, e.payload);
        }
    })
}

/// `leader audit verify`: prints the result, then fails (exit code 1) when the chain is broken.
async fn audit_verify(cfg: &Resolved) -> Result<()> {
    let store = open(cfg).await?;
    let v = store.verify_audit().await?;
    emit(cfg, &v, |w, v| {
        outln!(w, "{}", v.one_line());
        match (&v.head, &v.first_break) {
            (Some(head), _) => outln!(w, "head hash {head} (keep a copy elsewhere to detect a rewritten tail)"),
            (None, Some(_)) => outln!(w, "{} of {} events verified before the break", v.verified, v.events),
            (None, None) => {}
        }
    })?;
    match &v.first_break {
        Some(b) => anyhow::bail!("the audit trail is broken at event #{} ({:?})", b.id, b.problem),
        None => Ok(()),
    }
}

/// `leader backup FILE [--force]`: verifies the audit chain, copies the store, and records
/// the copy (with the chain's head) in the audit log.
async fn backup(cfg: &Resolved, a: &BackupArgs) -> Result<()> {
    let store = open(cfg).await?;
    let audit = store.verify_audit().await?;
    let summary = store.backup(&a.file, a.force).await?;
    store
        .append_audit(
            &leader_service::models::actor(),
            "backup",
            &serde_json::json!({
                "bytes": summary.bytes,
                "audit_events": audit.events,
                "audit_head": audit.head,
                "audit_chain_ok": audit.ok,
            }),
        )
        .await?;
    #[derive(Serialize)]
    struct Out<'a> {
        file: &'a str,
        bytes: u64,
        audit: &'a leader_store::audit::AuditVerification,
    }
    emit(cfg, &Out { file: &summary.file, bytes: summary.bytes, audit: &audit }, |w, o| {
        outln!(w, "backup written to {} ({} bytes, owner read/write only)", o.file, o.bytes);
        outln!(w, "{}", o.audit.one_line());
        outln!(w, "restore: stop the app, then copy the file over the store (or open it with --db)");
    })
}

async fn atc_level(cfg: &Resolved, level: Option<u8>) -> Result<()> {
    let store = open(cfg).await?;
    if let Some(l) = level {
        store.set_medication_atc_level(l).await?;
    }
    let l = store.medication_atc_level().await?;
    emit(cfg, &serde_json::json!({ "medication_atc_level": l, "system": CodeSystem::Atc.as_str() }), |w, _| {
        outln!(w, "medication vocabulary: ATC level {l}")
    })
}

#[derive(Debug, Serialize)]
struct BenchFigure {
    name: String,
    rows: u64,
    runs: usize,
    median_s: f64,
    min_s: f64,
    max_s: f64,
    prescriptions_per_s: f64,
}

fn figure(name: &str, rows: u64, mut secs: Vec<f64>) -> BenchFigure {
    secs.sort_by(f64::total_cmp);
    let median = secs[secs.len() / 2];
    BenchFigure {
        name: name.into(),
        rows,
        runs: secs.len(),
        median_s: median,
        min_s: secs[0],
        max_s: secs[secs.len() - 1],
        prescriptions_per_s: rows as f64 / median,
    }
}

/// Imports into a fresh file store in a temporary folder, timing load-map + import.
async fn timed_import(dir: &Path, version: MimicVersion, map: Option<&Path>) -> Result<(f64, u64)> {
    let tmp = tempfile::tempdir()?;
    let store = Store::open(&tmp.path().join("bench.sqlite")).await?;
    let t = Instant::now();
    if let Some(m) = map {
        store.import_atc_map(m, &NoProgress).await?;
    }
    let s = store.import_mimic(dir, version, &NoProgress).await?;
    let secs = t.elapsed().as_secs_f64();
    store.close().await;
    Ok((secs, s.prescriptions))
}

async fn bench_import(
    cfg: &Resolved,
    mimic_iv: Option<&Path>,
    atc_map: Option<&Path>,
    prescriptions: u64,
    runs: usize,
) -> Result<()> {
    let runs = runs.max(1);
    let mut figures = Vec::new();
    if let Some(dir) = mimic_iv {
        let mut secs = Vec::new();
        let mut rows = 0;
        for _ in 0..runs {
            let (s, n) = timed_import(dir, MimicVersion::Iv, atc_map).await?;
            secs.push(s);
            rows = n;
        }
        figures.push(figure("import mimic-iv folder (with atc-map)", rows, secs));
    }
    if prescriptions > 0 {
        let gen_dir = tempfile::tempdir()?;
        let t = Instant::now();
        leader_store::synth::write_mimic_iv_cohort(gen_dir.path(), prescriptions, 42)?;
        let gen_s = t.elapsed().as_secs_f64();
        let map = gen_dir.path().join("atc_map.csv");
        let mut secs = Vec::new();
        for _ in 0..runs.min(3) {
            secs.push(timed_import(gen_dir.path(), MimicVersion::Iv, Some(&map)).await?.0);
        }
        let mut f =
            figure(&format!("import generated mimic-iv cohort (generation took {gen_s:.1} s)"), prescriptions, secs);
        f.name = f.name.replace("cohort", &format!("cohort of {prescriptions} prescriptions"));
        figures.push(f);
    }
    emit(cfg, &figures, |w, figures| {
        for f in figures {
            outln!(
                w,
                "{}: median {:.3} s over {} runs (min {:.3}, max {:.3}); {:.0} prescriptions/s",
                f.name,
                f.median_s,
                f.runs,
                f.min_s,
                f.max_s,
                f.prescriptions_per_s
            );
        }
    })
}
