//! Drug-name normalisation shared by the mapping loader and the importers, so a
//! name in a mapping table and a name in a prescription meet on the same key.

/// Lower case, trimmed, inner whitespace collapsed to one space. Nothing else is
/// changed: matching stays exact, so no class is ever guessed from a similar name.
pub fn normalise_drug_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Splits a GSN field into its codes: MIMIC-IV sometimes lists several, separated by
/// spaces. Zero-only and empty entries are dropped.
pub fn gsn_values(field: &str) -> impl Iterator<Item = &str> {
    field.split([' ', ';', ',']).map(str::trim).filter(|v| !v.is_empty() && v.bytes().any(|b| b != b'0'))
}

/// An NDC as MIMIC writes it (11 digits); `0` and empty mean "none".
pub fn ndc_value(field: &str) -> Option<&str> {
    let v = field.trim();
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && v.bytes().any(|b| b != b'0')).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_meet_regardless_of_case_and_spacing() {
        assert_eq!(normalise_drug_name("  Fentanyl   Citrate "), "fentanyl citrate");
        assert_eq!(normalise_drug_name("Sodium Chloride 0.9%  Flush"), "sodium chloride 0.9% flush");
    }

    #[test]
    fn gsn_fields_may_hold_several_codes() {
        assert_eq!(gsn_values("016599 016600").collect::<Vec<_>>(), ["016599", "016600"]);
        assert_eq!(gsn_values("").count(), 0);
        assert_eq!(gsn_values("000000").count(), 0);
    }

    #[test]
    fn zero_ndc_means_none() {
        assert_eq!(ndc_value("0"), None);
        assert_eq!(ndc_value(""), None);
        assert_eq!(ndc_value("00074455020"), Some("00074455020"));
    }
}
