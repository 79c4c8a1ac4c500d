//! The terminal output shared by every command: JSON or text, one piece per command, and
//! the text forms of the service's answers (a recommendation, an interaction finding, a
//! patient's timeline). Commands call the service and hand its values to these.

use anyhow::Result;
use leader_core::Code;
use leader_core::ddi::{Finding, Role};
use leader_infer::recommend::Status;
use leader_service::recommend::Answer;
use leader_store::{PatientRecord, Stats};
use serde::Serialize;

use crate::args::Resolved;

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

pub fn print_stats(w: &mut String, s: &Stats) {
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

pub fn print_timeline(w: &mut String, r: &PatientRecord, level: u8) {
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

fn title<'a>(a: &'a Answer, c: &Code) -> &'a str {
    a.titles.get(&c.to_string()).map_or("", String::as_str)
}

pub fn print_answer(w: &mut String, a: &Answer) {
    let r = &a.recommendation;
    outln!(
        w,
        "model {} {} ({:?}); threshold {:.2}; {:.1} ms",
        r.model.id,
        r.model.version,
        r.model.kind,
        r.threshold,
        r.latency_ms
    );
    if r.model.kind == leader_infer::bundle::ModelKind::Fixture {
        outln!(w, "WARNING: this is a test fixture with random weights, not a clinical model");
    }
    if let (Some(p), Some(v)) = (&a.patient_id, &a.admission_id) {
        outln!(w, "patient {p}, admission {v}");
    }
    if !r.current_medications.is_empty() {
        let cur: Vec<String> =
            r.current_medications.iter().map(|c| format!("{c} {}", title(a, c)).trim().to_owned()).collect();
        outln!(w, "current medications: {}", cur.join("; "));
    }
    let cov = &r.coverage;
    let named = |codes: &[Code]| -> String {
        codes.iter().map(|c| format!("{c} {}", title(a, c)).trim().to_owned()).collect::<Vec<_>>().join("; ")
    };
    if cov.insufficient {
        outln!(w);
        outln!(
            w,
            "NO SUGGESTIONS: this model does not know this visit's diagnoses and procedures \
             ({} of {} diagnoses, {} of {} procedures known): {}",
            cov.known_diagnoses,
            cov.diagnoses,
            cov.known_procedures,
            cov.procedures,
            named(&cov.unknown)
        );
        outln!(
            w,
            "Its suggestions would rest on the patient's profile and history alone; use a model trained on these codes."
        );
    } else if !cov.unknown.is_empty() {
        outln!(w);
        outln!(
            w,
            "partly known visit: {} of {} diagnosis/procedure codes known; not known to the model (ignored): {}",
            cov.known_diagnoses + cov.known_procedures,
            cov.diagnoses + cov.procedures,
            named(&cov.unknown)
        );
    }
    outln!(w);
    outln!(
        w,
        " #  {:<10} {:>5}  {:<20}  {}",
        "medication",
        "p",
        "",
        "name; candidates; evidence by kind (drop in p when removed)"
    );
    let mut below_shown = false;
    for (i, s) in r.suggestions.iter().enumerate() {
        if s.status == Status::BelowThreshold && !below_shown {
            outln!(w, "    -- below the threshold --");
            below_shown = true;
        }
        let bar = "#".repeat((s.probability * 20.0).round() as usize);
        let flag = match s.status {
            Status::WithheldInteraction => "  [WITHHELD: interaction]",
            _ => "",
        };
        outln!(
            w,
            "{:>2}  {:<10} {:>5.2}  {:<20}  {}{flag}",
            i + 1,
            s.medication.to_string(),
            s.probability,
            bar,
            s.name.as_deref().unwrap_or("")
        );
        for (i, c) in s.candidates.iter().enumerate() {
            let pick = if i == 0 { "*" } else { " " };
            let name = c.name.as_deref().unwrap_or("");
            let route = c.route.as_deref().unwrap_or("");
            outln!(w, "{:>8}{pick} {:<9} {name} {route}: {}", "", c.drug.value(), candidate_basis(a, c));
        }
        if s.candidates.is_empty() && s.status != Status::BelowThreshold {
            outln!(w, "{:>10}no ingredient of this class ordered in this store: class only", "");
        }
        if s.evidence_weak && !s.evidence.is_empty() {
            outln!(w, "{:>10}evidence weak for this suggestion: removing its top codes hardly changes p", "");
        }
        for g in s.evidence_groups.iter().filter(|g| g.delta > 1e-3) {
            let mut codes: Vec<String> =
                g.top.iter().map(|e| format!("{} {}", e.code, title(a, &e.code)).trim_end().to_owned()).collect();
            if g.kind == leader_infer::recommend::EvidenceKind::Profile {
                codes.push("age band, sex, admission type and the other profile fields".to_owned());
            }
            outln!(w, "{:>10}{:<33} -{:.3}  {}", "", evidence_kind(g.kind), g.delta, codes.join("; "));
        }
    }
    let has_candidates = r.suggestions.iter().any(|s| !s.candidates.is_empty());
    if has_candidates {
        outln!(w);
        outln!(
            w,
            "* = screened for interactions. Candidates: the patient's own drugs, then what this store's visits \
             ordered in the class (past practice, not a dosing recommendation)."
        );
    }
    let (graded, ungraded): (Vec<&Finding>, Vec<&Finding>) =
        r.interactions.iter().partition(|f| f.severity != leader_core::ddi::Severity::Unknown);
    let (drug_level, possible): (Vec<&Finding>, Vec<&Finding>) =
        graded.into_iter().partition(|f| f.certainty == leader_core::ddi::Certainty::Drug);
    if !drug_level.is_empty() {
        outln!(w);
        outln!(w, "interactions");
        for f in drug_level {
            print_finding(w, f, |c| title(a, c).to_owned());
        }
    }
    if !possible.is_empty() {
        outln!(w);
        outln!(
            w,
            "possible interactions (a suggested class without a concrete drug; some drugs of the class interact)"
        );
        for f in possible {
            let (class, other) = if f.a_role == Role::Suggested { (&f.a, &f.b) } else { (&f.b, &f.a) };
            let example = f
                .rules
                .iter()
                .flat_map(|r| [&r.a, &r.b])
                .find(|c| c.is_within(class) && *c != class)
                .map(|c| format!(" (e.g. {} {})", c, title(a, c)).replace(" )", ")"))
                .unwrap_or_default();
            outln!(
                w,
                "  possible: some drugs of {} {} interact with {} {}{example}",
                class,
                title(a, class),
                other,
                title(a, other)
            );
        }
    }
    if !ungraded.is_empty() {
        outln!(w);
        outln!(
            w,
            "{} more pair(s) appear only in adjacency tables without a severity (e.g. TWOSIDES); --json lists them",
            ungraded.len()
        );
    }
    if let Some(review) = &a.review {
        print_review(w, a, review);
    }
    let earlier: Vec<Code> = r.unknown_codes.iter().filter(|c| !cov.unknown.contains(c)).cloned().collect();
    if !earlier.is_empty() {
        outln!(w);
        outln!(w, "earlier visits' codes not known to the model (ignored): {}", named(&earlier));
    }
    outln!(w);
    outln!(w, "These are suggestions with their evidence; the prescriber decides.");
}

