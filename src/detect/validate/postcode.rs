//! UK postcodes: format from the regex, plus a real postcode area.
//!
//! The list of postcode areas (the leading letters) is in
//! `patterns/uk_postcode_areas.txt` (Royal Mail/ONS; see SOURCES.md).

use std::sync::OnceLock;

use super::{accept, accept_adjusted, Verdict};

fn areas() -> &'static Vec<&'static str> {
    static AREAS: OnceLock<Vec<&'static str>> = OnceLock::new();
    AREAS.get_or_init(|| super::list_lines(include_str!("../../../patterns/uk_postcode_areas.txt")).collect())
}

pub(super) fn check(m: &[u8]) -> Verdict {
    let compact: String =
        m.iter().filter(|b| !b.is_ascii_whitespace()).map(|&b| b.to_ascii_uppercase() as char).collect();
    if compact == "GIR0AA" {
        return accept("GIR 0AA");
    }
    if !(5..=7).contains(&compact.len()) {
        return Verdict::Reject;
    }
    let area: String = compact.chars().take_while(char::is_ascii_alphabetic).collect();
    if !areas().iter().any(|a| *a == area) {
        return Verdict::Reject;
    }
    let (out, inw) = compact.split_at(compact.len() - 3);
    // Lower-case postcodes in prose are rarer and riskier.
    let adj = if m.iter().any(u8::is_ascii_lowercase) { -0.15 } else { 0.0 };
    accept_adjusted(format!("{out} {inw}"), adj)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn postcodes() {
        for ok in ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A1BB", "GIR 0AA"] {
            assert!(matches!(check(ok.as_bytes()), Verdict::Accept(_)), "{ok}");
        }
        for bad in ["QQ1 1AA", "XY12 3AB"] {
            assert_eq!(check(bad.as_bytes()), Verdict::Reject, "{bad}");
        }
    }
}
