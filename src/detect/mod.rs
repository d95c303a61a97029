//! Detection: candidates → validation → context score → overlap resolution.
//!
//! # Two-phase matching
//! Running every pattern over every byte costs one pass per pattern. The
//! engine instead does, for each buffer:
//! 1. **Anchor skip.** Every built-in pattern declares an *anchor*, a byte
//!    class each of its matches contains (a digit, `@`/`%`, `:`). One pass
//!    finds anchor bytes and opens a window of the longest match length
//!    (computed from the regex) either side; text without anchors (most
//!    prose) is skipped eight bytes at a time, and eight bytes whose
//!    anchors are all digits or colons (logs, exports) open or extend the
//!    window in one step.
//! 2. **One overlapping pass.** Inside the windows, one lazy DFA over *all*
//!    patterns (match kind "all") reports, for each pattern, every offset
//!    where one of its matches ends. A match of pattern R ending at `x` lies
//!    in `[x - max_len(R), x)`; those ranges, merged per pattern, are R's
//!    windows, and contain every match of R.
//! 3. **Per pattern, only its windows.** R runs its own leftmost-first
//!    iteration inside its windows, resumed where it last stopped (after a
//!    taken match, at its end; after a rejected one, at the next word after
//!    a blank inside it, where a real value may start), with
//!    `regex_automata::Input::range` so that `\b` sees the bytes outside.
//!    Since its windows contain all its matches, it finds exactly what a pass
//!    over the whole buffer would, for about one search per real match.
//!
//! With [`EngineOptions::prefilter`] off the engine runs the plain
//! per-pattern passes; tests check that both give identical findings.
//!
//! # Scoring
//! `score = base + validator adjustment + boost (closest context cue is
//! positive, or the column header names the field) - penalty (closest cue is
//! negative)`, clamped to [0, 1]. Patterns with `context_required` are
//! dropped without a positive cue. Findings below the minimum score are
//! dropped *before* overlaps are resolved; among overlapping findings the
//! higher score wins, then the longer span, then the earlier rule.

pub mod address;
pub(crate) mod answer;
pub mod context;
pub mod credentials;
pub mod names;
mod post;
pub mod validate;

use std::sync::Arc;

use regex_automata::hybrid::dfa::{Cache as DfaCache, OverlappingState, DFA};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{meta, Input, MatchKind};

use crate::rules::{Anchor, Detector, Rule, RuleSet};
use address::AddressDetector;
pub use context::FieldContext;
use post::Post;
use validate::Verdict;

/// Lazy-DFA cache per regex and thread. The patterns' counted repetitions
/// (`{0,63}`) make many DFA states; with the default 2 MiB the cache keeps
/// clearing and rebuilding states (measured: over 20% of scan time).
pub const DFA_CACHE: usize = 8 << 20;

/// Engine switches.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// Use the two-phase prefilter (on by default; off only to prove
    /// equivalence or to debug a pattern).
    pub prefilter: bool,
    /// Drop findings scoring below this.
    pub min_score: f32,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { prefilter: true, min_score: 0.5 }
    }
}

/// A finding in the coordinates of the scanned buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFinding {
    /// Index of the rule in the [`RuleSet`].
    pub rule: usize,
    /// Start offset in the buffer.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// 1-based line.
    pub line: u64,
    /// 1-based byte column.
    pub column: u64,
    /// 1-based column in characters (UTF-8 code points; other bytes count one each).
    pub char_column: u64,
    /// Score in [0, 1].
    pub score: f32,
    /// Normalised value from the validator.
    pub normalized: String,
    /// The validator's qualifier (`"private"` addresses), if any.
    pub scope: Option<&'static str>,
    /// The spans the finding covers when it is not all of `start..end`
    /// (a postal address without its postcode, which is a finding of its
    /// own); empty for most.
    pub pieces: Vec<(usize, usize)>,
}

impl RawFinding {
    /// A finding of a detector in code (names, credentials): its line and
    /// columns are filled in when it is handed over, in offset order.
    pub(crate) fn unplaced(rule: usize, start: usize, end: usize, score: f32, normalized: String) -> RawFinding {
        RawFinding {
            rule,
            start,
            end,
            line: 0,
            column: 0,
            char_column: 0,
            score,
            normalized,
            scope: None,
            pieces: Vec::new(),
        }
    }
}

/// The detection engine: immutable, shared by all workers.
#[derive(Debug)]
pub struct Engine {
    rules: Arc<RuleSet>,
    opts: EngineOptions,
    /// Byte → anchor-class bits.
    class: [u8; 256],
    /// Window padding per class-bit combination (before, after).
    pad: [(usize, usize); 8],
    /// All rules in one lazy DFA reporting every match end (phase 2);
    /// `None` when some rule has no anchor, or for very unusual patterns the
    /// lazy DFA cannot handle: the engine then runs per-rule passes.
    ends: Option<DFA>,
    /// Longest match of any rule.
    max_len: usize,
    /// Word-at-a-time test for anchor bytes.
    swar: Swar,
    /// Window padding for a run of digits and colons (the bytes of
    /// [`Swar`]'s range): the larger of their two pads.
    range_pad: (usize, usize),
    /// Rule index of each pattern of the `ends` DFA.
    pat_rule: Vec<usize>,
    /// The detectors in code (names, credentials) and their rule indices.
    detectors: Vec<(usize, Detector)>,
    /// The postal address detector and its rule index: it runs over the
    /// other findings, from each postcode.
    address: Option<(usize, Arc<AddressDetector>)>,
    /// Per rule: whether it finds postcodes (the anchors of addresses),
    /// names, street lines (names and street lines give way to an address
    /// around them; street lines are dropped inside a business address).
    postcode_rule: Vec<bool>,
    name_rule: Vec<bool>,
    street_rule: Vec<bool>,
}

