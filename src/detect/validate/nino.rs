//! UK National Insurance numbers (HMRC NIM39110 prefix rules).
//!
//! First letter not D, F, I, Q, U, V; second not D, F, I, O, Q, U, V;
//! prefixes BG, GB, KN, NK, NT, TN, ZZ never issued; suffix A-D.

use super::{accept_adjusted, Verdict};

pub(super) fn check(m: &[u8]) -> Verdict {
    let s: Vec<u8> = m.iter().filter(|b| !b.is_ascii_whitespace()).map(|b| b.to_ascii_uppercase()).collect();
    if s.len() != 9 {
        return Verdict::Reject;
    }
    let (a, b) = (s[0], s[1]);
    let bad_first = b"DFIQUV".contains(&a);
    let bad_second = b"DFIOQUV".contains(&b);
    let bad_pair = matches!(&s[..2], b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ");
    let digits_ok = s[2..8].iter().all(u8::is_ascii_digit);
    let suffix_ok = (b'A'..=b'D').contains(&s[8]);
    if bad_first || bad_second || bad_pair || !digits_ok || !suffix_ok {
        return Verdict::Reject;
    }
    // Mixed case ("Ab123456c") is far more often an identifier than a NINO.
    let lower = m.iter().any(u8::is_ascii_lowercase);
    let upper = m.iter().any(u8::is_ascii_uppercase);
    let adj = if lower && upper { -0.3 } else { 0.0 };
    accept_adjusted(String::from_utf8_lossy(&s).into_owned(), adj)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn prefixes() {
        assert!(matches!(check(b"AB 12 34 56 C"), Verdict::Accept(_)));
        assert!(matches!(check(b"JG103759A"), Verdict::Accept(_)));
        for bad in ["GB123456A", "DA123456A", "AO123456A", "AB123456E", "TN123456A"] {
            assert_eq!(check(bad.as_bytes()), Verdict::Reject, "{bad}");
        }
    }
}
