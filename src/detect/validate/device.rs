//! Device and network identifiers: IMEI (and IMEISV), ICCID, IMSI, MAC
//! address, advertising id.
//!
//! - **IMEI**: 15 digits, Luhn check digit (3GPP TS 23.003), and a first
//!   two digits that a GSMA reporting body allocates (the type allocation
//!   code's reporting-body identifier). IMEISV: 16 digits, no check digit.
//! - **ICCID**: `89` (telecom industry), 19 or 20 digits, Luhn (ITU-T E.118).
//! - **IMSI**: 14–15 digits starting with the MCC+MNC of a real mobile
//!   network (`patterns/mcc_mnc.txt`, ITU-T E.212).
//! - **MAC**: six octets, one separator style; the all-zero and broadcast
//!   addresses are not devices; multicast and locally administered
//!   (randomised) addresses score lower.
//! - **Advertising id**: a UUID that is not the nil UUID (an iOS device
//!   that opted out of tracking reports all zeros).

use std::collections::HashSet;
use std::sync::OnceLock;

use super::{accept, accept_adjusted, digits, luhn, Verdict};

/// Reporting-body identifiers: the first two digits of an allocated type
/// allocation code (GSMA TS.06).
const IMEI_REPORTING_BODIES: &[&str] =
    &["01", "30", "33", "35", "44", "45", "49", "50", "51", "52", "53", "54", "86", "91", "98", "99"];

/// An IMEI (15 digits, Luhn) or IMEISV (16 digits).
pub fn check_imei(m: &[u8]) -> Verdict {
    let d = digits(m);
    let ok = match d.len() {
        15 => luhn(&d),
        16 => true,
        _ => false,
    };
    if !ok || !IMEI_REPORTING_BODIES.contains(&&d[..2]) || d.bytes().all(|b| b == d.as_bytes()[0]) {
        return Verdict::Reject;
    }
    accept(d)
}

/// Whether `d` (digits) is an IMEI: for judging a column by content.
pub fn imei_valid(d: &str) -> bool {
    d.len() == 15 && matches!(check_imei(d.as_bytes()), Verdict::Accept(_))
}

/// Whether `d` (digits) is an IMSI of a known network.
pub fn imsi_valid(d: &str) -> bool {
    matches!(check_imsi(d.as_bytes()), Verdict::Accept(_))
}

/// An ICCID (SIM serial).
pub fn check_iccid(m: &[u8]) -> Verdict {
    let d = digits(m);
    if !(19..=20).contains(&d.len()) || !d.starts_with("89") || !luhn(&d) {
        return Verdict::Reject;
    }
    accept(d)
}

fn networks() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| super::list_lines(include_str!("../../../patterns/mcc_mnc.txt")).collect())
}

/// An IMSI: its MCC+MNC (2- or 3-digit MNC) names a mobile network.
pub fn check_imsi(m: &[u8]) -> Verdict {
    let d = digits(m);
    if !(14..=15).contains(&d.len()) {
        return Verdict::Reject;
    }
    let known = networks();
    if known.contains(&d[..5]) || known.contains(&d[..6]) {
        accept(d)
    } else {
        Verdict::Reject
    }
}

/// A MAC address in colon, dash, Cisco-dot or bare notation.
pub fn check_mac(hay: &[u8], start: usize, end: usize) -> Verdict {
    let m = &hay[start..end];
    // Part of a longer run of octets: an IPv6 address or a hex dump. A
    // separator then a word (`…:5E:BTHub6-XYZ`, a RADIUS station id with its
    // network name) is not.
    let hex_at = |i: usize| hay.get(i).is_some_and(u8::is_ascii_hexdigit);
    let word = |i: usize| hay.get(i).is_some_and(|b| b.is_ascii_alphanumeric());
    let sep = |i: usize| hay.get(i).is_some_and(|&b| b == b':' || b == b'-' || b == b'.');
    let before = start.checked_sub(1).is_some_and(&word)
        || (start >= 3 && sep(start - 1) && hex_at(start - 2) && hex_at(start - 3));
    let after = word(end) || (sep(end) && hex_at(end + 1) && hex_at(end + 2) && !word(end + 3));
    if before || after {
        return Verdict::Reject;
    }
    let hex: Vec<u8> = m.iter().copied().filter(u8::is_ascii_hexdigit).collect();
    if hex.len() != 12 {
        return Verdict::Reject;
    }
    let seps: Vec<u8> = m.iter().copied().filter(|b| !b.is_ascii_hexdigit()).collect();
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return Verdict::Reject;
    }
    let octet =
        |i: usize| u8::from_str_radix(std::str::from_utf8(&hex[2 * i..2 * i + 2]).unwrap_or("00"), 16).unwrap_or(0);
    let octets: Vec<u8> = (0..6).map(octet).collect();
    if octets.iter().all(|&o| o == 0) || octets.iter().all(|&o| o == 0xff) {
        return Verdict::Reject;
    }
    let normalized = octets.iter().map(|o| format!("{o:02x}")).collect::<Vec<_>>().join(":");
    let mut adj = 0.0;
    // Multicast (group bit) or locally administered (often a randomised
    // address): less tied to one device.
    if octets[0] & 0x03 != 0 {
        adj -= 0.2;
    }
    // Bare or dotted digits only: could as well be a number.
    if !hex.iter().any(u8::is_ascii_alphabetic) && seps.first().is_none_or(|&s| s == b'.') {
        adj -= 0.2;
    }
    if adj != 0.0 {
        accept_adjusted(normalized, adj)
    } else {
        accept(normalized)
    }
}

/// An advertising id: a UUID other than the nil UUID.
pub fn check_ad_id(m: &[u8]) -> Verdict {
    if m.iter().filter(|b| b.is_ascii_hexdigit()).all(|&b| b == b'0') {
        return Verdict::Reject;
    }
    accept(String::from_utf8_lossy(m).to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: Verdict) -> bool {
        matches!(v, Verdict::Accept(_))
    }

    #[test]
    fn imei_iccid_imsi() {
        assert!(ok(check_imei(b"356938035643809")));
        assert!(ok(check_imei(b"35-693803-564380-9")));
        assert!(!ok(check_imei(b"356938035643808")), "check digit");
        assert!(!ok(check_imei(b"226938035643804")), "no reporting body 22");
        assert!(ok(check_iccid(b"8944500102198304826")));
        assert!(!ok(check_iccid(b"8944500102198304827")));
        assert!(ok(check_imsi(b"234150123456789")));
        assert!(!ok(check_imsi(b"123450123456789")));
    }

    #[test]
    fn macs() {
        let hay = b"mac 00:1A:2b:3c:4D:5e; v6 2001:db8:aa:bb:cc:dd:ee:ff";
        assert!(ok(check_mac(hay, 4, 21)));
        let at = hay.len() - 17;
        assert!(!ok(check_mac(hay, at, hay.len())), "inside an IPv6 address");
        assert!(!ok(check_mac(b"ff:ff:ff:ff:ff:ff", 0, 17)));
        assert!(!ok(check_mac(b"00-1a-2b:3c-4d-5e", 0, 17)), "mixed separators");
        assert!(ok(check_mac(b"001a.2b3c.4d5e", 0, 14)));
        assert!(ok(check_ad_id(b"6D92078A-8246-4BA4-AE5B-76104861E7DC")));
        assert!(!ok(check_ad_id(b"00000000-0000-0000-0000-000000000000")));
    }
}