/// Tests eight bytes at once for anchor bytes, so anchor-free text is
/// skipped a word at a time, and a word whose anchors all share the
/// digit/colon pad is taken in one step (the per-byte table decides the
/// rest).
#[derive(Debug, Clone, Copy)]
struct Swar {
    /// Exclusive byte range (m, n), m < b < n, both <= 128: the digits (and `:`).
    range: Option<(u64, u64)>,
    /// Single bytes (`@`, `%`, `:`) as repeated words.
    eq: [Option<u64>; 3],
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` strictly between `m` and `n` (both at
/// most 128): "determine if a word has a byte between m and n" (Bit
/// Twiddling Hacks). No carry or borrow crosses a byte, so each byte's high
/// bit is its own answer, exact.
pub(crate) fn bytes_between(w: u64, m: u64, n: u64) -> u64 {
    let low7 = w & (ONES * 127);
    (ONES * (127 + n)).wrapping_sub(low7) & !w & low7.wrapping_add(ONES * (127 - m)) & HIGHS
}

impl Swar {
    fn new(class: &[u8; 256]) -> Swar {
        let digits = class[b'0' as usize] != 0;
        let colon = class[b':' as usize] != 0;
        let at = class[b'@' as usize] != 0;
        let range = match (digits, colon) {
            (true, true) => Some((0x2f, 0x3b)),
            (true, false) => Some((0x2f, 0x3a)),
            _ => None,
        };
        let eq = [
            (colon && !digits).then_some(ONES * u64::from(b':')),
            at.then_some(ONES * u64::from(b'@')),
            at.then_some(ONES * u64::from(b'%')),
        ];
        Swar { range, eq }
    }

    /// The anchor bytes of `w` (little-endian): the high bit of each byte in
    /// the range, and of each byte equal to a single anchor byte. Exact per
    /// byte, no false positives: a word with only range bytes can be taken
    /// whole.
    #[inline]
    fn masks(&self, w: u64) -> (u64, u64) {
        let in_range = self.range.map_or(0, |(m, n)| bytes_between(w, m, n));
        // Exact zero-byte test: a byte's high bit is set after adding 0x7f
        // to its low seven bits, or'ed with itself, unless it is zero.
        let zero = |v: u64| !(((v & !HIGHS).wrapping_add(!HIGHS)) | v) & HIGHS;
        let single = self.eq.iter().flatten().fold(0, |acc, &e| acc | zero(w ^ e));
        (in_range, single)
    }
}

/// The next leftmost-first match of a rule: start, end, and the spans of
/// its reported groups when it has any.
type Found = (usize, usize, Option<Vec<(usize, usize)>>);

impl Engine {
    /// Build an engine over a rule set.
    pub fn new(rules: Arc<RuleSet>, opts: EngineOptions) -> Engine {
        // Only classes some rule is anchored on: with `--kinds email`, digits
        // must not open windows. Detector rules (names) have no regex and
        // take no part in the regex phases.
        let regex_rules: Vec<usize> = (0..rules.rules.len()).filter(|&i| rules.rules[i].regex.is_some()).collect();
        let used = |a: Anchor| regex_rules.iter().any(|&i| rules.rules[i].anchor == a);
        let mut class = [0u8; 256];
        if used(Anchor::Digit) {
            for b in b'0'..=b'9' {
                class[b as usize] |= Anchor::Digit.bit();
            }
        }
        if used(Anchor::At) {
            class[b'@' as usize] |= Anchor::At.bit();
            class[b'%' as usize] |= Anchor::At.bit();
        }
        if used(Anchor::Colon) {
            class[b':' as usize] |= Anchor::Colon.bit();
        }
        let mut per_bit = [0usize; 8];
        let mut has_unanchored = false;
        for r in regex_rules.iter().map(|&i| &rules.rules[i]) {
            if r.anchor == Anchor::None {
                has_unanchored = true;
            } else {
                let b = r.anchor.bit() as usize;
                per_bit[b] = per_bit[b].max(r.max_len);
            }
        }
        let mut pad = [(0, 0); 8];
        for (mask, p) in pad.iter_mut().enumerate() {
            let m = (0..3).filter(|k| mask & (1 << k) != 0).map(|k| per_bit[1 << k]).max().unwrap_or(0);
            *p = (m.saturating_sub(1), m);
        }
        let pats: Vec<&str> = regex_rules.iter().map(|&i| rules.rules[i].def.regex.as_str()).collect();
        let ends = if has_unanchored || pats.is_empty() {
            None
        } else {
            DFA::builder()
                .syntax(syntax::Config::new().unicode(false).utf8(false))
                .configure(
                    DFA::config()
                        .match_kind(MatchKind::All)
                        .cache_capacity(DFA_CACHE)
                        .skip_cache_capacity_check(true)
                        .minimum_cache_clear_count(None),
                )
                .build_many(&pats)
                .ok()
        };
        let max_len = rules.rules.iter().map(|r| r.max_len).max().unwrap_or(0);
        let swar = Swar::new(&class);
        let range_pad = pad[(Anchor::Digit.bit() | Anchor::Colon.bit()) as usize];
        let mut detectors: Vec<(usize, Detector)> =
            rules.rules.iter().enumerate().filter_map(|(i, r)| r.detector.clone().map(|d| (i, d))).collect();
        let address = detectors.iter().find_map(|(i, d)| match d {
            Detector::Addresses(a) => Some((*i, a.clone())),
            _ => None,
        });
        detectors.retain(|(_, d)| !matches!(d, Detector::Addresses(_)));
        let postcode_rule = rules.rules.iter().map(|r| &*r.kind == "uk_postcode").collect();
        // A name (`Victoria Road`) or a street line found without its
        // postcode gives way to the address around it.
        let street_rule = rules.rules.iter().map(|r| r.regex.is_some() && &*r.kind == "postal_address").collect();
        let name_rule = rules.rules.iter().map(|r| matches!(r.detector, Some(Detector::Names(_)))).collect();
        Engine {
            rules,
            opts,
            class,
            pad,
            range_pad,
            ends,
            max_len,
            swar,
            pat_rule: regex_rules,
            detectors,
            address,
            postcode_rule,
            name_rule,
            street_rule,
        }
    }

    /// The rule set.
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// The options.
    pub fn options(&self) -> EngineOptions {
        self.opts
    }

    /// Reusable per-thread search state (DFA and regex caches). Keep one
    /// per worker and pass it to [`Engine::scan_with`]: the lazy DFA's states
    /// then carry over from file to file.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            dfa: self.ends.as_ref().map(DFA::create_cache),
            caches: self.rules.rules.iter().map(|r| r.regex.as_ref().map(meta::Regex::create_cache)).collect(),
            caps: self.rules.rules.iter().map(|r| r.regex.as_ref().map(meta::Regex::create_captures)).collect(),
        }
    }

    /// Scan `hay`, appending findings in offset order to `out`.
    ///
    /// `progress(pos)` is called as the scan moves past `pos`, so a caller
    /// holding a memory map can release pages behind it.
    pub fn scan(&self, hay: &[u8], field: &FieldContext, out: &mut Vec<RawFinding>, progress: &mut dyn FnMut(usize)) {
        self.scan_with(&mut self.scratch(), hay, field, out, progress);
    }

    /// Whether rule `rule`'s context words (or column header) speak for
    /// (`.0`) or against (`.1`) the span `s..e`: e.g. whether a date sits
    /// where a date of birth is expected.
    pub fn context(&self, rule: usize, hay: &[u8], field: &FieldContext, s: usize, e: usize) -> (bool, bool) {
        context_of(&self.rules.rules[rule], hay, field, None, s, e)
    }

    /// [`Engine::scan`] with caller-owned scratch space.
    pub fn scan_with(
        &self,
        scratch: &mut Scratch,
        hay: &[u8],
        field: &FieldContext,
        out: &mut Vec<RawFinding>,
        progress: &mut dyn FnMut(usize),
    ) {
        self.scan_batches(scratch, hay, field, &mut |batch| out.append(batch), progress);
    }

    /// [`Engine::scan_with`], handing findings over in batches as they
    /// become final: in offset order, each batch after the one before, the
    /// same findings in all. A caller can pass them on while the buffer is
    /// still being scanned, so a big export's findings are never all held.
    ///
    /// Names are found first (they are a small share of the findings): a
    /// name gives way to any other finding it overlaps, and with every name
    /// known, each batch of final regex findings goes out merged with them.
    pub fn scan_batches(
        &self,
        scratch: &mut Scratch,
        hay: &[u8],
        field: &FieldContext,
        emit: &mut dyn FnMut(&mut Vec<RawFinding>),
        progress: &mut dyn FnMut(usize),
    ) {
        let names = self.detected(hay, field, progress);
        let post = self.address.as_ref().map(|(rule, det)| Post {
            det,
            rule: *rule,
            postcode: &self.postcode_rule,
            name: &self.name_rule,
            street: &self.street_rule,
            field,
            min_score: self.opts.min_score,
        });
        let mut out = Output::new(hay, names, post, emit);
        let mut st = State::new(self.rules.rules.len(), header_cues(&self.rules, field), scratch);
        let done = match (&self.ends, self.opts.prefilter) {
            (Some(dfa), true) => self.two_phase(dfa, hay, field, &mut st, &mut out, progress).is_ok(),
            _ => false,
        };
        if !done {
            // Per-rule passes: no prefilter asked for, or the DFA gave up
            // (after handing some findings over: the passes find the same
            // findings, and those already handed over are skipped).
            out.restart();
            let mut st = State::new(self.rules.rules.len(), st.heads, st.scratch);
            self.per_rule(hay, field, &mut st, &mut out);
        }
        out.flush(None);
        progress(hay.len());
    }

    /// The findings of the detectors in code, in offset order. A credential
    /// wins over a name it overlaps (`Password: Rosemary1`).
    fn detected(&self, hay: &[u8], field: &FieldContext, progress: &mut dyn FnMut(usize)) -> Vec<RawFinding> {
        let (mut names, mut creds) = (Vec::new(), Vec::new());
        for (ri, d) in &self.detectors {
            match d {
                Detector::Names(d) => d.scan(hay, field, *ri, self.opts.min_score, &mut names, progress),
                Detector::Credentials(d) => d.scan(hay, field, *ri, self.opts.min_score, &mut creds, progress),
                // Runs over the other findings, as they are handed over.
                Detector::Addresses(_) => {}
            }
        }
        if creds.is_empty() {
            return names;
        }
        let mut out = Vec::with_capacity(names.len() + creds.len());
        let mut c = creds.into_iter().peekable();
        let mut cred_end = 0;
        for n in names {
            while let Some(f) = c.next_if(|f| f.start < n.start) {
                cred_end = f.end;
                out.push(f);
            }
            let covered = cred_end > n.start || c.peek().is_some_and(|f| f.start < n.end);
            if !covered {
                out.push(n);
            }
        }
        out.extend(c);
        out
    }

    fn two_phase(
        &self,
        dfa: &DFA,
        hay: &[u8],
        field: &FieldContext,
        st: &mut State,
        out: &mut Output<'_>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(), regex_automata::MatchError> {
        let n = hay.len();
        let mut cur: Option<(usize, usize)> = None;
        // The DFA cache leaves the scratch while the pass runs, and returns after.
        let mut cache = st.scratch.dfa.take().unwrap_or_else(|| dfa.create_cache());
        let result = {
            let mut windows = |s: usize, e: usize, st: &mut State, out: &mut Output<'_>| {
                let input = Input::new(hay).range(s..e);
                let mut ostate = OverlappingState::start();
                loop {
                    dfa.try_search_overlapping_fwd(&mut cache, &input, &mut ostate)?;
                    let Some(hm) = ostate.get_match() else { break };
                    let x = hm.offset();
                    self.match_end(self.pat_rule[hm.pattern().as_usize()], x, hay, field, st);
                    if x >= st.next_check {
                        self.checkpoint(x, hay, field, st, out);
                        progress(st.finalized);
                    }
                }
                Ok::<(), regex_automata::MatchError>(())
            };
            let mut result = Ok(());
            // Open or extend the current window with an anchor region.
            let mut add = |lo: usize, hi: usize, st: &mut State, out: &mut Output<'_>| {
                cur = match cur {
                    Some((s, e)) if lo <= e && e - s < MAX_WINDOW => Some((s, e.max(hi))),
                    Some((s, e)) => {
                        result = std::mem::replace(&mut result, Ok(())).and_then(|()| windows(s, e, st, out));
                        Some((lo, hi))
                    }
                    None => Some((lo, hi)),
                };
            };
            let (r_before, r_after) = self.range_pad;
            let mut i = 0;
            while i < n {
                if let Some(w) = hay.get(i..i + 8) {
                    let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
                    let (in_range, single) = self.swar.masks(w);
                    if single == 0 {
                        // No anchor (most prose), or only digits/colons
                        // (logs, exports): one region from the first to the
                        // last, which covers each of theirs.
                        if in_range != 0 {
                            let first = i + in_range.trailing_zeros() as usize / 8;
                            let last = i + 7 - in_range.leading_zeros() as usize / 8;
                            add(first.saturating_sub(r_before), (last + r_after).min(n), st, out);
                        }
                        i += 8;
                        continue;
                    }
                }
                let c = self.class[hay[i] as usize];
                if c != 0 {
                    let (before, after) = self.pad[c as usize];
                    add(i.saturating_sub(before), (i + after).min(n), st, out);
                }
                i += 1;
            }
            if let Some((s, e)) = cur {
                result = result.and_then(|()| windows(s, e, st, out));
            }
            result
        };
        st.scratch.dfa = Some(cache);
        result?;
        for ri in 0..st.open.len() {
            if let Some(w) = st.open[ri].take() {
                self.run_window(ri, w, hay, field, st);
            }
        }
        self.finalize(usize::MAX, hay, st, out);
        Ok(())
    }

    /// A match of rule `ri` ends at `x`: extend or start its window.
    fn match_end(&self, ri: usize, x: usize, hay: &[u8], field: &FieldContext, st: &mut State) {
        let lo = x.saturating_sub(self.rules.rules[ri].max_len);
        match st.open[ri] {
            Some((wl, wh)) if lo <= wh => st.open[ri] = Some((wl, wh.max(x))),
            Some(w) => {
                self.run_window(ri, w, hay, field, st);
                st.open[ri] = Some((lo, x));
            }
            None => st.open[ri] = Some((lo, x)),
        }
    }

    /// Run windows no future match end can extend, and emit what is final.
    fn checkpoint(&self, x: usize, hay: &[u8], field: &FieldContext, st: &mut State, out: &mut Output<'_>) {
        st.next_check = x + CHECK_EVERY;
        let mut limit = x.saturating_sub(self.max_len);
        for ri in 0..st.open.len() {
            if let Some((wl, wh)) = st.open[ri] {
                let max_len = self.rules.rules[ri].max_len;
                if wh + max_len < x {
                    st.open[ri] = None;
                    self.run_window(ri, (wl, wh), hay, field, st);
                } else {
                    // Dense text keeps a window open for ever; its matches
                    // starting well behind `x` are settled already.
                    let wl = self.run_window_before(ri, (wl, wh), x.saturating_sub(max_len), hay, field, st);
                    st.open[ri] = Some((wl, wh));
                    limit = limit.min(wl);
                }
            }
        }
        self.finalize(limit, hay, st, out);
    }

    /// Rule `ri`'s own leftmost-first iteration inside one of its windows,
    /// up to matches starting at `cut`.
    ///
    /// For an open window, the part whose matches are already settled:
    /// those starting before `cut` = `x` - the rule's longest match. Every
    /// match starting there ends before `x`, at an end the first pass has
    /// reported, so at or before `wh`: searching up to `wh` finds exactly
    /// what the whole window's search will (`\b` still sees past `wh`).
    /// Returns where the window's unsettled part starts: no later match of
    /// the rule starts before it.
    fn run_window_before(
        &self,
        ri: usize,
        (wl, wh): (usize, usize),
        cut: usize,
        hay: &[u8],
        field: &FieldContext,
        st: &mut State,
    ) -> usize {
        if cut <= wl {
            return wl;
        }
        let rule = &self.rules.rules[ri];
        loop {
            let from = st.resume[ri].max(wl);
            if from >= wh || from >= cut {
                break;
            }
            let (cache, caps) = (&mut st.scratch.caches[ri], &mut st.scratch.caps[ri]);
            let Some((ms, me, groups)) = find(rule, hay, from, wh, cache, caps) else { break };
            if ms >= cut {
                break;
            }
            let heads = st.heads.get(ri).map_or(&[][..], Vec::as_slice);
            let taken = self.consider(ri, rule, hay, ms, me, groups.as_deref(), field, heads, &mut st.cands);
            // A rejected match gives its bytes back: a value may start at a
            // word inside it (`(?i)` IBAN groups read `BN70DX the iban is
            // FR13…` as one failing candidate that swallows the real IBAN).
            st.resume[ri] = match (taken && me > ms, rule.spans_blank) {
                (true, _) => me,
                (false, true) => next_word_start(hay, ms, me),
                (false, false) => me.max(ms + 1),
            };
        }
        cut.max(st.resume[ri]).min(wh)
    }

    /// Rule `ri`'s own leftmost-first iteration inside one of its windows.
    fn run_window(&self, ri: usize, w: (usize, usize), hay: &[u8], field: &FieldContext, st: &mut State) {
        self.run_window_before(ri, w, usize::MAX, hay, field, st);
    }

    /// Without the prefilter: each rule's own pass over the whole buffer.
    fn per_rule(&self, hay: &[u8], field: &FieldContext, st: &mut State, out: &mut Output<'_>) {
        for &ri in &self.pat_rule {
            self.run_window(ri, (0, hay.len()), hay, field, st);
        }
        self.finalize(usize::MAX, hay, st, out);
    }

    /// Emit, in order and with overlaps resolved, the longest prefix of the
    /// pending candidates that nothing pending or future (starting at or
    /// after `limit`) can overlap.
    ///
    /// Below `limit` (short of the end), what is out is final, and with no
    /// later finding starting before the first pending candidate or `limit`,
    /// names ending before that can be merged and handed over.
    fn finalize(&self, limit: usize, hay: &[u8], st: &mut State, out: &mut Output<'_>) {
        self.finalize_cands(limit, hay, st, out);
        if limit != usize::MAX {
            let bound = st.cands.first().map_or(limit, |c| c.start.min(limit));
            out.flush(Some(bound));
        }
    }

    fn finalize_cands(&self, limit: usize, hay: &[u8], st: &mut State, out: &mut Output<'_>) {
        if st.cands.is_empty() {
            st.finalized = st.finalized.max(limit.min(hay.len()));
            return;
        }
        st.cands.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)).then(a.rule.cmp(&b.rule)));
        let mut cut = 0;
        let mut max_end = 0;
        for (i, c) in st.cands.iter().enumerate() {
            if max_end <= c.start && max_end <= limit {
                cut = i;
            }
            max_end = max_end.max(c.end);
        }
        if max_end <= limit {
            cut = st.cands.len();
        }
        if cut == 0 {
            return;
        }
        let mut ready: Vec<RawFinding> = st.cands.drain(..cut).collect();
        resolve_overlaps(&mut ready);
        for mut c in ready {
            let (line, col, chars) = st.cursor.advance(hay, c.start);
            c.line = line;
            c.column = col;
            c.char_column = chars;
            out.push(c);
        }
        st.finalized = st.finalized.max(limit.min(hay.len()));
    }

    /// Validate and score one match of `rule`, pushing its candidates;
    /// whether it was taken (false: rejected by isolation, validator,
    /// context or score).
    #[allow(clippy::too_many_arguments)]
    fn consider(
        &self,
        ri: usize,
        rule: &Rule,
        hay: &[u8],
        s: usize,
        mut e: usize,
        groups: Option<&[(usize, usize)]>,
        field: &FieldContext,
        heads: &[(bool, bool)],
        cands: &mut Vec<RawFinding>,
    ) -> bool {
        if rule.isolated && !isolated(hay, s, e) {
            return false;
        }
        let cues = |e: usize| context_of(rule, hay, field, Some(heads), s, e);
        // Required context is cheaper to check than most validators, and
        // usually absent (dates in logs): check it first.
        let early = if rule.context_required {
            let c = cues(e);
            if !c.0 {
                return false;
            }
            Some(c)
        } else {
            None
        };
        let verdict = match groups {
            Some(g) => {
                let mut joined = Vec::with_capacity(e - s);
                for (k, &(gs, ge)) in g.iter().enumerate() {
                    if k > 0 {
                        joined.push(b'|');
                    }
                    joined.extend_from_slice(&hay[gs..ge]);
                }
                rule.validator.check(&joined, 0, joined.len())
            }
            None => rule.validator.check(hay, s, e),
        };
        let Verdict::Accept(mut acc) = verdict else {
            return false;
        };
        e -= acc.trim_end;
        // The best score context could give: when even that is too low (a
        // private IP address), the context search is skipped.
        let score_with = |positive: bool, negative: bool| {
            let mut score = rule.score + acc.score_adj;
            if positive {
                score += rule.context_boost;
            }
            if negative {
                score -= rule.negative_penalty;
            }
            score.clamp(0.0, 1.0)
        };
        let best = if rule.context_required {
            score_with(true, false)
        } else {
            score_with(true, false).max(score_with(false, true)).max(score_with(false, false))
        };
        if best < self.opts.min_score {
            return false;
        }
        let (positive, negative) = match early {
            Some(c) if acc.trim_end == 0 => c,
            _ => cues(e),
        };
        if rule.context_required && !positive {
            return false;
        }
        let score = score_with(positive, negative);
        if score < self.opts.min_score {
            return false;
        }
        let spans: Vec<(usize, usize)> = match groups {
            Some(g) => g.to_vec(),
            None => vec![(s, e)],
        };
        let last = spans.len() - 1;
        for (k, (gs, ge)) in spans.into_iter().enumerate() {
            // Each span gets the value; the last takes it.
            let normalized = if k == last { std::mem::take(&mut acc.normalized) } else { acc.normalized.clone() };
            cands.push(RawFinding {
                rule: ri,
                start: gs,
                end: ge,
                line: 0,
                column: 0,
                char_column: 0,
                score,
                normalized,
                scope: acc.scope,
                pieces: Vec::new(),
            });
        }
        true
    }
}

