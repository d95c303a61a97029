//! Postal addresses (UK): a postcode and the address parts written before it.
//!
//! An address has no shape a regex could hold: `12 Elm Road`, `Rose
//! Cottage`, `Flat 3, 14 Mill Lane, Headingley, Leeds` and a CRM record's
//! `"line1": …, "town": …` are all one. What every UK address has is its
//! postcode, which the `uk_postcode` rule already finds and validates. So
//! this detector runs after the regex pass, over its final findings: from
//! each postcode it walks back through the same record, part by part, and
//! keeps the parts that read as an address:
//!
//! - **A part** is the text between field delimiters (a comma, a line
//!   break, a tab, a quote, `;`, `|`, a JSON key or an XML tag): its
//!   trailing run of capitalised words, house numbers and the small words of
//!   place names (`upon`, `le`). Prose before that run ends the walk
//!   (`we sent it to 12 Elm Road, Leeds LS6 2AB` starts at `12`).
//! - **Keys and headers decide first.** An address key or column
//!   (`address_line_1`, `town`, `<postcode>`) is walked past; any other key
//!   (`email`, `name`) ends the walk. A CSV cell under an address header is
//!   a part whatever its shape.
//! - **Above the street line** only a flat, unit or house name continues
//!   the address (`Flat 3`, `Rose Cottage`): the line before that is the
//!   addressee, not the address. A part wholly taken by a name finding
//!   (and with no street, house or place in it) ends the walk too; any other
//!   finding inside a part ends it at once.
//! - **A street is required**: a street word after a name (`Elm Road`,
//!   `High St`), a house number and a word (`14 Westgate`), a house name
//!   (`Mill Farm`) or a flat or unit. The score grows with the parts
//!   present: a known place (`patterns/uk_places.txt`), a label or address
//!   column, a flat or house name.
//! - **Business addresses are not personal.** A business cue in the
//!   address or in the text just before it (`Ltd`, `plc`, `PO Box`,
//!   `head office`, `returns centre`) drops it; an organisation lists its
//!   own sites under `[allow] addresses`.
//!
//! The finding spans from its first part to the end of the postcode. The
//! postcode stays a `uk_postcode` finding of its own (postcode counts and
//! subject search keep working), so the address's `pieces` are its parts
//! without the postcode: every byte is reported once, and redaction, which
//! replaces pieces, replaces the whole address with the postcode's own
//! finding. A name found inside an accepted part (`Victoria Road`) gives
//! way to the address.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rustc_hash::FxHashSet;
use serde::Deserialize;

use super::context::FieldContext;

/// The `[addresses]` table of a pattern file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressesConfig {
    /// Score of a postcode with a street.
    pub score: f32,
    /// Added for each further kind of part: a known place, a label or
    /// address column, a flat or house name.
    pub score_part: f32,
    /// Street words (`road`, `rd`, `close`), lower case.
    pub street_words: Vec<String>,
    /// Words of house names (`cottage`, `farm`).
    pub house_words: Vec<String>,
    /// Words before a flat or unit number (`flat`, `apartment`).
    pub unit_words: Vec<String>,
    /// Lower-case words inside place names (`upon`, `le`).
    pub connectors: Vec<String>,
    /// Counties and regions, besides the places list.
    pub regions: Vec<String>,
    /// Words that make a key or column an address part (`address`, `town`).
    pub keys: Vec<String>,
    /// Cues of a business address (`ltd`, `po box`, `head office`).
    pub business: Vec<String>,
    /// Last words of a company name, a business cue only as the part right
    /// before the address (`Brightline Mobile`).
    pub company_words: Vec<String>,
}

/// Localities and post towns (GeoNames, see `patterns/SOURCES.md`).
const PLACES: &str = include_str!("../../patterns/uk_places.txt");

/// The places list by [`place_key`], built once.
fn places() -> &'static FxHashSet<Vec<u8>> {
    static SET: std::sync::OnceLock<FxHashSet<Vec<u8>>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        PLACES
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| place_key(l.as_bytes()))
            .collect()
    })
}

/// Whether `name` is a UK locality or post town in the places list
/// (`Chester`, `Stoke-on-Trent`): a given name that is also a place is not
/// taken for a person on its layout alone.
pub(crate) fn is_place(name: &[u8]) -> bool {
    places().contains(&place_key(name))
}

