//! The pass over each batch of final findings: postal addresses around
//! postcodes ([`super::address`]). It runs after overlap resolution because
//! an address overlaps the postcode it ends with, which stays a finding of
//! its own; the address reports its other parts as pieces, and the names
//! and street lines inside it give way.

use super::address::{AddressDetector, Walk};
use super::{count_chars, FieldContext, RawFinding};

/// How far back from its postcode an address walk reads (eight parts of at
/// most 96 bytes, with the keys, separators and line breaks between them).
/// The walk is capped here, so what it finds does not depend on where the
/// engine cut its batches; and a batch holds back its findings within
/// twice this of its bound, so that a postcode in the next batch still
/// sees the street and names before it (an address cut at a batch boundary
/// lost its street: a 64 KiB checkpoint between `7 Dover Lane,` and
/// `PL6 4LY` left a street line and a postcode).
pub(super) const ADDRESS_REACH: usize = 4096;

/// What the address pass needs from the engine.
pub(super) struct Post<'e> {
    /// The detector.
    pub(super) det: &'e AddressDetector,
    /// Its rule index (the findings' rule).
    pub(super) rule: usize,
    /// Per rule: finds postcodes (the anchors).
    pub(super) postcode: &'e [bool],
    /// Per rule: finds names (they give way to an address around them).
    pub(super) name: &'e [bool],
    /// Per rule: finds street lines without a postcode (they give way to an
    /// address around them, and are dropped inside a business address).
    pub(super) street: &'e [bool],
    /// Column headers, for delimited text.
    pub(super) field: &'e FieldContext,
    /// Addresses scoring less are dropped.
    pub(super) min_score: f32,
}

impl Post<'_> {
    /// Whether findings of `rule` give way to an address around them.
    fn absorbed(&self, rule: usize) -> bool {
        self.name[rule] || self.street[rule]
    }

    /// Add the address around each postcode of `merged` (final findings in
    /// offset order) from index `from` on; those before it were held back
    /// from the last batch and had their pass already. `low` is where the
    /// last postcode seen ended (no walk goes back past it); returns it for
    /// the next batch. Names and street lines inside an address give way.
    pub(super) fn run(&self, hay: &[u8], merged: &mut Vec<RawFinding>, from: usize, low: usize) -> usize {
        let mut found: Vec<RawFinding> = Vec::new();
        let mut business: Vec<(usize, usize)> = Vec::new();
        let mut low = low;
        for k in from..merged.len() {
            let pc = &merged[k];
            if !self.postcode[pc.rule] {
                continue;
            }
            let before = &merged[..k];
            let taken = |s: usize, e: usize| -> Option<bool> {
                let i = before.partition_point(|f| f.end <= s);
                let hits = &before[i..];
                let hits = &hits[..hits.partition_point(|f| f.start < e)];
                if hits.is_empty() {
                    None
                } else {
                    Some(hits.iter().all(|f| self.absorbed(f.rule)))
                }
            };
            let floor = low.max(pc.start.saturating_sub(ADDRESS_REACH));
            let walk = self.det.around(hay, self.field, (pc.start, pc.end), &pc.normalized, floor, &taken);
            low = pc.end;
            let a = match walk {
                Walk::Address(a) if a.score >= self.min_score => a,
                Walk::Business(start) => {
                    business.push((start, pc.start));
                    continue;
                }
                _ => continue,
            };
            let (line, column, char_column) = place_before(hay, pc, a.start);
            found.push(RawFinding {
                rule: self.rule,
                start: a.start,
                end: pc.end,
                line,
                column,
                char_column,
                score: a.score,
                normalized: a.normalized,
                scope: None,
                pieces: a.pieces,
            });
        }
        // A street line found without its postcode is judged the same way.
        for f in merged[from..].iter().filter(|f| self.street[f.rule]) {
            if self.det.business(hay, self.field, &[(f.start, f.end)], f.start.saturating_sub(ADDRESS_REACH)) {
                business.push((f.start, f.end));
            }
        }
        if found.is_empty() && business.is_empty() {
            return low;
        }
        merged.retain(|f| {
            let inside = self.absorbed(f.rule) && found.iter().any(|a| f.start >= a.start && f.end <= a.end);
            let of_business = self.street[f.rule] && business.iter().any(|&(s, e)| f.start >= s && f.end <= e);
            !(inside || of_business)
        });
        merged.extend(found);
        merged.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
        low
    }
}

/// Line and columns of `start`, at or before the placed finding `f`.
fn place_before(hay: &[u8], f: &RawFinding, start: usize) -> (u64, u64, u64) {
    let between = &hay[start..f.start];
    let nl = memchr::memchr_iter(b'\n', between).count() as u64;
    if nl == 0 {
        return (
            f.line,
            f.column.saturating_sub(between.len() as u64).max(1),
            f.char_column.saturating_sub(count_chars(between)).max(1),
        );
    }
    let line_start = memchr::memrchr(b'\n', &hay[..start]).map_or(0, |p| p + 1);
    let head = &hay[line_start..start];
    (f.line.saturating_sub(nl).max(1), head.len() as u64 + 1, count_chars(head) + 1)
}
