//! PDF: the text layer, page by page, with `lopdf`, contained.
//!
//! A PDF parser reads hostile structure; `lopdf` reports most damage as
//! errors, and whatever panics inside it is caught here (`catch_unwind`) and
//! reported as `malformed`, so one file cannot stop the run. (A stack
//! overflow cannot be caught in-process; running extraction in a child
//! process would close that gap.) Decompression per page is capped.
//! A PDF whose pages have no text (scanned images) is reported as
//! `image_only`, not scanned; an encrypted one as `encrypted`. Findings carry
//! `{"page": n}`.

use std::borrow::Cow;

use serde_json::json;

use super::contain::contained;
use super::{Cx, Origin, Refusal, Segment};
use crate::outcome::SkipReason;

/// Extract the text layer.
pub fn extract(bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    let cap = cx.limits.max_member.min(cx.limits.max_expanded.saturating_sub(cx.expanded)) as usize;
    let pages = contained(|| -> Result<Vec<(u32, String)>, Refusal> {
        let doc = match lopdf::Document::load_mem(bytes) {
            Ok(d) => d,
            Err(e) if e.to_string().to_lowercase().contains("encrypt") => {
                return Err((SkipReason::Encrypted, "password-protected PDF".into()))
            }
            Err(e) => return Err((SkipReason::Malformed, format!("pdf: {e}"))),
        };
        if doc.is_encrypted() {
            return Err((SkipReason::Encrypted, "password-protected PDF".into()));
        }
        let mut out = Vec::new();
        for n in doc.get_pages().into_keys() {
            let t = doc.extract_text_with_limit(&[n], cap).unwrap_or_default();
            out.push((n, t));
        }
        Ok(out)
    })
    .unwrap_or_else(|| Err((SkipReason::Malformed, "the PDF reader failed on this file (contained)".into())))?;
    if pages.iter().all(|(_, t)| t.trim().is_empty()) {
        return Err((SkipReason::ImageOnly, "no text layer (scanned pages?): image-only, not scanned".into()));
    }
    for (n, t) in pages {
        cx.expanded += t.len() as u64;
        let mut seg = Segment::new(Cow::Owned(t.into_bytes()), Origin::Inside);
        seg.location = Some(json!({ "page": n }));
        emit(seg);
    }
    Ok("pdf")
}
