//! Offset maps from a decoded text back to the bytes it came from, stored
//! as runs.
//!
//! A decoded text (entities or escapes resolved, a legacy encoding turned
//! into UTF-8) needs, for every byte, the offset of the stored byte it came
//! from. Held as one integer per byte that costs eight times the text: an
//! 8 MB HTML page with one `&amp;` held 67 MB of map, twice over while it
//! was composed with the file's own, and that set the peak memory of a
//! whole scan. Almost all of a map advances in one fixed step (one stored
//! byte per text byte; two for UTF-16), so it is kept as runs: each run is
//! the segment offset where it starts, the stored offset it starts from and
//! its step. Lookups are a binary search over the runs; a text with no
//! change of step costs one run.

/// Segment offset → stored offset, as runs of equal steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// Where each run starts, increasing in segment offset.
    runs: Vec<Run>,
    /// Number of entries (`text.len() + 1` once complete).
    len: u64,
}

/// Entries `seg + j` map to `stored + j * step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    seg: u64,
    stored: u64,
    step: u32,
}

impl OffsetMap {
    /// An empty map.
    pub fn new() -> Self {
        OffsetMap::default()
    }

    /// Append the stored offset of the next segment byte.
    pub fn push(&mut self, stored: u64) {
        let len = self.len;
        let extends = match self.runs.last_mut() {
            // A run of one entry takes its step from its second.
            Some(r) if len - r.seg == 1 && stored >= r.stored && stored - r.stored <= u64::from(u32::MAX) => {
                r.step = (stored - r.stored) as u32;
                true
            }
            Some(r) => r.stored.checked_add((len - r.seg) * u64::from(r.step)) == Some(stored),
            None => false,
        };
        if !extends {
            self.runs.push(Run { seg: len, stored, step: 1 });
        }
        self.len += 1;
    }

    /// Append `n` entries all mapping to `stored` (a character decoded
    /// into several bytes from one stored position).
    pub fn push_repeat(&mut self, stored: u64, n: usize) {
        for _ in 0..n {
            self.push(stored);
        }
    }

    /// The stored offset of segment byte `i`, if the map reaches it.
    pub fn get(&self, i: usize) -> Option<u64> {
        let i = i as u64;
        if i >= self.len {
            return None;
        }
        let r = self.runs[self.runs.partition_point(|r| r.seg <= i) - 1];
        Some(r.stored + (i - r.seg) * u64::from(r.step))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the map has no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every entry in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().enumerate().flat_map(move |(k, &r)| {
            let end = self.runs.get(k + 1).map_or(self.len, |next| next.seg);
            (0..end - r.seg).map(move |j| r.stored + j * u64::from(r.step))
        })
    }
}

impl FromIterator<u64> for OffsetMap {
    fn from_iter<I: IntoIterator<Item = u64>>(it: I) -> Self {
        let mut m = OffsetMap::new();
        for o in it {
            m.push(o);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::OffsetMap;

    #[test]
    fn runs_answer_like_the_flat_map() {
        // `a&amp;b` decoded to `a&b`, then the end; a two-byte character
        // from one stored byte; a step back (a joint).
        let flat: Vec<u64> = vec![0, 1, 6, 7, 7, 8, 20, 21, 22, 3, 4, 6, 8, 10, 10, 10, 12];
        let m: OffsetMap = flat.iter().copied().collect();
        assert_eq!(m.len(), flat.len());
        for (i, &o) in flat.iter().enumerate() {
            assert_eq!(m.get(i), Some(o), "entry {i}");
        }
        assert_eq!(m.get(flat.len()), None);
        assert_eq!(m.iter().collect::<Vec<_>>(), flat);
        assert!(m.runs.len() < flat.len());
    }

    #[test]
    fn one_to_one_text_is_one_run() {
        let m: OffsetMap = (100..1_000_100u64).collect();
        assert_eq!(m.runs.len(), 1);
        assert_eq!(m.get(999_999), Some(1_000_099));
        // UTF-16: two stored bytes per text byte, after a two-byte BOM.
        let m: OffsetMap = (0..1000u64).map(|i| 2 + 2 * i).collect();
        assert_eq!((m.runs.len(), m.get(10)), (1, Some(22)));
        assert!(OffsetMap::new().is_empty());
    }
}
