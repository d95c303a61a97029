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

use super::{extract as extract_any, nest, text, Cx, Origin, Refusal, Segment};

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
    let decoded = text::decode(bytes, cx.explicit, &|_| {})?;
    if cx.depth == 0 {
        cx.encoding = decoded.encoding;
    }
    let origin = match (cx.depth, decoded.map) {
        (0, None) => Origin::File,
        (0, Some(m)) => Origin::Map(m),
        _ => Origin::Inside,
    };
    let t: Cow<'_, [u8]> = decoded.text;
    for (k, (s, e)) in messages(&t, mbox).into_iter().enumerate() {
        let at = |mut loc: serde_json::Value| {
            if mbox {
                loc["message"] = json!(k + 1);
            }
            Some(loc)
        };
        message(&t[s..e], cx, &mut |mut seg: Segment<'_>| {
            let loc = seg.location.take().unwrap_or_else(|| json!({}));
            seg.location = at(loc);
            emit(seg)
        });
    }
    let mut main = Segment::new(t, origin);
    if mbox {
        let spans: Vec<(usize, serde_json::Value)> = messages(&main.text, true)
            .into_iter()
            .enumerate()
            .map(|(k, (s, _))| (s, json!({ "message": k + 1 })))
            .collect();
        main.locator = super::Locator::Spans(spans);
    }
    emit(main);
    Ok(if mbox { "mbox" } else { "eml" })
}

/// The decoded parts of one message as extra segments.
fn message(raw: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) {
    let Some(msg) = MessageParser::default().parse(raw) else { return };
    // Encoded header words: the decoded address headers.
    let head_end = msg.parts.first().map_or(raw.len(), |p| p.offset_body.min(raw.len()));
    if memchr::memmem::find(&raw[..head_end], b"=?").is_some() {
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
        let mut seg = Segment::new(Cow::Owned(lines.into_bytes()), Origin::Inside);
        seg.location = Some(json!({ "part": "headers (decoded)" }));
        emit(seg);
    }
    for (i, part) in msg.parts.iter().enumerate() {
        let ctype = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_else(|| "text/plain".into());
        let loc = json!({ "part": i, "content_type": ctype });
        let encoded = part.encoding != Encoding::None;
        match (&part.body, part.attachment_name()) {
            (PartType::Text(s) | PartType::Html(s), None) if encoded => {
                let mut seg = Segment::new(Cow::Owned(s.as_bytes().to_vec()), Origin::Inside);
                seg.location = Some(loc);
                emit(seg);
            }
            (PartType::Message(inner), _) => {
                message(inner.raw_message.as_ref(), cx, &mut |mut seg: Segment<'_>| {
                    seg.location = nest(&format!("attached message {i}"), seg.location.take());
                    emit(seg)
                });
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
                let member = format!("attachment {i}: {fname}");
                let before = cx.problems.len();
                cx.depth += 1;
                let r = extract_any(fname, data, cx, &mut |mut seg: Segment<'_>| {
                    seg.location = nest(&member, seg.location.take());
                    emit(seg)
                });
                cx.depth -= 1;
                for p in &mut cx.problems[before..] {
                    p.member = format!("{member}!/{}", p.member);
                }
                if let Err((reason, detail)) = r {
                    cx.problems.push(super::Problem { member, reason, detail });
                }
            }
            _ => {}
        }
    }
}