/// (positive, negative) context of the span `s..e` for `rule`: the column
/// header when the field structure names one, else the closest cue word in
/// the rule's window, else (a value opening an answer turn) the cue words of
/// the question before it ([`answer`]).
///
/// `heads` holds the rule's verdict on each column header, judged once per
/// text ([`header_cues`]); `None` judges the header here.
fn context_of(
    rule: &Rule,
    hay: &[u8],
    field: &FieldContext,
    heads: Option<&[(bool, bool)]>,
    s: usize,
    e: usize,
) -> (bool, bool) {
    let cs = s.saturating_sub(rule.context_before);
    let ce = (e + rule.context_after).min(hay.len());
    let header = match heads {
        Some(h) => field.column(hay, s).and_then(|c| h.get(c).copied()),
        None => field.label(hay, s).map(|l| rule.cues.in_text(l)),
    };
    // A column header names the field outright.
    match header {
        Some((true, _)) => (true, false),
        Some((false, true)) => (false, true),
        _ => match rule.cues.closest(hay, cs, s, e, ce) {
            // No cue around it: an answer takes its question's
            // (`answer`), when the question names this kind and nothing else
            // it says is a negative cue.
            (false, false) if rule.cues.has_positive() => match answer::question_before(hay, s) {
                Some((qs, qe)) => match rule.cues.in_text(&hay[qs..qe]) {
                    (true, false) => (true, false),
                    _ => (false, false),
                },
                None => (false, false),
            },
            verdict => verdict,
        },
    }
}

