//! Detection: candidates → validation → context score → overlap resolution.
//!
//! # Two-phase matching
//! Running every pattern over every byte costs one pass per pattern. The
//! engine instead does, for each buffer:
//! 1. **Anchor skip.** Every built-in pattern declares an *anchor*, a byte
//!    class each of its matches contains (a digit, `@`/`%`, `:`). One pass
//!    finds anchor bytes and opens a window of the longest match length
//!    (computed from the regex) either side; text without anchors (most
//!    prose) is skipped at memory speed.
//! 2. **One combined pass.** Inside the windows, a single leftmost-first
//!    alternation of *all* patterns (what ripgrep would run) yields spans.
//!    Every match of every individual pattern starts inside one of these
//!    spans: where pattern R matches at `a`, the alternation has a match
//!    starting at or before `a`, and its iteration cannot step over `a`
//!    without a span covering it.
//! 3. **Per span, only the patterns that can match.** A multi-pattern "which
//!    patterns match here" search over the span (plus the longest match
//!    length) picks candidates; each runs its own leftmost-first iteration,
//!    resumed where it last stopped, keeping matches that start in the span.
//!    `regex_automata::Input::range` lets `\b` see bytes outside each range.
//!
//! So each pattern yields exactly the matches of its own pass over the whole
//! buffer, for the cost of one combined pass over anchor windows plus work
//! per candidate. With [`EngineOptions::prefilter`] off the engine runs the
//! plain per-pattern passes; tests check that both give identical findings.
//!
//! # Scoring
//! `score = base + validator adjustment + boost (closest context cue is
//! positive, or the column header names the field) - penalty (closest cue is
//! negative)`, clamped to [0, 1]. Patterns with `context_required` are
//! dropped without a positive cue. Findings below the minimum score are
//! dropped *before* overlaps are resolved; among overlapping findings the
//! higher score wins, then the longer span, then the earlier rule.

pub mod context;
pub mod validate;

use std::sync::Arc;

use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{meta, Input, MatchKind, PatternSet};

use crate::rules::{Anchor, Rule, RuleSet};
pub use context::FieldContext;
use validate::Verdict;

/// Lazy-DFA cache per regex and thread. The patterns' counted repetitions
/// (`{0,63}`) make many DFA states; with the default 2 MiB the cache keeps
/// clearing and rebuilding states (measured: over 20% of scan time).
pub const DFA_CACHE: usize = 16 << 20;

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
    /// Leftmost-first alternation of all rules (phase 2); `None` when some
    /// rule has no anchor (the engine then runs per-rule passes).
    combined: Option<meta::Regex>,
    /// Short rules as an overlapping set: "which can match here" (phase 3).
    gate: Option<meta::Regex>,
    /// Rule index of each gate pattern.
    gated: Vec<usize>,
    /// Rules too long to gate cheaply (email): tried at every span.
    ungated: Vec<usize>,
}

/// Rules whose matches can be longer than this are not in the gate: gating
/// them would mean scanning that far past every span.
const GATE_REACH: usize = 64;

