//! IBANs: per-country length (SWIFT IBAN registry) and ISO 7064 mod 97-10.

use super::Verdict;

/// IBAN length per country (SWIFT IBAN Registry; see patterns/SOURCES.md).
const LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SC", 31),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

/// ISO 7064 mod 97-10 over an upper-case alphanumeric IBAN.
pub fn iban_mod97(s: &[u8]) -> bool {
    if s.len() < 5 {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in s[4..].iter().chain(&s[..4]) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

pub(super) fn check(m: &[u8]) -> Verdict {
    let cc = [m[0].to_ascii_uppercase(), m[1].to_ascii_uppercase()];
    let Some(&(_, len)) = LENGTHS.iter().find(|(c, _)| c.as_bytes() == cc) else {
        return Verdict::Reject;
    };
    // Take the first `len` alphanumerics; the regex may have run on into a
    // following upper-case word, which is trimmed off.
    let mut compact = Vec::with_capacity(len);
    let mut used = 0;
    for (i, &b) in m.iter().enumerate() {
        if b.is_ascii_alphanumeric() {
            compact.push(b.to_ascii_uppercase());
            if compact.len() == len {
                used = i + 1;
                break;
            }
        }
    }
    if compact.len() != len || !iban_mod97(&compact) {
        return Verdict::Reject;
    }
    // The rest must not continue the same alphanumeric token.
    if used < m.len() && m[used].is_ascii_alphanumeric() {
        return Verdict::Reject;
    }
    Verdict::Accept(super::Accept {
        normalized: String::from_utf8_lossy(&compact).into_owned(),
        score_adj: 0.0,
        trim_end: m.len() - used,
        scope: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ibans() {
        assert!(matches!(check(b"GB82 WEST 1234 5698 7654 32"), Verdict::Accept(_)));
        assert!(matches!(check(b"GB82WEST12345698765432"), Verdict::Accept(_)));
        assert_eq!(check(b"GB82 WEST 1234 5698 7654 33"), Verdict::Reject);
        let Verdict::Accept(a) = check(b"DE89 3704 0044 0532 0130 00 THANKS") else { panic!() };
        assert_eq!(a.trim_end, " THANKS".len());
    }
}
