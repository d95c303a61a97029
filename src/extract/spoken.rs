//! Spoken forms: personal data as speech-to-text writes it.
//!
//! "oh seven seven double oh nine hundred one two three", "jane dot doe at
//! gmail dot com", "the fourteenth of march nineteen eighty two", "S W one
//! A one A A", "Q for quebec"... The normaliser rewrites such words into
//! the written form (`07700900123`, `jane.doe@gmail.com`, `14 of march
//! 1982`, `SW1A1AA`) with a map back to the original words, and the
//! ordinary detectors and validators run on the result: a spoken digit run
//! only becomes a phone, card, account or NHS number if the numbering plan,
//! Luhn or mod 11 accept it, with the context words the kind needs ("my
//! number is", "long number on the card", "date of birth") — which stay in
//! the text. Findings from rewritten words carry `spoken: true`.
//!
//! Rules (no reliance on case or punctuation):
//! - **Number runs**: consecutive number words, digits, spelled letters and
//!   NATO words become one string without spaces: `zero`/`oh`/`nought` 0,
//!   units, teens, tens (`seventy seven` 77), `double`/`treble`/`triple` X,
//!   `nine hundred` 900 (`nine hundred and twelve` 912), `two thousand and
//!   five` 2005, `nineteen eighty two` 1982, `X for <word starting with X>`.
//!   Hesitations (`um`, `uh`, `er`, `sorry`, `yeah`, `that's`...) and
//!   punctuation between groups do not break a run; any other word does. A
//!   run of one word is left alone (`one moment`, `oh I see`, `a`), and so
//!   is `two or three`.
//! - **Sort codes**: a six-digit run after "sort code" is written `12-34-56`.
//! - **Spelled words**: three or more letters spelled one by one (`W H I T
//!   F I E L D`) become one capitalised word (`Whitfield`): a spelled name,
//!   written `spelled Whitfield` unless "spelled" came just before, so that
//!   the name detector's surname cue vouches for it wherever the question
//!   was asked.
//! - **Dates**: an ordinal (`fourteenth`, `twenty first`) before `of`/a month
//!   becomes its number.
//! - **Emails**: `<local> at <domain> dot <tld>`, the local part possibly
//!   joined by `dot`, `underscore`, `dash`/`hyphen`, `plus`; kept only if the
//!   result is an address the email validator accepts (known TLD). `at the
//!   moment` and `dot dot dot` are not addresses.
//! - **IP addresses**: four number runs joined by `dot`.
//! - **MAC addresses**: six two-character hex pieces joined by `colon`.

use crate::detect::validate::date::{month_from_name, MONTH_NAMES};
use std::sync::OnceLock;

/// A word of the text.
#[derive(Debug, Clone)]
struct Tok {
    start: usize,
    end: usize,
    w: String,
}

fn tokens(text: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_alphanumeric() {
            let s = i;
            while i < text.len()
                && (text[i].is_ascii_alphanumeric()
                    || (text[i] == b'\'' && i + 1 < text.len() && text[i + 1].is_ascii_alphabetic()))
            {
                i += 1;
            }
            // A redaction placeholder (`[NAME]`) is a removed value, not a
            // word: "it's [NAME] at hotmail dot com" has no local part.
            let w = if crate::detect::context::in_placeholder(text, s, i) {
                "[]".to_string()
            } else {
                String::from_utf8_lossy(&text[s..i]).to_ascii_lowercase()
            };
            out.push(Tok { start: s, end: i, w });
        } else if let Some(end) = crate::detect::context::placeholder_end(text, i) {
            // A whole placeholder, with the hash style's token: `[NAME:abejbmhl]`.
            out.push(Tok { start: i, end, w: "[]".to_string() });
            i = end;
        } else if text[i] == b'*' {
            // A masked word (`******`, the mask style's output) is a removed
            // value too: "it's ****** at hotmail dot co dot uk" has none.
            let s = i;
            while i < text.len() && text[i] == b'*' {
                i += 1;
            }
            out.push(Tok { start: s, end: i, w: "[]".to_string() });
        } else {
            i += 1;
        }
    }
    out
}

