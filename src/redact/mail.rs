//! Redaction inside mail: `.eml` messages and `.mbox` mailboxes, rewritten
//! part by part in their own transfer encodings.
//!
//! The mail extractor reads a message in two ways (see
//! [`crate::extract::mail`]), and a finding comes back from either:
//!
//! - **at file offsets** (headers as stored, 7/8-bit bodies): the value is
//!   replaced where it stands;
//! - **inside a part**, located by its part id (`{"part": 2}`, `"1.2"` in a
//!   forwarded message), by `"headers (decoded)"`, or by an attachment
//!   (`{"member": "attachment 3: cv.docx"}`), with offsets in the decoded
//!   text. The message is parsed again with the same parser, the part found
//!   by the same id, and:
//!   - a **quoted-printable** body is edited in place: its decoding keeps,
//!     for each decoded byte, where it is stored, so only the value's bytes
//!     change (the replacement written quoted-printable too);
//!   - a **base64** body is decoded, redacted and encoded again with its
//!     own line length and line ending;
//!   - an **encoded header word** (RFC 2047, `=?utf-8?q?Abbie_Chapman?=`)
//!     holding the value is written again as a UTF-8 word;
//!   - an **attachment** is redacted through its own format, as an archive
//!     member is (a CV as `.docx`, a `.csv`, a `.zip`, a forwarded `.eml`),
//!     and stored again in its transfer encoding;
//!   - a **forwarded message** (`message/rfc822`) is rewritten the same
//!     way, one level deeper; sent in a transfer encoding, it is decoded,
//!     rewritten and encoded again.
//!
//! Everything else (other headers, boundaries, other parts) stays byte for
//! byte. A part whose text cannot be read back exactly as the extractor
//! read it (a character set with no map back to its bytes, a damaged
//! encoding) refuses the whole file.

use std::collections::BTreeMap;

use base64::Engine;
use mail_parser::{Encoding, MessageParser, MimeHeaders, PartType};

use super::container::{self, apply, merged, Context, Edit};
use super::style::replacement;
use crate::extract::mail::{decoded_headers, messages, part_id};
use crate::finding::Finding;
use crate::outcome::FileOutcome;

/// The file `bytes` (a message, or a mailbox when `mbox`) with `o`'s
/// findings redacted.
pub(super) fn rewrite(
    bytes: &[u8],
    mbox: bool,
    o: &FileOutcome,
    cx: &mut Context<'_, '_>,
    depth: usize,
) -> Result<Vec<u8>, String> {
    if !matches!(o.encoding, "utf-8" | "binary" | "") {
        return Err(format!("mail stored as {}: not rewritten", o.encoding));
    }
    let mut found = Found::default();
    let (drop, deeper) = cx.unreadable(o)?;
    if mbox && !(drop.is_empty() && deeper.is_empty()) {
        return Err("a mailbox with attachments that cannot be read: not rewritten".into());
    }
    let attachment_id = |m: &str| -> Result<String, String> {
        let id = m.strip_prefix("attachment ").and_then(|a| a.split(':').next());
        id.map(str::to_string).ok_or_else(|| format!("{m}: not an attachment that can be removed"))
    };
    for (m, reason) in &drop {
        let id = attachment_id(m)?;
        found.inside.insert((0, format!("d:{id}")), Vec::new());
        found.reasons.insert(id, (m.clone(), reason.clone()));
    }
    for m in &deeper {
        found.inside.insert((0, format!("a:{}", attachment_id(m)?)), Vec::new());
    }
    for f in &o.findings {
        if f.file_offsets {
            found.plain.push(f);
            continue;
        }
        let loc = f.location.as_ref().map(|l| l.value()).ok_or("a finding in mail without a place")?;
        let n = loc.get("message").and_then(|m| m.as_u64()).unwrap_or(0) as usize;
        let key = if let Some(m) = loc.get("member").and_then(|m| m.as_str()) {
            let first = m.split("!/").next().unwrap_or(m);
            let id = first.strip_prefix("attachment ").and_then(|a| a.split(':').next());
            format!("a:{}", id.ok_or_else(|| format!("a finding in {first}: not an attachment"))?)
        } else {
            match loc.get("part") {
                Some(serde_json::Value::Number(i)) => format!("p:{i}"),
                Some(serde_json::Value::String(p)) => match p.strip_suffix("headers (decoded)") {
                    Some(prefix) => format!("h:{}", prefix.trim_end()),
                    None => format!("p:{p}"),
                },
                _ => return Err("a finding in mail not located by part".into()),
            }
        };
        found.inside.entry((n, key)).or_default().push(f);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for (k, (s, e)) in messages(bytes, mbox).into_iter().enumerate() {
        out.extend_from_slice(&bytes[at..s]);
        let n = if mbox { k + 1 } else { 0 };
        let here = found.plain.iter().any(|f| (s..e).contains(&(f.start as usize)))
            || found.inside.keys().any(|(m, _)| *m == n);
        if here {
            let at_msg = Message { n, base: Some(s), prefix: "", depth };
            out.extend_from_slice(&message(&bytes[s..e], &at_msg, &mut found, cx)?);
        } else {
            out.extend_from_slice(&bytes[s..e]);
        }
        at = e;
    }
    out.extend_from_slice(&bytes[at..]);
    if let Some(((_, key), _)) = found.inside.iter().next() {
        return Err(format!("a finding in mail part {} was not found again: not rewritten", &key[2..]));
    }
    Ok(out)
}

/// The findings of one file, taken as their parts are rewritten.
#[derive(Default)]
struct Found<'f> {
    /// Findings at file offsets.
    plain: Vec<&'f Finding>,
    /// Findings inside parts, by (message number in a mailbox, part key:
    /// `p:` text part, `h:` decoded headers, `a:` attachment, `d:`
    /// attachment to replace by a placeholder, then the id).
    inside: BTreeMap<(usize, String), Vec<&'f Finding>>,
    /// Attachments to replace: id → (member name, why it was unreadable).
    reasons: BTreeMap<String, (String, String)>,
}