/// A place name as looked up: lower case, apostrophes and full stops
/// dropped, hyphens and runs of blanks as one blank (`Bishop's
/// Stortford`, `Stoke-on-Trent`, `St. Albans` as the list writes them).
fn place_key(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for &b in name {
        match b {
            b'\'' | b'.' => {}
            b' ' | b'-' | b'\t' => {
                if out.last().is_some_and(|&l| l != b' ') {
                    out.push(b' ');
                }
            }
            _ => out.push(b.to_ascii_lowercase()),
        }
    }
    while out.last() == Some(&b' ') {
        out.pop();
    }
    out
}

/// Score added to a street line (the `street` validator) that ends in a
/// known place.
const PLACE_BONUS: f32 = 0.25;

/// The `street` validator: a street line without a postcode
/// (`12 Elm Road`) is an address when a known place follows it (`, Leeds`)
/// or, through the rule's context words, when it is said to be one. The
/// normalised value is its words, lower-cased.
pub(crate) fn check_street(hay: &[u8], start: usize, end: usize) -> super::validate::Verdict {
    let words = |b: &[u8]| -> Vec<Vec<u8>> {
        b.split(|c| !(c.is_ascii_alphanumeric() || *c == b'\'' || *c >= 0x80))
            .filter(|w| !w.is_empty())
            .map(lower_word)
            .collect()
    };
    // The place: up to three words after a comma or blank, before the
    // next delimiter or full stop.
    let after = &hay[end..hay.len().min(end + 48)];
    let lead = after.iter().take_while(|&&b| matches!(b, b',' | b' ' | b'\t')).count();
    let rest = &after[lead..];
    let stop =
        rest.iter().position(|&b| delimiter(b) || matches!(b, b'.' | b'!' | b'?' | b'(' | b')')).unwrap_or(rest.len());
    let place = lead > 0 && {
        // The place is one to three words: try each length.
        let key = place_key(&rest[..stop]);
        let ends: Vec<usize> =
            key.iter().enumerate().filter(|(_, &b)| b == b' ').map(|(i, _)| i).chain([key.len()]).collect();
        ends.iter().take(3).any(|&e| places().contains(&key[..e]))
    };
    let normalized =
        words(&hay[start..end]).iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect::<Vec<_>>().join(" ");
    super::validate::accept_adjusted(normalized, if place { PLACE_BONUS } else { 0.0 })
}

/// Bytes that end a part.
fn delimiter(b: u8) -> bool {
    matches!(
        b,
        b'\n' | b'\r' | b',' | b';' | b'\t' | b'|' | b'"' | b':' | b'=' | b'{' | b'}' | b'[' | b']' | b'<' | b'>'
    )
}

/// The longest part considered; longer text before a delimiter is prose,
/// of which only the trailing run of address words is kept.
const MAX_PART: usize = 96;
/// Parts walked back from a postcode.
const MAX_PARTS: usize = 8;
/// Parts and keys walked back over.
const MAX_STEPS: usize = 3 * MAX_PARTS;
/// Line breaks walked back over.
const MAX_LINES: usize = 7;
/// How far before an address a business cue is looked for.
const BUSINESS_BEFORE: usize = 80;

/// An address found around a postcode.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    /// Start of its first part.
    pub start: usize,
    /// Its parts, in order, without the postcode.
    pub pieces: Vec<(usize, usize)>,
    /// Score in [0, 1].
    pub score: f32,
    /// The parts' words lower-cased, then the postcode: one form for every
    /// way it was written.
    pub normalized: String,
}

/// What the walk back from a postcode found.
#[derive(Debug, Clone, PartialEq)]
pub enum Walk {
    /// A personal address.
    Address(Address),
    /// A business address starting here: street lines inside it are not
    /// personal either.
    Business(usize),
    /// No address.
    Nothing,
}

/// What the walk knows about one part.
#[derive(Default, Clone, Copy)]
struct Part {
    street: bool,
    house: bool,
    unit: bool,
    place: bool,
    number: bool,
    words: usize,
}

/// The detector: word lists compiled once.
#[derive(Debug)]
pub struct AddressDetector {
    score: f32,
    score_part: f32,
    street: FxHashSet<Vec<u8>>,
    house: FxHashSet<Vec<u8>>,
    unit: FxHashSet<Vec<u8>>,
    connectors: FxHashSet<Vec<u8>>,
    places: FxHashSet<Vec<u8>>,
    keys: Vec<Vec<u8>>,
    business: AhoCorasick,
    company: FxHashSet<Vec<u8>>,
}

