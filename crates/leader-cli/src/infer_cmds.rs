//! Commands that use a model: recommend, evaluate, model install/rollback/list, bench infer,
//! and the interaction checks.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use leader_core::ddi::Role;
use leader_core::split::Split;
use leader_core::{Code, Sex};
use leader_infer::recommend::RecommendOptions;
use leader_infer::registry::ModelRegistry;
use leader_service::evaluate::EvalOptions;
use leader_service::recommend::Subject;
use leader_service::{Device, SessionOptions};
use leader_service::{Responder, models, samples};

use crate::args::{
    DdiCmd, EvaluateArgs, ExportArgs, ModelArgs, ModelCmd, RecommendArgs, RefineArgs, RefineEnvCmd, Resolved,
};
use crate::output::{emit, excluded_line, print_answer, print_finding, throughput_lines};

fn codes(list: &[String]) -> Result<Vec<Code>> {
    list.iter().map(|s| s.parse::<Code>().map_err(anyhow::Error::from)).collect()
}

pub fn session_options(device: &str, threads: usize) -> Result<SessionOptions> {
    let device: Device = device.parse().map_err(anyhow::Error::msg)?;
    Ok(SessionOptions { device, threads: threads.max(1) })
}

fn registry(cfg: &Resolved) -> Result<ModelRegistry> {
    Ok(models::registry_for(&cfg.db)?)
}

pub async fn recommend(cfg: &Resolved, a: &RecommendArgs) -> Result<()> {
    let ctx = cfg.context(session_options(&a.model.device, a.model.threads)?).await?;
    let subject = match &a.patient {
        Some(p) => Subject::Patient {
            patient_id: p.clone(),
            admission_id: a.visit.clone(),
            extra_current: codes(&a.current_meds)?,
        },
        None => {
            if a.dx.is_empty() {
                bail!("give --patient ID, or an ad-hoc visit with --dx CODE[,CODE...]");
            }
            let sex = match a.sex.as_deref() {
                None => Sex::Unknown,
                Some(s) if s.eq_ignore_ascii_case("f") => Sex::Female,
                Some(s) if s.eq_ignore_ascii_case("m") => Sex::Male,
                Some(_) => bail!("--sex is F or M"),
            };
            Subject::AdHoc {
                diagnoses: codes(&a.dx)?,
                procedures: codes(&a.px)?,
                current: codes(&a.current_meds)?,
                age: a.age,
                sex,
            }
        }
    };
    let opts = RecommendOptions {
        top_k_below: a.top_k,
        evidence: !a.no_evidence,
        safe_mode: a.safe_mode,
        ..RecommendOptions::default()
    };
    let teacher_dir = match (a.teacher, &a.teacher_dir) {
        (false, _) => None,
        (true, Some(d)) => Some(d.clone()),
        (true, None) => Some(
            ctx.registry
                .teacher()
                .context("no teacher bundle is installed (`leader refine` installs one); or pass --teacher-dir")?,
        ),
    };
    let by = match &teacher_dir {
        Some(dir) => Responder::Teacher { dir },
        None => Responder::Student { model: a.model.model.as_deref() },
    };
    let answer = ctx.recommend(&subject, opts, by).await?;
    emit(cfg, &answer, print_answer)
}

pub async fn ddi(cfg: &Resolved, cmd: &DdiCmd) -> Result<()> {
    let store = cfg.open().await?;
    match cmd {
        DdiCmd::Check { codes: list } => {
            let drugs: Vec<(Code, Role)> = codes(list)?.into_iter().map(|c| (c, Role::Checked)).collect();
            let kb = store.knowledge_base(None).await?;
            let findings = kb.screen(&drugs);
            let names = store.medication_names(3).await?;
            emit(cfg, &findings, |w, findings| {
                if findings.is_empty() {
                    outln!(
                        w,
                        "no interaction known among these {} drugs ({} rules in the knowledge base)",
                        drugs.len(),
                        kb.len()
                    );
                }
                for f in findings {
                    print_finding(w, f, |c| names.get(&c.to_string()).cloned().unwrap_or_default());
                }
            })
        }
        DdiCmd::Sources => {
            let s = store.ddi_sources().await?;
            emit(cfg, &s, |w, s| {
                for x in s {
                    outln!(
                        w,
                        "{:<16} {:>5} pairs  {}  ({}; loaded {})",
                        x.name,
                        x.pairs,
                        x.description,
                        x.licence,
                        x.loaded_at
                    );
                }
            })
        }
    }
}

