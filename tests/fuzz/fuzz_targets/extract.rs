//! Every extractor on arbitrary bytes: the first byte picks the format (the
//! file name the extractor is chosen by), the rest is the file. Checks that
//! nothing panics, that memory stays within the limits, and that every
//! segment's offsets map inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piiscan::extract::{extract, Cx, Limits, Origin};

const NAMES: &[&str] = &[
    "a.csv", "a.tsv", "a.json", "a.jsonl", "a.xml", "a.html", "a.vtt", "a.srt", "a.txt", "a.eml", "a.mbox", "a.zip",
    "a.docx", "a.xlsx", "a.pptx", "a.odt", "a.ods", "a.gz", "a.tar", "a.tar.gz", "a.pdf",
    // Appended (earlier seeds keep their first byte's meaning).
    "a.xls", "a.xlsb", "a.tar.xz", "a.tar.bz2", "a.exe", "a.7z",
];

fuzz_target!(|data: &[u8]| {
    let Some((&k, body)) = data.split_first() else { return };
    let name = NAMES[k as usize % NAMES.len()];
    let limits = Limits { max_expanded: 32 << 20, max_member: 16 << 20, ..Limits::default() };
    let mut cx = Cx::new(limits, false);
    let _ = extract(name, body, &mut cx, &mut |seg| {
        match &seg.origin {
            Origin::Map(m) => {
                assert_eq!(m.len(), seg.text.len() + 1);
                assert!(m.iter().all(|&o| o as usize <= body.len()));
            }
            // Offsets into text extracted from a container: no bound known here.
            Origin::InsideMap(m) => assert_eq!(m.len(), seg.text.len() + 1),
            Origin::File | Origin::Inside => {}
        }
        for pos in [0, seg.text.len() / 2, seg.text.len().saturating_sub(1)] {
            let _ = seg.locator.at(&seg.text, pos);
        }
    });
    assert!(cx.expanded <= limits.max_expanded + limits.max_member + 1);
});