/// Each rule's (positive, negative) verdict on each column header: a dense
/// export has a finding in most cells, and the header's words need not be
/// searched for each.
fn header_cues(rules: &RuleSet, field: &FieldContext) -> Vec<Vec<(bool, bool)>> {
    rules.rules.iter().map(|r| field.headers().iter().map(|h| r.cues.in_text(h)).collect()).collect()
}

fn find(
    rule: &Rule,
    hay: &[u8],
    from: usize,
    to: usize,
    cache: &mut Option<meta::Cache>,
    caps: &mut Option<Captures>,
) -> Option<Found> {
    let (Some(re), Some(cache), Some(caps)) = (&rule.regex, cache.as_mut(), caps.as_mut()) else { return None };
    let input = Input::new(hay).range(from..to);
    if rule.report_groups.is_empty() {
        let m = re.search_with(cache, &input)?;
        return Some((m.start(), m.end(), None));
    }
    re.search_captures_with(cache, &input, caps);
    let m = caps.get_match()?;
    let groups = rule.report_groups.iter().filter_map(|&g| caps.get_group(g).map(|sp| (sp.start, sp.end))).collect();
    Some((m.start(), m.end(), Some(groups)))
}

/// Longest anchor window run at once. Text with an anchor every few bytes
/// (logs: timestamps on every line) would otherwise make one window of the
/// whole buffer, found by a first pass over all of it before the second
/// starts: twice the memory traffic, and all of a mapped file resident.
/// A longer run is cut where the next anchor's own window starts; that
/// window holds every match through that anchor, so none is lost, and a
/// match end reported twice (in the overlap) changes nothing.
const MAX_WINDOW: usize = 256 * 1024;

