//! Credentials: passwords, PINs, security answers and memorable words next
//! to their label, passwords in connection strings and URLs, and API tokens
//! of a known shape.
//!
//! A credential has no shape of its own (`sunshine` is a word, `4821` a
//! number): only its label makes it one. So, unlike the regex rules, this
//! detector starts from the label. One Aho-Corasick pass (ASCII case
//! insensitive, leftmost-longest, so `pin code` wins over `pin`) finds the
//! label words of `patterns/credential.toml`, the `://` of a URL and the
//! prefixes of known tokens; each hit is then judged by hand:
//!
//! - **The label is a whole word or the last word of a key.** `pin` in
//!   `spinning`, `passwords` or `PIN-protected` is no label; `wifi_password`,
//!   `adminPassword`, `User-Password` and `pin_code` are. A key whose last
//!   part is another word (`password_hash`, `pin_attempts`) names something
//!   about the credential, not the credential.
//! - **Then the value**, after separators (`:`, `=`, quotes, `>`) and
//!   connecting words (`is`, `was`, `set to`): quoted, or up to a blank or a
//!   `;`/`&`/`<` (connection strings, query strings, XML). It must fit the
//!   label's class (`digits` for a PIN, `token` for an API key) and be no
//!   placeholder (`********`, `<password>`, `${PASSWORD}`, `changeme`) and
//!   no word of prose (`Password must be...`). Without an explicit `:`, `=`
//!   or `is`, a password must look like one (a digit, a symbol or a capital
//!   inside it).
//! - **A question** (`what's your memorable word?`) takes its answer from
//!   the next turn of a chat or call, past its speaker label.
//! - **A column** (`password`, `router_pin`) makes every cell below it a
//!   credential of its class.
//!
//! The finding is the value alone, never the label. Reports never show it,
//! not even with `--show-values` ([`crate::fingerprint::is_secret`]).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rustc_hash::FxHashSet;
use serde::Deserialize;

use super::context::{split_fields, FieldContext};
use super::RawFinding;

/// The `[credentials]` table of a pattern file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    /// Score with an explicit separator (`:`, `=`, `is`) or a column.
    pub score: f32,
    /// Score in prose without one, or across turns.
    pub score_weak: f32,
    /// Label words, by the class of value they introduce.
    pub labels: Vec<LabelGroup>,
    /// Words a key may carry after its label and still name the secret
    /// (`pin_code`, `password_confirm`).
    pub continuations: Vec<String>,
    /// Words between a label and its value (`is`, `was`, `set to`).
    pub connectors: Vec<String>,
    /// Values that stand for a hidden or missing secret.
    pub placeholders: Vec<String>,
    /// Values that are words of prose, never a secret.
    pub stopwords: Vec<String>,
    /// Tokens recognised by their prefix alone.
    pub tokens: Vec<TokenShape>,
}

/// Labels of one class.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelGroup {
    /// `secret` (any value), `digits` (a PIN), `word` (an answer) or `token`.
    pub class: String,
    /// Only with an explicit `:` or `=` (`pass`, `token`: common words).
    #[serde(default)]
    pub explicit_only: bool,
    /// Only in prose, never as a key or column: the label names something
    /// else there (a `securityQuestion` field holds the question).
    #[serde(default)]
    pub prose_only: bool,
    /// The label words, lower case; a space also matches `_`, `-` or nothing.
    pub words: Vec<String>,
}

/// A token with a fixed prefix (`AKIA`, `ghp_`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenShape {
    /// Case-sensitive prefix.
    pub prefix: String,
    /// Bytes allowed after it: `upper_digit`, `alnum` or `alnum_dash`
    /// (adds `_` and `-`).
    pub body: String,
    /// Length of the body.
    pub min: usize,
    /// Longest body.
    pub max: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Secret,
    Digits,
    Word,
    Token,
}