impl<'f> Found<'f> {
    fn take(&mut self, n: usize, key: String) -> Option<Vec<&'f Finding>> {
        self.inside.remove(&(n, key))
    }

    /// Whether anything is to be redacted in the message with id `prefix`
    /// stored at `range` of the file (when stored verbatim).
    fn within(&self, n: usize, prefix: &str, range: Option<std::ops::Range<usize>>) -> bool {
        let deeper = |id: &str| id == prefix || id.starts_with(&format!("{prefix}."));
        self.inside.keys().any(|(m, k)| *m == n && deeper(&k[2..]))
            || range.is_some_and(|r| self.plain.iter().any(|f| r.contains(&(f.start as usize))))
    }
}

/// Where a message being rewritten is.
struct Message<'p> {
    /// Its number in a mailbox (0 in a single message).
    n: usize,
    /// Where its bytes start in the file, when they stand there verbatim
    /// (findings at file offsets fall in it); `None` inside an encoding.
    base: Option<usize>,
    /// Its part id (`""` at the top, `"1"` for the message in part 1).
    prefix: &'p str,
    depth: usize,
}

/// Message `raw` rewritten.
fn message(raw: &[u8], at: &Message<'_>, found: &mut Found<'_>, cx: &mut Context<'_, '_>) -> Result<Vec<u8>, String> {
    if at.depth > container::MAX_DEPTH {
        return Err(format!("messages nested deeper than {}: not rewritten", container::MAX_DEPTH));
    }
    let msg = crate::extract::contain::contained(|| MessageParser::default().parse(raw))
        .flatten()
        .ok_or("a message could not be parsed again")?;
    let mut edits: Vec<Edit> = Vec::new();
    // Ranges rewritten whole here or in a nested message: a finding at file
    // offsets inside one is redacted there, not again here.
    let mut claimed: Vec<std::ops::Range<usize>> = Vec::new();
    let head_end = msg.parts.first().map_or(raw.len(), |p| p.offset_body.min(raw.len()));
    // The message's line ending, for bodies written again.
    let crlf = memchr::memmem::find(&raw[..head_end], b"\r\n").is_some();
    if let Some(fs) = found.take(at.n, format!("h:{}", at.prefix)) {
        let text = decoded_headers(&msg);
        let mut values: Vec<(&str, String)> = Vec::new();
        for (s, e, f) in merged(&text, &fs)? {
            values.push((&text[s..e], replacement((cx.style)(f), &f.kind, &text[s..e], f.fingerprint)));
        }
        // The header edits stand: a finding at file offsets over the same
        // text (often shorter: cut by a fold) yields.
        for (a, b, put) in header_edits(&raw[..head_end], &values)? {
            claimed.push(a..b);
            edits.push((a, b, put));
        }
    }
    for (i, part) in msg.parts.iter().enumerate() {
        let id = part_id(at.prefix, i);
        let body = part.offset_body.min(raw.len())..part.offset_end.min(raw.len()).max(part.offset_body.min(raw.len()));
        let cs = charset(part);
        match (&part.body, part.attachment_name()) {
            (PartType::Message(inner), _) => {
                let Some(p0) = inner.parts.first() else { continue };
                if part.encoding == Encoding::None {
                    // Stored verbatim in this message's bytes.
                    let r = p0.offset_header.min(raw.len())..p0.offset_end.min(raw.len());
                    let file_range = at.base.map(|b| b + r.start..b + r.end);
                    if !found.within(at.n, &id, file_range) {
                        continue;
                    }
                    let deeper =
                        Message { n: at.n, base: at.base.map(|b| b + r.start), prefix: &id, depth: at.depth + 1 };
                    let new = message(&raw[r.clone()], &deeper, found, cx)?;
                    claimed.push(r.clone());
                    edits.push((r.start, r.end, new));
                } else {
                    if !found.within(at.n, &id, None) {
                        continue;
                    }
                    let inner_raw = decode_body(part.encoding, &raw[body.clone()])?;
                    let deeper = Message { n: at.n, base: None, prefix: &id, depth: at.depth + 1 };
                    let new = message(&inner_raw, &deeper, found, cx)?;
                    claimed.push(body.clone());
                    edits.push((body.start, body.end, encode_body(part.encoding, &new, &raw[body.clone()], crlf)));
                }
            }
            (PartType::Text(s) | PartType::Html(s), None) => {
                let Some(fs) = found.take(at.n, format!("p:{id}")) else { continue };
                let stored = &raw[body.clone()];
                match part.encoding {
                    Encoding::QuotedPrintable => {
                        let (bytes, pos) = qp_decode(stored);
                        let offsets = text_offsets(s, &bytes, cs).ok_or_else(|| unreadable(&id))?;
                        for (a, b, f) in merged(s, &fs)? {
                            let rep = replacement((cx.style)(f), &f.kind, &s[a..b], f.fingerprint);
                            let put = qp_escape(&encode_text(&rep, cs)?);
                            let r = body.start + pos[offsets[a]]..body.start + pos[offsets[b]];
                            // The stored text's own finding of the same value
                            // (often shorter: cut by a soft line break) yields.
                            claimed.push(r.clone());
                            edits.push((r.start, r.end, put));
                        }
                    }
                    Encoding::Base64 => {
                        let bytes = decode_body(Encoding::Base64, stored)?;
                        if decode_text(&bytes, cs).as_deref() != Some(s.as_ref()) {
                            return Err(unreadable(&id));
                        }
                        let new = encode_text(&redacted(s, &fs, cx)?, cs)?;
                        claimed.push(body.clone());
                        edits.push((body.start, body.end, encode_body(Encoding::Base64, &new, stored, crlf)));
                    }
                    Encoding::None => {
                        // Plain text inside a forward sent encoded: its
                        // bytes are the decoded message's own.
                        let offsets = text_offsets(s, stored, cs).ok_or_else(|| unreadable(&id))?;
                        for (a, b, f) in merged(s, &fs)? {
                            let rep = replacement((cx.style)(f), &f.kind, &s[a..b], f.fingerprint);
                            edits.push((body.start + offsets[a], body.start + offsets[b], encode_text(&rep, cs)?));
                        }
                    }
                }
            }
            (PartType::Text(_) | PartType::Html(_) | PartType::Binary(_) | PartType::InlineBinary(_), fname) => {
                if found.take(at.n, format!("d:{id}")).is_some() {
                    let (member, reason) = found.reasons.get(&id).cloned().unwrap_or_default();
                    let name = member.split_once(": ").map_or(member.as_str(), |(_, n)| n);
                    let r = part.offset_header.min(raw.len())..body.end;
                    claimed.push(r.clone());
                    edits.push((r.start, r.end, placeholder_part(name, &reason, &raw[body.clone()], crlf)));
                    continue;
                }
                if found.take(at.n, format!("a:{id}")).is_none() {
                    continue;
                }
                let label = format!("attachment {id}");
                let name = fname.unwrap_or("message.eml");
                let data = decode_body(part.encoding, &raw[body.clone()])?;
                let new = container::member(&label, name, &data, cx, at.depth)?;
                claimed.push(body.clone());
                edits.push((body.start, body.end, encode_body(part.encoding, &new, &raw[body.clone()], crlf)));
            }
            _ => {}
        }
    }
    if let Some(base) = at.base {
        found.plain.retain(|f| {
            let (s, e) = (f.start as usize, f.end as usize);
            if s < base || e > base + raw.len() {
                return true;
            }
            let (s, e) = (s - base, e - base);
            if !claimed.iter().any(|r| r.start < e && s < r.end) {
                let written = String::from_utf8_lossy(&raw[s..e]);
                edits.push((s, e, replacement((cx.style)(f), &f.kind, &written, f.fingerprint).into_bytes()));
            }
            false
        });
    }
    Ok(apply(raw, edits))
}

