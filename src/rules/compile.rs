//! Compiling pattern files into a [`RuleSet`], once, at start-up.

use std::collections::BTreeSet;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::meta;
use regex_automata::util::syntax;

use super::file::{PatternDef, PatternFile};
use super::BUILTIN;
use crate::detect::address::AddressDetector;
use crate::detect::context::in_placeholder;
use crate::detect::credentials::CredentialDetector;
use crate::detect::names::NameDetector;
use crate::detect::validate::Validator;
use crate::error::{Error, Result};
use crate::finding::Label;

/// The byte class every match of a rule contains; drives the prefilter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// An ASCII digit.
    Digit,
    /// `@`, or the `%` of a URL-encoded `%40`.
    At,
    /// `:` (IPv6).
    Colon,
    /// No anchor: the regex runs over the whole buffer.
    None,
}

impl Anchor {
    fn parse(s: &str) -> Option<Anchor> {
        Some(match s {
            "digit" => Anchor::Digit,
            "at" => Anchor::At,
            "colon" => Anchor::Colon,
            "none" => Anchor::None,
            _ => return None,
        })
    }

    /// Bit used in the engine's byte-class table.
    pub(crate) fn bit(self) -> u8 {
        match self {
            Anchor::Digit => 1,
            Anchor::At => 2,
            Anchor::Colon => 4,
            Anchor::None => 0,
        }
    }
}

/// Compiled context words, positive and negative in one automaton (one pass
/// per candidate): ASCII case-insensitive, matched at word or camelCase
/// boundaries so `dateOfBirth` has `birth` but `adobe` has no `dob`.
#[derive(Debug, Clone)]
pub struct Cues {
    ac: Option<AhoCorasick>,
    /// Patterns below this index are positive, the rest negative.
    npos: usize,
}

