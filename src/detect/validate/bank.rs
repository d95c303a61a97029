//! UK sort code + account number pairs.
//!
//! Rules with `report_groups` hand the validator the reported groups joined
//! by `|`, in the order the pattern lists them: here sort code, then account.

use super::{accept, digits, Verdict};

pub(super) fn check(m: &[u8]) -> Verdict {
    let mut parts = m.split(|&b| b == b'|');
    let (Some(s), Some(a), None) = (parts.next(), parts.next(), parts.next()) else {
        return Verdict::Reject;
    };
    let (s, a) = (digits(s), digits(a));
    if s.len() != 6 || a.len() != 8 || s == "000000" || a == "00000000" {
        return Verdict::Reject;
    }
    // Both pieces share this value, hence one fingerprint per account.
    accept(format!("{s}{a}"))
}