/// How often (in bytes of progress) pending work is finalised.
const CHECK_EVERY: usize = 64 * 1024;

/// Per-thread search caches; see [`Engine::scratch`].
#[derive(Debug)]
pub struct Scratch {
    dfa: Option<DfaCache>,
    caches: Vec<Option<meta::Cache>>,
    caps: Vec<Option<Captures>>,
}

/// Per-scan state.
struct State<'s> {
    scratch: &'s mut Scratch,
    /// Candidates not yet emitted.
    cands: Vec<RawFinding>,
    /// Line tracking.
    cursor: Cursor,
    /// Where each rule's own iteration resumes.
    resume: Vec<usize>,
    /// Each rule's open window (phase 3).
    open: Vec<Option<(usize, usize)>>,
    /// Next offset at which to finalise.
    next_check: usize,
    /// Everything before this offset has been emitted.
    finalized: usize,
    /// [`header_cues`] of the text.
    heads: Vec<Vec<(bool, bool)>>,
}

impl<'s> State<'s> {
    fn new(rules: usize, heads: Vec<Vec<(bool, bool)>>, scratch: &'s mut Scratch) -> State<'s> {
        State {
            scratch,
            cands: Vec::new(),
            cursor: Cursor::default(),
            resume: vec![0; rules],
            open: vec![None; rules],
            next_check: CHECK_EVERY,
            finalized: 0,
            heads,
        }
    }
}

/// Final findings on their way out: regex findings as the engine finalises
/// them, merged with the names (all found before), handed over in batches.
///
/// A name gives way to any regex finding it overlaps. A batch is handed
/// over with a bound below which no later regex finding starts, so a name
/// ending by the bound is decided; one reaching past it waits.
struct Output<'e> {
    hay: &'e [u8],
    /// Regex findings finalised since the last hand-over.
    batch: Vec<RawFinding>,
    /// The names not yet decided, in offset order.
    names: std::iter::Peekable<std::vec::IntoIter<RawFinding>>,
    /// End of the last finding handed over.
    last_end: usize,
    /// Line tracking for names (regex findings get theirs when finalised).
    cursor: Cursor,
    /// Regex findings handed over, and how many a restart must skip.
    handed: usize,
    skip: usize,
    /// The address pass over each batch, when addresses are looked for.
    post: Option<Post<'e>>,
    /// Findings held back from the last batch for the address pass (see
    /// [`post::ADDRESS_REACH`]), and where its last postcode ended.
    held: Vec<RawFinding>,
    post_low: usize,
    emit: &'e mut dyn FnMut(&mut Vec<RawFinding>),
}