impl Class {
    fn parse(s: &str) -> Option<Class> {
        Some(match s {
            "secret" => Class::Secret,
            "digits" => Class::Digits,
            "word" => Class::Word,
            "token" => Class::Token,
            _ => return None,
        })
    }
}

/// What an automaton pattern stands for.
#[derive(Debug, Clone, Copy)]
enum Hit {
    Label { class: Class, explicit_only: bool, prose_only: bool },
    Url,
    Token(usize),
}

/// The credential detector: immutable, shared by all workers.
#[derive(Debug)]
pub struct CredentialDetector {
    cfg: CredentialsConfig,
    ac: AhoCorasick,
    hits: Vec<Hit>,
    continuations: FxHashSet<Vec<u8>>,
    connectors: FxHashSet<Vec<u8>>,
    placeholders: FxHashSet<Vec<u8>>,
    stopwords: FxHashSet<Vec<u8>>,
}

/// Bytes between two progress reports.
const PROGRESS_STEP: usize = 1 << 20;
/// Longest value taken.
const MAX_VALUE: usize = 128;
/// Bytes between a label and its value.
const MAX_GAP: usize = 24;
/// Bytes searched for the answer to a question.
const MAX_TURN: usize = 400;
/// Bytes searched for the next text of a JSON transcript.
const MAX_JSON_TURN: usize = 2048;