impl Cues {
    fn new(pos: &[String], neg: &[String]) -> Result<Cues, String> {
        if pos.is_empty() && neg.is_empty() {
            return Ok(Cues { ac: None, npos: 0 });
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(pos.iter().chain(neg))
            .map_err(|e| format!("context words: {e}"))?;
        Ok(Cues { ac: Some(ac), npos: pos.len() })
    }

    /// Whether there are positive words.
    pub fn has_positive(&self) -> bool {
        self.npos > 0
    }

    /// (any positive, any negative) word in `text`, e.g. a column header.
    pub fn in_text(&self, text: &[u8]) -> (bool, bool) {
        let Some(ac) = &self.ac else { return (false, false) };
        let (mut p, mut n) = (false, false);
        for m in ac.find_overlapping_iter(text) {
            if word_boundary(text, m.start(), m.end()) {
                if m.pattern().as_usize() < self.npos {
                    p = true;
                } else {
                    n = true;
                }
            }
        }
        (p, n)
    }

    /// (positive, negative) for a match at `[s, e)`, from the closest cue:
    /// the nearest word wholly in `[cs, s)` decides ("DOB: 14/03/1982.
    /// Invoice date: 01/04/2024" makes only the first a birth date); with
    /// none before, the nearest wholly in `[e, ce)` does.
    ///
    /// Windows stop at record boundaries. A negative cue counts only on the
    /// value's own line: a log line is a record, and `Safari/605.1` ending
    /// one access-log line says nothing of the address that starts the
    /// next. A positive cue counts within the paragraph (a label on the
    /// line above its value, `Sort code:` and `Account no:` on consecutive
    /// lines), not across a blank line.
    pub fn closest(&self, hay: &[u8], cs: usize, s: usize, e: usize, ce: usize) -> (bool, bool) {
        let Some(ac) = &self.ac else { return (false, false) };
        let line = (
            memchr::memrchr(b'\n', &hay[cs..s]).map_or(cs, |i| cs + i + 1),
            memchr::memchr(b'\n', &hay[e..ce]).map_or(ce, |i| e + i),
        );
        let para = (paragraph_start(hay, cs, s), paragraph_end(hay, e, ce));
        // (offset, positive) of the best cue before and after.
        let mut before: Option<(usize, bool)> = None;
        let mut after: Option<(usize, bool)> = None;
        for m in ac.find_overlapping_iter(aho_corasick::Input::new(hay).range(cs..ce)) {
            if !word_boundary(hay, m.start(), m.end()) || in_placeholder(hay, m.start(), m.end()) {
                continue;
            }
            let pos = m.pattern().as_usize() < self.npos;
            let (rs, re) = if pos { para } else { line };
            if m.start() < rs || m.end() > re {
                continue;
            }
            // `Version/17.1` in a user agent is a product token, not the
            // label "version": it says nothing of an address logged after it.
            if !pos && hay.get(m.end()) == Some(&b'/') {
                continue;
            }
            if m.end() <= s {
                // Closest = latest end; on a tie a positive word wins.
                if before.is_none_or(|(o, p)| m.end() > o || (m.end() == o && pos && !p)) {
                    before = Some((m.end(), pos));
                }
            } else if m.start() >= e && after.is_none_or(|(o, p)| m.start() < o || (m.start() == o && pos && !p)) {
                after = Some((m.start(), pos));
            }
        }
        match before.or(after) {
            Some((_, true)) => (true, false),
            Some((_, false)) => (false, true),
            None => (false, false),
        }
    }
}

/// Where the paragraph holding `s` starts, searching back to `cs`: after
/// the last blank line (`\n\n`, `\n\r\n`), else `cs`.
fn paragraph_start(hay: &[u8], cs: usize, s: usize) -> usize {
    let mut at = s;
    while let Some(i) = memchr::memrchr(b'\n', &hay[cs..at]) {
        let nl = cs + i;
        let mut k = nl;
        while k > cs && hay[k - 1] == b'\r' {
            k -= 1;
        }
        if k > cs && hay[k - 1] == b'\n' {
            return nl + 1;
        }
        at = nl;
    }
    cs
}

/// Where the paragraph holding `e` ends, searching on to `ce`: at the next
/// blank line, else `ce`.
fn paragraph_end(hay: &[u8], e: usize, ce: usize) -> usize {
    let mut at = e;
    while let Some(i) = memchr::memchr(b'\n', &hay[at..ce]) {
        let nl = at + i;
        let mut k = nl + 1;
        while k < ce && hay[k] == b'\r' {
            k += 1;
        }
        if k < ce && hay[k] == b'\n' {
            return nl;
        }
        at = nl + 1;
    }
    ce
}

/// Whether `hir` can match a space or a tab anywhere.
fn matches_blank(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    let covers = |lo: u32, hi: u32| [0x09, 0x20].iter().any(|b| (lo..=hi).contains(b));
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(l) => l.0.iter().any(|&b| covers(b.into(), b.into())),
        HirKind::Class(Class::Bytes(c)) => c.ranges().iter().any(|r| covers(r.start().into(), r.end().into())),
        HirKind::Class(Class::Unicode(c)) => c.ranges().iter().any(|r| covers(r.start().into(), r.end().into())),
        HirKind::Repetition(r) => matches_blank(&r.sub),
        HirKind::Capture(c) => matches_blank(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(matches_blank),
    }
}

/// A word boundary for context words: not inside a longer alphabetic run,
/// except at a camelCase step (`dateOfBirth`) or `_`/digits (`d_o_b`, `dob2`).
fn word_boundary(hay: &[u8], s: usize, e: usize) -> bool {
    let first = hay[s];
    let last = hay[e - 1];
    let before_ok = s == 0 || {
        let p = hay[s - 1];
        !p.is_ascii_alphabetic() || (p.is_ascii_lowercase() && first.is_ascii_uppercase())
    };
    let after_ok = e == hay.len() || {
        let n = hay[e];
        !n.is_ascii_alphabetic() || (last.is_ascii_lowercase() && n.is_ascii_uppercase())
    };
    before_ok && after_ok
}

/// A detector in code, for the kinds a regex cannot describe.
#[derive(Debug, Clone)]
pub enum Detector {
    /// Person names (`src/detect/names.rs`).
    Names(Arc<NameDetector>),
    /// Credentials next to their label (`src/detect/credentials.rs`).
    Credentials(Arc<CredentialDetector>),
    /// Postal addresses around postcodes (`src/detect/address.rs`).
    Addresses(Arc<AddressDetector>),
}

/// One compiled pattern.
#[derive(Debug)]
pub struct Rule {
    /// Pattern id.
    pub id: Label,
    /// Kind of data it finds.
    pub kind: Label,
    /// Description for listings.
    pub description: String,
    /// The compiled regex (`None` for a detector rule).
    pub regex: Option<meta::Regex>,
    /// The detector in code, for rules without a regex.
    pub detector: Option<Detector>,
    /// The anchor class.
    pub anchor: Anchor,
    /// Longest possible match in bytes (from the regex).
    pub max_len: usize,
    /// The validator.
    pub validator: Validator,
    /// Base score.
    pub score: f32,
    /// Context words (positive and negative).
    pub cues: Cues,
    /// Context search window before the match.
    pub context_before: usize,
    /// Context search window after the match.
    pub context_after: usize,
    /// Score boost for positive context.
    pub context_boost: f32,
    /// Score penalty for negative context.
    pub negative_penalty: f32,
    /// Whether positive context is required.
    pub context_required: bool,
    /// Whether the match must not be glued to a longer number/identifier.
    pub isolated: bool,
    /// Whether a match can hold a space or tab: a rejected match of such a
    /// rule may hide a value starting at a word inside it
    /// (`Engine::run_window_before` retries there).
    pub spans_blank: bool,
    /// Capture-group indices reported as separate findings (empty: whole match).
    pub report_groups: Vec<usize>,
    /// The source definition (examples are run by tests).
    pub def: PatternDef,
    /// Where it came from, for error messages.
    pub origin: String,
}

/// All rules, compiled once and shared (`Arc`) by every worker.
#[derive(Debug)]
pub struct RuleSet {
    /// Rules in a stable order (built-in file order, then user files).
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The built-in rules only.
    pub fn builtin() -> Result<RuleSet> {
        RuleSet::load(&[])
    }