fn lower_set(words: &[String]) -> FxHashSet<Vec<u8>> {
    words.iter().map(|w| w.to_ascii_lowercase().into_bytes()).collect()
}

impl AddressDetector {
    /// Compile the word lists.
    pub fn new(cfg: AddressesConfig) -> Result<AddressDetector, String> {
        if !(0.0..=1.0).contains(&cfg.score) || !(0.0..=1.0).contains(&cfg.score_part) {
            return Err("addresses: scores must be in [0, 1]".into());
        }
        let mut known: FxHashSet<Vec<u8>> = cfg.regions.iter().map(|r| place_key(r.as_bytes())).collect();
        known.extend(places().iter().cloned());
        let business = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&cfg.business)
            .map_err(|e| format!("addresses: business cues: {e}"))?;
        Ok(AddressDetector {
            score: cfg.score,
            score_part: cfg.score_part,
            street: lower_set(&cfg.street_words),
            house: lower_set(&cfg.house_words),
            unit: lower_set(&cfg.unit_words),
            connectors: lower_set(&cfg.connectors),
            places: known,
            keys: cfg.keys.iter().map(|k| k.to_ascii_lowercase().into_bytes()).collect(),
            business,
            company: lower_set(&cfg.company_words),
        })
    }

    /// Whether a key or column header names an address part.
    fn address_key(&self, key: &[u8]) -> bool {
        let k = key.to_ascii_lowercase();
        self.keys.iter().any(|w| k.windows(w.len()).any(|x| x == w.as_slice()))
    }

    /// The address ending with the postcode at `pc`, walking back no
    /// further than `floor`. `taken(s, e)` says whether a finding overlaps
    /// `s..e`: `Some(true)` for names and street lines only, `Some(false)`
    /// for anything else, `None` for nothing.
    pub fn around(
        &self,
        hay: &[u8],
        field: &FieldContext,
        pc: (usize, usize),
        postcode: &str,
        floor: usize,
        taken: &dyn Fn(usize, usize) -> Option<bool>,
    ) -> Walk {
        let mut parts: Vec<(usize, usize, Part)> = Vec::new();
        let (mut labelled, mut lines) = (false, 0usize);
        let mut have_street = false;
        let csv = matches!(field, FieldContext::Csv { .. });
        // A postcode closing a quoted cell: the walk may cross line breaks
        // until it leaves that cell.
        let quoted = csv && hay[pc.1..].iter().find(|b| !matches!(b, b' ' | b'\t')) == Some(&b'"');
        let mut left_cell = false;
        let mut at = pc.0;
        // Keys do not add parts: the steps are bounded too, so a record of
        // thousands of empty address keys costs no more than a few.
        let mut steps = 0;
        'walk: while parts.len() < MAX_PARTS && steps < MAX_STEPS {
            steps += 1;
            // Separators before `at`: blanks, quotes, commas, line breaks.
            // A blank line ends the record, and so does a line break in
            // delimited text (the row is the record).
            let mut j = at;
            let mut breaks = 0;
            let mut blank = true;
            while j > floor && matches!(hay[j - 1], b' ' | b'\t' | b',' | b';' | b'"' | b'|' | b'\r' | b'\n') {
                match hay[j - 1] {
                    // Inside one quoted cell, lines are the address's own.
                    b'\n' if csv && (left_cell || !quoted) => break 'walk,
                    b'\n' if breaks > 0 && blank => break 'walk,
                    b'"' => {
                        left_cell = true;
                        blank = false;
                    }
                    b'\n' => {
                        breaks += 1;
                        blank = true;
                    }
                    b' ' | b'\t' | b'\r' => {}
                    _ => blank = false,
                }
                j -= 1;
            }
            lines += breaks;
            if lines > MAX_LINES || j <= floor {
                break;
            }
            // A key or tag: an address one is walked past, any other ends
            // the walk.
            if let Some((ks, key)) = key_before(hay, j, floor) {
                if !self.address_key(key) {
                    break;
                }
                labelled = true;
                at = ks;
                continue;
            }
            // The part: back to the previous delimiter.
            let lo = j.saturating_sub(MAX_PART).max(floor);
            let cs = hay[lo..j].iter().rposition(|&b| delimiter(b)).map_or(lo, |p| lo + p + 1);
            // (Within a quoted cell over several lines the column of a
            // line is not known.)
            let header = if quoted && !left_cell { None } else { self.header_verdict(hay, field, cs) };
            let Some((ts, part)) = self.part(&hay[cs..j]) else {
                if header == Some(true) && hay[cs..j].iter().any(u8::is_ascii_alphanumeric) {
                    // A cell under an address column, whatever its shape.
                    let s = cs + hay[cs..j].iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
                    parts.push((s, j, Part::default()));
                    labelled = true;
                    at = cs;
                    continue;
                }
                break;
            };
            // A column named otherwise holds an address only when its
            // value reads as one (`home`, `location`, `billing`).
            if header == Some(false) && !(part.street || part.house || part.unit || part.place || part.number) {
                break;
            }
            let (s, prose_before) = (cs + ts, ts > 0 && hay[cs..cs + ts].iter().any(u8::is_ascii_alphanumeric));
            match taken(s, j) {
                Some(false) => break,
                // A name above the street line is the addressee; below it
                // (`Flat 5, Donald Shores`) the name detector took a
                // street or locality for a person.
                Some(true)
                    if have_street
                        && !(part.street || part.house || part.unit || part.place || header == Some(true)) =>
                {
                    break
                }
                _ => {}
            }
            if have_street && !(part.unit || part.house || (part.number && part.words == 1)) && header != Some(true) {
                break;
            }
            if header == Some(true) {
                labelled = true;
            }
            have_street |= part.street || part.house || part.unit;
            parts.push((s, j, part));
            if prose_before {
                break;
            }
            at = cs;
        }
        // Walk back over a label right before the first part (`Address:`).
        if let Some(&(s, _, _)) = parts.last() {
            let mut j = s;
            while j > floor && matches!(hay[j - 1], b' ' | b'\t') {
                j -= 1;
            }
            if key_before(hay, j, floor).is_some_and(|(_, k)| self.address_key(k)) {
                labelled = true;
            }
        }
        let street = parts.iter().any(|p| p.2.street || p.2.house || p.2.unit);
        if !street {
            return Walk::Nothing;
        }
        parts.reverse();
        let start = parts[0].0;
        let spans: Vec<(usize, usize)> = parts.iter().map(|&(s, e, _)| (s, e)).collect();
        if self.business(hay, field, &spans, floor) {
            return Walk::Business(start);
        }
        let mut score = self.score;
        for present in [parts.iter().any(|p| p.2.place), labelled, parts.iter().any(|p| p.2.unit || p.2.house)] {
            if present {
                score += self.score_part;
            }
        }
        let mut normalized = String::new();
        for &(s, e, _) in &parts {
            for w in address_words(&hay[s..e]) {
                normalized.push_str(&w);
                normalized.push(' ');
            }
        }
        normalized.push_str(postcode);
        Walk::Address(Address { start, pieces: spans, score: score.min(1.0), normalized })
    }

    /// Whether the address made of `parts` (in order) is a business's: a
    /// business cue in a part or in the text just before it (its own cell
    /// in delimited text), or a company name right before it.
    pub fn business(&self, hay: &[u8], field: &FieldContext, parts: &[(usize, usize)], floor: usize) -> bool {
        let Some(&(start, _)) = parts.first() else { return false };
        let before = start.saturating_sub(BUSINESS_BEFORE).max(floor);
        let lead = &hay[before..start];
        let lead = match (field, lead.windows(2).rposition(|w| w == b"\n\n")) {
            // In delimited text only the address's own cell: another
            // column (an employer, a job title) says nothing of it.
            (FieldContext::Csv { delim, .. }, _) => {
                let row = lead.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                let quotes = memchr::memchr_iter(b'"', &lead[row..]).count();
                let cut = if quotes % 2 == 1 {
                    memchr::memrchr(b'"', lead)
                } else {
                    lead.iter().rposition(|b| b == delim || *b == b'"')
                };
                &lead[cut.map_or(row, |c| c + 1).max(row)..]
            }
            (_, Some(p)) => &lead[p..],
            (_, None) => lead,
        };
        self.business.is_match(lead)
            || parts.iter().any(|&(s, e)| self.business.is_match(&hay[s..e]))
            || self.company_before(lead)
    }

    /// Whether the part right before an address ends in a company word
    /// (`Vale Energy,` / `Brightline Mobile` on the line above).
    fn company_before(&self, lead: &[u8]) -> bool {
        let end = lead.iter().rposition(|b| b.is_ascii_alphanumeric()).map_or(0, |p| p + 1);
        if !lead[end..].iter().all(|&b| matches!(b, b',' | b' ' | b'\t' | b'\r' | b'\n')) {
            return false;
        }
        let start = lead[..end].iter().rposition(|&b| delimiter(b)).map_or(0, |p| p + 1);
        let part = lead[start..end].to_ascii_lowercase();
        let mut words: Vec<&[u8]> = part.split(|b| !b.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let last = words.pop();
        let two = words.last().zip(last).map(|(a, b)| [*a, b].join(&b' '));
        last.is_some_and(|w| self.company.contains(w)) || two.is_some_and(|t| self.company.contains(&t))
    }

    /// For delimited text, whether the column at `pos` is an address part
    /// (`Some(true)`), another field (`Some(false)`), or unknown.
    fn header_verdict(&self, hay: &[u8], field: &FieldContext, pos: usize) -> Option<bool> {
        let FieldContext::Csv { body_start, .. } = field else { return None };
        if pos < *body_start {
            return None;
        }
        let label = field.label(hay, pos)?;
        if label.is_empty() {
            return None;
        }
        Some(self.address_key(label))
    }

    /// The trailing run of address words in `text` (start offset within it)
    /// and what it holds; `None` when it holds none.
    fn part(&self, text: &[u8]) -> Option<(usize, Part)> {
        let words: Vec<(usize, &[u8])> = word_spans(text);
        let mut first = words.len();
        while first > 0 && self.address_word(words[first - 1].1) {
            first -= 1;
        }
        // A run never starts with a small word (`upon`, `the`).
        while first < words.len()
            && words[first].1[0].is_ascii_lowercase()
            && self.connectors.contains(&words[first].1.to_ascii_lowercase())
        {
            first += 1;
        }
        let run = &words[first..];
        if run.is_empty() || run.len() > 7 {
            return None;
        }
        let lower: Vec<Vec<u8>> = run.iter().map(|(_, w)| lower_word(w)).collect();
        let mut p = Part { words: run.len(), ..Part::default() };
        p.number = house_number(run[0].1);
        let named_before = |i: usize| i > 0 && lower[..i].iter().any(|w| w.iter().any(u8::is_ascii_alphabetic));
        for (i, w) in lower.iter().enumerate() {
            if self.street.contains(w) && named_before(i) {
                p.street = true;
            }
            if self.house.contains(w) && named_before(i) {
                p.house = true;
            }
        }
        p.unit =
            self.unit.contains(&lower[0]) && run.get(1).is_some_and(|(_, w)| w.iter().any(u8::is_ascii_alphanumeric));
        p.street |= p.number && run.len() > 1 && run[1].1.first().is_some_and(u8::is_ascii_uppercase);
        let (s, e) = (run[0].0, run[run.len() - 1].0 + run[run.len() - 1].1.len());
        p.place = self.places.contains(&place_key(&text[s..e]));
        // A number alone, or with more digits after it, is no address part
        // (a phone number, an amount) unless it is the house number of the
        // part after it.
        if run.iter().skip(1).any(|(_, w)| w.first().is_some_and(u8::is_ascii_digit)) && !p.unit {
            return None;
        }
        Some((run[0].0, p))
    }

    /// Whether a word can be part of an address: capitalised, a house
    /// number, or a small word of a place name.
    fn address_word(&self, w: &[u8]) -> bool {
        match w.first() {
            Some(b) if b.is_ascii_uppercase() => true,
            Some(b) if b.is_ascii_digit() => house_number(w),
            Some(b) if *b >= 0xC0 => true,
            // Typed in lower case: the small words of place names, and
            // street and flat words (`12 Elm road`, `flat 3`).
            Some(_) => {
                let l = lower_word(w);
                self.connectors.contains(&l) || self.unit.contains(&l) || self.street.contains(&l)
            }
            None => false,
        }
    }
}

