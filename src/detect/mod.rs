//! Detection: candidates → validation → context score → overlap resolution.
//!
//! # The prefilter
//! Every built-in pattern declares an *anchor*: a byte class each of its
//! matches must contain (a digit, `@`/`%`, `:`). One pass over the buffer
//! finds anchor bytes and opens a window of `max_len` bytes either side
//! (`max_len` is computed from the regex, see [`crate::rules`]); overlapping
//! windows merge. Regexes then run only inside windows, with
//! `regex_automata::Input::range` so that `\b` still sees the bytes outside
//! the window. Every match contains an anchor and is at most `max_len` long,
//! so it lies wholly inside one window: the findings are the same as with
//! the prefilter off ([`EngineOptions::prefilter`]), which a test checks.
//! Prose with few digits is skipped at memory speed; this is where piiscan
//! gains over running the same regexes over every byte.
//!
//! # Scoring
//! `score = base + validator adjustment + boost (context word near, or in
//! the column header) - penalty (negative context word near)`, clamped to
//! [0, 1]. Patterns with `context_required` are dropped without context.
//! Findings below the minimum score are dropped *before* overlaps are
//! resolved; among overlapping findings the higher score wins, then the
//! longer span, then the earlier rule.

pub mod context;
pub mod validate;

use std::sync::Arc;

use regex_automata::Input;

use crate::rules::{Anchor, Rule, RuleSet};
pub use context::FieldContext;
use validate::Verdict;

/// Engine switches.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// Use the anchor-window prefilter (on by default; off only to prove
    /// equivalence or to debug a pattern).
    pub prefilter: bool,
    /// Drop findings scoring below this.
    pub min_score: f32,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            prefilter: true,
            min_score: 0.5,
        }
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
    /// Score in [0, 1].
    pub score: f32,
    /// Normalised value from the validator.
    pub normalized: String,
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
    /// Whether some rule has no anchor (forces a whole-buffer pass).
    has_unanchored: bool,
}

