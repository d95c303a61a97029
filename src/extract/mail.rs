//! Mail: `.eml` messages and `.mbox` mailboxes, with `mail-parser`.
//!
//! The file is scanned as stored: headers (`From`, `To`, `Cc`, `Reply-To`
//! display names and addresses) and plain 7/8-bit bodies keep exact file
//! offsets. What the stored bytes hide is decoded and scanned as extra
//! segments located by MIME part (`{"part": 2, "content_type": "text/html"}`):
//! quoted-printable and base64 bodies, RFC 2047 encoded header words
//! (`=?UTF-8?B?...?=`), and attachments, which go through the extractor of
//! their own format (a CV attached as `.docx`, a `.csv` export, a `.zip`):
//! `{"member": "attachment 2: cv.docx", ...}`. In a mailbox, findings also
//! carry `{"message": n}`.

use std::borrow::Cow;

use mail_parser::{Encoding, MessageParser, MimeHeaders, PartType};
use serde_json::json;

use super::{text, Cx, Origin, Refusal, Segment};

/// Message boundaries of a mailbox (`From ` lines after a blank line);
/// the whole text for a single message.
pub fn messages(t: &[u8], mbox: bool) -> Vec<(usize, usize)> {
    if !mbox {
        return vec![(0, t.len())];
    }
    let mut starts: Vec<usize> = Vec::new();
    if t.starts_with(b"From ") {
        starts.push(0);
    }
    starts.extend(memchr::memmem::find_iter(t, b"\n\nFrom ").map(|i| i + 2));
    // A mailbox saved with CRLF line ends.
    starts.extend(memchr::memmem::find_iter(t, b"\r\n\r\nFrom ").map(|i| i + 4));
    starts.sort_unstable();
    if starts.is_empty() {
        return vec![(0, t.len())];
    }
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(t.len()));
    starts.iter().copied().zip(ends).collect()
}

/// Extract a message or mailbox.
pub fn extract(
    name: &str,
    bytes: &[u8],
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) -> Result<&'static str, Refusal> {
    let mbox = super::detect(name, bytes) == super::Kind::Mbox;
    // A message with one binary part is still a message: MIME says where
    // its text is, so NUL bytes do not make it a binary file.
    let decoded = text::decode(bytes, true, &|_| {})?;
    if cx.depth == 0 {
        cx.encoding = decoded.encoding;
    }
    let origin = match (cx.depth, decoded.map) {
        (0, None) => Origin::File,
        (0, Some(m)) => Origin::Map(m),
        _ => Origin::Inside,
    };
    let t: Cow<'_, [u8]> = decoded.text;
    let mut spans: Vec<(usize, serde_json::Value)> = Vec::new();
    for (k, (s, e)) in messages(&t, mbox).into_iter().enumerate() {
        let at = |mut loc: serde_json::Value| {
            if mbox {
                loc["message"] = json!(k + 1);
            }
            Some(loc)
        };
        if mbox {
            spans.push((s, json!({ "message": k + 1 })));
        }
        let from = spans.len();
        message(&t[s..e], "", true, (s, &mut spans), cx, &mut |mut seg: Segment<'_>| {
            let loc = seg.location.take().unwrap_or_else(|| json!({}));
            seg.location = at(loc);
            emit(seg)
        });
        for (_, loc) in &mut spans[from..] {
            if let Some(l) = at(loc.take()) {
                *loc = l;
            }
        }
    }
    let mut main = Segment::new(t, origin);
    // Plain parts are read here, at file offsets: each finding is located
    // by the part (and message) it lies in.
    spans.sort_by_key(|(s, _)| *s);
    if !spans.is_empty() {
        main.locator = super::Locator::Spans(spans);
    }
    emit(main);
    Ok(if mbox { "mbox" } else { "eml" })
}

