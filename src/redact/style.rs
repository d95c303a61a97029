//! Redaction styles: what replaces a finding.
//!
//! No replacement contains `"`, `\`, `,`, `<`, `&` or a line break, so none
//! breaks CSV quoting, a JSON string or XML; and none can be detected again
//! (labels and tokens have no digits; `partial` keeps at most a card's last
//! four digits or a postcode's outward code), so redaction is idempotent.

use std::collections::BTreeMap;

use crate::fingerprint::mask_alnum as mask;

/// How a finding is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `[EMAIL]`.
    Label,
    /// Same length, separators kept: `**** **** **** ****`.
    Mask,
    /// Keep what identifies no one alone: a card's last 4 digits, an email's
    /// domain, a postcode's outward code; other kinds are masked.
    Partial,
    /// Keyed token, stable across files and runs with the same key:
    /// `[EMAIL:hbkdpmfa]`; joins and counts still work without the value.
    Hash,
}

impl Style {
    /// Parse `label`, `mask`, `partial`, `hash`.
    pub fn parse(s: &str) -> Option<Style> {
        Some(match s {
            "label" => Style::Label,
            "mask" => Style::Mask,
            "partial" => Style::Partial,
            "hash" => Style::Hash,
            _ => return None,
        })
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Style::Label => "label",
            Style::Mask => "mask",
            Style::Partial => "partial",
            Style::Hash => "hash",
        }
    }
}

/// Style per kind, with a default.
#[derive(Debug, Clone)]
pub struct Styles {
    /// For kinds not listed.
    pub default: Style,
    /// Per kind.
    pub per_kind: BTreeMap<String, Style>,
}

impl Styles {
    /// The style for `kind`.
    pub fn for_kind(&self, kind: &str) -> Style {
        self.per_kind.get(kind).copied().unwrap_or(self.default)
    }
}

/// Mask letters and digits, keeping the digits `keep(n, total)` accepts
/// (the n-th of `total`, from 1): the last four of a card or SIM serial, or
/// an IMEI's type allocation code (the first eight, which name the handset
/// model, not the person).
fn keep_digits(value: &str, keep: impl Fn(usize, usize) -> bool) -> String {
    let total = value.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if keep(seen, total) {
                    return c;
                }
            }
            if c.is_alphanumeric() {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Masked except the last `n` digits.
fn keep_last_digits(value: &str, n: usize) -> String {
    keep_digits(value, |seen, total| seen + n > total)
}

/// Where the `@` of an email as written starts: the last `@`, or `@` escaped
/// as the extractors decode it (`%40` in URLs and logs, `&#64;`, `&#x40;`,
/// `&commat;` in markup). A bare `%` is no split: in `karl%4&#64;sky.com`
/// it is part of the local part, and keeping `%4` gave the rescan `4@sky.com`.
fn at_sign(value: &str) -> Option<usize> {
    let lower = value.to_ascii_lowercase();
    ["@", "%40", "&#64;", "&#x40;", "&commat;"].iter().filter_map(|a| lower.rfind(a)).max()
}

/// The keyed token of a fingerprint: 8 letters `a`-`p`, one per nibble of
/// the high 32 bits (letters, not hex digits, so the token itself can never
/// look like a number to a later scan).
pub fn token(fingerprint: u64) -> String {
    (0..8).map(|i| (b'a' + ((fingerprint >> (60 - 4 * i)) & 0xf) as u8) as char).collect()
}

/// The replacement text for `value` (the finding as written).
pub fn replacement(style: Style, kind: &str, value: &str, fingerprint: u64) -> String {
    match style {
        Style::Label => format!("[{}]", kind.to_ascii_uppercase()),
        Style::Hash => format!("[{}:{}]", kind.to_ascii_uppercase(), token(fingerprint)),
        Style::Mask => mask(value),
        Style::Partial => match kind {
            // Four digits of a card identify no one, and are what receipts print.
            "payment_card" => keep_last_digits(value, 4),
            // The last four of a SIM serial are what support staff ask for.
            "iccid" => keep_last_digits(value, 4),
            "imei" => keep_digits(value, |seen, _| seen <= 8),
            "email" => match at_sign(value) {
                Some(at) => format!("{}{}", mask(&value[..at]), &value[at..]),
                None => mask(value),
            },
            "uk_postcode" => {
                let compact_len = value.chars().filter(|c| !c.is_whitespace()).count();
                // Spoken ("c m two three s e"): no outward code to keep
                // apart, and keeping all but three letters keeps it whole.
                if !(5..=7).contains(&compact_len) || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
                    return mask(value);
                }
                // The inward code is always the last three characters.
                let mut seen = 0;
                value
                    .chars()
                    .map(|c| {
                        if !c.is_whitespace() {
                            seen += 1;
                            if seen > compact_len.saturating_sub(3) {
                                return '*';
                            }
                        }
                        c
                    })
                    .collect()
            }
            _ => mask(value),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn styles() {
        assert_eq!(replacement(Style::Label, "email", "a@b.com", 0), "[EMAIL]");
        assert_eq!(replacement(Style::Mask, "payment_card", "4111 1111 1111 1111", 0), "**** **** **** ****");
        assert_eq!(replacement(Style::Partial, "payment_card", "4111-1111-1111-1234", 0), "****-****-****-1234");
        assert_eq!(replacement(Style::Partial, "email", "jane.doe@gmail.com", 0), "****.***@gmail.com");
        assert_eq!(replacement(Style::Partial, "imei", "35-693803-564381-7", 0), "35-693803-******-*");
        assert_eq!(replacement(Style::Partial, "iccid", "8944110123456789013", 0), "***************9013");
        assert_eq!(replacement(Style::Mask, "imei", "356938035643817", 0), "***************");
        assert_eq!(replacement(Style::Partial, "uk_postcode", "SW1A 1AA", 0), "SW1A ***");
        assert_eq!(replacement(Style::Partial, "uk_postcode", "m11ae", 0), "m1***");
        assert_eq!(replacement(Style::Partial, "uk_postcode", "c m two three s e", 0), "* * *** ***** * *");
        assert_eq!(replacement(Style::Hash, "email", "x", 0x0123_4567_89ab_cdef), "[EMAIL:abcdefgh]");
        assert_eq!(replacement(Style::Partial, "email", "jane%40gmail.com", 0), "****%40gmail.com");
        assert_eq!(replacement(Style::Partial, "email", "karl%4&#64;sky.com", 0), "****%*&#64;sky.com");
        assert_eq!(replacement(Style::Partial, "email", "jo&#X40;sky.com", 0), "**&#X40;sky.com");
        // A byte that was no UTF-8 is masked, not written as U+FFFD.
        assert_eq!(replacement(Style::Mask, "name", "hannah d\u{fffd}t parry", 0), "****** *** *****");
        for s in [Style::Label, Style::Mask, Style::Partial, Style::Hash] {
            let r = replacement(s, "phone", "+44 (0)20 7946 0123", u64::MAX);
            assert!(!r.bytes().any(|b| b.is_ascii_digit() || b"\",\\<&\n".contains(&b)), "{r}");
        }
    }
}
