//! Transcripts: WebVTT and SRT. Every finding carries the `time` of its cue
//! (`{"start": s, "end": e}`, seconds) and the speaker when marked (`<v
//! Agent>`, `AGENT:`), so the audio can be found and bleeped. Consecutive
//! cues of one speaker less than [`JOIN_GAP`] seconds apart are also scanned
//! joined: a value read out over two cues (`my number is 07700` / `900123`)
//! is found once, with each piece's span and the first and last cue's times.

use std::borrow::Cow;

use memchr::memchr_iter;
use serde_json::{json, Value};

use super::{Joined, Locator, Origin, Segment};

/// Longest pause (seconds) between two cues of one speaker that may split a
/// value.
pub const JOIN_GAP: f64 = 5.0;

fn line_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for nl in memchr_iter(b'\n', text).chain(std::iter::once(text.len())) {
        if nl > start {
            out.push((start, nl));
        }
        start = nl + 1;
    }
    out
}

/// A transcript cue: its time span, speaker, and text bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// Start byte of the cue's text.
    pub start: usize,
    /// End byte of the cue's text.
    pub end: usize,
    /// Start time, seconds.
    pub t0: f64,
    /// End time, seconds.
    pub t1: f64,
    /// Speaker (`<v Agent>`, `AGENT:`), if marked.
    pub speaker: Option<String>,
}

/// The cues of a WebVTT or SRT transcript: a timing line
/// (`00:00:01.000 --> 00:00:04.000`, comma or dot) and the text lines after
/// it up to a blank line.
pub fn cues(text: &[u8]) -> Vec<Cue> {
    let mut out = Vec::new();
    let ls = line_spans(text);
    let mut i = 0;
    while i < ls.len() {
        let l = &text[ls[i].0..ls[i].1];
        let Some(arrow) = memchr::memmem::find(l, b"-->") else {
            i += 1;
            continue;
        };
        let (Some(t0), Some(t1)) = (timestamp(&l[..arrow]), timestamp(&l[arrow + 3..])) else {
            i += 1;
            continue;
        };
        // Text lines follow the timing line with no empty line between.
        let mut j = i + 1;
        let (mut start, mut end) = (ls[i].1 + 1, ls[i].1 + 1);
        while j < ls.len() && ls[j].0 == ls[j - 1].1 + 1 {
            let r = ls[j];
            if text[r.0..r.1].iter().all(u8::is_ascii_whitespace) {
                break;
            }
            if j == i + 1 {
                start = r.0;
            }
            end = r.1;
            j += 1;
        }
        let end = if end > start && text.get(end - 1) == Some(&b'\r') { end - 1 } else { end.max(start) };
        let (start, end) = (start.min(text.len()), end.min(text.len()));
        let body = String::from_utf8_lossy(&text[start..end]);
        out.push(Cue { start, end, t0, t1, speaker: speaker(&body) });
        i = j.max(i + 1);
    }
    out
}

fn speaker(body: &str) -> Option<String> {
    if let Some(rest) = body.strip_prefix("<v ") {
        return rest.split_once('>').map(|(s, _)| s.trim().to_string());
    }
    let (who, _) = body.split_once(':')?;
    (who.len() <= 24 && !who.is_empty() && who.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '_'))
        .then(|| who.trim().to_string())
}

/// Words a listener acknowledges with.
const ACK_WORDS: &[&str] = &[
    "okay", "ok", "mm", "mmm", "hm", "hmm", "mhm", "mhmm", "uh", "huh", "yes", "yeah", "yep", "right", "sure", "got",
    "it", "go", "on", "thanks", "thank", "you", "great", "lovely", "perfect", "alright", "cheers",
];

/// Whether a cue's text is a listener's acknowledgement: one to three
/// words, each an acknowledgement ("Okay.", "Mm-hm, yes.", "Got it"; not
/// "Spell that please?", which the next cue answers, nor spelled letters).
fn acknowledgement(body: &[u8]) -> bool {
    let body = body.strip_suffix(b"</v>").unwrap_or(body);
    let words: Vec<String> = String::from_utf8_lossy(body)
        .split(|c: char| c.is_whitespace() || c == '-')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    !body.contains(&b'?') && (1..=3).contains(&words.len()) && words.iter().all(|w| ACK_WORDS.contains(&w.as_str()))
}

