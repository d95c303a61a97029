//! IP addresses. IPv4: four octets <= 255 without leading zeros, not part of
//! a version string (`Chrome/124.0.0.0`, `v5.12.3.7`) or a longer dotted run.
//! IPv6: parsed by `std::net::Ipv6Addr` (zone ids stripped first).
//!
//! Loopback and unspecified addresses are rejected; private, link-local and
//! other non-routable ranges identify hosts, not people, and are scored down.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{accept_adjusted, Verdict};

/// Enough to keep a non-routable address below the default threshold even
/// with a context word (`terminal_ip`).
const LOW: f32 = -0.6;

pub(super) fn check_v4(hay: &[u8], s: usize, e: usize) -> Verdict {
    let m = &hay[s..e];
    let text = String::from_utf8_lossy(m);
    if text.split('.').any(|o| o.len() > 1 && o.starts_with('0')) {
        return Verdict::Reject;
    }
    let Ok(ip) = text.parse::<Ipv4Addr>() else {
        return Verdict::Reject;
    };
    // Part of a longer dotted run: "1.2.3.4.5" or "5.1.2.3.4".
    let before = |k: usize| if s >= k { Some(hay[s - k]) } else { None };
    let after = |k: usize| hay.get(e + k - 1).copied();
    if (before(1) == Some(b'.') && before(2).is_some_and(|b| b.is_ascii_digit()))
        || (after(1) == Some(b'.') && after(2).is_some_and(|b| b.is_ascii_digit()))
    {
        return Verdict::Reject;
    }
    // Version strings: "v1.2.3.4", "Chrome/124.0.0.0", "version 1.2.3.4".
    if matches!(before(1), Some(b'v' | b'V' | b'/' | b'_' | b'-')) {
        return Verdict::Reject;
    }
    if ip.is_loopback() || ip.is_unspecified() || ip.is_broadcast() {
        return Verdict::Reject;
    }
    let o = ip.octets();
    let shared = o[0] == 100 && (64..128).contains(&o[1]);
    let adj =
        if ip.is_private() || ip.is_link_local() || ip.is_multicast() || shared || o[0] >= 240 { LOW } else { 0.0 };
    accept_adjusted(ip.to_string(), adj)
}

pub(super) fn check_v6(m: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(m);
    let addr = text.split('%').next().unwrap_or("");
    if addr.matches(':').count() < 2 || !addr.bytes().any(|b| b.is_ascii_digit()) {
        return Verdict::Reject;
    }
    let Ok(ip) = addr.parse::<Ipv6Addr>() else {
        return Verdict::Reject;
    };
    if ip.is_loopback() || ip.is_unspecified() {
        return Verdict::Reject;
    }
    // Too few groups to be anything but a time or a C++ path ("1::2").
    let groups = addr.split(':').filter(|g| !g.is_empty()).count();
    if groups < 3 {
        return Verdict::Reject;
    }
    // Every group one or two decimal digits: a clock time with a digit lost
    // ("11:3::28" in a damaged log), not an address (those have hex or
    // longer groups: "2001:db8::1", "fe80::1ff:fe23").
    if addr.split(':').all(|g| g.len() <= 2 && g.bytes().all(|b| b.is_ascii_digit())) {
        return Verdict::Reject;
    }
    let seg0 = ip.segments()[0];
    let local = (seg0 & 0xffc0) == 0xfe80 || (seg0 & 0xfe00) == 0xfc00 || (seg0 & 0xff00) == 0xff00;
    accept_adjusted(ip.to_string(), if local { LOW } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    fn v4(s: &str) -> Verdict {
        let h = s.as_bytes();
        let st = s.find(|c: char| c.is_ascii_digit()).unwrap();
        let en = s.rfind(|c: char| c.is_ascii_digit()).unwrap() + 1;
        check_v4(h, st, en)
    }
    #[test]
    fn ipv4() {
        assert!(matches!(v4("from 81.2.69.160 at"), Verdict::Accept(_)));
        assert_eq!(v4("Chrome/124.0.0.0"), Verdict::Reject);
        assert_eq!(v4("v5.12.3.7"), Verdict::Reject);
        assert_eq!(v4("256.1.1.1"), Verdict::Reject);
        assert_eq!(v4("127.0.0.1"), Verdict::Reject);
    }
    #[test]
    fn ipv6() {
        assert!(matches!(check_v6(b"2a00:1450:4009:81f::200e"), Verdict::Accept(_)));
        assert!(matches!(check_v6(b"fe80::1ff:fe23:4567:890a%eth0"), Verdict::Accept(_)));
        assert_eq!(check_v6(b"10:22:01"), Verdict::Reject);
        assert_eq!(check_v6(b"::1"), Verdict::Reject);
        assert_eq!(check_v6(b"11:3::28"), Verdict::Reject);
        assert!(matches!(check_v6(b"2001:db8::1"), Verdict::Accept(_)));
        assert!(matches!(check_v6(b"fe80::1:2"), Verdict::Accept(_)));
    }
}