pub async fn evaluate(cfg: &Resolved, a: &EvaluateArgs) -> Result<()> {
    let ctx = cfg.context(session_options(&a.model.device, a.model.threads)?).await?;
    let split = match a.split.as_str() {
        "all" => None,
        s => Some(Split::parse(s).with_context(|| format!("--split is test, val, train or all, not `{s}`"))?),
    };
    let engine = ctx.engine(a.model.model.as_deref()).await?;
    let opts = EvalOptions {
        split,
        seed: a.seed,
        adjacency_source: a.adjacency_source.clone(),
        safe_mode: true,
        baselines: a.baselines,
    };
    let evaluation = leader_service::evaluate::evaluate(&ctx.store, &engine, &opts).await?;
    let alerts = if a.alerts {
        let level = engine.manifest().await?.input.medication_atc_level;
        let lookups = leader_service::recommend::Lookups::load(&ctx.store, level).await?;
        Some(leader_service::quality::alert_burden(&ctx.store, &engine, &lookups).await?)
    } else {
        None
    };
    let evidence = if a.evidence_faithfulness {
        Some(leader_service::quality::evidence_faithfulness(&ctx.store, &engine, split, a.seed, a.draws).await?)
    } else {
        None
    };
    #[derive(serde::Serialize)]
    struct Out {
        #[serde(flatten)]
        evaluation: leader_service::evaluate::Evaluation,
        #[serde(skip_serializing_if = "Option::is_none")]
        alerts: Option<leader_service::quality::AlertBurden>,
        #[serde(skip_serializing_if = "Option::is_none")]
        evidence_faithfulness: Option<leader_service::quality::EvidenceFaithfulness>,
    }
    let out = Out { evaluation, alerts, evidence_faithfulness: evidence };
    emit(cfg, &out, |w, o| {
        let e = &o.evaluation;
        let split = e.split.map_or("all".to_owned(), |s| format!("{s:?}").to_lowercase());
        outln!(
            w,
            "model {}; split {split} (seed {}); {} visits; threshold {}",
            e.report.model,
            e.seed,
            e.samples,
            match e.report.thresholds {
                Some(t) => format!("{:.2} (first visits) / {:.2} (with history)", t.first_visit, t.with_history),
                None => format!("{:.2}", e.report.threshold),
            }
        );
        if e.excluded_synthetic_patients > 0 {
            outln!(w, "{}", excluded_line(e.excluded_synthetic_patients));
        }
        outln!(
            w,
            "{:<16} {:>6} {:>8} {:>7} {:>7} {:>8} {:>9}",
            "group",
            "visits",
            "Jaccard",
            "PRAUC",
            "F1",
            "#drugs",
            "DDI rate"
        );
        let row = |w: &mut String, name: &str, s: &leader_core::metrics::Scores| {
            outln!(
                w,
                "{name:<16} {:>6} {:>8.4} {:>7.4} {:>7.4} {:>8.2} {:>9.4}",
                s.visits,
                s.jaccard,
                s.prauc,
                s.f1,
                s.avg_drugs,
                s.ddi_rate
            );
        };
        row(w, "all", &e.report.overall);
        row(w, "first visit", &e.report.first_visit);
        row(w, "with history", &e.report.with_history);
        if let Some(s) = &e.report.safe_mode {
            row(w, "all, safe mode", s);
        }
        for b in &e.report.baselines {
            outln!(w, "baseline {}: {} (same visits)", b.name, b.description);
            row(w, "  all", &b.overall);
            row(w, "  first visit", &b.first_visit);
            row(w, "  with history", &b.with_history);
            outln!(
                w,
                "  model − baseline: PRAUC {:+.4}, Jaccard {:+.4}, F1 {:+.4}",
                e.report.overall.prauc - b.overall.prauc,
                e.report.overall.jaccard - b.overall.jaccard,
                e.report.overall.f1 - b.overall.f1
            );
        }
        outln!(
            w,
            "unknown to the model: {:.1}% of these visits' diagnosis and procedure codes; {} visit(s) would get no suggestions (coverage gate)",
            100.0 * e.report.unknown_code_share,
            e.report.visits_withheld_for_coverage
        );
        outln!(
            w,
            "ground truth DDI rate {:.4} (adjacency `{}`: {} pairs)",
            e.report.ground_truth_ddi_rate,
            e.adjacency_source,
            e.adjacency_pairs
        );
        if e.adjacency_pairs == 0 {
            outln!(
                w,
                "note: no `{}` pairs in this store, so DDI rates are 0; load them with `leader import ddi FILE --source {}`",
                e.adjacency_source,
                e.adjacency_source
            );
        }
        if let Some(b) = &o.alerts {
            print_alert_burden(w, b);
        }
        if let Some(f) = &o.evidence_faithfulness {
            outln!(w);
            outln!(
                w,
                "evidence deletion test: {} suggestions on {} visits; removing the top evidence codes lowers p by \
                 {:.4} on average, removing 3 random input codes by {:.4} ({} draws): ratio {:.2} (goal >= 3); \
                 {:.1}% of suggestions marked \"evidence weak\"",
                f.suggestions,
                f.visits,
                f.mean_drop_top,
                f.mean_drop_random,
                f.draws,
                f.ratio,
                100.0 * f.weak_share
            );
        }
    })
}

