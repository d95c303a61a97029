//! XML and HTML: text and attribute values, entities decoded with offsets
//! mapped back.
//!
//! The file is scanned as stored (element names and attribute names give
//! context, like JSON keys: `<dob>14/03/1982</dob>`). When it holds entity or
//! character references (`jane&#64;example.org`, `O&apos;Brien`), an extra
//! segment with every reference decoded (tags kept, so context still works)
//! is scanned too, mapped back to the file. For XML, findings carry the
//! element path, `{"xpath": "/customers/customer[3]/email"}`, from a
//! `quick-xml` pass (which stops quietly at the first malformed tag).

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::reader::Reader;
use serde_json::{json, Value};

use super::text::compose;
use super::{Locator, Origin, Segment};
use crate::offsets::OffsetMap;

/// Named references HTML uses beyond XML's five (the ones that occur in
/// personal data: spaces, quotes, accented letters are usually numeric).
const HTML_ENTITIES: &[(&str, &str)] = &[
    ("nbsp", " "),
    ("ndash", "-"),
    ("mdash", "-"),
    ("lsquo", "'"),
    ("rsquo", "'"),
    ("ldquo", "\""),
    ("rdquo", "\""),
    ("eacute", "é"),
    ("egrave", "è"),
    ("euml", "ë"),
    ("ouml", "ö"),
    ("uuml", "ü"),
    ("auml", "ä"),
    ("ccedil", "ç"),
    ("commat", "@"),
    ("period", "."),
];

/// Decode references in `text` (tags kept); `None` when there is none.
fn decode_refs(text: &[u8]) -> Option<(Vec<u8>, OffsetMap)> {
    memchr::memchr(b'&', text)?;
    let mut out = Vec::with_capacity(text.len());
    let mut map = OffsetMap::new();
    let mut i = 0;
    let mut buf = [0u8; 4];
    let mut any = false;
    while i < text.len() {
        if text[i] == b'&' {
            let end = text[i + 1..text.len().min(i + 34)].iter().position(|&b| b == b';').map(|p| i + 1 + p);
            if let Some(end) = end {
                let name = std::str::from_utf8(&text[i + 1..end]).unwrap_or("");
                let rep: Option<Cow<'_, str>> = if let Some(num) = name.strip_prefix('#') {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok(),
                        None => num.parse::<u32>().ok(),
                    };
                    code.and_then(char::from_u32).map(|c| Cow::Owned(c.encode_utf8(&mut buf).to_string()))
                } else {
                    quick_xml::escape::resolve_predefined_entity(name)
                        .or_else(|| HTML_ENTITIES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
                        .map(Cow::Borrowed)
                };
                if let Some(r) = rep {
                    for &b in r.as_bytes() {
                        out.push(b);
                        map.push(i as u64);
                    }
                    i = end + 1;
                    any = true;
                    continue;
                }
            }
        }
        out.push(text[i]);
        map.push(i as u64);
        i += 1;
    }
    map.push(text.len() as u64);
    any.then_some((out, map))
}

/// Deepest element path written in full in a location.
const XPATH_DEPTH: usize = 64;

/// Element paths by position (XML only).
fn xpaths(text: &[u8]) -> Vec<(usize, Value)> {
    let mut reader = Reader::from_reader(text);
    reader.config_mut().check_end_names = false;
    let mut out = Vec::new();
    // (name, counts of children by name)
    let mut stack: Vec<(String, Vec<(String, usize)>)> = Vec::new();
    // A path names at most XPATH_DEPTH elements: 100,000 nested elements
    // would otherwise give 100,000 paths of 100,000 names (quadratic time
    // and tens of gigabytes).
    let path = |stack: &[(String, Vec<(String, usize)>)]| {
        let mut p = String::new();
        for (name, _) in stack.iter().take(XPATH_DEPTH) {
            p.push('/');
            p.push_str(name);
        }
        if stack.len() > XPATH_DEPTH {
            p.push_str(&format!("/…({} more levels)", stack.len() - XPATH_DEPTH));
        }
        p
    };
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.name().as_ref().to_string();
                let n = match stack.last_mut() {
                    Some((_, counts)) => match counts.iter_mut().find(|(c, _)| *c == name) {
                        Some((_, k)) => {
                            *k += 1;
                            *k
                        }
                        None => {
                            counts.push((name.clone(), 1));
                            1
                        }
                    },
                    None => 1,
                };
                stack.push((if n > 1 { format!("{name}[{n}]") } else { name }, Vec::new()));
                out.push((before, json!({ "xpath": path(&stack) })));
            }
            Ok(Event::End(_)) => {
                stack.pop();
                out.push((reader.buffer_position() as usize, json!({ "xpath": path(&stack) })));
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        if out.len() > 1 << 22 {
            break;
        }
    }
    out
}

/// Extract XML or HTML text.
pub fn extract(ext: &str, t: Cow<'_, [u8]>, origin: Origin, emit: &mut dyn FnMut(Segment<'_>)) -> &'static str {
    let html = matches!(ext, "html" | "htm" | "xhtml");
    let locator = if html { Locator::None } else { Locator::Spans(xpaths(&t)) };
    if let Some((dec, map)) = decode_refs(&t) {
        let mut seg = Segment::new(Cow::Owned(dec), compose(map.iter().map(|o| o as usize), &origin));
        seg.extra = true;
        emit(seg);
    }
    let mut main = Segment::new(t, origin);
    main.locator = locator;
    emit(main);
    if html {
        "html"
    } else {
        "xml"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_decoded_and_mapped() {
        let t = b"<c><email>jane&#64;example.org</email><n>O&apos;Brien &amp; Co</n></c>";
        let (dec, map) = decode_refs(t).unwrap();
        let d = std::str::from_utf8(&dec).unwrap();
        assert!(d.contains("jane@example.org") && d.contains("O'Brien & Co"));
        let at = d.find('@').unwrap();
        assert_eq!(&t[map.get(at).unwrap() as usize..map.get(at + 1).unwrap() as usize], b"&#64;");
        assert!(decode_refs(b"<a>plain</a>").is_none());
        assert!(decode_refs(b"&#xZZ; &bogus; &").is_none());
    }

    #[test]
    fn element_paths() {
        let t = b"<customers><customer><email>a@b.co</email></customer><customer><email>c@d.co</email></customer></customers>";
        let l = Locator::Spans(xpaths(t));
        let pos = t.windows(6).position(|w| w == b"c@d.co").unwrap();
        assert_eq!(l.at(t, pos), Some(json!({"xpath": "/customers/customer[2]/email"})));
        let _ = xpaths(b"<a><b></a><<<>");
    }
}
