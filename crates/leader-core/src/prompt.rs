//! The teacher's prompt, after LEADER's template: the number of visits, up to three
//! previous visits each with **its own** diagnoses, procedures and medications, then the
//! current visit's diagnoses and procedures and the instruction to prescribe; an optional
//! profile line. Codes are shown by title, falling back to the code itself.
//!
//! (The reference implementation formats every history line with the *current* visit's
//! diagnoses; the golden tests below pin that each line shows its own visit's codes.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Code;
use crate::encode::HistoryInput;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptOptions {
    /// Previous visits shown (LEADER uses 3).
    pub max_previous: usize,
    /// Codes listed per field; the rest are counted ("and 4 more").
    pub max_codes: usize,
    /// Include the profile line.
    pub profile: bool,
}

impl Default for PromptOptions {
    fn default() -> Self {
        PromptOptions { max_previous: 3, max_codes: 12, profile: true }
    }
}

fn list(codes: &[Code], titles: &BTreeMap<String, String>, max: usize) -> String {
    if codes.is_empty() {
        return "none".to_owned();
    }
    let mut shown: Vec<String> =
        codes.iter().take(max).map(|c| titles.get(&c.to_string()).cloned().unwrap_or_else(|| c.to_string())).collect();
    if codes.len() > max {
        shown.push(format!("and {} more", codes.len() - max));
    }
    shown.join("; ")
}

fn profile_line(tokens: &[String]) -> Option<String> {
    let parts: Vec<String> = tokens
        .iter()
        .filter_map(|t| {
            let (k, v) = t.split_once(':')?;
            (v != "?").then(|| format!("{} {}", k.replace('_', " "), v.to_lowercase()))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("Patient profile: {}.", parts.join(", ")))
}

/// Renders the prompt for `input`. `titles` maps `SYSTEM:VALUE` to a title.
pub fn render(input: &HistoryInput, titles: &BTreeMap<String, String>, opts: &PromptOptions) -> String {
    let mut out = String::new();
    if opts.profile
        && let Some(line) = profile_line(&input.profile)
    {
        out.push_str(&line);
        out.push('\n');
    }
    let total = input.previous.len() + 1;
    out.push_str(&format!("The patient has {total} hospital visit{}.\n", if total == 1 { "" } else { "s" }));
    let shown = &input.previous[input.previous.len().saturating_sub(opts.max_previous)..];
    let first_number = input.previous.len() - shown.len() + 1;
    for (i, v) in shown.iter().enumerate() {
        out.push_str(&format!(
            "Visit {}: diagnoses: {}. Procedures: {}. Medications: {}.\n",
            first_number + i,
            list(&v.diagnoses, titles, opts.max_codes),
            list(&v.procedures, titles, opts.max_codes),
            list(&v.medications, titles, opts.max_codes),
        ));
    }
    out.push_str(&format!(
        "Current visit {total}: diagnoses: {}. Procedures: {}.\n",
        list(&input.current.diagnoses, titles, opts.max_codes),
        list(&input.current.procedures, titles, opts.max_codes),
    ));
    out.push_str("Which medications should be prescribed in the current visit?");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::VisitCodes;

    fn c(s: &str) -> Code {
        s.parse().expect("valid code")
    }

    fn visit(dx: &[&str], px: &[&str], meds: &[&str]) -> VisitCodes {
        VisitCodes {
            diagnoses: dx.iter().map(|x| c(x)).collect(),
            procedures: px.iter().map(|x| c(x)).collect(),
            medications: meds.iter().map(|x| c(x)).collect(),
        }
    }

    fn titles() -> BTreeMap<String, String> {
        [
            ("ICD10CM:I4891", "Atrial fibrillation"),
            ("ICD10CM:I10", "Hypertension"),
            ("ATC:B01A", "Antithrombotics"),
            ("ICD10CM:M1990", "Osteoarthritis"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn golden_prompt_with_history_and_profile() {
        let input = HistoryInput {
            profile: vec!["age:70-79".into(), "sex:M".into(), "admission_type:EMERGENCY".into(), "insurance:?".into()],
            previous: vec![
                visit(&["ICD10CM:I4891"], &[], &["ATC:B01A", "ATC:C07A"]),
                visit(&["ICD10CM:I10"], &["ICD10PCS:5A2204Z"], &["ATC:B01A"]),
            ],
            current: visit(&["ICD10CM:M1990", "ICD10CM:E785"], &[], &[]),
        };
        let want = "Patient profile: age 70-79, sex m, admission type emergency.\n\
                    The patient has 3 hospital visits.\n\
                    Visit 1: diagnoses: Atrial fibrillation. Procedures: none. Medications: Antithrombotics; ATC:C07A.\n\
                    Visit 2: diagnoses: Hypertension. Procedures: ICD10PCS:5A2204Z. Medications: Antithrombotics.\n\
                    Current visit 3: diagnoses: Osteoarthritis; ICD10CM:E785. Procedures: none.\n\
                    Which medications should be prescribed in the current visit?";
        assert_eq!(render(&input, &titles(), &PromptOptions::default()), want);
    }

    #[test]
    fn each_history_line_shows_its_own_visits_diagnoses_never_the_current_ones() {
        let input = HistoryInput {
            profile: vec![],
            previous: vec![visit(&["ICD10CM:I4891"], &[], &[]), visit(&["ICD10CM:I10"], &[], &[])],
            current: visit(&["ICD10CM:M1990"], &[], &[]),
        };
        let p = render(&input, &titles(), &PromptOptions::default());
        let lines: Vec<&str> = p.lines().collect();
        assert!(lines[1].contains("Atrial fibrillation") && !lines[1].contains("Osteoarthritis"), "{p}");
        assert!(lines[2].contains("Hypertension") && !lines[2].contains("Osteoarthritis"), "{p}");
        assert_eq!(p.matches("Osteoarthritis").count(), 1, "the current diagnoses appear once, on the current line");
    }

    #[test]
    fn a_first_visit_has_no_history_lines_and_only_three_previous_are_shown() {
        let first = HistoryInput { profile: vec![], previous: vec![], current: visit(&["ICD10CM:I10"], &[], &[]) };
        assert_eq!(
            render(&first, &titles(), &PromptOptions::default()),
            "The patient has 1 hospital visit.\nCurrent visit 1: diagnoses: Hypertension. Procedures: none.\nWhich medications should be prescribed in the current visit?"
        );
        let many = HistoryInput {
            profile: vec![],
            previous: (0..5).map(|_| visit(&["ICD10CM:I10"], &[], &[])).collect(),
            current: visit(&["ICD10CM:I10"], &[], &[]),
        };
        let p = render(&many, &titles(), &PromptOptions::default());
        assert!(
            p.contains("The patient has 6 hospital visits.") && p.contains("Visit 3:") && !p.contains("Visit 2:"),
            "{p}"
        );
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let input = HistoryInput {
            profile: vec![],
            previous: vec![],
            current: visit(&["ICD10CM:I10", "ICD10CM:I4891", "ICD10CM:M1990"], &[], &[]),
        };
        let p = render(&input, &titles(), &PromptOptions { max_codes: 2, ..PromptOptions::default() });
        assert!(p.contains("diagnoses: Hypertension; Atrial fibrillation; and 1 more."), "{p}");
    }
}