/// `hh:mm:ss.mmm`, `mm:ss.mmm` or with a comma (SRT), first token only.
fn timestamp(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?.split_whitespace().next()?.replace(',', ".");
    let parts: Vec<&str> = s.split(':').collect();
    let mut secs = 0.0;
    for p in &parts {
        secs = secs * 60.0 + p.parse::<f64>().ok()?;
    }
    (parts.len() >= 2).then_some(secs)
}

/// Where the text of a cue starts: after a `<v Name>` tag or `NAME:` label.
fn body_start(text: &[u8], c: &Cue) -> usize {
    let b = &text[c.start..c.end];
    if b.starts_with(b"<v ") {
        if let Some(p) = memchr::memchr(b'>', b) {
            return c.start + p + 1;
        }
    }
    if c.speaker.is_some() {
        if let Some(p) = memchr::memchr(b':', b) {
            let mut q = p + 1;
            while q < b.len() && b[q] == b' ' {
                q += 1;
            }
            return c.start + q;
        }
    }
    c.start
}

/// `{"time": {"start","end"}, "speaker"}` of the cue holding `pos` (or,
/// for a position in a joined segment's first piece, its cue).
pub fn cue_location(cues: &[Cue], pos: usize) -> Option<Value> {
    let i = cues.partition_point(|c| c.start <= pos);
    let c = cues.get(i.checked_sub(1)?)?;
    if pos >= c.end.max(c.start + 1) {
        return None;
    }
    let mut v = json!({ "time": { "start": c.t0, "end": c.t1 } });
    if let Some(s) = &c.speaker {
        v["speaker"] = json!(shown_speaker(s));
    }
    Some(v)
}