impl Engine {
    /// Build an engine over a rule set.
    pub fn new(rules: Arc<RuleSet>, opts: EngineOptions) -> Engine {
        let mut class = [0u8; 256];
        for b in b'0'..=b'9' {
            class[b as usize] |= Anchor::Digit.bit();
        }
        class[b'@' as usize] |= Anchor::At.bit();
        class[b'%' as usize] |= Anchor::At.bit();
        class[b':' as usize] |= Anchor::Colon.bit();
        let mut per_bit = [0usize; 8];
        let mut has_unanchored = false;
        for r in &rules.rules {
            if r.anchor == Anchor::None {
                has_unanchored = true;
            } else {
                let b = r.anchor.bit() as usize;
                per_bit[b] = per_bit[b].max(r.max_len);
            }
        }
        let mut pad = [(0, 0); 8];
        for (mask, p) in pad.iter_mut().enumerate() {
            let m = (0..3)
                .filter(|k| mask & (1 << k) != 0)
                .map(|k| per_bit[1 << k])
                .max()
                .unwrap_or(0);
            *p = (m.saturating_sub(1), m);
        }
        Engine {
            rules,
            opts,
            class,
            pad,
            has_unanchored,
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

    /// Scan `hay`, appending findings in offset order to `out`.
    ///
    /// `progress(pos)` is called as the scan moves past `pos`, so a caller
    /// holding a memory map can release pages behind it.
    pub fn scan(
        &self,
        hay: &[u8],
        field: &FieldContext,
        out: &mut Vec<RawFinding>,
        progress: &mut dyn FnMut(usize),
    ) {
        let mut st = State {
            cands: Vec::new(),
            cursor: Cursor::default(),
        };
        if !self.opts.prefilter || self.has_unanchored {
            self.window(hay, 0, hay.len(), 0xff, field, &mut st, out);
            progress(hay.len());
            return;
        }
        let n = hay.len();
        let mut cur: Option<(usize, usize, u8)> = None;
        let mut i = 0;
        let mut next_report = 1 << 24;
        while i < n {
            let c = self.class[hay[i] as usize];
            if c == 0 {
                i += 1;
                continue;
            }
            let (before, after) = self.pad[c as usize];
            let lo = i.saturating_sub(before);
            let hi = (i + after).min(n);
            cur = match cur {
                Some((s, e, m)) if lo <= e => Some((s, e.max(hi), m | c)),
                Some((s, e, m)) => {
                    self.window(hay, s, e, m, field, &mut st, out);
                    if e >= next_report {
                        progress(e);
                        next_report = e + (1 << 24);
                    }
                    Some((lo, hi, c))
                }
                None => Some((lo, hi, c)),
            };
            i += 1;
        }
        if let Some((s, e, m)) = cur {
            self.window(hay, s, e, m, field, &mut st, out);
        }
        progress(n);
    }

    #[allow(clippy::too_many_arguments)]
    fn window(
        &self,
        hay: &[u8],
        ws: usize,
        we: usize,
        mask: u8,
        field: &FieldContext,
        st: &mut State,
        out: &mut Vec<RawFinding>,
    ) {
        st.cands.clear();
        for (ri, rule) in self.rules.rules.iter().enumerate() {
            if mask != 0xff && rule.anchor.bit() & mask == 0 {
                continue;
            }
            let input = Input::new(hay).range(ws..we);
            if rule.report_groups.is_empty() {
                for m in rule.regex.find_iter(input) {
                    self.consider(
                        ri,
                        rule,
                        hay,
                        m.start(),
                        m.end(),
                        None,
                        field,
                        &mut st.cands,
                    );
                }
            } else {
                let mut caps = rule.regex.create_captures();
                let mut at = ws;
                while at < we {
                    rule.regex
                        .search_captures(&Input::new(hay).range(at..we), &mut caps);
                    let Some(m) = caps.get_match() else { break };
                    let groups: Vec<(usize, usize)> = rule
                        .report_groups
                        .iter()
                        .filter_map(|&g| caps.get_group(g).map(|sp| (sp.start, sp.end)))
                        .collect();
                    self.consider(
                        ri,
                        rule,
                        hay,
                        m.start(),
                        m.end(),
                        Some(&groups),
                        field,
                        &mut st.cands,
                    );
                    at = m.end().max(at + 1);
                }
            }
        }
        if st.cands.is_empty() {
            return;
        }
        resolve_overlaps(&mut st.cands);
        for mut c in st.cands.drain(..) {
            let (line, col) = st.cursor.advance(hay, c.start);
            c.line = line;
            c.column = col;
            out.push(c);
        }
    }

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
        cands: &mut Vec<RawFinding>,
    ) {
        if rule.isolated && !isolated(hay, s, e) {
            return;
        }
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
        let Verdict::Accept(acc) = verdict else {
            return;
        };
        e -= acc.trim_end;
        let cs = s.saturating_sub(rule.context_before);
        let ce = (e + rule.context_after).min(hay.len());
        let (positive, negative) = match field.label(hay, s) {
            // A column header names the field outright.
            Some(l) if rule.context.any_in_text(l) => (true, false),
            Some(l) if rule.negative.any_in_text(l) => (false, true),
            _ => closest_cue(rule, hay, cs, s, e, ce),
        };
        if rule.context_required && !positive {
            return;
        }
        let mut score = rule.score + acc.score_adj;
        if positive {
            score += rule.context_boost;
        }
        if negative {
            score -= rule.negative_penalty;
        }
        let score = score.clamp(0.0, 1.0);
        if score < self.opts.min_score {
            return;
        }
        let spans: Vec<(usize, usize)> = match groups {
            Some(g) => g.to_vec(),
            None => vec![(s, e)],
        };
        for (gs, ge) in spans {
            cands.push(RawFinding {
                rule: ri,
                start: gs,
                end: ge,
                line: 0,
                column: 0,
                score,
                normalized: acc.normalized.clone(),
            });
        }
    }
}

/// Which cue is nearest: the closest context word before the match decides
/// ("DOB: 14/03/1982. Invoice date: 01/04/2024" makes only the first a
/// birth date); with none before, the closest one after does.
fn closest_cue(rule: &Rule, hay: &[u8], cs: usize, s: usize, e: usize, ce: usize) -> (bool, bool) {
    let pb = rule.context.last_end(hay, cs, s);
    let nb = rule.negative.last_end(hay, cs, s);
    match (pb, nb) {
        (Some(p), Some(n)) => (p >= n, n > p),
        (Some(_), None) => (true, false),
        (None, Some(_)) => (false, true),
        (None, None) => {
            let pa = rule.context.first_start(hay, e, ce);
            let na = rule.negative.first_start(hay, e, ce);
            match (pa, na) {
                (Some(p), Some(n)) => (p <= n, n < p),
                (p, n) => (p.is_some(), n.is_some()),
            }
        }
    }
}

struct State {
    cands: Vec<RawFinding>,
    cursor: Cursor,
}

/// Tracks line numbers as findings advance through the buffer, so a long
/// single-line file never costs a backwards scan per finding.
#[derive(Default)]
struct Cursor {
    pos: usize,
    line: u64,
    line_start: usize,
}

impl Cursor {
    fn advance(&mut self, hay: &[u8], to: usize) -> (u64, u64) {
        if to >= self.pos {
            let seg = &hay[self.pos..to];
            let nl = memchr::memchr_iter(b'\n', seg).count() as u64;
            if nl > 0 {
                self.line += nl;
                self.line_start = self.pos + memchr::memrchr(b'\n', seg).map_or(0, |p| p + 1);
            }
            self.pos = to;
        }
        (self.line + 1, (to - self.line_start) as u64 + 1)
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
        if matches!(n, b'-' | b'.' | b'/' | b' ') && hay.get(e + 1).is_some_and(u8::is_ascii_digit)
        {
            return false;
        }
    }
    true
}

/// Sort by offset and keep, among overlapping candidates, the best one.
fn resolve_overlaps(c: &mut Vec<RawFinding>) {
    c.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.rule.cmp(&b.rule))
    });
    let better = |a: &RawFinding, b: &RawFinding| {
        a.score
            .total_cmp(&b.score)
            .then((a.end - a.start).cmp(&(b.end - b.start)))
            .then(b.rule.cmp(&a.rule))
            .is_gt()
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