impl CredentialDetector {
    /// Build from the `[credentials]` table.
    pub fn new(cfg: CredentialsConfig) -> Result<CredentialDetector, String> {
        let mut pats: Vec<String> = Vec::new();
        let mut hits = Vec::new();
        for g in &cfg.labels {
            let class = Class::parse(&g.class).ok_or_else(|| format!("credentials.labels: class `{}`", g.class))?;
            for w in &g.words {
                let w = w.to_ascii_lowercase();
                let mut forms = vec![w.clone()];
                if w.contains(' ') {
                    forms.extend(["_", "-", ""].iter().map(|s| w.replace(' ', s)));
                }
                for f in forms {
                    pats.push(f);
                    hits.push(Hit::Label { class, explicit_only: g.explicit_only, prose_only: g.prose_only });
                }
            }
        }
        pats.push("://".into());
        hits.push(Hit::Url);
        for (i, t) in cfg.tokens.iter().enumerate() {
            if !matches!(t.body.as_str(), "upper_digit" | "alnum" | "alnum_dash") || t.min == 0 || t.max < t.min {
                return Err(format!("credentials.tokens: bad shape for `{}`", t.prefix));
            }
            pats.push(t.prefix.clone());
            hits.push(Hit::Token(i));
        }
        // A full DFA: one table lookup per byte. This pass reads every byte
        // of every file and its ~250 case-insensitive labels leave no
        // literal prefilter; the default (an NFA for this many patterns)
        // ran at ~330 MB/s, a tenth of a scan's time.
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&pats)
            .map_err(|e| format!("credentials: {e}"))?;
        let set = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase().into_bytes()).collect::<FxHashSet<_>>();
        Ok(CredentialDetector {
            continuations: set(&cfg.continuations),
            connectors: set(&cfg.connectors),
            placeholders: set(&cfg.placeholders),
            stopwords: set(&cfg.stopwords),
            cfg,
            ac,
            hits,
        })
    }

    /// Find credentials in `hay`, appending them (in offset order) to `out`.
    ///
    /// `progress(pos)` is called as the scan moves past `pos` (a caller
    /// holding a memory map releases the pages behind it).
    pub fn scan(
        &self,
        hay: &[u8],
        field: &FieldContext,
        rule: usize,
        min_score: f32,
        out: &mut Vec<RawFinding>,
        progress: &mut dyn FnMut(usize),
    ) {
        let first = out.len();
        let mut push = |s: usize, e: usize, score: f32| {
            if score >= min_score && e > s {
                out.push(RawFinding::unplaced(rule, s, e, score, String::from_utf8_lossy(&hay[s..e]).into_owned()));
            }
        };
        self.columns(hay, field, &mut push);
        // In steps of PROGRESS_STEP, each searched a pattern's length past
        // its end so that a match across the step's end is whole; matches
        // starting in a later step, or inside one taken, wait or are skipped.
        let longest = self.ac.max_pattern_len();
        let mut last_end = 0;
        let mut matches = Vec::new();
        let mut step = 0;
        while step < hay.len() {
            let step_end = (step + PROGRESS_STEP).min(hay.len());
            let input = aho_corasick::Input::new(hay).range(step..(step_end + longest).min(hay.len()));
            matches.clear();
            matches.extend(self.ac.find_iter(input).filter(|m| m.start() < step_end && m.start() >= last_end));
            if let Some(m) = matches.last() {
                last_end = m.end();
            }
            for m in &matches {
                self.judge(hay, field, m, &mut push);
            }
            progress(step_end.saturating_sub(MAX_TURN + MAX_JSON_TURN));
            step = step_end;
        }
        // Columns and labels can find the same value; keep one, in order.
        let found = &mut out[first..];
        found.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
        let mut last_end = 0;
        let mut keep = Vec::with_capacity(found.len());
        for f in out.drain(first..) {
            if f.start >= last_end {
                last_end = f.end;
                keep.push(f);
            }
        }
        out.extend(keep);
    }

    /// Judge one automaton match: a label, a URL or a token prefix.
    fn judge(
        &self,
        hay: &[u8],
        field: &FieldContext,
        m: &aho_corasick::Match,
        push: &mut impl FnMut(usize, usize, f32),
    ) {
        let (s, e) = (m.start(), m.end());
        match self.hits[m.pattern().as_usize()] {
            Hit::Label { class, explicit_only, prose_only } => {
                let key = matches!(hay.get(e), Some(b'"' | b'\'' | b'=' | b':' | b'_'));
                if prose_only && key {
                    return;
                }
                if let Some((vs, ve, score)) = self.labelled(hay, field, s, e, class, explicit_only) {
                    push(vs, ve, score);
                }
            }
            Hit::Url => {
                if let Some((vs, ve)) = self.url_password(hay, s) {
                    push(vs, ve, self.cfg.score);
                }
            }
            Hit::Token(t) => {
                if let Some(ve) = self.token(hay, s, e, &self.cfg.tokens[t]) {
                    push(s, ve, self.cfg.score);
                }
            }
        }
    }

    /// Every cell of a column whose header is a label.
    fn columns(&self, hay: &[u8], field: &FieldContext, push: &mut impl FnMut(usize, usize, f32)) {
        let FieldContext::Csv { delim, headers, body_start } = field else { return };
        let classes: Vec<Option<Class>> = headers.iter().map(|h| self.header_class(h)).collect();
        if classes.iter().all(Option::is_none) {
            return;
        }
        let mut ls = *body_start;
        while ls < hay.len() {
            let le = memchr::memchr(b'\n', &hay[ls..]).map_or(hay.len(), |p| ls + p);
            for (col, (s, e)) in split_fields(&hay[ls..le], *delim).into_iter().enumerate() {
                let Some(Some(class)) = classes.get(col) else { continue };
                let (mut s, mut e) = (ls + s, ls + e);
                while s < e && (hay[s].is_ascii_whitespace() || hay[s] == b'"') {
                    s += 1;
                }
                while e > s && (hay[e - 1].is_ascii_whitespace() || hay[e - 1] == b'"') {
                    e -= 1;
                }
                if e > s && e - s <= MAX_VALUE && self.value_ok(&hay[s..e], *class, true) && cell_ok(&hay[s..e], *class)
                {
                    push(s, e, self.cfg.score);
                }
            }
            ls = le + 1;
        }
    }

    /// The class of a column header that is a label (its last words).
    fn header_class(&self, h: &[u8]) -> Option<Class> {
        let m = self.ac.find_iter(h).last()?;
        let Hit::Label { class, prose_only: false, .. } = self.hits[m.pattern().as_usize()] else { return None };
        let e = self.key_end(h, m.end())?;
        (h[e..].iter().all(|b| b.is_ascii_whitespace()) && self.left_ok(h, m.start(), m.end())).then_some(class)
    }

    /// Whether the label at `s..e` starts a word or a part of a key.
    fn left_ok(&self, hay: &[u8], s: usize, e: usize) -> bool {
        let Some(&p) = s.checked_sub(1).and_then(|i| hay.get(i)) else { return true };
        !p.is_ascii_alphanumeric()
            || (p.is_ascii_lowercase() && hay[s].is_ascii_uppercase())
            || (e - s >= 6 && p.is_ascii_alphabetic())
    }

    /// Where the key holding the label ending at `e` ends (past digits and
    /// continuation words: `password1`, `pin_code`), or `None` when the key
    /// goes on with another word (`passwords`, `password_hash`).
    fn key_end(&self, hay: &[u8], e: usize) -> Option<usize> {
        let mut t = e;
        loop {
            let d = hay[t..].iter().take_while(|b| b.is_ascii_digit()).count();
            t += d;
            match hay.get(t) {
                Some(b) if b.is_ascii_alphabetic() && d == 0 => {
                    // camelCase continuation (`passwordHash`), else a longer word.
                    if !b.is_ascii_uppercase() || !hay[t - 1].is_ascii_lowercase() {
                        return None;
                    }
                    let w = word_at(hay, t);
                    if !self.continuations.contains(&w.to_ascii_lowercase()) {
                        return None;
                    }
                    t += w.len();
                }
                Some(b'_' | b'-' | b'.') if hay.get(t + 1).is_some_and(u8::is_ascii_alphabetic) => {
                    let w = word_at(hay, t + 1);
                    if !self.continuations.contains(&w.to_ascii_lowercase()) {
                        return None;
                    }
                    t += 1 + w.len();
                }
                _ => return Some(t),
            }
        }
    }

    /// The value after the label at `s..e`, with its score.
    fn labelled(
        &self,
        hay: &[u8],
        field: &FieldContext,
        s: usize,
        e: usize,
        class: Class,
        explicit_only: bool,
    ) -> Option<(usize, usize, f32)> {
        if !self.left_ok(hay, s, e) {
            return None;
        }
        // A header row names columns ([`Self::columns`]), it holds no value.
        if let FieldContext::Csv { body_start, .. } = field {
            if s < *body_start {
                return None;
            }
        }
        // A common word as a label starts its key: `apns_token`,
        // `csrf_token` and `?token=` in a URL are no login details.
        if explicit_only && s > 0 && matches!(hay[s - 1], b'_' | b'-' | b'.' | b'?' | b'&') {
            return None;
        }
        let mut i = self.key_end(hay, e)?;
        let mut explicit = false;
        // `:` or `=` (or an XML `>`), as opposed to "is": only these make a
        // common word (`pass`, `token`) a label, and after them a rejected
        // value (`eap_password=${PASSWORD}`) is not answered on the next line.
        let mut separator = false;
        let mut question = false;
        let limit = (i + MAX_GAP).min(hay.len());
        // Separators and connecting words.
        while i < limit {
            match hay[i] {
                b':' | b'=' | b'>' => {
                    explicit = true;
                    separator = true;
                    i += 1;
                }
                b'"' | b'\'' | b' ' | b'\t' | b'-' | b'(' | b')' | b',' => {
                    // An opening quote is the value's, unless a key's quote.
                    if matches!(hay[i], b'"' | b'\'') && explicit {
                        break;
                    }
                    i += 1;
                }
                b'?' => {
                    question = true;
                    break;
                }
                b if b.is_ascii_alphabetic() => {
                    let w = word_at(hay, i).to_ascii_lowercase();
                    if !self.connectors.contains(&w) {
                        break;
                    }
                    explicit |= matches!(w.as_slice(), b"is" | b"was" | b"to" | b"be" | b"are" | b"it's" | b"its");
                    i += w.len();
                }
                _ => break,
            }
        }
        if question {
            return self.answer(hay, field, i, class).map(|(vs, ve)| (vs, ve, self.cfg.score_weak));
        }
        if explicit_only && !separator {
            return None;
        }
        // `key=value&...` (a query string) ends at `&`; prose does not.
        let query = i > 0 && hay[i - 1] == b'=';
        if let Some((vs, ve)) = value_at(hay, i, query).filter(|&(vs, ve)| self.value_ok(&hay[vs..ve], class, explicit))
        {
            return Some((vs, ve, if explicit { self.cfg.score } else { self.cfg.score_weak }));
        }
        // Nothing fit on the label's line and the line ends soon after it
        // ("can I take your memorable word please."): the answer may be the
        // next turn's.
        if class != Class::Token && !separator && turn_ends(hay, i) {
            return self.answer(hay, field, i, class).map(|(vs, ve)| (vs, ve, self.cfg.score_weak));
        }
        None
    }

    /// The answer to a question whose turn ends after `q`: the first value
    /// of the next turn, past a speaker label, timing lines and hesitations.
    /// A turn is a line (chat, ASR text, a VTT or SRT cue) or, in a JSON
    /// transcript, the next string under a text key.
    fn answer(&self, hay: &[u8], field: &FieldContext, q: usize, class: Class) -> Option<(usize, usize)> {
        let mut limit = (q + MAX_TURN).min(hay.len());
        let mut i = q;
        while i < limit && matches!(hay[i], b'?' | b'.' | b'!' | b' ' | b'\t' | b',') {
            i += 1;
        }
        let json = hay.get(i) == Some(&b'"');
        let mut new_turn = false;
        if json {
            // Segments carry times, tokens and scores between their texts.
            i = next_json_text(hay, i, (q + MAX_JSON_TURN).min(hay.len()))?;
            limit = (i + MAX_TURN).min(hay.len());
            new_turn = true;
        } else if hay[q..i].contains(&b'?') && hay.get(i).is_some_and(|b| *b != b'\n' && *b != b'\r') {
            // A question mark inside a line (a whole call's text in one
            // string): the next sentence is the answer.
            new_turn = true;
        } else {
            // Whatever follows on the question's own line is still the question.
            i += memchr::memchr(b'\n', &hay[i..limit])?;
            // A chat export: the answer is the next row's cell in the
            // question's column.
            if let (Some(col), FieldContext::Csv { delim, .. }) = (field.column(hay, q), field) {
                let ls = i + 1;
                let le = memchr::memchr(b'\n', &hay[ls..limit]).map_or(limit, |p| ls + p);
                let (cs, _) = *split_fields(&hay[ls..le], *delim).get(col)?;
                i = ls + cs;
                while i < le && matches!(hay[i], b'"' | b' ') {
                    i += 1;
                }
                return self.answer_value(hay, i, le, class);
            }
            // Blank lines, cue numbers and timings (`00:01:02.000 --> ...`).
            loop {
                while i < limit && hay[i].is_ascii_whitespace() {
                    i += 1;
                }
                let le = memchr::memchr(b'\n', &hay[i..limit]).map_or(limit, |p| i + p);
                let line = &hay[i..le];
                let next = &hay[(le + 1).min(limit)..];
                let next = &next[..memchr::memchr(b'\n', next).unwrap_or(next.len())];
                let cue_id = memchr::memmem::find(next, b"-->").is_some();
                if le < limit
                    && (cue_id || line.iter().all(u8::is_ascii_digit) || memchr::memmem::find(line, b"-->").is_some())
                {
                    new_turn = true;
                    i = le;
                } else {
                    break;
                }
            }
        }
        // Only another speaker's turn answers: a new cue or a speaker label
        // (`Forgot your password?` in a letter is followed by anything).
        let speaker = skip_speaker(hay, i, limit);
        if speaker == i && !new_turn {
            return None;
        }
        self.answer_value(hay, speaker, limit, class)
    }

    /// The answer at `i`, past hesitations and "it's".
    fn answer_value(&self, hay: &[u8], mut i: usize, limit: usize, class: Class) -> Option<(usize, usize)> {
        while i < limit {
            if matches!(hay[i], b' ' | b'\t' | b',' | b'.' | b'\'' | b'-') {
                i += 1;
                continue;
            }
            let w = word_at(hay, i).to_ascii_lowercase();
            if w.is_empty() || !self.connectors.contains(&w) {
                break;
            }
            i += w.len();
        }
        let (vs, ve) = value_at(hay, i, false)?;
        let v = &hay[vs..ve];
        (ve <= limit && self.value_ok(v, class, class != Class::Secret) && self.ac.find(v).is_none())
            .then_some((vs, ve))
    }

    /// Whether `v` can be a value of `class`.
    fn value_ok(&self, v: &[u8], class: Class, explicit: bool) -> bool {
        if v.is_empty() || v.len() > MAX_VALUE {
            return false;
        }
        let lower = v.to_ascii_lowercase();
        if self.placeholder(v, &lower) || self.stopwords.contains(&lower) || self.connectors.contains(&lower) {
            return false;
        }
        // Another label (`Password hint: ...`), a URL, an address.
        if matches!(v.last(), Some(b':' | b'=')) || memchr::memmem::find(v, b"://").is_some() {
            return false;
        }
        // Another field's name (`admin_password,wifi_key` in a header row
        // read as text): lower case and `_` only, holding a label.
        if v.iter().all(|b| b.is_ascii_lowercase() || *b == b'_') && v.contains(&b'_') && self.ac.find(v).is_some() {
            return false;
        }
        let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
        let letters = v.iter().filter(|b| b.is_ascii_alphabetic()).count();
        match class {
            Class::Digits => (4..=8).contains(&v.len()) && digits == v.len(),
            Class::Word => explicit && v.len() >= 2 && letters > 0,
            Class::Token => v.len() >= 16 && digits > 0 && letters > 0,
            Class::Secret => {
                let inner_caps = v.iter().skip(1).any(u8::is_ascii_uppercase);
                let symbols = v.iter().any(|b| !b.is_ascii_alphanumeric() && *b < 0x80);
                v.len() >= 4 && (explicit || digits > 0 || inner_caps || symbols) && (letters > 0 || digits >= 4)
            }
        }
    }

    /// `********`, `<password>`, `${PASSWORD}`, `{{ pwd }}`, `%(pw)s`,
    /// `changeme`, `xxxx`, `[REDACTED]`.
    fn placeholder(&self, v: &[u8], lower: &[u8]) -> bool {
        self.placeholders.contains(lower)
            || v.iter().all(|b| matches!(b, b'*' | b'x' | b'X' | b'#' | b'.' | b'-' | b'_' | b'?'))
            || v.starts_with("•".as_bytes())
            // `<password>`, `[REDACTED]`, `{pwd}` (the closing bracket may
            // have been taken for punctuation after the value).
            || matches!(v.first(), Some(b'<' | b'[' | b'{'))
            || v.starts_with(b"${")
            || v.starts_with(b"$(")
            || v.starts_with(b"%(")
            || v.starts_with(b"{{")
            || (v.starts_with(b"$") && v[1..].iter().all(|b| b.is_ascii_uppercase() || *b == b'_'))
            || v.windows(3).any(|w| w == b"***")
    }

    /// The password of `scheme://user:password@host` (the `://` at `s`).
    fn url_password(&self, hay: &[u8], s: usize) -> Option<(usize, usize)> {
        let auth_start = s + 3;
        let limit = (auth_start + 2 * MAX_VALUE).min(hay.len());
        let stop = |b: &u8| b.is_ascii_whitespace() || matches!(b, b'/' | b'"' | b'\'' | b'<' | b'>');
        let end = hay[auth_start..limit].iter().position(stop).map_or(limit, |p| auth_start + p);
        let at = auth_start + memchr::memrchr(b'@', &hay[auth_start..end])?;
        let colon = auth_start + memchr::memchr(b':', &hay[auth_start..at])?;
        let v = &hay[colon + 1..at];
        let lower = v.to_ascii_lowercase();
        (colon > auth_start && !v.is_empty() && !self.placeholder(v, &lower) && !self.stopwords.contains(&lower))
            .then_some((colon + 1, at))
    }

    /// The end of a token of `shape` starting at `s` (prefix `s..e`).
    fn token(&self, hay: &[u8], s: usize, e: usize, shape: &TokenShape) -> Option<usize> {
        if &hay[s..e] != shape.prefix.as_bytes() || s > 0 && hay[s - 1].is_ascii_alphanumeric() {
            return None;
        }
        let ok = |b: &u8| match shape.body.as_str() {
            "upper_digit" => b.is_ascii_uppercase() || b.is_ascii_digit(),
            "alnum" => b.is_ascii_alphanumeric(),
            _ => b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'),
        };
        let n = hay[e..].iter().take(shape.max + 1).take_while(|b| ok(b)).count();
        let body = &hay[e..e + n];
        let mixed = body.iter().any(u8::is_ascii_digit) && body.iter().any(u8::is_ascii_alphabetic);
        ((shape.min..=shape.max).contains(&n) && mixed).then_some(e + n)
    }
}