impl<'e> Output<'e> {
    fn new(
        hay: &'e [u8],
        names: Vec<RawFinding>,
        post: Option<Post<'e>>,
        emit: &'e mut dyn FnMut(&mut Vec<RawFinding>),
    ) -> Output<'e> {
        Output {
            hay,
            batch: Vec::new(),
            names: names.into_iter().peekable(),
            last_end: 0,
            cursor: Cursor::default(),
            handed: 0,
            skip: 0,
            post,
            held: Vec::new(),
            post_low: 0,
            emit,
        }
    }

    /// A final regex finding, in offset order.
    fn push(&mut self, f: RawFinding) {
        if self.skip > 0 {
            self.skip -= 1;
        } else {
            self.batch.push(f);
        }
    }

    /// The regex pass starts over from the beginning: what it already
    /// handed over will be found again and is skipped.
    fn restart(&mut self) {
        self.batch.clear();
        self.skip = self.handed;
    }

    /// Merge the batch with the names it decides and hand it over; `None`
    /// when no regex finding is to come.
    fn flush(&mut self, bound: Option<usize>) {
        let batch = std::mem::take(&mut self.batch);
        self.handed += batch.len();
        let mut merged = Vec::with_capacity(batch.len());
        let mut regex = batch.into_iter().peekable();
        while let Some(n) = self.names.peek() {
            let (ns, ne) = (n.start, n.end);
            while let Some(o) = regex.next_if(|o| o.end <= ns) {
                self.last_end = o.end;
                merged.push(o);
            }
            let following = regex.peek();
            if following.is_none() && bound.is_some_and(|b| ne > b) {
                break;
            }
            let overlaps = self.last_end > ns || following.is_some_and(|o| o.start < ne);
            let Some(mut n) = self.names.next() else { break };
            if !overlaps {
                (n.line, n.column, n.char_column) = self.cursor.advance(self.hay, ns);
                self.last_end = ne;
                merged.push(n);
            }
        }
        for o in regex {
            self.last_end = o.end;
            merged.push(o);
        }
        if let Some(p) = &self.post {
            let from = self.held.len();
            if from > 0 {
                let mut all = std::mem::take(&mut self.held);
                all.append(&mut merged);
                merged = all;
                if !merged.is_sorted_by_key(|f| f.start) {
                    merged.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
                }
            }
            self.post_low = p.run(self.hay, &mut merged, from, self.post_low);
            if let Some(b) = bound {
                let cut = b.saturating_sub(2 * post::ADDRESS_REACH);
                let keep = merged.partition_point(|f| f.start < cut);
                self.held = merged.split_off(keep);
            }
        }
        if !merged.is_empty() {
            (self.emit)(&mut merged);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The masks must be exact per byte, not just "some anchor here": a
    /// word whose only anchors are digits and colons is taken whole, from
    /// its first anchor to its last.
    #[test]
    fn swar_masks_are_exact_per_byte() {
        let digits_colon = |colon: bool, at: bool| {
            let mut class = [0u8; 256];
            for b in b'0'..=b'9' {
                class[b as usize] = 1;
            }
            if at {
                class[b'@' as usize] = 2;
                class[b'%' as usize] = 2;
            }
            if colon {
                class[b':' as usize] = 4;
            }
            class
        };
        let mut colon_only = [0u8; 256];
        colon_only[b':' as usize] = 4;
        // Bytes next to the class edges, NUL and high bytes around each byte tested.
        let backgrounds = [b'x', 0x00, 0x2f, 0x3a, 0x3b, 0x3f, 0x41, 0x80, 0xff, b'5', b'@'];
        for class in [digits_colon(true, true), digits_colon(false, true), digits_colon(true, false), colon_only] {
            let sw = Swar::new(&class);
            for b in 0..=255u8 {
                for &bg in &backgrounds {
                    for pos in 0..8 {
                        let mut bytes = [bg; 8];
                        bytes[pos] = b;
                        let (in_range, single) = sw.masks(u64::from_le_bytes(bytes));
                        for (k, &x) in bytes.iter().enumerate() {
                            let bit = 0x80u64 << (8 * k);
                            let ranged = class[b'0' as usize] != 0 && class[x as usize] & 5 != 0;
                            assert_eq!(in_range & bit != 0, ranged, "range: byte {x:#x} at {k}");
                            assert_eq!(
                                single & bit != 0,
                                class[x as usize] != 0 && !ranged,
                                "single: byte {x:#x} at {k}"
                            );
                        }
                    }
                }
            }
            assert_eq!(sw.masks(u64::from_le_bytes(*b"abcdefgh")), (0, 0));
        }
    }
}

/// Tracks line numbers (and character columns) as findings advance
/// through the buffer, so a long single-line file never costs a backwards
/// scan per finding.
#[derive(Default)]
struct Cursor {
    pos: usize,
    line: u64,
    line_start: usize,
    /// Characters from `line_start` to `pos`.
    chars: u64,
}

/// Characters in UTF-8 bytes: every byte that is not a continuation byte.
pub(crate) fn count_chars(b: &[u8]) -> u64 {
    b.iter().filter(|&&x| x & 0xC0 != 0x80).count() as u64
}

impl Cursor {
    fn advance(&mut self, hay: &[u8], to: usize) -> (u64, u64, u64) {
        if to >= self.pos {
            let seg = &hay[self.pos..to];
            let nl = memchr::memchr_iter(b'\n', seg).count() as u64;
            if nl > 0 {
                self.line += nl;
                self.line_start = self.pos + memchr::memrchr(b'\n', seg).map_or(0, |p| p + 1);
                self.chars = count_chars(&hay[self.line_start..to]);
            } else {
                self.chars += count_chars(seg);
            }
            self.pos = to;
        }
        (self.line + 1, (to - self.line_start) as u64 + 1, self.chars + 1)
    }
}

/// A number or identifier must stand alone: not glued to letters/digits or
/// `_`, and not the continuation of a longer number (`1234 0161 …`) or code
/// (`ORD-0161…`).
fn isolated(hay: &[u8], s: usize, e: usize) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if s > 0 {
        let p = hay[s - 1];
        if word(p) {
            return false;
        }
        if matches!(p, b'-' | b'.' | b'/' | b' ' | b'_') && s > 1 {
            let pp = hay[s - 2];
            if pp.is_ascii_digit() || (p != b' ' && pp.is_ascii_alphabetic()) {
                return false;
            }
        }
    }
    if e < hay.len() {
        let n = hay[e];
        if word(n) {
            return false;
        }
        if matches!(n, b'-' | b'.' | b'/' | b' ') && hay.get(e + 1).is_some_and(u8::is_ascii_digit) {
            return false;
        }
    }
    true
}