fn print_alert_burden(w: &mut String, b: &leader_service::quality::AlertBurden) {
    outln!(w);
    outln!(
        w,
        "interaction alerts on {} visits with a previous visit ({} suggested classes, {} with a concrete candidate)",
        b.visits,
        b.suggestions,
        b.suggestions_with_candidates
    );
    outln!(
        w,
        "{:<28} {:>9} {:>11} {:>8} {:>8} {:>8} {:>8}",
        "",
        "per visit",
        "class-level",
        "contra",
        "major",
        "moderate",
        "unknown"
    );
    for (name, c) in [
        ("screened as classes (before)", &b.before),
        ("screened as candidates (now)", &b.after),
        ("visits' own orders", &b.orders),
        ("  without duplicate therapy", &b.orders_without_duplicate_therapy),
    ] {
        let sev = |k: &str| c.per_visit_by_severity.get(k).copied().unwrap_or(0.0);
        outln!(
            w,
            "{name:<28} {:>9.2} {:>10.1}% {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            c.per_visit,
            100.0 * c.class_level_share,
            sev("contraindicated"),
            sev("major"),
            sev("moderate"),
            sev("unknown")
        );
    }
    outln!(
        w,
        "duplicate therapy among the visits' own orders: {} findings ({:.2} per visit)",
        b.orders.duplicate_therapy,
        b.orders.duplicate_therapy as f64 / b.visits.max(1) as f64
    );
    outln!(
        w,
        "curated contraindicated/major pairs formed by the concrete drugs: {}, shown: {} ({:.1}%)",
        b.curated_high_pairs,
        b.curated_high_caught,
        if b.curated_high_pairs == 0 {
            100.0
        } else {
            100.0 * b.curated_high_caught as f64 / b.curated_high_pairs as f64
        }
    );
}

pub async fn model(cfg: &Resolved, cmd: &ModelCmd) -> Result<()> {
    let reg = registry(cfg)?;
    match cmd {
        ModelCmd::List => {
            let list = models::list(&reg)?;
            emit(cfg, &list, |w, list| {
                for m in list {
                    let mark = if m.active {
                        "*"
                    } else if m.previous {
                        "p"
                    } else {
                        " "
                    };
                    outln!(
                        w,
                        "{mark} {:<48} {:<9} {}{}",
                        m.name,
                        m.kind,
                        m.path,
                        if m.bundled { "  (bundled)" } else { "" }
                    );
                }
                outln!(w, "(* active, p previous: `leader model rollback` switches back)");
            })
        }
        ModelCmd::Install { dir, force, allow_unsigned, device } => {
            let store = cfg.open().await?;
            let options = session_options(device, 1)?;
            let report = models::install(&store, &reg, dir, *force, *allow_unsigned, options).await?;
            let installed = report.installed;
            emit(cfg, &report, |w, r| outln!(w, "{}", r.reason))?;
            if !installed {
                bail!("not installed: {}", report.reason);
            }
            Ok(())
        }
        ModelCmd::Trust { key } => {
            let store = cfg.open().await?;
            let k = leader_service::keys::trust(&store, &reg, key).await?;
            emit(cfg, &k, |w, k| outln!(w, "trusted key {} {}", k.id, k.label))
        }
        ModelCmd::Keys => {
            let keys = leader_service::keys::list(&reg)?;
            emit(cfg, &keys, |w, keys| {
                for k in keys {
                    outln!(w, "{:<8} {} {}", k.source, k.id, k.label);
                }
            })
        }
        ModelCmd::Sign { dir, key } => {
            let (sig, k) = leader_service::keys::sign(&reg, dir, key.as_deref())?;
            emit(cfg, &sig, |w, s| outln!(w, "signed bundle {} with key {} {}", s.digest, k.id, k.label))
        }
        ModelCmd::Rollback => {
            let store = cfg.open().await?;
            let p = models::rollback(&store, &reg).await?;
            emit(cfg, &p, |w, p| {
                outln!(
                    w,
                    "active: {}; previous: {}",
                    p.active.as_deref().unwrap_or("-"),
                    p.previous.as_deref().unwrap_or("-")
                )
            })
        }
    }
}