    /// Built-in rules plus user pattern files (`(name, contents)`), applied in
    /// order: same id replaces, `disable` removes.
    pub fn load(user: &[(String, String)]) -> Result<RuleSet> {
        let mut defs: Vec<(PatternDef, String)> = Vec::new();
        let mut files: Vec<(String, &str)> = BUILTIN.iter().map(|(n, c)| (format!("<built-in>/{n}"), *c)).collect();
        files.extend(user.iter().map(|(n, c)| (n.clone(), c.as_str())));
        for (name, text) in files {
            let pf: PatternFile =
                toml::from_str(text).map_err(|e| Error::PatternFile { file: name.clone(), problem: e.to_string() })?;
            for id in &pf.disable {
                let before = defs.len();
                defs.retain(|(d, _)| &d.id != id);
                if defs.len() == before {
                    return Err(Error::PatternFile {
                        file: name.clone(),
                        problem: format!("disable: no pattern with id `{id}`"),
                    });
                }
            }
            let mut seen = BTreeSet::new();
            for mut d in pf.patterns {
                if !seen.insert(d.id.clone()) {
                    return Err(Error::PatternFile {
                        file: name.clone(),
                        problem: format!("pattern `{}`: id defined twice in this file", d.id),
                    });
                }
                if d.kind.is_none() {
                    d.kind.clone_from(&pf.kind);
                }
                if d.detector.is_some() {
                    d.names_config.clone_from(&pf.names);
                    d.credentials_config.clone_from(&pf.credentials);
                    d.addresses_config.clone_from(&pf.addresses);
                }
                if let Some(pos) = defs.iter().position(|(o, _)| o.id == d.id) {
                    defs[pos] = (d, name.clone());
                } else {
                    defs.push((d, name.clone()));
                }
            }
        }
        let rules = defs.into_iter().map(|(d, origin)| compile(d, origin)).collect::<Result<Vec<_>>>()?;
        Ok(RuleSet { rules })
    }

