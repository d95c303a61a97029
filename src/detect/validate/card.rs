//! Payment cards: length, IIN (issuer) ranges, Luhn, consistent separators.
//!
//! IIN ranges are the public ranges of the major schemes (see
//! `patterns/SOURCES.md`). IMEIs (15 digits, Luhn-valid, TAC 35/86/01...) and
//! ICCIDs (89...) fall outside every range at their length.

use super::{accept, digits, luhn, Verdict};

/// Whether `d` (digits only) is in a known issuer range at its length.
fn known_iin(d: &str) -> bool {
    let n = d.len();
    let p = |k: usize| d[..k].parse::<u32>().unwrap_or(0);
    let visa = d.starts_with('4') && matches!(n, 13 | 16 | 19);
    let mastercard = n == 16 && ((51..=55).contains(&p(2)) || (2221..=2720).contains(&p(4)));
    let amex = n == 15 && matches!(p(2), 34 | 37);
    let discover = (16..=19).contains(&n)
        && (p(4) == 6011 || (644..=649).contains(&p(3)) || p(2) == 65 || (622126..=622925).contains(&p(6)));
    let maestro = (12..=19).contains(&n)
        && (matches!(p(4), 5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763)
            || matches!(p(6), 676770 | 676774));
    let jcb = (16..=19).contains(&n) && (3528..=3589).contains(&p(4));
    let diners = (14..=19).contains(&n) && ((300..=305).contains(&p(3)) || matches!(p(2), 36 | 38 | 39));
    let unionpay = (16..=19).contains(&n) && p(2) == 62;
    visa || mastercard || amex || discover || maestro || jcb || diners || unionpay
}

/// Separators must be all the same (or absent) and groups must follow a
/// printed card layout: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners) or 4-4-4-1..7.
fn layout_ok(m: &[u8]) -> bool {
    let mut groups = Vec::new();
    let mut seps = Vec::new();
    let mut cur = 0usize;
    for &b in m {
        if b.is_ascii_digit() {
            cur += 1;
        } else {
            seps.push(b);
            groups.push(cur);
            cur = 0;
        }
    }
    groups.push(cur);
    if seps.is_empty() {
        return true;
    }
    if seps.iter().any(|&s| s != seps[0]) || groups.contains(&0) {
        return false;
    }
    let g = groups.as_slice();
    let fours = g[..g.len() - 1].iter().all(|&x| x == 4) && (1..=7).contains(&g[g.len() - 1]);
    fours || g == [4, 6, 5] || g == [4, 6, 4]
}

pub(super) fn check(m: &[u8]) -> Verdict {
    let d = digits(m);
    if !(12..=19).contains(&d.len()) || !layout_ok(m) || !known_iin(&d) || !luhn(&d) {
        return Verdict::Reject;
    }
    accept(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cards() {
        for ok in [
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "5555555555554444",
            "378282246310005",
            "3782 822463 10005",
            "6011111111111117",
            "2223003122003222",
        ] {
            assert!(matches!(check(ok.as_bytes()), Verdict::Accept(_)), "{ok}");
        }
        for bad in
            ["4111 1111 1111 1112", "4111-1111 1111 1111", "356938035643809", "8944500102198304826", "1234567812345670"]
        {
            assert_eq!(check(bad.as_bytes()), Verdict::Reject, "{bad}");
        }
    }
}
