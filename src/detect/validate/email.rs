//! Email addresses: syntax, a real top-level domain, and not a header value
//! that only looks like an address (Message-ID, References, In-Reply-To).
//!
//! The TLD list (`patterns/tlds.txt`) rejects file names such as
//! `logo@2x.png`: `png` is not a TLD.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::{accept, Verdict};

fn tlds() -> &'static HashSet<&'static str> {
    static T: OnceLock<HashSet<&'static str>> = OnceLock::new();
    T.get_or_init(|| super::list_lines(include_str!("../../../patterns/tlds.txt")).collect())
}

/// Headers whose values are message ids, not mailboxes.
const ID_HEADERS: &[&[u8]] = &[b"message-id:", b"references:", b"in-reply-to:", b"content-id:", b"x-message-id:"];

fn in_id_header(hay: &[u8], s: usize) -> bool {
    // Walk back over folded continuation lines (starting with whitespace) to
    // the header line, at most 4 KiB.
    let floor = s.saturating_sub(4096);
    let mut ls = hay[floor..s].iter().rposition(|&b| b == b'\n').map_or(floor, |p| floor + p + 1);
    while ls > floor && matches!(hay.get(ls), Some(b' ' | b'\t')) {
        let prev_end = ls - 1;
        ls = hay[floor..prev_end].iter().rposition(|&b| b == b'\n').map_or(floor, |p| floor + p + 1);
    }
    let line = &hay[ls..s];
    ID_HEADERS.iter().any(|h| line.len() >= h.len() && line[..h.len()].eq_ignore_ascii_case(h))
}

pub(super) fn check(hay: &[u8], s: usize, e: usize) -> Verdict {
    let raw = String::from_utf8_lossy(&hay[s..e]).to_ascii_lowercase();
    let text = raw.replacen("%40", "@", 1);
    let Some((local, domain)) = text.split_once('@') else {
        return Verdict::Reject;
    };
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") || domain.contains("..") {
        return Verdict::Reject;
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    if !tlds().contains(tld) {
        return Verdict::Reject;
    }
    // "<abc@mail.example.com>" right after "Message-ID:" is an id.
    if in_id_header(hay, s) {
        return Verdict::Reject;
    }
    accept(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn c(s: &str, v: &str) -> Verdict {
        let st = s.find(v).unwrap();
        check(s.as_bytes(), st, st + v.len())
    }
    #[test]
    fn emails() {
        assert!(matches!(c("to jane.doe@example.co.uk", "jane.doe@example.co.uk"), Verdict::Accept(_)));
        assert!(matches!(c("u=jane%40gmail.com&", "jane%40gmail.com"), Verdict::Accept(_)));
        assert_eq!(c("logo@2x.png", "logo@2x.png"), Verdict::Reject);
        assert_eq!(c("Message-ID: <a1b2@mail.example.com>", "a1b2@mail.example.com"), Verdict::Reject);
        assert_eq!(c("References: <x@y.com>\n <a1b2@mail.example.com>", "a1b2@mail.example.com"), Verdict::Reject);
    }
}