/// The decoded parts of one message as extra segments.
///
/// A forwarded message (`message/rfc822`, and every part of a
/// `multipart/digest`) is a message again: its headers and parts are read
/// the same way, one level deeper, with part ids like `"1.2"`. The depth is
/// ours to bound ([`Limits::max_depth`](super::Limits::max_depth), shared with archives): a message
/// nested past it is a `limit_exceeded` problem, and the rest is read.
///
/// `verbatim`: the message's bytes stand in the file as they are (not
/// inside a base64 or quoted-printable forward), so its plain parts are
/// already scanned, with file offsets, in the file's main segment.
///
/// `spans` gathers, for a verbatim message, where each of its parts starts
/// in the file's main segment (`base` is where `raw` starts there), so that
/// a finding in a plain part is located by its part like a decoded one.
fn message(
    raw: &[u8],
    part_id: &str,
    verbatim: bool,
    (base, spans): (usize, &mut Vec<(usize, serde_json::Value)>),
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) {
    // mail-parser's own assertions can fire on damaged MIME (a debug
    // assertion "Invalid part ID", found by fuzzing): contained like the
    // PDF reader's panics; the part is then left unread.
    let Some(msg) = super::contain::contained(|| MessageParser::default().parse(raw)).flatten() else { return };
    let at = |loc: serde_json::Value| if part_id.is_empty() { loc } else { merge_part(loc, part_id) };
    // Encoded header words: the decoded address headers.
    let head_end = msg.parts.first().map_or(raw.len(), |p| p.offset_body.min(raw.len()));
    if memchr::memmem::find(&raw[..head_end], b"=?").is_some() || !verbatim || folded(&raw[..head_end]) {
        let lines = decoded_headers(&msg);
        let mut seg = Segment::new(Cow::Owned(lines.into_bytes()), Origin::Inside);
        seg.location = Some(at(json!({ "part": "headers (decoded)" })));
        emit(seg);
    }
    for (i, part) in msg.parts.iter().enumerate() {
        let ctype = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_else(|| "text/plain".into());
        // A top-level part keeps its number; a nested one gets a dotted id.
        let id_text = self::part_id(part_id, i);
        let id: serde_json::Value = if part_id.is_empty() { json!(i) } else { json!(id_text) };
        let loc = json!({ "part": id, "content_type": ctype });
        if verbatim && part.offset_body <= raw.len() {
            spans.push((base + part.offset_body, loc.clone()));
        }
        // Inside a forward sent in a transfer encoding, every text part is
        // text the file's main segment does not hold as such.
        let encoded = part.encoding != Encoding::None || !verbatim;
        match (&part.body, part.attachment_name()) {
            (PartType::Text(s) | PartType::Html(s), None) if encoded => {
                let mut seg = Segment::new(Cow::Owned(s.as_bytes().to_vec()), Origin::Inside);
                seg.location = Some(loc);
                emit(seg);
            }
            (PartType::Message(inner), _) => {
                if cx.past_depth(&format!("attached message {id_text}")) {
                    continue;
                }
                // Its own bytes, not the `raw_message` field: a nested message
                // shares its parent's buffer (reading that again recursed for
                // ever). `raw_message()` would index `parts[0]`, which a
                // damaged nested message may lack (found by fuzzing).
                let Some(inner_raw) =
                    inner.parts.first().and_then(|p| inner.raw_message.get(p.offset_header..p.offset_end))
                else {
                    continue;
                };
                cx.depth += 1;
                let inner_base = base + inner.parts.first().map_or(0, |p| p.offset_header);
                let verbatim = verbatim && part.encoding == Encoding::None;
                message(inner_raw, &id_text, verbatim, (inner_base, &mut *spans), cx, emit);
                cx.depth -= 1;
            }
            (
                body @ (PartType::Text(_) | PartType::Html(_) | PartType::Binary(_) | PartType::InlineBinary(_)),
                Some(fname),
            ) if encoded || matches!(body, PartType::Binary(_) | PartType::InlineBinary(_)) => {
                let data: &[u8] = match body {
                    PartType::Text(s) | PartType::Html(s) => s.as_bytes(),
                    PartType::Binary(b) | PartType::InlineBinary(b) => b,
                    _ => &[],
                };
                attachment(&format!("attachment {id_text}: {fname}"), fname, data, cx, emit);
            }
            (PartType::Binary(b) | PartType::InlineBinary(b), None) if looks_like_message(b) => {
                // A forwarded message sent as an octet stream, or a part whose
                // type was lost: it reads as a message, so read it as one.
                attachment(&format!("attachment {id_text}: message"), "message.eml", b, cx, emit);
            }
            _ => {}
        }
    }
}

/// The headers always read decoded (lower case), by [`decoded_headers`].
const DECODED: [&str; 5] = ["from", "to", "cc", "reply-to", "subject"];

/// Whether one of the [`DECODED`] headers is folded over lines: a value
/// cut by the fold is whole only in the decoded reading.
fn folded(head: &[u8]) -> bool {
    let mut in_read = false;
    for line in head.split(|&b| b == b'\n') {
        match line.first() {
            Some(b' ' | b'\t') if in_read => return true,
            Some(b' ' | b'\t') => {}
            _ => {
                let name = line.split(|&b| b == b':').next().unwrap_or_default();
                in_read = DECODED.iter().any(|h| name.eq_ignore_ascii_case(h.as_bytes()));
            }
        }
    }
    false
}