/// The student's benchmark and, when asked, the teacher's on the same visits.
#[derive(serde::Serialize)]
struct BenchOutput {
    #[serde(flatten)]
    student: leader_infer::bench::BenchReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    teacher: Option<leader_infer::bench::TeacherBenchReport>,
}

pub async fn bench_infer(
    cfg: &Resolved,
    m: &ModelArgs,
    iterations: usize,
    teacher: Option<(Option<PathBuf>, usize)>,
) -> Result<()> {
    let ctx = cfg.context(session_options(&m.device, 1)?).await?;
    let dir = models::resolve(&ctx.registry, m.model.as_deref())?;
    let bundle = leader_infer::Bundle::open(&dir)?;
    let records = ctx.store.all_patients().await?;
    let inputs: Vec<_> = samples::samples(&records, bundle.manifest.input.medication_atc_level, 42, None)
        .into_iter()
        .map(|s| s.input)
        .collect();
    if inputs.is_empty() {
        bail!("the store has no visits to benchmark with: run `leader demo` or import a cohort");
    }
    let device = ctx.session.device;
    // The teacher's prompts for the same visits (its own medication level), rendered as in
    // teacher mode.
    let teacher = match teacher {
        None => None,
        Some((dir, n)) => {
            let dir = match dir {
                Some(d) => d,
                None => ctx
                    .registry
                    .teacher()
                    .context("no teacher bundle is installed (`leader refine` installs one); or pass --teacher-dir")?,
            };
            let text = std::fs::read_to_string(dir.join("manifest.json")).context("the teacher's manifest")?;
            let tm: leader_infer::teacher::TeacherManifest =
                serde_json::from_str(&text).context("the teacher's manifest")?;
            let level = tm.prompt.medication_atc_level;
            let names = ctx.store.medication_names(level).await?;
            let visits: Vec<_> = samples::samples(&records, level, 42, None).into_iter().map(|s| s.input).collect();
            let codes: Vec<Code> = visits.iter().flat_map(|v| v.input_codes()).collect();
            let titles = leader_service::recommend::prompt_titles(&ctx.store, &names, &codes).await?;
            let prompts: Vec<String> =
                visits.iter().map(|v| leader_core::prompt::render(v, &titles, &tm.prompt.options)).collect();
            Some((dir, prompts, n))
        }
    };
    let report = tokio::task::spawn_blocking(move || -> leader_infer::Result<BenchOutput> {
        let student = leader_infer::bench::run(&dir, &inputs, iterations, device)?;
        let teacher = match teacher {
            Some((d, prompts, n)) => Some(leader_infer::bench::run_teacher(&d, &prompts, n, device)?),
            None => None,
        };
        Ok(BenchOutput { student, teacher })
    })
    .await??;
    emit(cfg, &report, |w, o| {
        let r = &o.student;
        outln!(w, "model {} on {} visits ({:?})", r.model, r.samples, r.device);
        outln!(w, "session load            median {:.1} ms", r.session_load_ms_median);
        outln!(w, "encoding                median {:.1} us/visit", r.encode_us_median);
        outln!(
            w,
            "batch 1, 1 thread       p50 {:.1} us, p99 {:.1} us (encode + run)",
            r.batch1_us_p50,
            r.batch1_us_p99
        );
        throughput_lines(w, &r.throughput, "lanes  ");
        outln!(
            w,
            "recommend + evidence    median {:.2} ms (without evidence {:.2} ms)",
            r.recommend_with_evidence_ms,
            r.recommend_without_evidence_ms
        );
        if let Some(mb) = r.load_rss_mb {
            outln!(w, "memory of a loaded model  {mb:.1} MB");
        }
        if let (Some(f), Some(ratio)) = (r.flops_per_visit, r.ratio_to_flop_limit) {
            outln!(
                w,
                "FLOPs per visit         {f:.0}; machine fp32 peak ~{:.0} GFLOP/s; measured time is {ratio:.0}x the FLOP limit",
                r.machine_peak_gflops
            );
        }
        if let Some(t) = &o.teacher {
            outln!(w);
            outln!(w, "teacher {} on the same {} visits", t.model, t.samples);
            outln!(w, "session load            median {:.1} ms", t.session_load_ms_median);
            outln!(
                w,
                "batch 1, 1 thread       p50 {:.1} ms, p99 {:.1} ms (tokenize + run)",
                t.batch1_ms_p50,
                t.batch1_ms_p99
            );
            throughput_lines(w, &t.throughput, "threads");
            if let Some(mb) = t.load_rss_mb {
                outln!(w, "memory of a loaded model  {mb:.1} MB");
            }
            outln!(w);
            outln!(w, "teacher / student (same run, medians)");
            outln!(w, "batch-1 latency p50     {:.0}x", t.batch1_ms_p50 * 1e3 / r.batch1_us_p50);
            outln!(w, "session load            {:.1}x", t.session_load_ms_median / r.session_load_ms_median);
            let s64 = r.throughput.iter().find(|x| x.batch == 64);
            let t64 = t.throughput.iter().find(|x| x.batch == 64);
            if let (Some(s), Some(tt)) = (s64, t64) {
                outln!(
                    w,
                    "throughput at batch 64  student {:.0}x the teacher's visits/s",
                    s.visits_per_s / tt.visits_per_s
                );
            }
            if let (Some(a), Some(b)) = (t.load_rss_mb, r.load_rss_mb.filter(|b| *b > 0.0)) {
                outln!(w, "memory                  {:.1}x", a / b);
            }
        }
    })
}

