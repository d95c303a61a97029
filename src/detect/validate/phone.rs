//! Phone numbers.
//!
//! UK numbers (national `0…`, `+44`, `0044`, bare `44…` and `(0)` forms) are
//! checked against the UK numbering plan as encoded in libphonenumber's
//! metadata (via `rlibphonenumber`, thread-safe, no global lock), plus the
//! Ofcom ranges reserved for TV and radio drama (`patterns/uk_drama_ranges.txt`),
//! which libphonenumber treats as invalid but which are real, allocated
//! numbering and what test data uses. Other `+CC` / `00CC` numbers are
//! validated with libphonenumber's metadata for their country.

use std::sync::OnceLock;

use rlibphonenumber::{PhoneNumber, Region};

use super::{accept, digits, Verdict};

/// Drama ranges as (national significant number prefix, first, last) over
/// the full NSN (digits after the leading 0), inclusive.
fn drama_ranges() -> &'static Vec<(u64, u64)> {
    static R: OnceLock<Vec<(u64, u64)>> = OnceLock::new();
    R.get_or_init(|| {
        super::list_lines(include_str!("../../../patterns/uk_drama_ranges.txt"))
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                let a: String = it.next()?.chars().filter(char::is_ascii_digit).collect();
                let b: String = it.next()?.chars().filter(char::is_ascii_digit).collect();
                Some((a[1..].parse().ok()?, b[1..].parse().ok()?))
            })
            .collect()
    })
}

/// Whether a UK national significant number is in an Ofcom drama range.
pub fn is_drama_number(nsn: &str) -> bool {
    nsn.len() >= 9 && nsn.parse::<u64>().is_ok_and(in_drama_range)
}

fn in_drama_range(n: u64) -> bool {
    drama_ranges().iter().any(|&(a, b)| (a..=b).contains(&n))
}

/// Whether a UK national significant number (no trunk 0, so no leading
/// zero) is valid in libphonenumber's metadata for +44 (GB, and the Crown
/// dependencies that share it).
///
/// Built as the number `PhoneNumber::parse("+44…")` would give, without
/// parsing: for +44 followed by a number without a leading 0, parsing only
/// sets the country code and the national number, which are all validation
/// reads (the leading-zero fields stay unset). Parsing was half of the
/// validator's cost on dense exports; the test `uk_validity_same_as_parse`
/// compares both over every NSN prefix the patterns can produce.
///
/// GB's own check comes first: `is_valid` finds the number's region (GB,
/// the main region of +44, is tried first, by the same type check) and then
/// checks it again for that region, so a GB number cost the check twice.
/// The other regions of +44 (GG, IM, JE) are left to `is_valid`.
fn valid_uk(n: u64) -> bool {
    let p = PhoneNumber { country_code: 44, national_number: n, ..Default::default() };
    p.is_valid_for_region(Region::GB) || p.is_valid()
}

fn valid_intl(e164_digits: &str) -> bool {
    PhoneNumber::parse(format!("+{e164_digits}"), None).is_ok_and(|p| p.is_valid())
}

/// Normalise a written phone number to E.164 (`+447700900123`) if it is a
/// valid UK or international number.
pub fn normalise_phone(m: &[u8]) -> Option<String> {
    let d = digits(m);
    let first = m.iter().position(|b| !matches!(b, b'(' | b' ')).map_or(b'0', |i| m[i]);
    // Country code and national significant number.
    let (cc_and_rest, intl) = if first == b'+' {
        (d.as_str(), true)
    } else if let Some(r) = d.strip_prefix("00") {
        (r, true)
    } else if d.starts_with("44") && d.len() == 12 {
        (d.as_str(), true)
    } else if let Some(r) = d.strip_prefix('0') {
        return uk(r);
    } else {
        return None;
    };
    debug_assert!(intl);
    if let Some(r) = cc_and_rest.strip_prefix("44") {
        // "+44 (0)20 ..." keeps the trunk 0; drop it.
        let has_trunk = m.windows(3).any(|w| w == b"(0)");
        let r = if has_trunk { r.strip_prefix('0')? } else { r };
        return uk(r);
    }
    if !(8..=15).contains(&cc_and_rest.len()) || !valid_intl(cc_and_rest) {
        return None;
    }
    Some(format!("+{cc_and_rest}"))
}

fn uk(nsn: &str) -> Option<String> {
    if !(9..=10).contains(&nsn.len()) || nsn.starts_with('0') {
        return None;
    }
    let n: u64 = nsn.parse().ok()?;
    if in_drama_range(n) || valid_uk(n) {
        Some(format!("+44{nsn}"))
    } else {
        None
    }
}

