//! One function per command; each opens the store, calls the crates and prints.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use leader_core::CodeSystem;
use leader_store::{MimicVersion, NoProgress, Stats, Store};
use serde::Serialize;

use crate::args::{
    AuditArgs, AuditCmd, BackupArgs, BenchCmd, Cli, Command, ExportCmd, Import, PatientCmd, Resolved, SettingsCmd,
};
use crate::output::{emit, print_stats, print_timeline};
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

async fn import(cfg: &Resolved, what: Import) -> Result<()> {
    let store = cfg.open().await?;
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
    let store = cfg.open().await?;
    let s = store.stats().await?;
    emit(cfg, &s, print_stats)
}

async fn patient_list(cfg: &Resolved, search: Option<&str>) -> Result<()> {
    let store = cfg.open().await?;
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
    let store = cfg.open().await?;
    let level = store.medication_atc_level().await?;
    let record = store.patient(id).await?;
    emit(cfg, &record, |w, r| print_timeline(w, r, level))
}

async fn demo(cfg: &Resolved) -> Result<()> {
    let store = cfg.open().await?;
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
    let store = cfg.open().await?;
    let events = store.audit_events(a.kind.as_deref(), a.limit).await?;
    emit(cfg, &events, |w, events| {
        for e in events {
            outln!(w, "#{:<6} {}  {:<16} {:<10} {}", e.id, e.at, e.kind, e.actor, e.payload);
        }
    })
}

/// `leader audit verify`: prints the result, then fails (exit code 1) when the chain is broken.
async fn audit_verify(cfg: &Resolved) -> Result<()> {
    let store = cfg.open().await?;
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
    let store = cfg.open().await?;
    let audit = store.verify_audit().await?;
    let summary = store.backup(&a.file, a.force).await?;
    store
        .append_audit(
            &leader_store::actor::current_actor(),
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
    let store = cfg.open().await?;
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