/// A text part standing in for an attachment that could not be read:
/// its own headers, the placeholder text, the message's line ending
/// (`crlf`) and the old body's trailing blank lines.
fn placeholder_part(name: &str, reason: &str, old_body: &[u8], crlf: bool) -> Vec<u8> {
    let eol = if crlf { "\r\n" } else { "\n" };
    let file = container::placeholder_name(name).replace(['"', '\\', '\r', '\n'], "_");
    let text = String::from_utf8_lossy(&container::placeholder(name, reason)).replace('\n', eol);
    let mut out = format!(
        "Content-Type: text/plain; charset=utf-8{eol}Content-Transfer-Encoding: 8bit{eol}\
         Content-Disposition: attachment; filename=\"{file}\"{eol}{eol}{}",
        text.trim_end()
    )
    .into_bytes();
    out.extend_from_slice(trailing_blanks(old_body));
    out
}

fn unreadable(id: &str) -> String {
    format!("mail part {id}: its text does not read back as the extractor read it: not rewritten")
}

/// `text` with the findings' spans replaced.
fn redacted(text: &str, fs: &[&Finding], cx: &Context<'_, '_>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (a, b, f) in merged(text, fs)? {
        out.push_str(&text[at..a]);
        out.push_str(&replacement((cx.style)(f), &f.kind, &text[a..b], f.fingerprint));
        at = b;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// A part's declared character set (`None`: US-ASCII, read as UTF-8).
fn charset(part: &mail_parser::MessagePart<'_>) -> Option<&'static encoding_rs::Encoding> {
    let label = part.content_type()?.attribute("charset")?;
    encoding_rs::Encoding::for_label(label.trim().as_bytes())
}

fn decode_text(bytes: &[u8], cs: Option<&'static encoding_rs::Encoding>) -> Option<String> {
    let enc = cs.unwrap_or(encoding_rs::UTF_8);
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// `text` in the part's character set; a character it cannot hold refuses.
fn encode_text(text: &str, cs: Option<&'static encoding_rs::Encoding>) -> Result<Vec<u8>, String> {
    let enc = cs.unwrap_or(encoding_rs::UTF_8).output_encoding();
    let (bytes, _, unmappable) = enc.encode(text);
    if unmappable {
        return Err(format!("a replacement cannot be written in {}: not rewritten", enc.name()));
    }
    Ok(bytes.into_owned())
}

/// For each char boundary of `text` (the part's decoded text), where that
/// character starts in `bytes` (its stored bytes in the part's character
/// set), and the end. `None` when the bytes do not read as the text, or the
/// character set has characters of several bytes other than UTF-8's.
fn text_offsets(text: &str, bytes: &[u8], cs: Option<&'static encoding_rs::Encoding>) -> Option<Vec<usize>> {
    if decode_text(bytes, cs).as_deref() != Some(text) {
        return None;
    }
    match cs {
        None => Some((0..=text.len()).collect()),
        Some(enc) if enc == encoding_rs::UTF_8 => Some((0..=text.len()).collect()),
        Some(enc) if enc.is_single_byte() => {
            let mut at = vec![usize::MAX; text.len() + 1];
            for (k, (i, _)) in text.char_indices().enumerate() {
                at[i] = k;
            }
            at[text.len()] = bytes.len();
            Some(at)
        }
        Some(_) => None,
    }
}

/// A body in its transfer encoding decoded.
fn decode_body(enc: Encoding, stored: &[u8]) -> Result<Vec<u8>, String> {
    match enc {
        Encoding::None => Ok(stored.to_vec()),
        Encoding::QuotedPrintable => Ok(qp_decode(stored).0),
        Encoding::Base64 => lenient_base64(stored)
            .ok_or_else(|| "a base64 part that does not decode cleanly: not rewritten".to_string()),
    }
}

/// `data` in transfer encoding `enc`, laid out like `old` (the part's
/// stored body): the same line length, the message's line ending (`crlf`),
/// the same trailing blank lines before the next boundary (base64: a
/// quoted-printable body holds its own).
fn encode_body(enc: Encoding, data: &[u8], old: &[u8], crlf: bool) -> Vec<u8> {
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let tail = trailing_blanks(old);
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + 8);
    match enc {
        Encoding::None => return data.to_vec(),
        Encoding::Base64 => {
            let width = old.iter().position(|&b| b == b'\r' || b == b'\n').unwrap_or(76).clamp(4, 998) / 4 * 4;
            let text = base64::engine::general_purpose::STANDARD.encode(data);
            for (k, line) in text.as_bytes().chunks(width).enumerate() {
                if k > 0 {
                    out.extend_from_slice(eol);
                }
                out.extend_from_slice(line);
            }
        }
        Encoding::QuotedPrintable => {
            let text = quoted_printable::encode(data);
            if crlf {
                return text;
            } else {
                let mut k = 0;
                while k < text.len() {
                    if text[k..].starts_with(b"\r\n") {
                        out.push(b'\n');
                        k += 2;
                    } else {
                        out.push(text[k]);
                        k += 1;
                    }
                }
                return out;
            }
        }
    }
    out.extend_from_slice(tail);
    out
}

/// The blank lines and spaces that end a stored body, before the next
/// boundary.
fn trailing_blanks(body: &[u8]) -> &[u8] {
    &body[body.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1)..]
}

/// A quoted-printable body decoded, with, for each decoded byte, where it
/// starts in `stored` (and one more entry: the end).
fn qp_decode(stored: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let hex = |b: u8| (b as char).to_digit(16);
    let (mut out, mut pos) = (Vec::with_capacity(stored.len()), Vec::with_capacity(stored.len() + 1));
    let mut i = 0;
    while i < stored.len() {
        if stored[i] == b'=' {
            if let (Some(h), Some(l)) =
                (stored.get(i + 1).and_then(|&b| hex(b)), stored.get(i + 2).and_then(|&b| hex(b)))
            {
                out.push((h * 16 + l) as u8);
                pos.push(i);
                i += 3;
                continue;
            }
            // A soft line break (trailing blanks allowed before it).
            let mut j = i + 1;
            while j < stored.len() && (stored[j] == b' ' || stored[j] == b'\t') {
                j += 1;
            }
            if stored[j..].starts_with(b"\r\n") {
                i = j + 2;
                continue;
            }
            if stored[j..].starts_with(b"\n") {
                i = j + 1;
                continue;
            }
        }
        out.push(stored[i]);
        pos.push(i);
        i += 1;
    }
    pos.push(stored.len());
    (out, pos)
}

/// A replacement written quoted-printable: printable ASCII as is, the rest
/// (and `=`) escaped.
fn qp_escape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if (b' '..=b'~').contains(&b) && b != b'=' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("={b:02X}").as_bytes());
        }
    }
    out
}