/// The value of a number word.
fn value(w: &str) -> Option<u32> {
    Some(match w {
        "zero" | "oh" | "o" | "nought" | "nil" => 0,
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" | "fourty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

fn ordinal(w: &str) -> Option<u32> {
    const O: &[(&str, u32)] = &[
        ("first", 1),
        ("second", 2),
        ("third", 3),
        ("fourth", 4),
        ("fifth", 5),
        ("sixth", 6),
        ("seventh", 7),
        ("eighth", 8),
        ("ninth", 9),
        ("tenth", 10),
        ("eleventh", 11),
        ("twelfth", 12),
        ("thirteenth", 13),
        ("fourteenth", 14),
        ("fifteenth", 15),
        ("sixteenth", 16),
        ("seventeenth", 17),
        ("eighteenth", 18),
        ("nineteenth", 19),
        ("twentieth", 20),
        ("thirtieth", 30),
    ];
    O.iter().find(|(n, _)| *n == w).map(|(_, v)| *v)
}

const NATO: &[&str] = &[
    "alpha", "alfa", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "juliett",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor",
    "whiskey", "whisky", "xray", "yankee", "zulu",
];

/// Words that may sit between groups of a spoken number without ending it:
/// hesitations, and the other speaker's acknowledgements between two
/// halves read out in turns ("…one one eight seven." / "Okay." / "six
/// five…", a transcript's next cue).
const FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "er", "erm", "ah", "sorry", "yeah", "yep", "that's", "thats", "it's", "its", "okay",
    "ok", "mm", "mmm", "hmm", "mhm", "mhmm", "right", "yes", "got", "it", "go", "on", "please", "thanks", "thank",
    "you", "great", "lovely", "perfect", "cheers",
];

fn unit(w: &str) -> Option<u32> {
    value(w).filter(|v| *v < 10)
}
fn teen(w: &str) -> Option<u32> {
    value(w).filter(|v| (10..20).contains(v))
}
fn tens(w: &str) -> Option<u32> {
    value(w).filter(|v| *v >= 20)
}
fn is_digits(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
}
fn letter(w: &str) -> Option<char> {
    if w.len() == 1 && w.as_bytes()[0].is_ascii_alphabetic() {
        return Some(w.as_bytes()[0].to_ascii_uppercase() as char);
    }
    NATO.contains(&w).then(|| w.as_bytes()[0].to_ascii_uppercase() as char)
}

/// Read one group of a number run at `i`: its text, how many tokens it
/// used, and whether it was a spoken word (not digits or a lone letter).
fn group(t: &[Tok], i: usize) -> Option<(String, usize, bool)> {
    // Callers look ahead ("one thousand" at the very end): past the end is
    // no group.
    let w = t.get(i)?.w.as_str();
    let at = |k: usize| t.get(i + k).map(|x| x.w.as_str()).unwrap_or("");
    if matches!(w, "double" | "triple" | "treble") {
        let n = if w == "double" { 2 } else { 3 };
        let x = at(1);
        if let Some(u) = unit(x) {
            return Some((u.to_string().repeat(n), 2, true));
        }
        if let Some(c) = letter(x) {
            return Some((c.to_string().repeat(n), 2, true));
        }
        return None;
    }
    if is_digits(w) {
        return Some((w.to_string(), 1, false));
    }
    // "S for sierra", "O for oscar": a letter, whatever else it could be.
    if w.len() == 1
        && w.as_bytes()[0].is_ascii_alphabetic()
        && at(1) == "for"
        && at(2).starts_with(w)
        && at(2).len() > 1
    {
        return Some((w.to_ascii_uppercase(), 3, true));
    }
    // A lone "o" beside spelled letters is the letter O (postcodes, NINOs).
    let is_letter = |x: &str| x.len() == 1 && x != "o" && letter(x).is_some() || NATO.contains(&x);
    if w == "o" && (is_letter(at(1)) || i > 0 && is_letter(t[i - 1].w.as_str())) {
        return Some(("O".into(), 1, false));
    }
    if let Some(u) = unit(w) {
        if at(1) == "hundred" {
            let mut used = 2;
            let mut rest = 0;
            let mut k = 2;
            if at(k) == "and" && (tens(at(k + 1)).is_some() || teen(at(k + 1)).is_some() || unit(at(k + 1)).is_some()) {
                k += 1;
            }
            if let Some(tv) = tens(at(k)) {
                rest = tv;
                used = k + 1;
                if let Some(u2) = unit(at(k + 1)).filter(|v| *v > 0) {
                    rest += u2;
                    used += 1;
                }
            } else if let Some(tv) = teen(at(k)) {
                rest = tv;
                used = k + 1;
            } else if k == 3 {
                if let Some(u2) = unit(at(k)) {
                    rest = u2;
                    used = k + 1;
                }
            }
            return Some((format!("{:03}", u * 100 + rest), used, true));
        }
        if at(1) == "thousand" && u > 0 {
            let mut k = 2;
            if at(k) == "and" {
                k += 1;
            }
            let (rest, used) = match group(t, i + k) {
                Some((s, n, _)) if s.len() <= 3 && is_digits(&s) => (s.parse::<u32>().unwrap_or(0), k + n),
                _ => (0, 2),
            };
            return Some((format!("{}", u * 1000 + rest), used, true));
        }
        let w_is_o = w == "o";
        return Some((u.to_string(), 1, !w_is_o));
    }
    if let Some(tv) = teen(w) {
        return Some((tv.to_string(), 1, true));
    }
    if let Some(tv) = tens(w) {
        if let Some(u) = unit(at(1)).filter(|v| *v > 0) {
            return Some(((tv + u).to_string(), 2, true));
        }
        return Some((tv.to_string(), 1, true));
    }
    // A NATO word is a letter only among spelled letters ("S W one A",
    // "N for november"): alone it is a word ("november", "victor").
    let single = |x: &str| x.len() == 1 && x.as_bytes()[0].is_ascii_alphabetic();
    if w.len() > 1 && !(single(at(1)) || i > 0 && single(&t[i - 1].w)) {
        return None;
    }
    if let Some(c) = letter(w) {
        // "S for sierra".
        if w.len() == 1 && at(1) == "for" && at(2).starts_with(w) && at(2).len() > 1 {
            return Some((c.to_string(), 3, true));
        }
        return Some((c.to_string(), 1, w.len() > 1));
    }
    None
}

/// One rewrite: tokens `from..to` become `text`.
#[derive(Debug, Clone)]
struct Rewrite {
    start: usize,
    end: usize,
    text: String,
}

/// Whether the bytes between two words end a sentence: `.`, `?` or `!`
/// followed by a blank.
fn sentence_end(gap: &[u8]) -> bool {
    gap.windows(2).any(|w| matches!(w[0], b'.' | b'?' | b'!') && w[1].is_ascii_whitespace())
}

fn number_runs(src: &[u8], t: &[Tok], out: &mut Vec<Rewrite>) {
    let mut i = 0;
    while i < t.len() {
        // A speaker's number after its role (`speaker 2`, `SPEAKER_01`)
        // names the speaker: no value starts there.
        let speaker_id = i > 0
            && t[i].w.len() <= 2
            && is_digits(&t[i].w)
            && crate::detect::answer::ROLE_WORDS.contains(&t[i - 1].w.as_str());
        let Some((first, n, sp)) = group(t, i).filter(|_| !speaker_id) else {
            i += 1;
            continue;
        };
        let (s_tok, mut text, mut spoken, mut groups) = (i, first, sp, 1);
        let mut j = i + n;
        let mut last = j - 1;
        // The speaker whose line the run starts on, looked up once, when
        // the run first meets a line break.
        let mut role: Option<Option<(&str, &str)>> = None;
        loop {
            let mut k = j;
            while k < t.len() && FILLERS.contains(&t[k].w.as_str()) {
                k += 1;
            }
            // A blank line ends a value (a joined transcript's question and
            // answer are two speakers).
            if t.get(k).is_some_and(|tk| blank_line(&src[t[last].end..tk.start])) {
                break;
            }
            // A new line that opens a turn (`00 49 customer …`): another
            // speaker's ends the value; the same speaker's goes on with it
            // (a postcode read in two halves, two utterances), past the
            // turn's opening.
            if t.get(k).is_some_and(|tk| src[t[last].end..tk.start].contains(&b'\n')) {
                if let Some((next, used)) = turn_opening(t, k) {
                    if *role.get_or_insert_with(|| line_role(src, t, s_tok)) != Some(next) {
                        break;
                    }
                    k += used;
                    while k < t.len() && FILLERS.contains(&t[k].w.as_str()) {
                        k += 1;
                    }
                }
            }
            // Code between two tokens (`if a < b { a }`) is no speech.
            if t.get(k).is_some_and(|tk| {
                src[t[last].end..tk.start].iter().any(|b| {
                    matches!(b, b'{' | b'}' | b'<' | b'>' | b'(' | b')' | b'[' | b']' | b';' | b'=' | b'|' | b'&')
                })
            }) {
                break;
            }
            match t.get(k).and_then(|_| group(t, k)) {
                // A sentence ends between them: only digits go on ("double
                // oh. nine hundred", a transcriber's full stop); letters
                // begin another value ("…eight nine three. A B six four").
                Some((g, ..))
                    if sentence_end(&src[t[last].end..t[k].start])
                        && !(text.ends_with(|c: char| c.is_ascii_digit())
                            && g.starts_with(|c: char| c.is_ascii_digit())) =>
                {
                    break
                }
                Some((g, n, sp)) => {
                    text.push_str(&g);
                    spoken |= sp;
                    groups += 1;
                    last = k + n - 1;
                    j = k + n;
                }
                None => break,
            }
        }
        // Letters spelled out one by one ("W H I T F I E L D", "S for
        // sierra M I T H") are a word: a spelled name.
        // Only with blanks, hyphens or dots between the letters, or commas
        // between capitals ("W, H, I, T"): `(a, n, e)` and `|a, b, c|` in
        // code are no spelling.
        let capitals = (s_tok..=last).all(|k| src[t[k].start..t[k].end].iter().all(|b| !b.is_ascii_lowercase()))
            || (s_tok..=last).any(|k| t[k].w.len() > 1);
        let spelled = groups >= 3
            && text.len() >= 3
            && text.bytes().all(|b| b.is_ascii_uppercase())
            && (s_tok..last).all(|k| {
                src[t[k].end..t[k + 1].start]
                    .iter()
                    .all(|&b| matches!(b, b' ' | b'-' | b'.') || (b == b',' && capitals))
            });
        if spelled {
            text = text[..1].to_string() + &text[1..].to_ascii_lowercase();
            // Spelling a word out letter by letter is what a caller does
            // with a name, whatever the question before it was ("can you
            // spell that?" in the previous turn): say so, in the words the
            // name detector takes as a surname cue, unless the text did.
            let said = s_tok > 0 && matches!(t[s_tok - 1].w.as_str(), "spelled" | "spelt" | "spelling");
            if !said {
                text = format!("spelled {text}");
            }
        }
        // One spoken word stays a word ("one moment"); two make a number
        // ("forty two mill lane": a house number).
        let words = last > s_tok;
        if (spoken || spelled) && (groups + usize::from(text.len() > 2) >= 2 || words) && text.len() >= 2 {
            // "sort code" right before a six-digit run: write it as one.
            let before: Vec<&str> = t[s_tok.saturating_sub(4)..s_tok].iter().map(|x| x.w.as_str()).collect();
            if text.len() == 6 && is_digits(&text) && before.windows(2).any(|w| w == ["sort", "code"]) {
                text = format!("{}-{}-{}", &text[..2], &text[2..4], &text[4..]);
            }
            out.push(Rewrite { start: t[s_tok].start, end: t[last].end, text });
        }
        i = j.max(i + 1);
    }
}

/// The speaker opening a speech-to-text turn at token `k`: its role word
/// (`customer`, after at most three timestamp numbers: `00 49 customer`)
/// and the number that tells speakers of one role apart
/// (`speaker 2`, `SPEAKER_01`; empty without), and the tokens it uses.
fn turn_opening(t: &[Tok], k: usize) -> Option<((&str, &str), usize)> {
    let stamps = t[k..].iter().take(3).take_while(|x| x.w.len() <= 2 && is_digits(&x.w)).count();
    let w = t.get(k + stamps)?.w.as_str();
    if !crate::detect::answer::ROLE_WORDS.contains(&w) {
        return None;
    }
    match t.get(k + stamps + 1).map(|x| x.w.as_str()) {
        Some(id) if id.len() <= 2 && is_digits(id) => Some(((w, id), stamps + 2)),
        _ => Some(((w, ""), stamps + 1)),
    }
}

/// The speaker that opens the line holding token `k`, if any. Searched
/// back at most [`MAX_LINE_BACK`] tokens: a joined monologue is one line.
fn line_role<'a>(src: &[u8], t: &'a [Tok], k: usize) -> Option<(&'a str, &'a str)> {
    let ls = memchr::memrchr(b'\n', &src[..t[k].start]).map_or(0, |p| p + 1);
    let from = k.saturating_sub(MAX_LINE_BACK);
    let first = match t[from..k].iter().rposition(|x| x.start < ls) {
        Some(p) => from + p + 1,
        None if from == 0 => 0,
        None => return None,
    };
    turn_opening(t, first).map(|(who, _)| who)
}

/// Whether the bytes between two words hold an empty line.
fn blank_line(gap: &[u8]) -> bool {
    let mut lines = gap.split(|&b| b == b'\n');
    lines.next();
    let inner: Vec<&[u8]> = lines.collect();
    inner.len() >= 2 && inner[..inner.len() - 1].iter().any(|l| l.iter().all(u8::is_ascii_whitespace))
}

/// Tokens searched back for the opening of a run's line.
const MAX_LINE_BACK: usize = 16;

/// A spoken day of the month at token `k`: "twenty first", "third",
/// "21st"; its value and how many tokens it used.
fn day_at(t: &[Tok], k: usize) -> Option<(u32, usize)> {
    let w = t.get(k)?.w.as_str();
    if let (Some(tv), Some(o)) = (tens(w), t.get(k + 1).and_then(|x| ordinal(&x.w))) {
        if o < 10 {
            return Some((tv + o, 2));
        }
    }
    if let Some(o) = ordinal(w) {
        return Some((o, 1));
    }
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &w[digits.len()..];
    let day = digits.parse::<u32>().ok().filter(|d| (1..=31).contains(d))?;
    matches!(suffix, "st" | "nd" | "rd" | "th").then_some((day, 1))
}

/// A year at token `k`, as a number run or digits wrote it: four digits
/// (1900-2099), or two ("eighty four": 1984; "oh five": 2005), and how many
/// tokens it used.
fn year_at(t: &[Tok], k: usize, runs: &[Rewrite]) -> Option<(u32, usize)> {
    // A run's text, or one group's digits ("eighty four" is no run of its own).
    let (text, n) = piece(t, k, runs);
    let v: u32 = text.parse().ok().filter(|_| is_digits(&text))?;
    match text.len() {
        4 if (1900..=2099).contains(&v) => Some((v, n)),
        // Two spoken digits after a day and a month: a birth year.
        2 => Some((if v > 30 { 1900 + v } else { 2000 + v }, n)),
        _ => None,
    }
}

/// Spoken dates. Day first ("nineteenth of July", "the third of March
/// two thousand and one") or month first ("July the twenty first eighty
/// four", "March third 1990"); with a year the whole date is written
/// `21 july 1984` for the date validator, without one only the day
/// becomes its number (`19 of july`).
fn dates(t: &[Tok], runs: &[Rewrite], out: &mut Vec<Rewrite>) {
    let month = |k: usize| t.get(k).is_some_and(|x| x.w.len() >= 3 && month_from_name(&x.w).is_some());
    let word = |k: usize, w: &str| t.get(k).is_some_and(|x| x.w == w);
    let mut i = 0;
    while i < t.len() {
        // Day first: DAY [of] MONTH [YEAR].
        if let Some((d, n)) = day_at(t, i) {
            let m = if word(i + n, "of") { i + n + 1 } else { i + n };
            if month(m) {
                let (end, text) = match year_at(t, m + 1, runs) {
                    Some((y, yn)) => (m + yn, format!("{d} {} {y}", t[m].w)),
                    None => (i + n - 1, d.to_string()),
                };
                out.push(Rewrite { start: t[i].start, end: t[end].end, text });
                i = end + 1;
                continue;
            }
        }
        // Month first: MONTH [the] DAY YEAR.
        if month(i) {
            let k = if word(i + 1, "the") { i + 2 } else { i + 1 };
            if let Some((d, n)) = day_at(t, k) {
                if let Some((y, yn)) = year_at(t, k + n, runs) {
                    let end = k + n + yn - 1;
                    out.push(Rewrite { start: t[i].start, end: t[end].end, text: format!("{d} {} {y}", t[i].w) });
                    i = end + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
}

fn symbol(w: &str) -> Option<&'static str> {
    match w {
        "dot" | "period" | "point" => Some("."),
        "underscore" => Some("_"),
        "dash" | "hyphen" | "minus" => Some("-"),
        "plus" => Some("+"),
        _ => None,
    }
}

/// Rewritten text of tokens `a..=b` (number runs inside applied).
fn piece(t: &[Tok], k: usize, runs: &[Rewrite]) -> (String, usize) {
    let Some(tk) = t.get(k) else { return (String::new(), 1) };
    if let Some(r) = runs.iter().find(|r| r.start == tk.start) {
        let n = t[k..].iter().take_while(|x| x.end <= r.end).count();
        return (r.text.to_lowercase(), n.max(1));
    }
    match group(t, k) {
        Some((g, n, _)) if is_digits(&g) => (g, n),
        _ => (tk.w.clone(), 1),
    }
}

fn emails(t: &[Tok], runs: &[Rewrite], out: &mut Vec<Rewrite>) {
    for k in 1..t.len() {
        if t[k].w != "at" {
            continue;
        }
        // Domain: word (dot word)+.
        let mut dom = String::new();
        let mut j = k + 1;
        let mut dots = 0;
        let mut end = None;
        while j < t.len() {
            let (p, n) = piece(t, j, runs);
            if symbol(&p).is_some() || p == "at" {
                break;
            }
            dom.push_str(&p);
            end = Some(j + n - 1);
            j += n;
            if t.get(j).is_some_and(|x| matches!(x.w.as_str(), "dot" | "period" | "point")) && j + 1 < t.len() {
                dom.push('.');
                dots += 1;
                j += 1;
            } else {
                break;
            }
        }
        let (Some(end), true) = (end, dots > 0) else { continue };
        // Local part: word (symbol word)* going back.
        let mut i = k - 1;
        let mut local = t[i].w.clone();
        while i >= 2 {
            match symbol(&t[i - 1].w) {
                Some(sym) if !matches!(t[i - 2].w.as_str(), "is" | "email" | "address" | "at") => {
                    local = format!("{}{sym}{local}", t[i - 2].w);
                    i -= 2;
                }
                _ => break,
            }
        }
        if matches!(local.as_str(), "is" | "me" | "it" | "email") || local.contains("[]") || dom.contains("[]") {
            continue;
        }
        let cand = format!("{local}@{dom}");
        if matches!(
            crate::detect::validate::Validator::from_name("email").map(|v| v.check(cand.as_bytes(), 0, cand.len())),
            Some(crate::detect::validate::Verdict::Accept(_))
        ) {
            out.push(Rewrite { start: t[i].start, end: t[end].end, text: cand });
        }
    }
}

/// IP addresses: four numeric runs (or digit tokens) joined by "dot".
fn ips(t: &[Tok], runs: &[Rewrite], out: &mut Vec<Rewrite>) {
    joined(t, runs, out, "dot", 4, ".", |p| (is_digits(p) && p.len() <= 3).then(|| p.to_string()));
}

/// MAC addresses read out pair by pair: six two-character hex pieces
/// joined by "colon" ("zero zero colon one a colon ..." → `00:1A:...`),
/// so the written-form rule and its validator judge them.
fn macs(t: &[Tok], runs: &[Rewrite], out: &mut Vec<Rewrite>) {
    joined(t, runs, out, "colon", 6, ":", |p| {
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit())).then(|| p.to_ascii_uppercase())
    });
}

/// `count` pieces that `piece_ok` accepts (and rewrites), joined by the
/// spoken word `sep`, become one value joined by `joiner`. A trailing `sep`
/// ends the value ("…one dot" at the end of a cue): a piece needs a token
/// after it.
fn joined(
    t: &[Tok],
    runs: &[Rewrite],
    out: &mut Vec<Rewrite>,
    sep: &str,
    count: usize,
    joiner: &str,
    piece_ok: impl Fn(&str) -> Option<String>,
) {
    let mut k = 0;
    while k < t.len() {
        let (mut parts, mut j, start, mut end) = (Vec::new(), k, t[k].start, t[k].end);
        loop {
            let (p, n) = piece(t, j, runs);
            let Some(p) = piece_ok(&p) else { break };
            parts.push(p);
            end = t[j + n - 1].end;
            j += n;
            if parts.len() < count && t.get(j).is_some_and(|x| x.w == sep) && j + 1 < t.len() {
                j += 1;
            } else {
                break;
            }
        }
        if parts.len() == count {
            out.push(Rewrite { start, end, text: parts.join(joiner) });
            k = j;
        } else {
            k += 1;
        }
    }
}

/// A rewritten text: the original with spoken forms replaced, a map from
/// each rewritten byte to the original byte it came from (plus the end),
/// and the rewritten spans (in the new text).
#[derive(Debug)]
pub struct Normalized {
    /// The text.
    pub text: Vec<u8>,
    /// `map[i]`: offset in the original text; `map[text.len()]` its end.
    pub map: Vec<usize>,
    /// Spans of `text` that were rewritten.
    pub rewritten: Vec<(usize, usize)>,
}

/// Month words that let a text through [`worth_it`] beside a day word:
/// these abbreviations and the full names ([`MONTH_NAMES`]).
const GATE_MONTHS: &[&str] = &["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"];
/// Words that begin a spoken day of the month: the ordinals, and the tens
/// of "twenty first", "thirty first".
const DAY_WORDS: &[&str] = &[
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "thirtieth",
    "twenty",
    "thirty",
];

/// Whether a text reads like speech enough to normalise: at least three
/// number words in a row, a spoken "at ... dot" ("dot" among the five
/// words after "at"), three letters spelled one by one ("b i s c"), or a
/// day word beside a month ("nineteenth of July", "July the twenty").
/// Words are runs of ASCII letters and digits, compared without case.
///
/// This runs on every plain text file up to [`crate::extract::SPOKEN_MAX`],
/// most of which have no spoken forms. A byte-at-a-time word loop ran at
/// ~250 MB/s (18% of a prose scan); the same test as one regex, run by a
/// lazy DFA that stops at the first match, reads the bytes once. A unit
/// test checks it against the word loop.
pub fn worth_it(text: &[u8]) -> bool {
    static SPEECH: OnceLock<regex::bytes::Regex> = OnceLock::new();
    SPEECH
        .get_or_init(|| {
            let numbers = NUMBER_WORDS.iter().map(|w| std::str::from_utf8(w).expect("ASCII")).collect::<Vec<_>>();
            // A word is bounded by non-word bytes or the ends of the text.
            let (sep, open, close) = ("[^A-Za-z0-9]", "(?:^|[^A-Za-z0-9])", "(?:[^A-Za-z0-9]|$)");
            let n = format!("(?:{})", numbers.join("|"));
            let run = format!("{open}{n}(?:{sep}+{n}){{2}}{close}");
            let at_dot = format!("{open}at(?:{sep}+[A-Za-z0-9]+){{0,4}}{sep}+dot{close}");
            let spelled = format!("{open}[A-Za-z](?:{sep}+[A-Za-z]){{2}}{close}");
            // A spoken date: "nineteenth of July", "July the twenty first".
            let (m, o) = (
                format!("(?:{}|{})", MONTH_NAMES.join("|"), GATE_MONTHS.join("|")),
                format!("(?:{})", DAY_WORDS.join("|")),
            );
            let date = format!("{open}(?:{o}(?:{sep}+of)?{sep}+{m}|{m}(?:{sep}+the)?{sep}+{o}){close}");
            regex::bytes::RegexBuilder::new(&format!("(?i-u:{run}|{at_dot}|{spelled}|{date})"))
                .unicode(false)
                .build()
                .expect("speech regex")
        })
        .is_match(text)
}

/// Whether a short text (a cue run) has anything the normaliser could
/// rewrite: a number word, "at" (an email), an ordinal (a date), or three
/// single letters (spelling). Cheap, no allocation.
pub fn has_candidates(text: &[u8]) -> bool {
    let mut letters = 0;
    any_word(text, u8::is_ascii_alphabetic, |word, len| {
        if len == 1 {
            // Letters spelled one by one ("W H I T F I E L D").
            letters += 1;
            if letters >= 3 {
                return true;
            }
        }
        is_number_word(word) || word == b"at" || std::str::from_utf8(word).is_ok_and(|w| ordinal(w).is_some())
    })
}

/// Call `f` with each word of `text` (a run of bytes `is_word` accepts),
/// lower-cased — empty when longer than any word the normaliser knows —
/// and its length; true as soon as `f` is. No allocation.
///
/// Generic over `is_word` (not a `fn` pointer) so the byte test inlines:
/// as an indirect call per byte it cost 13% of a chat-log scan.
fn any_word(text: &[u8], is_word: impl Fn(&u8) -> bool, mut f: impl FnMut(&[u8], usize) -> bool) -> bool {
    let mut buf = [0u8; 12];
    let mut i = 0;
    while i < text.len() {
        if !is_word(&text[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < text.len() && is_word(&text[i]) {
            i += 1;
        }
        let w = &text[s..i];
        let lower: &[u8] = if w.len() <= buf.len() {
            for (k, b) in w.iter().enumerate() {
                buf[k] = b.to_ascii_lowercase();
            }
            &buf[..w.len()]
        } else {
            b""
        };
        if f(lower, w.len()) {
            return true;
        }
    }
    false
}

/// The number words, lower case: what [`is_number_word`] accepts and
/// [`worth_it`] counts.
const NUMBER_WORDS: [&[u8]; 36] = [
    b"zero",
    b"oh",
    b"o",
    b"nought",
    b"nil",
    b"one",
    b"two",
    b"three",
    b"four",
    b"five",
    b"six",
    b"seven",
    b"eight",
    b"nine",
    b"ten",
    b"eleven",
    b"twelve",
    b"thirteen",
    b"fourteen",
    b"fifteen",
    b"sixteen",
    b"seventeen",
    b"eighteen",
    b"nineteen",
    b"twenty",
    b"thirty",
    b"forty",
    b"fourty",
    b"fifty",
    b"sixty",
    b"seventy",
    b"eighty",
    b"ninety",
    b"double",
    b"triple",
    b"treble",
];

/// A number word (lower case), without hashing: this runs on every word of
/// a cue run.
fn is_number_word(w: &[u8]) -> bool {
    NUMBER_WORDS.contains(&w)
}

/// Normalise spoken forms; `None` when nothing was rewritten.
pub fn normalize(text: &[u8]) -> Option<Normalized> {
    let t = tokens(text);
    let mut runs = Vec::new();
    number_runs(text, &t, &mut runs);
    let mut special = Vec::new();
    emails(&t, &runs, &mut special);
    ips(&t, &runs, &mut special);
    macs(&t, &runs, &mut special);
    dates(&t, &runs, &mut special);
    // Emails, IPs and dates win over the number runs they contain.
    let mut all: Vec<Rewrite> = special;
    all.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut chosen: Vec<Rewrite> = Vec::new();
    for r in all {
        if chosen.last().is_none_or(|l| l.end <= r.start) {
            chosen.push(r);
        }
    }
    for r in runs {
        if !chosen.iter().any(|c| c.start < r.end && r.start < c.end) {
            chosen.push(r);
        }
    }
    chosen.sort_by_key(|r| r.start);
    if chosen.is_empty() {
        return None;
    }
    let mut out = Normalized {
        text: Vec::with_capacity(text.len()),
        map: Vec::with_capacity(text.len() + 1),
        rewritten: Vec::new(),
    };
    let mut at = 0;
    for r in chosen {
        for (k, &b) in text[at..r.start].iter().enumerate() {
            out.text.push(b);
            out.map.push(at + k);
        }
        let s = out.text.len();
        for &b in r.text.as_bytes() {
            out.text.push(b);
            out.map.push(r.start);
        }
        out.rewritten.push((s, out.text.len()));
        at = r.end;
    }
    for (k, &b) in text[at..].iter().enumerate() {
        out.text.push(b);
        out.map.push(at + k);
    }
    out.map.push(text.len());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s.as_bytes()).map(|x| String::from_utf8(x.text).unwrap()).unwrap_or_else(|| s.to_string())
    }

    /// Issue 19: speech-to-text lines open with a timestamp and a role; a
    /// value ends at another speaker's turn and goes on over the same
    /// speaker's next line.
    #[test]
    fn runs_follow_turns() {
        assert_eq!(
            n("00 39 customer um e c one one a b\n00 41 agent and the number"),
            "00 39 customer um EC11AB\n00 41 agent and the number"
        );
        assert_eq!(
            n("00 45 customer yeah l s two\n00 49 customer seven a b\n00 51 agent thanks"),
            "00 45 customer yeah LS27AB\n00 51 agent thanks"
        );
        assert_eq!(n("i live at forty two mill lane"), "i live at 42 mill lane");
        assert_eq!(n("one moment please"), "one moment please");
        // Numbered speakers of one role are two speakers (review).
        assert_eq!(n("speaker 1 oh seven seven double oh\nspeaker 2 nine hundred"), "speaker 1 07700\nspeaker 2 900");
        assert_eq!(n("oh seven seven\n\nnine hundred"), "077\n\n900");
        // Without turns, a line break goes on as before ("…oh seven seven\ndouble oh…").
        assert_eq!(n("my number is oh seven seven\ndouble oh nine hundred one two three"), "my number is 07700900123");
    }

    #[test]
    fn spoken_numbers() {
        assert_eq!(n("my number is oh seven seven double oh nine hundred one two three"), "my number is 07700900123");
        assert_eq!(n("it's oh seven seven double oh, um, nine hundred, one two three."), "it's 07700900123.");
        assert_eq!(n("born the fourteenth of march nineteen eighty two"), "born the 14 march 1982");
        assert_eq!(n("the twenty first of may two thousand and five"), "the 21 may 2005");
        // Issue 19: month first, two-digit spoken years, a day without a year.
        assert_eq!(n("july the twenty first eighty four"), "21 july 1984");
        assert_eq!(n("march third 1990 yes"), "3 march 1990 yes");
        assert_eq!(n("twenty first july oh five"), "21 july 2005");
        assert_eq!(n("the nineteenth of july please"), "the 19 of july please");
        assert_eq!(n("sort code twelve thirty four fifty six"), "sort code 12-34-56");
        assert_eq!(n("postcode S W one A one A A thanks"), "postcode SW1A1AA thanks");
        assert_eq!(n("that's Q for quebec Q one two three four five six C"), "that's QQ123456C");
        assert_eq!(n("nine hundred and twelve"), "912");
        assert_eq!(n("it's spelled W H I T F I E L D thanks"), "it's spelled Whitfield thanks");
        assert_eq!(n("spelled B O O for oscar T H"), "spelled Booth");
        // Issue 19: letters spelled in the answer to a question in another turn.
        assert_eq!(n("Customer: W H I T E yeah"), "Customer: spelled White yeah");
        assert_eq!(n("let (a, n, e) = x;"), "let (a, n, e) = x;");
        assert_eq!(n("O B one nine eight nine six nine C"), "OB198969C");
        assert_eq!(n("o l two p three u n"), "OL2P3UN");
        // A sentence end parts letters from digits, not digits from digits.
        assert_eq!(
            n("NHS number five zero seven eight yeah two oh three eight nine three. A B six four eight X J."),
            "NHS number 5078203893. AB648XJ."
        );
        assert_eq!(n("S W one A one A A. Oh seven seven"), "SW1A1AA. 077");
        assert_eq!(n("it's oh seven seven double oh. nine hundred one two three."), "it's 07700900123.");
        assert_eq!(
            n("date of birth is the twenty first of november nineteen ninety seven"),
            "date of birth is the 21 november 1997"
        );
        // Issue 19: the other speaker's "okay" between two halves read out
        // in turns (a transcript's cues joined) does not end the number.
        assert_eq!(
            n("four five three two one one eight seven. Okay. six five four three two one zero eight."),
            "4532118765432108."
        );
    }

    #[test]
    fn spoken_symbols() {
        assert_eq!(n("my email is jane dot doe at gmail dot com thanks"), "my email is jane.doe@gmail.com thanks");
        assert_eq!(n("it's j underscore smith at outlook dot co dot uk"), "it's j_smith@outlook.co.uk");
        assert_eq!(n("the ip was one nine two dot one six eight dot one dot twenty"), "the ip was 192.168.1.20");
        assert_eq!(
            n("it's zero zero colon one a colon two b colon three c colon four d colon five e"),
            "it's 00:1A:2B:3C:4D:5E"
        );
    }

    /// What `piiscan redact` writes is no spoken word: a rescan must not
    /// read an address out of the placeholders and masks around "at".
    #[test]
    fn redaction_output_is_no_spoken_word() {
        for s in [
            "it's [NAME] at hotmail dot co dot uk",
            "It's [NAME:abejbmhl] at hotmail dot co dot uk.",
            "It's ****** *\u{fffd}* ***** at hotmail dot co dot uk.",
        ] {
            assert_eq!(n(s), s);
        }
    }

    #[test]
    fn trailing_dot_and_random_word_salad_do_not_panic() {
        assert_eq!(n("the ip was one nine two dot"), "the ip was 192 dot");
        assert_eq!(n("one nine two dot one six eight dot one dot"), "192 dot 168 dot one dot");
        let words = [
            "oh",
            "one",
            "two",
            "double",
            "triple",
            "hundred",
            "thousand",
            "twenty",
            "first",
            "dot",
            "at",
            "point",
            "underscore",
            "dash",
            "plus",
            "and",
            "of",
            "march",
            "is",
            "email",
            "jane",
            "gmail",
            "com",
            "um",
            ",",
            ".",
        ];
        let mut next = crate::testing::rng(0x5b0c_e2d1);
        for _ in 0..20000 {
            let len = 1 + (next() % 12) as usize;
            let text: Vec<&str> = (0..len).map(|_| words[(next() % words.len() as u64) as usize]).collect();
            // Must return, whatever the words.
            let _ = normalize(text.join(" ").as_bytes());
        }
    }

    #[test]
    fn number_words_agree() {
        for w in ["zero", "oh", "nought", "seven", "nineteen", "ninety", "fourty"] {
            assert!(is_number_word(w.as_bytes()) && value(w).is_some(), "{w}");
        }
        assert!(worth_it(b"it's oh seven seven double oh") && worth_it(b"jane at gmail dot com"));
        assert!(!worth_it(b"one moment please, at the desk") && !worth_it(b"two or three"));
    }

    /// The plain word loop [`worth_it`] must agree with.
    fn worth_it_oracle(text: &[u8]) -> bool {
        let mut run = 0;
        let mut letters = 0;
        let mut since_at: Option<u8> = None;
        let (mut prev, mut prev2): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
        let month = |w: &[u8]| MONTH_NAMES.iter().chain(GATE_MONTHS).any(|s| s.as_bytes() == w);
        let day = |w: &[u8]| DAY_WORDS.iter().any(|s| s.as_bytes() == w);
        any_word(text, u8::is_ascii_alphanumeric, |word, len| {
            // `any_word` gives an empty word for one longer than it keeps.
            let w = if len > 0 && word.is_empty() { b"-".to_vec() } else { word.to_vec() };
            let day_month = (month(&w) && (day(&prev) || (prev == b"of" && day(&prev2))))
                || (day(&w) && (month(&prev) || (prev == b"the" && month(&prev2))));
            prev2 = std::mem::replace(&mut prev, w);
            if day_month {
                return true;
            }
            letters = if word.len() == 1 && word[0].is_ascii_alphabetic() { letters + 1 } else { 0 };
            if letters >= 3 {
                return true;
            }
            if is_number_word(word) {
                run += 1;
                if run >= 3 {
                    return true;
                }
            } else {
                run = 0;
            }
            match (word, since_at) {
                (b"at", _) => since_at = Some(0),
                (b"dot", Some(_)) => return true,
                (_, Some(n)) if n < 4 => since_at = Some(n + 1),
                _ => since_at = None,
            }
            false
        })
    }

    #[test]
    fn worth_it_agrees_with_the_word_loop() {
        // Words that count, near misses, long words, digits, non-ASCII, and
        // separators, in several cases.
        let words: &[&[u8]] = &[
            b"oh",
            b"O",
            b"seven",
            b"SEVENTEEN",
            b"Seventeens",
            b"double",
            b"at",
            b"AT",
            b"dot",
            b"Dot",
            b"dots",
            b"the",
            b"attend",
            b"often",
            b"money",
            b"x",
            b"07700",
            b"internationalisation",
            b"caf\xc3\xa9",
            b"nineteen",
            b"ninety",
            b"fourty",
            b"tw",
            b"twelvE",
            b"eighteen",
            b"a",
            b"July",
            b"first",
            b"of",
            b"twenty",
            b"sept",
        ];
        let seps: &[&[u8]] = &[b" ", b", ", b"\n", b"-", b".", b" \xe2\x80\x99 ", b"\0", b"'"];
        let mut rnd = crate::testing::rng(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| (rnd() % n as u64) as usize;
        let (mut yes, mut no) = (0, 0);
        for _ in 0..4000 {
            let mut text = Vec::new();
            for _ in 0..next(60) {
                // Mostly ordinary words, so that not every text qualifies.
                let w = if next(4) == 0 { words[next(words.len())] } else { words[11 + next(5)] };
                text.extend_from_slice(w);
                text.extend_from_slice(seps[next(seps.len())]);
            }
            let expected = worth_it_oracle(&text);
            assert_eq!(worth_it(&text), expected, "{:?}", String::from_utf8_lossy(&text));
            if expected {
                yes += 1;
            } else {
                no += 1;
            }
        }
        assert!(yes > 200 && no > 200, "{yes} yes, {no} no");
    }

    #[test]
    fn not_personal() {
        for s in [
            "I've got two or three questions",
            "one moment please",
            "at the moment",
            "five minutes",
            "dot dot dot",
            "oh I see",
            "I'm in the oh two area",
            "we meet at noon dot",
        ] {
            let out = n(s);
            assert!(!out.contains('@') && out.bytes().filter(u8::is_ascii_digit).count() < 3, "{s} -> {out}");
        }
    }
}