    /// Keep only rules whose kind passes `keep`.
    pub fn retain_kinds(&mut self, keep: impl Fn(&str) -> bool) {
        self.rules.retain(|r| keep(&r.kind));
    }

    /// The distinct kinds, in rule order.
    pub fn kinds(&self) -> Vec<Label> {
        let mut out: Vec<Label> = Vec::new();
        for r in &self.rules {
            if !out.contains(&r.kind) {
                out.push(r.kind);
            }
        }
        out
    }
}

fn compile(d: PatternDef, origin: String) -> Result<Rule> {
    let err = |problem: String| Error::PatternFile {
        file: origin.clone(),
        problem: format!("pattern `{}`: {problem}", d.id),
    };
    let kind = d.kind.clone().ok_or_else(|| err("no `kind` (in the pattern or the file)".into()))?;
    if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(err(format!("kind `{kind}` must be lower_snake_case")));
    }
    let anchor = Anchor::parse(&d.anchor)
        .ok_or_else(|| err(format!("anchor `{}` is not one of digit, at, colon, none", d.anchor)))?;
    let validator = Validator::from_name(&d.validator)
        .ok_or_else(|| err(format!("unknown validator `{}` (known: {})", d.validator, Validator::NAMES.join(", "))))?;
    if !(0.0..=1.0).contains(&d.score) {
        return Err(err(format!("score {} is outside [0, 1]", d.score)));
    }
    if let Some(det) = &d.detector {
        let detector = match det.as_str() {
            "names" => {
                let cfg = d
                    .names_config
                    .clone()
                    .ok_or_else(|| err("detector `names` needs a [names] table in its file".into()))?;
                Detector::Names(Arc::new(NameDetector::new(cfg).map_err(&err)?))
            }
            "credentials" => {
                let cfg = d
                    .credentials_config
                    .clone()
                    .ok_or_else(|| err("detector `credentials` needs a [credentials] table in its file".into()))?;
                Detector::Credentials(Arc::new(CredentialDetector::new(cfg).map_err(&err)?))
            }
            "addresses" => {
                let cfg = d
                    .addresses_config
                    .clone()
                    .ok_or_else(|| err("detector `addresses` needs an [addresses] table in its file".into()))?;
                Detector::Addresses(Arc::new(AddressDetector::new(cfg).map_err(&err)?))
            }
            _ => return Err(err(format!("unknown detector `{det}` (known: names, credentials, addresses)"))),
        };
        return Ok(Rule {
            id: Label::new(&d.id),
            kind: Label::new(&kind),
            description: d.description.clone().unwrap_or_default(),
            regex: None,
            detector: Some(detector),
            anchor,
            max_len: 0,
            validator,
            score: d.score,
            cues: Cues::new(&[], &[]).map_err(&err)?,
            context_before: 0,
            context_after: 0,
            context_boost: 0.0,
            negative_penalty: 0.0,
            context_required: false,
            isolated: false,
            spans_blank: false,
            report_groups: Vec::new(),
            def: d,
            origin,
        });
    }
    if d.regex.is_empty() {
        return Err(err("no `regex` (and no `detector`)".into()));
    }
    let syn = syntax::Config::new().unicode(false).utf8(false);
    let regex = meta::Regex::builder()
        .syntax(syn)
        .configure(meta::Regex::config().utf8_empty(false).hybrid_cache_capacity(2 << 20))
        .build(&d.regex)
        .map_err(|e| err(format!("bad regex: {e}")))?;
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&d.regex)
        .map_err(|e| err(format!("bad regex: {e}")))?;
    let max_len = match (anchor, hir.properties().maximum_len()) {
        (Anchor::None, m) => m.unwrap_or(usize::MAX),
        (_, Some(m)) => m,
        (_, None) => {
            return Err(err(
                "anchored patterns need a bounded regex (no unbounded `*`/`+`); use {m,n} or anchor = \"none\"".into(),
            ))
        }
    };
    if hir.properties().minimum_len() == Some(0) {
        return Err(err("regex can match the empty string".into()));
    }
    let mut report_groups = Vec::new();
    for g in &d.report_groups {
        let idx = regex
            .group_info()
            .to_index(regex_automata::PatternID::ZERO, g)
            .ok_or_else(|| err(format!("report_groups: no capture group named `{g}`")))?;
        report_groups.push(idx);
    }
    let cues = Cues::new(&d.context, &d.negative_context).map_err(&err)?;
    if d.context_required && !cues.has_positive() {
        return Err(err("context_required is set but `context` is empty".into()));
    }
    Ok(Rule {
        id: Label::new(&d.id),
        kind: Label::new(&kind),
        description: d.description.clone().unwrap_or_default(),
        regex: Some(regex),
        detector: None,
        anchor,
        max_len,
        validator,
        score: d.score,
        cues,
        context_before: d.context_before,
        context_after: d.context_after,
        context_boost: d.context_boost,
        negative_penalty: d.negative_penalty,
        context_required: d.context_required,
        isolated: d.isolated,
        spans_blank: matches_blank(&hir),
        report_groups,
        def: d,
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18: context windows stop at record boundaries. A negative cue
    /// ending the previous log line does not mark down a value; a positive
    /// cue on the line above (same paragraph) vouches for it; nothing
    /// crosses a blank line.
    #[test]
    fn context_windows_stop_at_record_boundaries() {
        let cues = Cues::new(&["sort code".into()], &["safari".into()]).unwrap();
        let at = |hay: &str, value: &str| {
            let s = hay.rfind(value).unwrap();
            let e = s + value.len();
            cues.closest(hay.as_bytes(), s.saturating_sub(48), s, e, (e + 16).min(hay.len()))
        };
        assert_eq!(at("GET / 200 \"Mozilla Safari\"\n81.2.69.160 - -", "81.2.69.160"), (false, false));
        assert_eq!(at("ua Safari 81.2.69.160", "81.2.69.160"), (false, true));
        assert_eq!(at("Version/17.1 Safari/605.1.15\" 81.2.69.160", "81.2.69.160"), (false, false));
        assert_eq!(at("Sort code: 12 34 56\nAccount no: 12345678", "12345678"), (true, false));
        assert_eq!(at("Sort code: 12 34 56\n\nAccount no: 12345678", "12345678"), (false, false));
        assert_eq!(at("Sort code: 12 34 56\r\n\r\nAccount: 12345678", "12345678"), (false, false));
    }

    #[test]
    fn which_rules_span_blanks() {
        let rules = RuleSet::builtin().unwrap();
        let blank = |id: &str| rules.rules.iter().find(|r| &*r.id == id).map(|r| r.spans_blank);
        // Groups joined by blanks, in the pattern's literal or class.
        assert_eq!(blank("iban"), Some(true));
        assert_eq!(blank("uk_bank_sort_first"), Some(true));
        assert_eq!(blank("dob_text_dmy"), Some(true));
        // One token.
        assert_eq!(blank("ipv4"), Some(false));
        assert_eq!(blank("email"), Some(false));
        let hir = |re: &str| regex_syntax::ParserBuilder::new().unicode(false).utf8(false).build().parse(re).unwrap();
        assert!(matches_blank(&hir(r"a\sb")));
        assert!(matches_blank(&hir(r"a[^0-9]b")));
        assert!(matches_blank(&hir("(?:x|y\t)")));
        assert!(!matches_blank(&hir(r"\d{1,3}(?:\.\d{1,3}){3}")));
    }
}