/// A speaker label as a finding's location shows it: a role (`Agent`,
/// `Customer`, `SPEAKER_01`, `Speaker 2`, `spk_0`) as it is, anything else
/// masked like a name (`<v Keira Barnes>` is a person: a location must not
/// carry the raw name the findings themselves mask).
pub fn shown_speaker(label: &str) -> String {
    const ROLES: [&str; 22] = [
        "agent",
        "customer",
        "caller",
        "advisor",
        "adviser",
        "operator",
        "speaker",
        "spk",
        "interviewer",
        "interviewee",
        "rep",
        "representative",
        "host",
        "guest",
        "system",
        "bot",
        "assistant",
        "user",
        "unknown",
        "client",
        "staff",
        "ch",
    ];
    let word: String = label.chars().filter(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
    let digits = label.chars().any(|c| c.is_ascii_digit());
    if word.is_empty() || ROLES.contains(&word.as_str()) || (word.len() == 1 && (digits || label.trim().len() == 1)) {
        label.to_string()
    } else {
        crate::fingerprint::mask("name", label, label)
    }
}

/// Extract a VTT or SRT transcript.
pub fn extract(t: Cow<'_, [u8]>, origin: Origin, emit: &mut dyn FnMut(Segment<'_>)) -> &'static str {
    let cs = cues(&t);
    // Runs of consecutive cues of one speaker, close in time: joined (a
    // value split over cues) and normalised (spoken forms).
    // The run goes on over one short acknowledgement of the other speaker
    // ("Okay.", "Mm-hm."), as a postcode or card read in two halves is.
    let mut k = 0;
    while k < cs.len() {
        let (mut j, mut skipped) = (k, Vec::new());
        loop {
            let close = |a: usize, b: usize| cs[b].t0 - cs[a].t1 <= JOIN_GAP;
            if j + 1 < cs.len() && cs[j + 1].speaker == cs[k].speaker && close(j, j + 1) {
                j += 1;
            } else if j + 2 < cs.len()
                && cs[j + 1].speaker != cs[k].speaker
                && cs[j + 2].speaker == cs[k].speaker
                && acknowledgement(&t[body_start(&t, &cs[j + 1])..cs[j + 1].end])
                && close(j, j + 2)
            {
                skipped.push(j + 1);
                j += 2;
            } else {
                break;
            }
        }
        let mut joined = Joined::default();
        // The other speaker's cue just before is the question this run may
        // answer ("And your date of birth?" / "July the nineteenth eighty
        // four"): it leads the joined text, a line of its own, as context.
        let asked = k > 0 && cs[k - 1].speaker != cs[k].speaker && cs[k].t0 - cs[k - 1].t1 <= JOIN_GAP;
        if asked {
            joined.push(&t, body_start(&t, &cs[k - 1]), cs[k - 1].end);
        }
        for (i, c) in cs[k..=j].iter().enumerate() {
            if !skipped.contains(&(k + i)) {
                if asked && i == 0 {
                    joined.push_line(&t, body_start(&t, c), c.end);
                } else {
                    joined.push(&t, body_start(&t, c), c.end);
                }
            }
        }
        let speaker = cs[k].speaker.as_deref().map(shown_speaker);
        let loc = json!({ "time": { "start": cs[k].t0, "end": cs[j].t1 }, "speaker": speaker });
        joined.emit(&origin, Some(loc), emit);
        k = j + 1;
    }
    let mut main = Segment::new(t, origin);
    main.locator = Locator::Cues(cs);
    emit(main);
    "transcript"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_speaker_is_masked_in_locations_and_a_role_is_not() {
        for role in ["Agent", "CUSTOMER", "SPEAKER_01", "Speaker 2", "spk_0", "A", "1"] {
            assert_eq!(shown_speaker(role), role);
        }
        for name in ["Norman Moss", "keira", "Agent Tom"] {
            let shown = shown_speaker(name);
            assert_ne!(shown, name);
            assert!(shown.contains('*'), "{shown}");
        }
    }

    #[test]
    fn vtt_and_srt_cues() {
        let t = b"WEBVTT\n\n00:00:01.000 --> 00:00:03.500\n<v Agent>Hello there\n\n00:00:04.000 --> 00:00:06.000\n<v Customer>It is Jane\nDoe\n";
        let c = cues(t);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].speaker.as_deref(), Some("Agent"));
        assert_eq!(&t[c[1].start..c[1].end], b"<v Customer>It is Jane\nDoe");
        assert_eq!((c[1].t0, c[1].t1), (4.0, 6.0));
        let s = b"1\n00:00:01,000 --> 00:00:02,000\nAGENT: Hi\n\n2\n00:00:02,500 --> 00:00:04,000\nCALLER: Yes\n";
        let c = cues(s);
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].speaker.as_deref(), Some("CALLER"));
        assert_eq!(c[1].t0, 2.5);
    }

    #[test]
    fn split_value_is_joined() {
        let t = b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Customer>my number is 07700\n\n00:00:03.500 --> 00:00:05.000\n<v Customer>900123 thanks\n";
        let mut segs = Vec::new();
        extract(Cow::Borrowed(&t[..]), Origin::File, &mut |s| {
            segs.push((s.text.into_owned(), s.gaps.clone(), s.only_crossing))
        });
        let (joined, gaps, crossing) = &segs[0];
        assert!(crossing);
        assert_eq!(std::str::from_utf8(joined).unwrap(), "my number is 07700 900123 thanks");
        assert_eq!(gaps.len(), 1);
        assert_eq!(&t[gaps[0].0 as usize - 5..gaps[0].0 as usize], b"07700");
        assert_eq!(&t[gaps[0].1 as usize..gaps[0].1 as usize + 6], b"900123");
    }

    /// Issue 19: the other speaker's "Okay." between two halves does not
    /// part them; a longer reply does.
    #[test]
    fn an_acknowledgement_between_halves_is_skipped() {
        let cue =
            |n: u32, who: &str, text: &str| format!("00:00:{:02}.000 --> 00:00:{:02}.500\n<v {who}>{text}\n\n", n, n);
        let joined = |t: &str| {
            let mut out = Vec::new();
            extract(Cow::Borrowed(t.as_bytes()), Origin::File, &mut |s| {
                if s.only_crossing {
                    out.push(String::from_utf8_lossy(&s.text).into_owned());
                }
            });
            out
        };
        let t = format!(
            "WEBVTT\n\n{}{}{}",
            cue(1, "Customer", "it's S W one"),
            cue(2, "Agent", "Okay."),
            cue(3, "Customer", "two A A")
        );
        assert_eq!(joined(&t), vec!["it's S W one two A A".to_string()]);
        let t = format!(
            "WEBVTT\n\n{}{}{}",
            cue(1, "Customer", "it's S W one"),
            cue(2, "Agent", "and what is the second part please"),
            cue(3, "Customer", "two A A")
        );
        let parts = joined(&t);
        assert!(parts.iter().all(|p| !(p.contains("S W one") && p.contains("two A A"))), "{parts:?}");
        // Each turn is led by the other speaker's turn before it, on a line
        // of its own: the question it may answer (`detect::answer`).
        assert!(parts.contains(&"and what is the second part please\n\ntwo A A".to_string()), "{parts:?}");
    }
}
