//! IP addresses. IPv4: four octets <= 255 without leading zeros, not part of
//! a version string (`Chrome/124.0.0.0`, `v5.12.3.7`) or a longer dotted run.
//! IPv6: parsed by `std::net::Ipv6Addr` (zone ids stripped first).
//!
//! Policy (issue 18): for a telecom, a private (RFC 1918), carrier-grade
//! NAT (100.64.0.0/10), IPv6 unique-local or link-local address in a RADIUS,
//! DHCP, NAT or access log identifies a subscriber's device at a time, so it
//! is reported, a little below a public address and marked
//! `scope: "private"` so that it can be filtered. Loopback, unspecified,
//! broadcast, multicast and reserved (240/4) addresses never identify
//! anyone and are rejected. Documentation ranges are reported as test data
//! (`patterns/allowlist.toml`).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{accept, accept_adjusted, Verdict};

/// A private address scores this much below a public one: 0.6 from the
/// pattern's 0.8, above the default threshold, and under it again with a
/// negative cue (`version`, `firmware`).
const PRIVATE: f32 = -0.2;

fn private(normalized: String) -> Verdict {
    match accept_adjusted(normalized, PRIVATE) {
        Verdict::Accept(mut a) => {
            a.scope = Some("private");
            Verdict::Accept(a)
        }
        r => r,
    }
}

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
    // A version field named `v`: `v=4.1.0.22`, `"v": "10.2.1.17"`, `v: 1.2.3.4`.
    let mut k = 1;
    while k <= 6 && before(k).is_some_and(|b| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'=' | b':')) {
        k += 1;
    }
    if k > 1
        && matches!(before(k), Some(b'v' | b'V'))
        && !before(k + 1).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Verdict::Reject;
    }
    let o = ip.octets();
    if ip.is_loopback() || ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || o[0] == 0 || o[0] >= 240 {
        return Verdict::Reject;
    }
    let shared = o[0] == 100 && (64..128).contains(&o[1]);
    if ip.is_private() || ip.is_link_local() || shared {
        return private(ip.to_string());
    }
    accept(ip.to_string())
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
    if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() {
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
    if (seg0 & 0xffc0) == 0xfe80 || (seg0 & 0xfe00) == 0xfc00 {
        return private(ip.to_string());
    }
    accept(ip.to_string())
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

    /// Issue 18, IP policy: private, CGNAT and link-local addresses are a
    /// subscriber's device (reported, scope "private", score >= 0.5);
    /// loopback, broadcast, multicast and reserved addresses are nobody.
    #[test]
    fn private_addresses_reported_with_scope_nobody_addresses_rejected() {
        for a in ["10.20.30.40", "172.16.5.4", "192.168.1.20", "100.64.12.7", "169.254.10.1"] {
            let Verdict::Accept(acc) = v4(a) else { panic!("{a} rejected") };
            assert_eq!(acc.scope, Some("private"), "{a}");
            assert!(0.8 + acc.score_adj >= 0.5, "{a}");
        }
        for a in ["255.255.255.255", "224.0.0.251", "239.255.255.250", "240.1.2.3", "0.1.2.3", "127.0.0.53"] {
            assert_eq!(v4(a), Verdict::Reject, "{a}");
        }
        let Verdict::Accept(pubv4) = v4("81.2.69.160") else { panic!() };
        assert_eq!(pubv4.scope, None);
        for a in [&b"fe80::1ff:fe23:4567:890a"[..], b"fd12:3456:789a:1::1"] {
            let Verdict::Accept(acc) = check_v6(a) else { panic!() };
            assert_eq!(acc.scope, Some("private"));
        }
        assert_eq!(check_v6(b"ff02::1:ff00:1"), Verdict::Reject);
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
