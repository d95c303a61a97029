//! What is *not* a leak: known-fake data, inline `piiscan:allow` comments,
//! and baselines of findings already accepted.
//!
//! * **Known-fake data** (`patterns/allowlist.toml`, plus `[allow]` in a
//!   config file): Ofcom drama numbers, documentation IP ranges, reserved
//!   example domains, published test card numbers. Such findings stay in the
//!   report with `test_data: true` and do not fail CI unless `--strict`.
//! * **Inline**: a finding on a line containing `piiscan:allow` (in any
//!   comment syntax) is suppressed.
//! * **Baseline**: `--write-baseline FILE` records (path, kind, keyed
//!   fingerprint) of every finding; `--baseline FILE` suppresses findings
//!   recorded there. Matching is by path and fingerprint, not line, so moved
//!   lines stay suppressed. Only keyed fingerprints are stored: a baseline
//!   never holds a value, nor a plain hash that could be reversed by trying
//!   every phone number.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::Path;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::detect::validate::is_drama_number;
use crate::error::{Error, Result};

/// The marker that suppresses findings on its line.
pub const INLINE_MARKER: &[u8] = b"piiscan:allow";

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AllowFile {
    #[serde(default)]
    phone: PhoneAllow,
    #[serde(default)]
    ip_address: IpAllow,
    #[serde(default)]
    email: EmailAllow,
    #[serde(default)]
    payment_card: CardAllow,
    #[serde(default)]
    imei: CardAllow,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PhoneAllow {
    #[serde(default)]
    ofcom_drama: bool,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct IpAllow {
    #[serde(default)]
    cidrs: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EmailAllow {
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    tlds: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CardAllow {
    #[serde(default)]
    numbers: Vec<String>,
}

/// Known-fake values, by kind and normalised value.
#[derive(Debug, Default)]
pub struct AllowList {
    drama: bool,
    nets: Vec<IpNet>,
    domains: Vec<String>,
    tlds: Vec<String>,
    cards: HashSet<String>,
    /// Extra normalised values by kind, e.g. from a config file (looked up
    /// for every finding: by kind first, so a lookup allocates nothing).
    values: HashMap<String, HashSet<String>>,
    /// The organisation's own sites: (postcode, house number, words).
    sites: Vec<Site>,
}

/// One of the organisation's own addresses (`[allow] addresses`).
#[derive(Debug)]
struct Site {
    /// Postcode as the postcode validator writes it (`LS1 4AP`).
    postcode: String,
    /// The house number: the last word before the postcode that starts
    /// with a digit (`12` in `Unit 4, 12 Mill Road`), if any.
    number: Option<String>,
    /// The words before the postcode, lower case, one blank apart.
    words: String,
}

/// A postal address's words (as the address detector normalises them),
/// its last two words as a postcode (upper case, one blank apart; checked
/// by the caller that needs one), and its house number: the last word
/// before the postcode that starts with a digit.
fn site_parts(address: &str) -> (Vec<String>, Option<String>, Option<String>) {
    let words: Vec<String> = crate::detect::address::address_words(address.as_bytes()).collect();
    let n = words.len();
    let pc = (n >= 2).then(|| format!("{} {}", words[n - 2], words[n - 1]).to_ascii_uppercase());
    let number =
        words[..n.saturating_sub(2)].iter().rev().find(|w| w.starts_with(|c: char| c.is_ascii_digit())).cloned();
    (words, pc, number)
}

impl AllowList {
    /// The built-in list.
    pub fn builtin() -> AllowList {
        let f: AllowFile =
            toml::from_str(include_str!("../patterns/allowlist.toml")).expect("built-in allow-list parses");
        AllowList {
            drama: f.phone.ofcom_drama,
            nets: f.ip_address.cidrs.iter().map(|c| c.parse().expect("built-in CIDR")).collect(),
            domains: f.email.domains,
            tlds: f.email.tlds,
            cards: f.payment_card.numbers.into_iter().collect(),
            values: HashMap::from([("imei".to_string(), f.imei.numbers.into_iter().collect())]),
            sites: Vec::new(),
        }
    }

    /// No known-fake data at all (`--strict` still reports; this is for tests).
    pub fn empty() -> AllowList {
        AllowList::default()
    }

    /// Add a (kind, normalised value) pair.
    pub fn add_value(&mut self, kind: &str, normalized: &str) {
        self.values.entry(kind.to_string()).or_default().insert(normalized.to_string());
    }

    /// Add one of the organisation's own sites, written as a postal
    /// address ending in its postcode (`1 Station Road, Leeds LS1 4AP`).
    pub fn add_site(&mut self, address: &str) -> Result<(), String> {
        let (words, pc, number) = site_parts(address);
        let valid = pc.as_deref().is_some_and(|p| {
            matches!(
                crate::detect::validate::Validator::Postcode.check(p.as_bytes(), 0, p.len()),
                crate::detect::validate::Verdict::Accept(_)
            )
        });
        let Some(postcode) = pc.filter(|_| valid) else {
            return Err("each entry must end with a valid UK postcode".into());
        };
        self.sites.push(Site { postcode, number, words: words[..words.len() - 2].join(" ") });
        Ok(())
    }

    /// Whether a postal address finding (its normalised value: words, then
    /// the postcode; findings of other kinds never are) is one of the organisation's own sites: same postcode
    /// and house number, or, for a street line without a postcode, words
    /// found in a site's.
    pub fn is_own_site(&self, kind: &str, normalized: &str) -> bool {
        if self.sites.is_empty() || kind != "postal_address" {
            return false;
        }
        let (words, pc, number) = site_parts(normalized);
        let joined = words.join(" ");
        self.sites.iter().any(|s| {
            (pc.as_deref() == Some(s.postcode.as_str()) && (s.number.is_none() || s.number == number))
                || (!joined.is_empty() && format!(" {} ", s.words).contains(&format!(" {joined} ")))
        })
    }

    /// Add an email domain (and its subdomains).
    pub fn add_domain(&mut self, domain: &str) {
        self.domains.push(domain.trim_start_matches('.').to_ascii_lowercase());
    }

    /// Whether a finding of `kind` with this normalised value is known-fake.
    pub fn is_test_data(&self, kind: &str, normalized: &str) -> bool {
        if self.values.get(kind).is_some_and(|v| v.contains(normalized)) {
            return true;
        }
        match kind {
            "phone" => self.drama && normalized.strip_prefix("+44").is_some_and(is_drama_number),
            "ip_address" => normalized.parse::<IpAddr>().is_ok_and(|ip| self.nets.iter().any(|n| n.contains(&ip))),
            "email" => {
                let domain = normalized.rsplit_once('@').map_or("", |(_, d)| d);
                let tld = domain.rsplit('.').next().unwrap_or("");
                self.tlds.iter().any(|t| t == tld)
                    || self.domains.iter().any(|d| {
                        domain.strip_suffix(d.as_str()).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
                    })
            }
            "payment_card" => self.cards.contains(normalized),
            _ => false,
        }
    }
}

/// How far from a finding, on its line, the inline marker is looked for.
/// Lines longer than this are data, not code with comments; the bound keeps
/// the check cheap on huge single-line files.
pub const INLINE_REACH: usize = 4096;

/// Whether the line of `text` holding `[start, end)` carries the inline
/// marker within [`INLINE_REACH`] bytes of the finding.
pub fn inline_allowed(text: &[u8], start: usize, end: usize) -> bool {
    let (ls, le) = marker_line(text, start, end);
    marker_finder().find(&text[ls..le]).is_some()
}

/// The part of the finding's line searched for the marker.
fn marker_line(text: &[u8], start: usize, end: usize) -> (usize, usize) {
    let floor = start.saturating_sub(INLINE_REACH);
    let ceil = (end + INLINE_REACH).min(text.len());
    let ls = memchr::memrchr(b'\n', &text[floor..start]).map_or(floor, |p| floor + p + 1);
    let le = memchr::memchr(b'\n', &text[end..ceil]).map_or(ceil, |p| end + p);
    (ls, le)
}

fn marker_finder() -> &'static memchr::memmem::Finder<'static> {
    static F: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    F.get_or_init(|| memchr::memmem::Finder::new(INLINE_MARKER))
}

/// [`inline_allowed`] for the findings of one text, asked in offset order.
///
/// A dense export has a finding every few dozen bytes and no marker at
/// all: instead of finding each finding's line and searching it, this
/// searches ahead once per `AHEAD` (256 KiB) bytes and remembers the
/// first marker there (or that there is none). Bounded, so a mapped file is
/// not paged in ahead of the scan.
#[derive(Debug, Default)]
pub struct MarkerCache {
    /// Searched: `[from, upto)`.
    from: usize,
    upto: usize,
    /// The first marker lying wholly in `[from, upto)`, if any.
    next: Option<usize>,
}

impl MarkerCache {
    const AHEAD: usize = 256 * 1024;

    /// Same answer as [`inline_allowed`].
    pub fn allowed(&mut self, text: &[u8], start: usize, end: usize) -> bool {
        let reach = (start.saturating_sub(INLINE_REACH), (end + INLINE_REACH).min(text.len()));
        if self.next.is_none() && self.from <= reach.0 && reach.1 <= self.upto {
            return false; // no marker anywhere the line could be
        }
        let (ls, le) = marker_line(text, start, end);
        if ls < self.from {
            return marker_finder().find(&text[ls..le]).is_some();
        }
        if le > self.upto || self.next.is_some_and(|m| m < ls) {
            self.from = ls;
            self.upto = (ls + Self::AHEAD).max(le).min(text.len());
            self.next = marker_finder().find(&text[ls..self.upto]).map(|p| ls + p);
        }
        // The first marker at or after `from` starts at or after `ls`: the
        // line has one iff that one ends within it.
        self.next.is_some_and(|m| m + INLINE_MARKER.len() <= le)
    }
}

/// One accepted finding in a baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// Path as reported.
    pub path: String,
    /// Kind of data.
    pub kind: String,
    /// Keyed fingerprint (hex), never the value.
    pub fingerprint: String,
}

/// A baseline file: accepted findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Note for readers: what the fingerprints are.
    #[serde(default)]
    pub note: String,
    /// Entries, sorted.
    pub findings: Vec<BaselineEntry>,
}

impl Baseline {
    /// Read a baseline file.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Path { path: path.to_path_buf(), source: e })?;
        serde_json::from_str(&text).map_err(|e| Error::Config(format!("baseline {}: {e}", path.display())))
    }

    /// The (path, fingerprint) pairs to suppress.
    pub fn keys(&self) -> HashSet<(String, String)> {
        self.findings.iter().map(|e| (e.path.clone(), e.fingerprint.clone())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn inline_marker_is_per_line() {
        let t = b"a 07700 900123 # piiscan:allow\nb 07700 900124\n";
        assert!(inline_allowed(t, 2, 14));
        assert!(!inline_allowed(t, 33, 45));
    }

    #[test]
    fn configured_domains_and_values() {
        let mut a = AllowList::empty();
        a.add_domain(".Acme.example");
        a.add_value("phone", "+441632960000");
        assert!(a.is_test_data("email", "jo@acme.example") && a.is_test_data("email", "jo@mail.acme.example"));
        assert!(!a.is_test_data("email", "jo@notacme.example") && !a.is_test_data("email", "jo@acme.example.com"));
        assert!(a.is_test_data("phone", "+441632960000"));
        assert!(!a.is_test_data("phone", "+441632960001") && !a.is_test_data("nhs_number", "+441632960000"));
    }

    /// The cache answers as the plain per-line search does, for findings
    /// in offset order, markers anywhere (line starts and ends, near and
    /// beyond the reach, several per stretch searched ahead).
    #[test]
    fn marker_cache_agrees_with_the_line_search() {
        let mut text = Vec::new();
        let mut spans = Vec::new();
        for i in 0..40_000usize {
            let start = text.len() + 2;
            text.extend_from_slice(b"x 07700 900123");
            spans.push((start, start + 12));
            if i % 7 == 3 {
                text.extend_from_slice(b" # piiscan:allow");
            }
            if i % 1000 == 999 {
                text.extend(std::iter::repeat_n(b'y', INLINE_REACH + 10));
                text.extend_from_slice(b"piiscan:allow");
            }
            text.push(if i % 3 == 0 { b'\n' } else { b' ' });
        }
        let mut cache = MarkerCache::default();
        let mut allowed = 0;
        for &(s, e) in &spans {
            let want = inline_allowed(&text, s, e);
            assert_eq!(cache.allowed(&text, s, e), want, "finding at {s}");
            allowed += usize::from(want);
        }
        assert!(allowed > 1000 && allowed < spans.len() - 1000, "{allowed}");
    }

    #[test]
    fn own_sites_match_by_postcode_and_house_number() {
        let mut a = AllowList::empty();
        assert!(a.add_site("Leeds").is_err());
        a.add_site("Unit 4, 12 Mill Road, Leeds LS1 1AA").unwrap();
        assert!(a.is_own_site("postal_address", "12 mill road leeds LS1 1AA"));
        assert!(a.is_own_site("postal_address", "12 mill road"), "a street line without its postcode");
        assert!(
            !a.is_own_site("postal_address", "14 mill road leeds LS1 1AA"),
            "a neighbour shares the postcode, not the number"
        );
        assert!(!a.is_own_site("postal_address", "12 elm road leeds LS6 2AB"));
    }
}