/// Where a rule's iteration resumes after rejecting the match `[s, e)`: the
/// first word after a space or tab inside it, else `e` (`s + 1` for an
/// empty match).
///
/// Only after blanks, and only for rules whose matches can hold one: the
/// patterns that span several words (IBAN groups, phone and card digit
/// groups, written dates, a sort code and its account number) join them
/// with blanks, and retrying after every `.`, `-` or `:` of each rejected
/// IP, timestamp or version string cost 1% of a scan.
fn next_word_start(hay: &[u8], s: usize, e: usize) -> usize {
    let mut p = s + 1;
    while let Some(k) = hay.get(p..e).and_then(|w| memchr::memchr2(b' ', b'\t', w)) {
        p += k + 1;
        if p < e && !matches!(hay[p], b' ' | b'\t') {
            return p;
        }
    }
    e.max(s + 1)
}

/// Sort by offset and keep, among overlapping candidates, the best one.
fn resolve_overlaps(c: &mut Vec<RawFinding>) {
    c.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)).then(a.rule.cmp(&b.rule)));
    let better = |a: &RawFinding, b: &RawFinding| {
        a.score.total_cmp(&b.score).then((a.end - a.start).cmp(&(b.end - b.start))).then(b.rule.cmp(&a.rule)).is_gt()
    };
    let mut kept: Vec<RawFinding> = Vec::with_capacity(c.len());
    for f in c.drain(..) {
        match kept.last_mut() {
            Some(last) if f.start < last.end => {
                if better(&f, last) {
                    *last = f;
                }
            }
            _ => kept.push(f),
        }
    }
    *c = kept;
}