pub async fn export_dataset(cfg: &Resolved, a: &ExportArgs) -> Result<()> {
    let store = cfg.open().await?;
    let mut opts = leader_service::export::ExportOptions { seed: a.seed, folds: a.folds, ..Default::default() };
    if a.max_visits == 0 {
        bail!("--max-visits must be at least 1");
    }
    opts.limits.max_visits = a.max_visits;
    opts.prompt.max_codes = a.prompt_codes.max(1);
    opts.prompt.max_previous = a.max_visits - 1;
    let m = leader_service::export::export_dataset(&store, &a.out, &opts).await?;
    emit(cfg, &m, |w, m| {
        let c = &m.counts;
        outln!(
            w,
            "wrote {}: {} samples of {} patients (train {}, val {}, test {}; {} first visits, {} with history); {} medications at ATC level {}",
            a.out.display(),
            c.samples,
            c.patients,
            c.train,
            c.val,
            c.test,
            c.first_visit,
            c.with_history,
            m.medications.len(),
            m.medication_atc_level
        );
        if m.excluded_synthetic_patients > 0 {
            outln!(w, "{}", excluded_line(m.excluded_synthetic_patients));
        }
    })
}

/// Stage-by-stage progress for `leader refine`: a line per stage, a bar while it runs.
struct RefineBars {
    json: bool,
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
    started: std::sync::Mutex<std::time::Instant>,
}

impl RefineBars {
    fn end(&self) {
        if let Ok(mut b) = self.bar.lock()
            && let Some(bar) = b.take()
        {
            let secs = self.started.lock().map(|t| t.elapsed().as_secs_f64()).unwrap_or(0.0);
            bar.finish_and_clear();
            if !self.json {
                eprintln!("  done in {secs:.1} s");
            }
        }
    }
}