/// Whether a cell of a credential column can hold one: a password has no
/// blank and is no email address (a column whose header promises secrets
/// may hold something else: rows pasted under the wrong header, a
/// `password` column of `reset sent` notes).
fn cell_ok(v: &[u8], class: Class) -> bool {
    let email = memchr::memchr(b'@', v).is_some_and(|at| memchr::memchr(b'.', &v[at..]).is_some());
    let blank = v.iter().any(u8::is_ascii_whitespace);
    match class {
        Class::Word => !email,
        _ => !email && !blank,
    }
}

/// The ASCII letters at `i`.
fn word_at(hay: &[u8], i: usize) -> &[u8] {
    let n = hay[i..].iter().take(32).take_while(|b| b.is_ascii_alphabetic() || **b == b'\'').count();
    &hay[i..i + n]
}

/// A value at `i`: quoted, or up to a blank or a delimiter (`&` too in a
/// query string), without trailing punctuation.
fn value_at(hay: &[u8], i: usize, query: bool) -> Option<(usize, usize)> {
    let q = *hay.get(i)?;
    if matches!(q, b'"' | b'\'') {
        let limit = (i + 1 + MAX_VALUE + 1).min(hay.len());
        let close = memchr::memchr2(q, b'\n', &hay[i + 1..limit])? + i + 1;
        return (hay[close] == q && close > i + 1).then_some((i + 1, close));
    }
    let limit = (i + MAX_VALUE + 1).min(hay.len());
    let stop = |b: &u8| {
        b.is_ascii_whitespace() || matches!(b, b';' | b'<' | b'"' | b'\'' | b',' | b'|') || (query && *b == b'&')
    };
    let mut e = hay[i..limit].iter().position(stop).map_or(limit, |p| i + p);
    while e > i && matches!(hay[e - 1], b'.' | b'!' | b'?' | b')' | b']' | b'}') {
        e -= 1;
    }
    (e > i && e - i <= MAX_VALUE).then_some((i, e))
}

