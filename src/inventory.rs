//! The inventory: per data store, which kinds of personal data, how many,
//! how many distinct values (≈ people affected), and how old the files are.
//! Built from file outcomes; reporters only render it.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::finding::Label;
use crate::outcome::FileOutcome;

/// Counts for one data store.
#[derive(Debug, Default, Clone, Serialize)]
pub struct StoreStats {
    /// Files scanned.
    pub files_scanned: u64,
    /// Files with at least one finding.
    pub files_with_pii: u64,
    /// Files skipped or failed (any reason).
    pub files_skipped: u64,
    /// Audio, video and image files: not content-scanned, but they may hold
    /// personal data (call recordings, CCTV, scanned forms).
    pub media_files: u64,
    /// Their total size in bytes.
    pub media_bytes: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings per kind.
    pub findings: BTreeMap<String, u64>,
    /// Of those, known-fake test data.
    pub test_data: u64,
    /// Findings suppressed (inline `piiscan:allow`, baseline).
    pub suppressed: u64,
    /// Distinct values per kind, by keyed fingerprint.
    pub distinct: BTreeMap<String, u64>,
    /// Oldest modification time among files with PII (RFC 3339).
    pub oldest_modified: Option<String>,
    /// Newest modification time among files with PII (RFC 3339).
    pub newest_modified: Option<String>,
    /// Fingerprints are keyed HMACs, already uniform: a cheap hash will do
    /// (one insert per finding on the single, ordered writer thread), in a
    /// set per kind found by its interned label, not by string order.
    #[serde(skip)]
    fps: FxHashMap<Label, FxHashSet<u64>>,
    #[serde(skip)]
    oldest: Option<SystemTime>,
    #[serde(skip)]
    newest: Option<SystemTime>,
    /// Parts of the file being added had findings.
    #[serde(skip)]
    open_hits: bool,
}

/// The whole run.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Inventory {
    /// Per data store, sorted by name.
    pub stores: BTreeMap<String, StoreStats>,
    /// Totals over all stores.
    pub total: StoreStats,
    /// Files scanned per format (`text`, `csv`, `json`, `docx`, `zip`...).
    pub formats: BTreeMap<String, u64>,
    /// Files skipped per reason code (by rule: binary, media, too large...).
    pub skipped: BTreeMap<String, u64>,
    /// Files that failed per reason code (errors: unreadable, malformed,
    /// over an archive limit...).
    pub failed: BTreeMap<String, u64>,
    /// Members or parts of scanned containers that could not be read, per
    /// reason code (an encrypted member of a zip...).
    pub members_unread: BTreeMap<String, u64>,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
    /// Scanned megabytes (10^6 bytes) per second.
    pub mb_per_sec: f64,
}

impl Inventory {
    /// Account for one file.
    pub fn add(&mut self, o: &FileOutcome) {
        let store = self.stores.entry(o.store.clone()).or_default();
        for s in [store, &mut self.total] {
            s.add(o);
        }
        if o.partial {
            return;
        }
        match &o.skipped {
            Some((r, _)) if r.failed() => *self.failed.entry(r.code().to_string()).or_default() += 1,
            Some((r, _)) => *self.skipped.entry(r.code().to_string()).or_default() += 1,
            None => *self.formats.entry(o.format.to_string()).or_default() += 1,
        }
        for p in &o.problems {
            *self.members_unread.entry(p.reason.code().to_string()).or_default() += 1;
        }
    }

    /// Files (and members) not read, except those left out on purpose
    /// (`--modified-before`, hidden files, links not followed): what
    /// `--fail-on-skipped` fails on.
    pub fn not_read(&self) -> u64 {
        let passed_over = |r: &str| crate::outcome::SkipReason::PASSED_OVER.iter().any(|p| p.code() == r);
        let skipped: u64 = self.skipped.iter().filter(|(r, _)| !passed_over(r)).map(|(_, n)| n).sum();
        skipped + self.failed.values().sum::<u64>() + self.members_unread.values().sum::<u64>()
    }

    /// Fill derived fields once all files are in.
    pub fn finish(&mut self, elapsed: Duration) {
        self.elapsed_secs = elapsed.as_secs_f64();
        self.mb_per_sec = if self.elapsed_secs > 0.0 { self.total.bytes as f64 / 1e6 / self.elapsed_secs } else { 0.0 };
        for s in self.stores.values_mut().chain(std::iter::once(&mut self.total)) {
            s.finish();
        }
    }

    /// Total findings.
    pub fn total_findings(&self) -> u64 {
        self.total.findings.values().sum()
    }

    /// Findings that are not known-fake test data: what fails a CI run.
    pub fn real_findings(&self) -> u64 {
        self.total_findings() - self.total.test_data
    }
}

impl StoreStats {
    fn add(&mut self, o: &FileOutcome) {
        if o.partial {
            self.add_findings(o);
            self.open_hits |= !o.findings.is_empty();
            return;
        }
        if let Some((r, _)) = &o.skipped {
            self.files_skipped += 1;
            if *r == crate::outcome::SkipReason::Media {
                self.media_files += 1;
                self.media_bytes += o.size;
            }
            return;
        }
        self.files_scanned += 1;
        self.bytes += o.size;
        self.suppressed += o.suppressed;
        self.add_findings(o);
        // Its parts' findings count too.
        let hits = std::mem::take(&mut self.open_hits) || !o.findings.is_empty();
        if !hits {
            return;
        }
        self.files_with_pii += 1;
        if let Some(m) = o.modified {
            self.oldest = Some(self.oldest.map_or(m, |x| x.min(m)));
            self.newest = Some(self.newest.map_or(m, |x| x.max(m)));
        }
    }

    /// Count findings (of a whole file or a part of one).
    fn add_findings(&mut self, o: &FileOutcome) {
        self.test_data += o.findings.iter().filter(|f| f.test_data).count() as u64;
        // Counted per kind here, added to the report's map once per kind.
        let mut counts: Vec<(Label, u64)> = Vec::new();
        for f in &o.findings {
            self.fps.entry(f.kind).or_default().insert(f.fingerprint);
            match counts.iter_mut().find(|(k, _)| *k == f.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((f.kind, 1)),
            }
        }
        for (kind, n) in counts {
            match self.findings.get_mut(&*kind) {
                Some(total) => *total += n,
                None => {
                    self.findings.insert(kind.to_string(), n);
                }
            }
        }
    }

    fn finish(&mut self) {
        self.distinct = self.fps.iter().map(|(k, v)| (k.to_string(), v.len() as u64)).collect();
        self.oldest_modified = self.oldest.map(rfc3339);
        self.newest_modified = self.newest.map(rfc3339);
    }
}

/// Format a time as RFC 3339 (UTC, seconds).
pub fn rfc3339(t: SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    dt.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}
