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

use std::collections::HashSet;
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
    /// Extra (kind, normalised value) pairs, e.g. from a config file.
    values: HashSet<(String, String)>,
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
            values: HashSet::new(),
        }
    }

    /// No known-fake data at all (`--strict` still reports; this is for tests).
    pub fn empty() -> AllowList {
        AllowList::default()
    }

    /// Add a (kind, normalised value) pair.
    pub fn add_value(&mut self, kind: &str, normalized: &str) {
        self.values.insert((kind.to_string(), normalized.to_string()));
    }

    /// Add an email domain (and its subdomains).
    pub fn add_domain(&mut self, domain: &str) {
        self.domains.push(domain.trim_start_matches('.').to_ascii_lowercase());
    }

    /// Whether a finding of `kind` with this normalised value is known-fake.
    pub fn is_test_data(&self, kind: &str, normalized: &str) -> bool {
        if self.values.contains(&(kind.to_string(), normalized.to_string())) {
            return true;
        }
        match kind {
            "phone" => self.drama && normalized.strip_prefix("+44").is_some_and(is_drama_number),
            "ip_address" => normalized.parse::<IpAddr>().is_ok_and(|ip| self.nets.iter().any(|n| n.contains(&ip))),
            "email" => {
                let domain = normalized.rsplit_once('@').map_or("", |(_, d)| d);
                let tld = domain.rsplit('.').next().unwrap_or("");
                self.tlds.iter().any(|t| t == tld)
                    || self.domains.iter().any(|d| domain == d || domain.ends_with(&format!(".{d}")))
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
    let floor = start.saturating_sub(INLINE_REACH);
    let ceil = (end + INLINE_REACH).min(text.len());
    let ls = memchr::memrchr(b'\n', &text[floor..start]).map_or(floor, |p| floor + p + 1);
    let le = memchr::memchr(b'\n', &text[end..ceil]).map_or(ceil, |p| end + p);
    memchr::memmem::find(&text[ls..le], INLINE_MARKER).is_some()
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
}