/// Review mode: the stored visit's own orders beside the suggestions, screened.
fn print_review(w: &mut String, a: &Answer, review: &leader_service::recommend::VisitReview) {
    outln!(w);
    outln!(
        w,
        "review of this visit's orders: {} drug(s){}",
        review.orders.len(),
        if review.unmapped_orders > 0 {
            format!("; {} prescription(s) not mapped to a code, not screened", review.unmapped_orders)
        } else {
            String::new()
        }
    );
    for o in &review.orders {
        let matched = match &o.suggested_class {
            Some(c) => format!("matches the suggestion {c} {}", title(a, c)),
            None => "not suggested".to_owned(),
        };
        let route = o.route.as_deref().unwrap_or("");
        outln!(w, "  {} {} ({}) {route}: {}", o.drug, title(a, &o.drug), o.written, matched.trim_end());
    }
    if !review.suggested_not_ordered.is_empty() {
        let named: Vec<String> =
            review.suggested_not_ordered.iter().map(|c| format!("{c} {}", title(a, c)).trim_end().to_owned()).collect();
        outln!(w, "  suggested, not ordered: {}", named.join("; "));
    }
    let graded: Vec<&Finding> =
        review.interactions.iter().filter(|f| f.severity != leader_core::ddi::Severity::Unknown).collect();
    if graded.is_empty() {
        outln!(
            w,
            "  no graded interaction among the orders and the current medications in the loaded sources; \
             this is not proof that the combination is safe"
        );
    } else {
        outln!(w, "  interactions among the orders and the current medications");
        for f in graded {
            print_finding(w, f, |c| title(a, c).to_owned());
        }
    }
}