/// The edits that redact `values` (each with its replacement) in a
/// message's header block `head`:
///
/// - in each run of encoded words (RFC 2047; adjacent words, only blanks
///   or a fold between them, are one text) whose decoded text holds any of
///   them, the run written again as UTF-8 words with every value replaced;
/// - wherever a value stands as plain text, folds unfolded (`"Priya\r\n
///   Ramaswamy"`), the whole stretch replaced.
///
/// A value found nowhere refuses, and so does an encoded word that does
/// not decode (it could hold one).
fn header_edits(head: &[u8], values: &[(&str, String)]) -> Result<Vec<Edit>, String> {
    static WORD: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=").expect("encoded-word pattern")
    });
    let mut edits: Vec<Edit> = Vec::new();
    let mut found = vec![false; values.len()];
    let mut words: Vec<(usize, usize, String)> = Vec::new();
    for c in WORD.captures_iter(head) {
        let m = c.get(0).expect("whole match");
        let label = String::from_utf8_lossy(&c[1]);
        // RFC 2231 language suffix: `utf-8*en`.
        let label = label.split('*').next().unwrap_or_default();
        let enc = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8);
        let raw = if c[2].eq_ignore_ascii_case(b"b") {
            lenient_base64(&c[3]).ok_or("an encoded header word that does not decode: not rewritten")?
        } else {
            let q: Vec<u8> = c[3].iter().map(|&b| if b == b'_' { b' ' } else { b }).collect();
            qp_decode(&q).0
        };
        let text = enc.decode_without_bom_handling(&raw).0.into_owned();
        match words.last_mut() {
            Some(last) if head[last.1..m.start()].iter().all(|b| b.is_ascii_whitespace()) => {
                last.1 = m.end();
                last.2.push_str(&text);
            }
            _ => words.push((m.start(), m.end(), text)),
        }
    }
    // Longer values first: one inside another is replaced with it.
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(values[k].0.len()));
    for (s, e, text) in &words {
        let mut new = text.clone();
        for &k in &order {
            let (value, rep) = &values[k];
            if text.contains(value) {
                new = new.replace(value, rep);
                found[k] = true;
            }
        }
        if new != *text {
            edits.push((*s, *e, encoded_words(&new)));
        }
    }
    // Plain text, unfolded: a line break before a blank is not text.
    let (mut flat, mut at) = (Vec::with_capacity(head.len()), Vec::with_capacity(head.len()));
    let mut i = 0;
    while i < head.len() {
        let fold = match &head[i..] {
            [b'\r', b'\n', b' ' | b'\t', ..] => 2,
            [b'\n', b' ' | b'\t', ..] => 1,
            _ => 0,
        };
        if fold > 0 {
            i += fold;
            continue;
        }
        flat.push(head[i]);
        at.push(i);
        i += 1;
    }
    for (k, (value, rep)) in values.iter().enumerate() {
        for s in memchr::memmem::find_iter(&flat, value.as_bytes()) {
            let (a, b) = (at[s], at[s + value.len() - 1] + 1);
            found[k] = true;
            // Already rewritten (inside an encoded word, or the same value
            // twice among the findings).
            if edits.iter().any(|&(x, y, _)| x < b && a < y) {
                continue;
            }
            edits.push((a, b, rep.as_bytes().to_vec()));
        }
    }
    if found.iter().all(|&f| f) {
        Ok(edits)
    } else {
        Err("a header value not found where it is stored: not rewritten".into())
    }
}