/// The next leftmost-first match of a rule: start, end, and the spans of
/// its reported groups when it has any.
type Found = (usize, usize, Option<Vec<(usize, usize)>>);

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
            let m = (0..3).filter(|k| mask & (1 << k) != 0).map(|k| per_bit[1 << k]).max().unwrap_or(0);
            *p = (m.saturating_sub(1), m);
        }
        let build = |kind: MatchKind, pats: &[&str]| {
            meta::Regex::builder()
                .syntax(syntax::Config::new().unicode(false).utf8(false))
                .configure(meta::Regex::config().match_kind(kind).utf8_empty(false).hybrid_cache_capacity(DFA_CACHE))
                .build_many(pats)
                .ok()
        };
        let all: Vec<&str> = rules.rules.iter().map(|r| r.def.regex.as_str()).collect();
        let (gated, ungated): (Vec<usize>, Vec<usize>) =
            (0..rules.rules.len()).partition(|&i| rules.rules[i].max_len <= GATE_REACH);
        let short: Vec<&str> = gated.iter().map(|&i| all[i]).collect();
        let (combined, gate) = if has_unanchored || all.is_empty() {
            (None, None)
        } else {
            (build(MatchKind::LeftmostFirst, &all), build(MatchKind::All, &short))
        };
        Engine { rules, opts, class, pad, combined, gate, gated, ungated }
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
    pub fn scan(&self, hay: &[u8], field: &FieldContext, out: &mut Vec<RawFinding>, progress: &mut dyn FnMut(usize)) {
        let mut st = State::new(&self.rules);
        let (Some(combined), Some(gate), true) = (&self.combined, &self.gate, self.opts.prefilter) else {
            self.per_rule(hay, field, &mut st, out);
            progress(hay.len());
            return;
        };
        let n = hay.len();
        let mut cur: Option<(usize, usize)> = None;
        let mut next_report = 1 << 24;
        let run = |s: usize, e: usize, st: &mut State, out: &mut Vec<RawFinding>| {
            for m in combined.find_iter(Input::new(hay).range(s..e)) {
                self.span(hay, m.start(), m.end(), gate, field, st, out);
            }
        };
        for (i, &b) in hay.iter().enumerate() {
            let c = self.class[b as usize];
            if c == 0 {
                continue;
            }
            let (before, after) = self.pad[c as usize];
            let lo = i.saturating_sub(before);
            let hi = (i + after).min(n);
            cur = match cur {
                Some((s, e)) if lo <= e => Some((s, e.max(hi))),
                Some((s, e)) => {
                    run(s, e, &mut st, out);
                    if e >= next_report {
                        progress(e);
                        next_report = e + (1 << 24);
                    }
                    Some((lo, hi))
                }
                None => Some((lo, hi)),
            };
        }
        if let Some((s, e)) = cur {
            run(s, e, &mut st, out);
        }
        self.flush(hay, &mut st, out);
        progress(n);
    }

    /// Without the prefilter: each rule's own pass over the whole buffer.
    fn per_rule(&self, hay: &[u8], field: &FieldContext, st: &mut State, out: &mut Vec<RawFinding>) {
        for (ri, rule) in self.rules.rules.iter().enumerate() {
            let mut at = 0;
            while at < hay.len() {
                let Some((ms, me, groups)) = find(rule, hay, at, hay.len(), &mut st.caps[ri]) else { break };
                self.consider(ri, rule, hay, ms, me, groups.as_deref(), field, &mut st.cands);
                at = if me > ms { me } else { ms + 1 };
            }
        }
        self.flush(hay, st, out);
    }

    /// Phase 3 for one span `[s, e)` of the combined pass.
    #[allow(clippy::too_many_arguments)]
    fn span(
        &self,
        hay: &[u8],
        s: usize,
        e: usize,
        gate: &meta::Regex,
        field: &FieldContext,
        st: &mut State,
        out: &mut Vec<RawFinding>,
    ) {
        // Pending candidates end before this span: nothing later can overlap them.
        if s >= st.pending_end {
            self.flush(hay, st, out);
        }
        let e = e.max(s + 1);
        let reach = (e - 1 + GATE_REACH).min(hay.len());
        st.set.clear();
        gate.which_overlapping_matches(&Input::new(hay).range(s..reach), &mut st.set);
        let mut todo = std::mem::take(&mut st.todo);
        todo.clear();
        todo.extend(st.set.iter().map(|pid| self.gated[pid.as_usize()]));
        // Long rules only where their anchor byte is within reach.
        for &ri in &self.ungated {
            let rule = &self.rules.rules[ri];
            let end = (e - 1 + rule.max_len).min(hay.len());
            if has_anchor(rule.anchor, &hay[s..end]) {
                todo.push(ri);
            }
        }
        for &ri in &todo {
            let rule = &self.rules.rules[ri];
            let end = (e - 1 + rule.max_len).min(hay.len());
            loop {
                let from = st.resume[ri].max(s);
                if from >= e || from >= end {
                    break;
                }
                let Some((ms, me, groups)) = find(rule, hay, from, end, &mut st.caps[ri]) else { break };
                if ms >= e {
                    break;
                }
                st.resume[ri] = if me > ms { me } else { ms + 1 };
                st.pending_end = st.pending_end.max(me);
                self.consider(ri, rule, hay, ms, me, groups.as_deref(), field, &mut st.cands);
            }
        }
        st.todo = todo;
    }

    /// Resolve overlaps among pending candidates and emit them in order.
    fn flush(&self, hay: &[u8], st: &mut State, out: &mut Vec<RawFinding>) {
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
        let cues = |e: usize| {
            let cs = s.saturating_sub(rule.context_before);
            let ce = (e + rule.context_after).min(hay.len());
            match field.label(hay, s) {
                // A column header names the field outright.
                Some(l) if rule.context.any_in_text(l) => (true, false),
                Some(l) if rule.negative.any_in_text(l) => (false, true),
                _ => closest_cue(rule, hay, cs, s, e, ce),
            }
        };
        // Required context is cheaper to check than most validators, and
        // usually absent (dates in logs): check it first.
        let early = if rule.context_required {
            let c = cues(e);
            if !c.0 {
                return;
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
        let Verdict::Accept(acc) = verdict else {
            return;
        };
        e -= acc.trim_end;
        let (positive, negative) = match early {
            Some(c) if acc.trim_end == 0 => c,
            _ => cues(e),
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

fn find(rule: &Rule, hay: &[u8], from: usize, to: usize, caps: &mut Captures) -> Option<Found> {
    let input = Input::new(hay).range(from..to);
    if rule.report_groups.is_empty() {
        let m = rule.regex.find(input)?;
        return Some((m.start(), m.end(), None));
    }
    rule.regex.search_captures(&input, caps);
    let m = caps.get_match()?;
    let groups = rule.report_groups.iter().filter_map(|&g| caps.get_group(g).map(|sp| (sp.start, sp.end))).collect();
    Some((m.start(), m.end(), Some(groups)))
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

/// Whether `bytes` contain a byte of the anchor class (memchr for the rare
/// classes; long rules are the email kind, anchored on `@`/`%`).
fn has_anchor(anchor: Anchor, bytes: &[u8]) -> bool {
    match anchor {
        Anchor::At => memchr::memchr2(b'@', b'%', bytes).is_some(),
        Anchor::Colon => memchr::memchr(b':', bytes).is_some(),
        Anchor::Digit => bytes.iter().any(u8::is_ascii_digit),
        Anchor::None => true,
    }
}

/// Per-scan state.
struct State {
    /// Candidates not yet emitted.
    cands: Vec<RawFinding>,
    /// Line tracking.
    cursor: Cursor,
    /// Where each rule's own iteration resumes (phase 3).
    resume: Vec<usize>,
    /// Reused capture slots per rule.
    caps: Vec<Captures>,
    /// Reused pattern set for the gate.
    set: PatternSet,
    /// End of the furthest pending match.
    pending_end: usize,
    /// Reused list of rules to try at a span.
    todo: Vec<usize>,
}

impl State {
    fn new(rules: &RuleSet) -> State {
        State {
            cands: Vec::new(),
            cursor: Cursor::default(),
            resume: vec![0; rules.rules.len()],
            caps: rules.rules.iter().map(|r| r.regex.create_captures()).collect(),
            set: PatternSet::new(rules.rules.len().max(1)),
            pending_end: 0,
            todo: Vec::new(),
        }
    }
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
        if matches!(n, b'-' | b'.' | b'/' | b' ') && hay.get(e + 1).is_some_and(u8::is_ascii_digit) {
            return false;
        }
    }
    true
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