impl leader_service::refine::RefineProgress for RefineBars {
    fn stage(&self, name: &str, total: Option<u64>) {
        self.end();
        if !self.json {
            eprintln!("== {name}");
        }
        let bar =
            if self.json { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(total.unwrap_or(0)) };
        if let Ok(s) = indicatif::ProgressStyle::with_template("  [{bar:40}] {pos}/{len} {msg}") {
            bar.set_style(s.progress_chars("=> "));
        }
        if let Ok(mut t) = self.started.lock() {
            *t = std::time::Instant::now();
        }
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

    fn update(&self, done: u64, total: u64, note: &str) {
        if let Ok(b) = self.bar.lock()
            && let Some(bar) = b.as_ref()
        {
            bar.set_length(total);
            bar.set_position(done);
            bar.set_message(note.to_owned());
        }
    }

    fn skipped(&self, name: &str) {
        self.end();
        if !self.json {
            eprintln!("== {name}: inputs unchanged, skipped");
        }
    }
}

pub async fn refine(cfg: &Resolved, a: &RefineArgs) -> Result<()> {
    if let Some(cmd) = &a.env {
        return refine_env(cfg, cmd).await;
    }
    let ctx = cfg.context(SessionOptions::default()).await?;
    let work = a.out.clone().unwrap_or_else(|| models::beside_store(&cfg.db, "refine"));
    let opts = leader_service::refine::RefineOptions {
        work,
        teacher: a.teacher.clone(),
        device: a.device.parse().map_err(anyhow::Error::msg)?,
        tiny: a.tiny,
        seed: a.seed,
        alpha: a.alpha,
        force: a.force,
        install: !a.no_install,
        keep_work: a.keep_work,
    };
    let bars = RefineBars {
        json: cfg.json,
        bar: std::sync::Mutex::new(None),
        started: std::sync::Mutex::new(std::time::Instant::now()),
    };
    let started = std::time::Instant::now();
    let report = leader_service::refine::refine(&ctx.store, &ctx.registry, &opts, &bars).await?;
    bars.end();
    let total = started.elapsed().as_secs_f64();
    emit(cfg, &report, |w, r| {
        outln!(
            w,
            "candidate bundle: {} ({:.0} s{})",
            r.candidate.display(),
            total,
            if r.skipped_stages.is_empty() {
                String::new()
            } else {
                format!("; skipped: {}", r.skipped_stages.join(", "))
            }
        );
        outln!(
            w,
            "{:<28} {:>8} {:>8} {:>8} {:>8} {:>9}",
            "held-out test split",
            "Jaccard",
            "PRAUC",
            "F1",
            "#drugs",
            "DDI rate"
        );
        for (name, e) in [("active model", &r.active_eval), ("candidate", &r.candidate_eval)] {
            match e {
                Some(e) => {
                    let s = &e.report.overall;
                    outln!(
                        w,
                        "{:<28} {:>8.4} {:>8.4} {:>8.4} {:>8.2} {:>9.4}",
                        format!("{name} ({} visits)", s.visits),
                        s.jaccard,
                        s.prauc,
                        s.f1,
                        s.avg_drugs,
                        s.ddi_rate
                    );
                }
                None => outln!(w, "{name:<28} (not available)"),
            }
        }
        for b in r.candidate_eval.iter().flat_map(|e| &e.report.baselines) {
            let s = &b.overall;
            outln!(
                w,
                "{:<28} {:>8.4} {:>8.4} {:>8.4} {:>8.2} {:>9.4}",
                format!("baseline: {}", b.name.replace('_', " ")),
                s.jaccard,
                s.prauc,
                s.f1,
                s.avg_drugs,
                s.ddi_rate
            );
        }
        if let Some(n) = r.candidate_eval.as_ref().map(|e| e.excluded_synthetic_patients).filter(|n| *n > 0) {
            outln!(w, "{}", excluded_line(n));
        }
        if let Some(g) = &r.gate {
            outln!(w, "install gate: {}", g.reason);
        }
    })?;
    if let Some(g) = &report.gate
        && !g.installed
    {
        bail!("the candidate was not installed: {}", g.reason);
    }
    Ok(())
}

/// `leader export fhir`: the visit's latest decision as a FHIR R4 Bundle.
pub async fn export_fhir(cfg: &Resolved, patient: &str, visit: Option<&str>, out: Option<&Path>) -> Result<()> {
    let ctx = cfg.context(session_options("cpu", 1)?).await?;
    let built =
        leader_service::fhir_export::decision_bundle(&ctx.store, &ctx.registry, ctx.session, patient, visit).await?;
    match out {
        None => emit(cfg, &built.bundle, |w, b| outln!(w, "{}", serde_json::to_string_pretty(b).unwrap_or_default())),
        Some(path) => {
            leader_service::fhir_export::write_bundle(path, &built.bundle)?;
            let summary = leader_service::fhir_export::FhirExport { file: path.display().to_string(), ..built.summary };
            emit(cfg, &summary, |w, s| {
                outln!(
                    w,
                    "wrote {}: FHIR R4 Bundle of decision {}: {} medication requests, {} interaction alerts, {} conditions",
                    s.file,
                    s.decision_id,
                    s.medication_requests,
                    s.detected_issues,
                    s.conditions
                )
            })
        }
    }
}

/// `leader serve`: the CDS Hooks service on the store and the active model.
pub async fn serve(cfg: &Resolved, a: crate::args::ServeArgs) -> Result<()> {
    if !a.listen.ip().is_loopback() {
        if !a.allow_remote {
            bail!(
                "{} is not a loopback address; listening on the network needs --allow-remote (and a firewall, TLS in front, and the EHR's keys)",
                a.listen
            );
        }
        eprintln!(
            "warning: listening on {} (not loopback): any host that can reach it may call the service; requests still need a JWT signed by a configured EHR key",
            a.listen
        );
    }
    let jwks =
        std::fs::read_to_string(&a.jwks).with_context(|| format!("cannot read the JWKS file {}", a.jwks.display()))?;
    let systems = leader_store::import::fhir::systems_from(a.systems.as_deref())?;
    let base_url = a.base_url.clone().unwrap_or_else(|| format!("http://{}/cds-services", a.listen));
    let app = leader_service::app::App::open_store(&cfg.db, session_options(&a.model.device, a.model.threads)?)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let config = leader_cds::Config {
        listen: a.listen,
        base_url: base_url.clone(),
        jwks,
        issuers: a.issuers.clone(),
        cors_origins: a.cors_origins.clone(),
        max_body_bytes: a.max_body,
        timeout: std::time::Duration::from_millis(a.timeout_ms),
        rate_per_second: a.rate_limit,
        systems,
    };
    let state = leader_cds::State::new(app, config).await?;
    // One line per request on stderr (the logging set up in main): service, status,
    // latency; never patient data.
    eprintln!("LEADER Rx CDS Hooks service at {base_url} (discovery: GET {base_url}); stop with Ctrl-C");
    leader_cds::serve(state).await?;
    Ok(())
}

/// Prints the steps of a kit install on stderr (stdout keeps the result, JSON or table).
struct SetupLines;

impl leader_service::refine_env::SetupProgress for SetupLines {
    fn step(&self, what: &str) {
        eprintln!("refine setup: {what}");
    }
    fn file_checked(&self, done: usize, total: usize) {
        if done == total {
            eprintln!("refine setup: {total} files match kit.json");
        }
    }
}

/// `leader refine setup --from KIT` and `leader refine status`.
async fn refine_env(cfg: &Resolved, cmd: &RefineEnvCmd) -> Result<()> {
    use leader_service::refine_env::{self as env, EnvSource};
    match cmd {
        RefineEnvCmd::Setup { from } => {
            let store = cfg.open().await?;
            let started = std::time::Instant::now();
            let kit = env::install(&store, from, &env::folder(), Box::new(SetupLines)).await?;
            let secs = started.elapsed().as_secs_f64();
            emit(cfg, &kit, |w, k| {
                outln!(
                    w,
                    "installed the refinement environment in {} ({:.0} s): kit built {}, {} files, lock {}",
                    env::folder().display(),
                    secs,
                    k.created,
                    k.files,
                    &k.lock_sha256[..12.min(k.lock_sha256.len())]
                );
            })
        }
        RefineEnvCmd::Status => {
            let st = env::status();
            emit(cfg, &st, |w, st| {
                let source = match st.source {
                    Some(EnvSource::Checkout) => "a source checkout (LEADER_PYTHON)",
                    Some(EnvSource::Kit) => "the refine kit installed in the data folder",
                    Some(EnvSource::BesideApp) => "pipeline/.venv beside the executable",
                    None => "not installed",
                };
                outln!(w, "refinement environment: {source}");
                outln!(w, "data folder's environment: {}", st.folder);
                if let Some(k) = &st.kit {
                    outln!(
                        w,
                        "kit: built {}, installed {}, {} files, lock {}",
                        k.created,
                        k.installed,
                        k.files,
                        k.lock_sha256
                    );
                }
                outln!(w, "this version's lock: {}", env::lock_sha256());
                if !st.pipeline_found {
                    outln!(w, "the pipeline's source was not found beside the executable");
                }
                if st.source.is_none() {
                    outln!(w, "{}", leader_service::ServiceError::PythonMissing);
                }
            })
        }
    }
}