/// Whether the turn holding `i` ends within a few words: a line end, the
/// end of a JSON string, or a question mark.
fn turn_ends(hay: &[u8], i: usize) -> bool {
    let rest = &hay[i..(i + 48).min(hay.len())];
    rest.iter().any(|b| matches!(b, b'\n' | b'"' | b'?')) || rest.len() < 48
}

/// The start of the next JSON string under a text key (`"text"`,
/// `"transcript"`, `"content"`, `"message"`) after `i`, before `limit`.
fn next_json_text(hay: &[u8], i: usize, limit: usize) -> Option<usize> {
    const KEYS: [&[u8]; 6] =
        [b"\"text\"", b"\"transcript\"", b"\"content\"", b"\"message\"", b"\"body\"", b"\"utterance\""];
    let window = &hay[i..limit];
    let (p, k) = KEYS.iter().filter_map(|k| memchr::memmem::find(window, k).map(|p| (p, k.len()))).min()?;
    let mut j = i + p + k;
    while j < limit && matches!(hay[j], b' ' | b':' | b'\t' | b'\n' | b'\r') {
        j += 1;
    }
    (hay.get(j) == Some(&b'"')).then_some(j + 1)
}

/// Speakers named by their role at a line's start, without a colon (ASR
/// text: `customer um it's biscuit`).
const ROLES: [&[u8]; 8] = [b"agent", b"customer", b"caller", b"advisor", b"adviser", b"operator", b"cust", b"rep"];

