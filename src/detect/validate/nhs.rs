//! NHS numbers: 10 digits, modulus 11 check digit (NHS Data Dictionary).

use super::{accept, digits, Verdict};

/// Whether ten digits pass the NHS modulus 11 check.
pub fn nhs_mod11(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() != 10 || b.iter().all(|&x| x == b[0]) {
        return false;
    }
    let sum: u32 = b[..9].iter().enumerate().map(|(i, &x)| u32::from(x - b'0') * (10 - i as u32)).sum();
    let check = 11 - sum % 11;
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == u32::from(b[9] - b'0')
}

pub(super) fn check(m: &[u8]) -> Verdict {
    let d = digits(m);
    if nhs_mod11(&d) {
        accept(d)
    } else {
        Verdict::Reject
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn mod11() {
        assert!(super::nhs_mod11("9434765919"));
        assert!(!super::nhs_mod11("9434765918"));
        assert!(!super::nhs_mod11("1111111111"));
    }
}