/// The words of an address as its normalised value holds them: ASCII
/// letters and digits, lower case (the allow-list reads its sites the same
/// way).
pub(crate) fn address_words(text: &[u8]) -> impl Iterator<Item = String> + '_ {
    text.split(|b| !b.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).to_ascii_lowercase())
}

/// A word lower-cased, without a trailing full stop or apostrophe
/// (`Rd.` is `rd`).
fn lower_word(w: &[u8]) -> Vec<u8> {
    let mut e = w.len();
    while e > 0 && matches!(w[e - 1], b'.' | b'\'') {
        e -= 1;
    }
    w[..e].to_ascii_lowercase()
}

/// Words of `text` split at blanks, with their offsets; brackets and
/// stray punctuation around a word are not part of it.
fn word_spans(text: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        while i < text.len() && !is_word_byte(text[i]) {
            i += 1;
        }
        let s = i;
        while i < text.len() && !text[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut e = i;
        while e > s && !is_word_byte(text[e - 1]) && text[e - 1] != b'.' {
            e -= 1;
        }
        if e > s {
            out.push((s, &text[s..e]));
        }
    }
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// A house number: `12`, `12a`, `12-14`, `1/2` (at most four digits).
fn house_number(w: &[u8]) -> bool {
    let digits = w.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 4 {
        return false;
    }
    let rest = &w[digits..];
    rest.is_empty()
        || (rest.len() == 1 && rest[0].is_ascii_alphabetic())
        || (rest.len() > 1
            && matches!(rest[0], b'-' | b'/')
            && rest[1..].iter().all(u8::is_ascii_alphanumeric)
            && rest[1..].len() <= 5)
}

/// A key or tag ending right before `j` (`"town": `, `Address:`,
/// `<postcode>`, `line1=`): its start and its text.
fn key_before(hay: &[u8], j: usize, floor: usize) -> Option<(usize, &[u8])> {
    let mut k = j;
    while k > floor && matches!(hay[k - 1], b' ' | b'\t' | b'"') {
        k -= 1;
    }
    if k <= floor {
        return None;
    }
    match hay[k - 1] {
        b':' | b'=' => {
            let e = k - 1;
            let mut e2 = e;
            while e2 > floor && matches!(hay[e2 - 1], b' ' | b'\t' | b'"') {
                e2 -= 1;
            }
            let lo = e2.saturating_sub(40).max(floor);
            let s = hay[lo..e2]
                .iter()
                .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b' ' | b'.')))
                .map_or(lo, |p| lo + p + 1);
            let key = hay[s..e2].trim_ascii();
            (!key.is_empty()).then_some((s, key))
        }
        b'>' => {
            let e = k - 1;
            let lo = e.saturating_sub(40).max(floor);
            let s = hay[lo..e].iter().rposition(|&b| b == b'<')? + lo;
            let name = hay[s + 1..e].strip_prefix(b"/").unwrap_or(&hay[s + 1..e]);
            let name = name.split(|b| b.is_ascii_whitespace()).next().unwrap_or(name);
            (!name.is_empty()).then_some((s, name))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> AddressDetector {
        #[derive(Deserialize)]
        struct File {
            addresses: AddressesConfig,
        }
        let f: File = toml::from_str(include_str!("../../patterns/postal_address.toml")).expect("postal_address.toml");
        AddressDetector::new(f.addresses).expect("addresses compile")
    }

    fn walk(text: &str) -> Walk {
        let pc = text.rfind("LS6 2AB").expect("postcode in the text");
        detector().around(text.as_bytes(), &FieldContext::None, (pc, pc + 7), "LS6 2AB", 0, &|_, _| None)
    }

    #[test]
    fn place_names_are_looked_up_in_one_written_form() {
        assert_eq!(place_key(b"Bishop's  Stortford"), b"bishops stortford");
        assert_eq!(place_key(b"Stoke-on-Trent"), b"stoke on trent");
        assert_eq!(place_key(b"St. Albans "), b"st albans");
    }

    #[test]
    fn parts_keys_and_business_cues() {
        let Walk::Address(a) = walk("Flat 3, 12 Elm Road\nHeadingley\nLeeds\nLS6 2AB") else { panic!("no address") };
        assert_eq!(a.start, 0);
        assert_eq!(a.pieces.len(), 4);
        assert!(a.normalized.starts_with("flat 3 12 elm road headingley leeds"));
        assert!(matches!(walk("Acme Ltd, 1 Mill Lane, Leeds LS6 2AB"), Walk::Business(_)));
        assert_eq!(walk("Jane Doe, LS6 2AB"), Walk::Nothing, "no street");
        assert_eq!(walk("{\"email\": \"LS6 2AB\"}"), Walk::Nothing, "another key ends the walk");
    }

    /// A hostile record of thousands of empty address keys: the walk stops
    /// after a bounded number of steps, whatever the input.
    #[test]
    fn the_walk_is_bounded() {
        let text = format!("12 Elm Road{}LS6 2AB", "\"town\": \"\", ".repeat(20_000));
        assert_eq!(walk(&text), Walk::Nothing);
    }
}