/// Base64 as mail readers decode it: blanks ignored, padding optional,
/// stray trailing bits allowed.
fn lenient_base64(text: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let clean: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    LENIENT.decode(clean).ok()
}

/// `text` as UTF-8 base64 encoded words of at most 75 characters, a space
/// between them (which decoding drops).
fn encoded_words(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = rest.len().min(45);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(b"=?utf-8?b?");
        out.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(&rest[..cut]).as_bytes());
        out.extend_from_slice(b"?=");
        rest = &rest[cut..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_words_hold_every_value() {
        let head = b"From: Desk <d@x.org>\r\nTo: Desk <d@x.org>\r\n\
            Subject: =?utf-8?B?Y2FsbCBQcml5YSBSYW1hc3dhbXkgb24gMDc5MTIgMzQ1Njc4?=\r\n\
            Thread-Topic: =?utf-8?B?Y2FsbCBQcml5YSBSYW1hc3dhbXl=?=\r\n\
            Cc: \"Priya\r\n Ramaswamy\" <p@x.org>\r\n";
        let values = [
            ("d@x.org", "[EMAIL]".to_string()),
            ("d@x.org", "[EMAIL]".to_string()),
            ("Priya Ramaswamy", "[NAME]".to_string()),
            ("Priya Ramaswamy", "[NAME]".to_string()),
            ("07912 345678", "[PHONE]".to_string()),
        ];
        let out = container::apply(head, header_edits(head, &values).unwrap());
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("From: Desk <[EMAIL]>\r\nTo: Desk <[EMAIL]>\r\n"), "{text}");
        // Both values of the subject's word, a word with stray trailing
        // bits, and a folded plain name.
        assert!(text.contains("Subject: =?utf-8?b?Y2FsbCBbTkFNRV0gb24gW1BIT05FXQ==?="), "{text}");
        assert!(text.contains("Thread-Topic: =?utf-8?b?Y2FsbCBbTkFNRV0=?="), "{text}");
        assert!(text.contains("Cc: \"[NAME]\" <p@x.org>"), "{text}");
        // A value nowhere, or a word that does not decode: refused.
        assert!(header_edits(head, &[("Tom Hughes", "[NAME]".into())]).is_err());
        assert!(header_edits(b"Subject: =?utf-8?B?***?=\r\n", &[("x", "y".into())]).is_err());
    }

    #[test]
    fn quoted_printable_keeps_each_bytes_place() {
        let (text, pos) = qp_decode(b"Rama=\r\nswamy =3D caf=C3=A9=\n");
        assert_eq!(text, "Ramaswamy = caf\u{e9}".as_bytes());
        assert_eq!((pos[0], pos[4], pos[10], pos[text.len()]), (0, 7, 13, 28));
    }
}