/// The decoded address and subject headers of a message, one per line
/// (`From: Name <address>`), and any other header written in encoded
/// words: the text of its `"headers (decoded)"` segment, built again by
/// the mail writer to place a finding in it.
pub fn decoded_headers(msg: &mail_parser::Message<'_>) -> String {
    let mut lines = String::new();
    for (label, addr) in [("From", msg.from()), ("To", msg.to()), ("Cc", msg.cc()), ("Reply-To", msg.reply_to())] {
        for a in addr.into_iter().flat_map(|a| a.iter()) {
            lines.push_str(&format!(
                "{label}: {} <{}>\n",
                a.name.as_deref().unwrap_or(""),
                a.address.as_deref().unwrap_or("")
            ));
        }
    }
    if let Some(s) = msg.subject() {
        lines.push_str(&format!("Subject: {s}\n"));
    }
    // Any other header written in encoded words (`Thread-Topic`,
    // `Comments`, an `X-` note): its text is only readable decoded.
    for h in msg.parts.first().map_or(&[][..], |p| &p.headers[..]) {
        let name = h.name.as_str();
        let raw = msg.raw_message.get(h.offset_start..h.offset_end).unwrap_or_default();
        if DECODED.iter().any(|r| name.eq_ignore_ascii_case(r)) || memchr::memmem::find(raw, b"=?").is_none() {
            continue;
        }
        if let Some(text) = h.value.as_text() {
            lines.push_str(&format!("{name}: {text}\n"));
        }
    }
    lines
}

/// The id of part `i` of a message whose own id is `prefix` (`""` at the
/// top): `"2"`, or `"1.2"` inside the message in part 1.
pub fn part_id(prefix: &str, i: usize) -> String {
    if prefix.is_empty() {
        i.to_string()
    } else {
        format!("{prefix}.{i}")
    }
}

/// An attachment through the extractor of its own format, one level deeper.
fn attachment(member: &str, fname: &str, data: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) {
    if cx.past_depth(member) {
        return;
    }
    if let Err((reason, detail)) = super::archive::member_as(member, fname, data, cx, emit) {
        cx.problems.push(super::Problem { member: member.to_string(), reason, detail });
    }
}

/// Put a nested message's part id on a location: `{"part": "1.2"}` for the
/// headers of the message in part 1.2.
fn merge_part(mut loc: serde_json::Value, part_id: &str) -> serde_json::Value {
    if let Some(m) = loc.as_object_mut() {
        let inner = m.get("part").and_then(|p| p.as_str().map(str::to_string));
        let p = match inner {
            Some(s) => format!("{part_id} {s}"),
            None => part_id.to_string(),
        };
        m.insert("part".into(), json!(p));
    }
    loc
}

/// Whether bytes read as an RFC 5322 message: a header block of
/// `Name: value` lines (continuations allowed) before a blank line, holding
/// at least two of the headers messages have, one of them an origin header
/// (`From`, `Received`, `Message-ID`, `Return-Path`, `Date`) or a MIME one
/// (`MIME-Version`, `Content-Type`: a saved MIME entity).
///
/// Used to recognise mail by content (a saved message named `.txt` or with
/// no extension, a Maildir file) and inside octet-stream parts.
pub fn looks_like_message(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(16 << 10)];
    let mut lines = head.split(|&b| b == b'\n');
    let mut first = true;
    let (mut known, mut origin, mut fields) = (0u32, false, 0u32);
    for line in lines.by_ref() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if first && line.starts_with(b"From ") {
            // An mbox separator line before the first header.
            first = false;
            continue;
        }
        first = false;
        if line.is_empty() {
            return fields >= 2 && known >= 2 && origin;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if fields == 0 {
                return false;
            }
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else { return false };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return false;
        }
        fields += 1;
        let lower = name.to_ascii_lowercase();
        match lower.as_slice() {
            b"from" | b"received" | b"message-id" | b"return-path" | b"date" => {
                origin = true;
                known += 1;
            }
            b"mime-version" | b"content-type" => {
                origin = true;
                known += 1;
            }
            b"to" | b"subject" | b"cc" | b"delivered-to" | b"reply-to" | b"x-mailer" | b"user-agent" | b"sender" => {
                known += 1
            }
            _ => {}
        }
    }
    false
}