/// Why a candidate is listed, in words.
fn candidate_basis(a: &Answer, c: &leader_infer::recommend::Candidate) -> String {
    use leader_infer::recommend::CandidateBasis;
    match &c.basis {
        CandidateBasis::Current { last_visit: true } => "continue (last visit)".to_owned(),
        CandidateBasis::Current { last_visit: false } => "continue (current medication)".to_owned(),
        CandidateBasis::Practice { visits, of_visits, diagnosis, share } => {
            let at = match diagnosis {
                Some(d) => format!("visits with {d} {}", title(a, d)).trim_end().to_owned(),
                None => "all visits".to_owned(),
            };
            match share {
                Some(sh) => {
                    format!("{:.0}% of {} orders at {at} in this store (n = {of_visits})", sh * 100.0, c.class.value())
                }
                None => format!(
                    "ordered at {visits} of {of_visits} visits with a {} order ({at}); too few for a share",
                    c.class.value()
                ),
            }
        }
    }
}

/// A kind of evidence, as the app labels it.
pub fn evidence_kind(k: leader_infer::recommend::EvidenceKind) -> &'static str {
    use leader_infer::recommend::EvidenceKind as K;
    match k {
        K::HistoryMedication => "continued from the previous visit",
        K::CurrentDiagnosis => "current diagnoses",
        K::CurrentProcedure => "current procedures",
        K::EarlierCode => "earlier diagnoses and procedures",
        K::Profile => "profile",
    }
}

fn role(r: Role) -> &'static str {
    match r {
        Role::Suggested => "suggested",
        Role::Current => "current",
        Role::Checked => "checked",
    }
}

pub fn print_finding(w: &mut String, f: &Finding, title: impl Fn(&Code) -> String) {
    let level = match f.certainty {
        leader_core::ddi::Certainty::Drug => "drug-level",
        leader_core::ddi::Certainty::Class => "class-level: some drugs of the class",
    };
    if let Some(class) = &f.duplicate_class {
        outln!(w, "  DUPLICATE THERAPY: both are {class}");
    }
    outln!(
        w,
        "  {:<15} {} {} ({}) x {} {} ({})  [{level}]",
        f.severity.as_str().to_uppercase(),
        f.a,
        title(&f.a),
        role(f.a_role),
        f.b,
        title(&f.b),
        role(f.b_role)
    );
    for r in &f.rules {
        let named = |c: &Code| format!("{c} {}", title(c)).trim_end().to_owned();
        outln!(w, "      {} [{}; {} x {}]", r.severity.as_str(), r.source, named(&r.a), named(&r.b));
        if let Some(m) = &r.mechanism {
            outln!(w, "        mechanism:  {m}");
        }
        if let Some(m) = &r.management {
            outln!(w, "        management: {m}");
        }
        if let Some(m) = &r.reference {
            outln!(w, "        reference:  {m}");
        }
    }
}

/// Said when synthetic patients were left out of a store that also holds real ones.
pub fn excluded_line(n: usize) -> String {
    format!("{n} synthetic patients excluded: this store also holds real patients, and the two are never mixed")
}

/// One line per measured batch size.
pub fn throughput_lines(w: &mut String, rows: &[leader_infer::bench::Throughput], unit: &str) {
    for t in rows {
        outln!(
            w,
            "batch {:<3}, {} {unit}    {:.1} visits/s (median batch {:.2} ms)",
            t.batch,
            t.threads,
            t.visits_per_s,
            t.median_batch_ms
        );
    }
}