/// E.164 digits written without the `+`, as logs, CDRs and RADIUS records
/// hold subscriber numbers (MSISDNs): valid in the plan of the country
/// their code names. Digits only; 10 to 15 of them.
pub(super) fn check_e164(m: &[u8]) -> Verdict {
    let d = digits(m);
    if d.len() != m.len() || !(10..=15).contains(&d.len()) {
        return Verdict::Reject;
    }
    let e164 = match d.strip_prefix("44") {
        Some(nsn) => uk(nsn),
        None => valid_intl(&d).then(|| format!("+{d}")),
    };
    e164.map_or(Verdict::Reject, accept)
}

/// A North American number in national format (`(415) 555-0132`,
/// `415-555-0132`, optionally after a `1`): valid for +1.
///
/// `943-476-5919` is also how an NHS number is written (3-3-4): without the
/// brackets, ten digits that pass the NHS modulus 11 check are left to the
/// NHS rule (a UK holder has more of those than of American numbers).
pub(super) fn check_nanp(m: &[u8]) -> Verdict {
    let d = digits(m);
    let d = if d.len() == 11 { d.strip_prefix('1').unwrap_or(&d) } else { &d };
    if d.len() != 10 || (!m.contains(&b'(') && super::nhs::nhs_mod11(d)) {
        return Verdict::Reject;
    }
    let e164 = format!("1{d}");
    if valid_intl(&e164) {
        accept(format!("+{e164}"))
    } else {
        Verdict::Reject
    }
}

pub(super) fn check(m: &[u8]) -> Verdict {
    match normalise_phone(m) {
        Some(e164) => accept(e164),
        None => Verdict::Reject,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn uk_forms() {
        for s in [
            "07700 900123",
            "+44 (0)20 7946 0123",
            "0044 7700 900123",
            "447700900123",
            "(01632) 960123",
            "0161-496-0123",
            "+44 7911 123456",
            "020 7946 0999",
        ] {
            assert!(normalise_phone(s.as_bytes()).is_some(), "{s}");
        }
        assert_eq!(normalise_phone(b"07700 900123").as_deref(), Some("+447700900123"));
        assert_eq!(normalise_phone(b"+44 (0)20 7946 0123").as_deref(), Some("+442079460123"));
    }
    #[test]
    fn uk_validity_same_as_parse() {
        // Every 4-digit NSN prefix, with random tails, at both UK lengths.
        let mut rnd = crate::testing::rng(0x9e37_79b9_7f4a_7c15);
        let mut valid = 0;
        for prefix in 1000..10000u64 {
            for len in [9u32, 10] {
                for _ in 0..4 {
                    let n = prefix * 10u64.pow(len - 4) + rnd() % 10u64.pow(len - 4);
                    let parsed = valid_intl(&format!("44{n}"));
                    assert_eq!(valid_uk(n), parsed, "{n}");
                    valid += usize::from(parsed);
                }
            }
        }
        // The comparison means something only if both answers occur.
        assert!(valid > 10_000 && valid < 60_000, "{valid}");
    }
    /// Issue 18: E.164 without `+` for several countries, and North
    /// American national formats.
    #[test]
    fn e164_without_plus_and_nanp() {
        for s in ["447911123456", "33612345678", "353871234567", "12025550123", "48512345678", "40712345678"] {
            assert!(matches!(check_e164(s.as_bytes()), Verdict::Accept(_)), "{s}");
        }
        for s in ["1700000000", "1700000000000", "4412345", "999999999999", "44 7911 123456"] {
            assert_eq!(check_e164(s.as_bytes()), Verdict::Reject, "{s}");
        }
        for s in ["(415) 555-0132", "415-555-0132", "201.555.0123"] {
            assert!(matches!(check_nanp(s.as_bytes()), Verdict::Accept(_)), "{s}");
        }
        assert_eq!(check_nanp(b"123-456-7890"), Verdict::Reject);
        // An NHS number in its own 3-3-4 form is not taken for a US number.
        assert_eq!(check_nanp(b"943-476-5919"), Verdict::Reject);
    }
    #[test]
    fn international_and_bad() {
        assert!(normalise_phone(b"+33 1 42 68 53 00").is_some());
        assert!(normalise_phone(b"+1 202 456 1111").is_some());
        assert!(normalise_phone(b"0033 1 42 68 53 00").is_some());
        assert!(normalise_phone(b"00000 000000").is_none());
        assert!(normalise_phone(b"1234567890").is_none());
        assert!(normalise_phone(b"+1 000 000 0000").is_none());
    }
}