/// Past a speaker label at `i`: `Customer:`, `[Agent Tom]`, `<v Jane>`,
/// `keira:` (up to four words before a colon), or a bare role word.
fn skip_speaker(hay: &[u8], mut i: usize, limit: usize) -> usize {
    // A timestamp first (`12:04`, `[2024-03-01 12:04:55]`, `01/03/2024, 12:04 -`).
    let start = i;
    loop {
        while i < limit
            && (hay[i].is_ascii_digit() || matches!(hay[i], b':' | b'/' | b'.' | b',' | b'-' | b' ' | b'\t'))
        {
            i += 1;
        }
        if i < limit && hay[i] == b'[' {
            let inner = &hay[i + 1..limit.min(i + 40)];
            if let Some(p) = memchr::memchr(b']', inner) {
                if inner[..p].first().is_some_and(u8::is_ascii_digit) {
                    i += p + 2;
                    continue;
                }
            }
        }
        break;
    }
    if i >= limit || !hay[start..i].iter().any(u8::is_ascii_digit) {
        i = start;
    }
    if i >= limit {
        return i;
    }
    let w = word_at(hay, i).to_ascii_lowercase();
    if ROLES.contains(&w.as_slice()) && matches!(hay.get(i + w.len()), Some(b' ' | b'\t')) {
        let after = i + w.len();
        // `Customer:` is handled below; a bare role word is the label.
        if memchr::memchr(b':', &hay[after..limit.min(after + 2)]).is_none() {
            return after;
        }
    }
    let close = match hay[i] {
        b'[' => Some(b']'),
        b'<' => Some(b'>'),
        _ => None,
    };
    if let Some(c) = close {
        if let Some(p) = memchr::memchr(c, &hay[i..limit.min(i + 48)]) {
            i += p + 1;
            if hay.get(i) == Some(&b':') {
                i += 1;
            }
            return i;
        }
    }
    let line_end = memchr::memchr(b'\n', &hay[i..limit]).map_or(limit, |p| i + p);
    if let Some(p) = memchr::memchr(b':', &hay[i..line_end.min(i + 40)]) {
        let label = &hay[i..i + p];
        let words = label.split(|b| *b == b' ').filter(|w| !w.is_empty()).count();
        let name_byte = |b: &u8| {
            b.is_ascii_alphanumeric() || *b >= 0x80 || matches!(b, b' ' | b'_' | b'-' | b'.' | b'(' | b')' | b'\'')
        };
        // `SPEAKER_01:` is a speaker; `Sun May 26 10:` is a clock.
        let last_word = label.rsplit(|b| *b == b' ').next().unwrap_or_default();
        let named = label.iter().any(u8::is_ascii_alphabetic) && !last_word.iter().all(u8::is_ascii_digit);
        if words <= 5 && named && label.iter().all(name_byte) {
            return i + p + 1;
        }
    }
    i
}
