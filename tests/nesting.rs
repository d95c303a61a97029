//! Issue 17: no input ends the run. One test per extractor that recurses,
//! each with input nested one level (or far) past its limit: the run
//! completes, the file lands in a named bucket or names the member it could
//! not read, and a plain file beside it is still scanned.
//!
//! A stack overflow aborts the process (it is not a panic), so each case
//! runs the real binary: a regression shows as a crashed child, not as a
//! hung test.

mod common;

use std::io::Write;
use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

use common::piiscan;

/// The depth limit of containers (`Limits::default().max_depth`).
const MAX_DEPTH: usize = 4;

const EMAIL: &str = "jane.doe77@gmail.com";

/// Scan `dir` with `--format json`; the exit code and the document.
fn scan(dir: &Path) -> (i32, Value) {
    let o = piiscan(&["scan", "--format", "json", "-j", "2", dir.to_str().unwrap()]);
    let code = o.status.code().unwrap_or_else(|| panic!("piiscan died by a signal: {:?}", o.status));
    let doc = serde_json::from_slice(&o.stdout).expect("a complete JSON report");
    (code, doc)
}

/// A directory holding `name` with `bytes` and a plain file with an address.
fn tree(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(name), bytes).unwrap();
    std::fs::write(d.path().join("beside.txt"), format!("contact: {EMAIL}\n")).unwrap();
    d
}

fn file<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["files"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with(name)).unwrap()
}

fn findings_in<'a>(doc: &'a Value, name: &str) -> Vec<&'a Value> {
    doc["findings"].as_array().unwrap().iter().filter(|f| f["path"].as_str().unwrap().ends_with(name)).collect()
}

/// The run completed: the plain file beside the hostile one was scanned.
fn assert_run_went_on(doc: &Value) {
    assert_eq!(file(doc, "beside.txt")["status"], "scanned");
    assert_eq!(findings_in(doc, "beside.txt").len(), 1);
}

/// A message forwarding `inner`, as a mail client writes it.
fn forward(inner: &str, n: usize, base64: bool) -> String {
    let b = format!("B{n}");
    let (cte, body) = if base64 {
        ("Content-Transfer-Encoding: base64\n", base64::engine::general_purpose::STANDARD.encode(inner))
    } else {
        ("", inner.to_string())
    };
    format!(
        "From: fwd{n}@b.example\nTo: c@d.example\nSubject: fwd {n}\nContent-Type: multipart/mixed; boundary=\"{b}\"\n\
         MIME-Version: 1.0\n\n--{b}\nContent-Type: text/plain\n\nsee below\n\n--{b}\nContent-Type: message/rfc822\n{cte}\n\
         {body}\n--{b}--\n"
    )
}

fn core_message() -> String {
    format!("From: x@y.example\nSubject: inner\nContent-Type: text/plain\n\nhello Jane Doe, {EMAIL}\n")
}

/// The reproduction of issue 17, verbatim in shape: one forwarded message
/// aborted the whole run with a stack overflow.
#[test]
fn forwarded_message_is_read_not_a_crash() {
    let d = tree("fwd.eml", forward(&core_message(), 0, false).as_bytes());
    let (code, doc) = scan(d.path());
    assert_eq!(code, 1);
    let f = findings_in(&doc, "fwd.eml");
    assert!(f.iter().any(|f| f["kind"] == "email"), "{f:?}");
    assert!(f.iter().any(|f| f["kind"] == "name"), "{f:?}");
    // A plain forwarded part, read at file offsets, is located by its
    // dotted part id like a decoded one.
    let part = f.iter().find(|f| f["kind"] == "email").unwrap()["location"]["part"].clone();
    assert!(part.as_str().is_some_and(|p| p.contains('.')), "{part}");
    assert_run_went_on(&doc);
}

/// Forwarded three deep, plainly and in base64 (the base64 one's text is
/// nowhere in the file as stored: it must be decoded to be found).
#[test]
fn mail_forwarded_three_deep_plain_and_base64() {
    for b64 in [false, true] {
        let mut m = core_message();
        for n in 0..3 {
            m = forward(&m, n, b64);
        }
        let d = tree("three.eml", m.as_bytes());
        let (code, doc) = scan(d.path());
        assert_eq!(code, 1);
        let f = findings_in(&doc, "three.eml");
        assert!(f.iter().any(|f| f["kind"] == "email"), "base64 {b64}: {f:?}");
        // Located by the dotted part path of the nested message, plain or decoded.
        let part = f.iter().find(|f| f["kind"] == "email").unwrap()["location"]["part"].clone();
        assert!(part.as_str().is_some_and(|p| p.matches('.').count() >= 2), "base64 {b64}: {part}");
        assert_run_went_on(&doc);
    }
}

/// A message nested one level past the limit: the file is scanned, the
/// part past the limit is named with `limit_exceeded`, the run goes on.
#[test]
fn message_in_message_past_the_limit() {
    let mut m = core_message();
    for n in 0..=MAX_DEPTH {
        m = forward(&m, n, true);
    }
    let d = tree("deep.eml", m.as_bytes());
    let (_, doc) = scan(d.path());
    let f = file(&doc, "deep.eml");
    assert_eq!(f["status"], "scanned");
    let unread = f["unread_members"].as_array().expect("the part past the limit is named");
    assert!(unread.iter().any(|u| u["reason"] == "limit_exceeded"), "{unread:?}");
    assert_run_went_on(&doc);
}

/// `multipart/digest` parts are messages without a `message/rfc822`
/// header (two of the crashing third-party files were digests).
#[test]
fn digest_parts_are_messages() {
    let m = format!(
        "From: d@y.example\nTo: list@x.example\nSubject: digest\nMIME-Version: 1.0\n\
         Content-Type: multipart/digest; boundary=\"D\"\n\n--D\n\nFrom: p@q.example\nSubject: one\n\
         Content-Transfer-Encoding: base64\n\n{}\n--D--\n",
        base64::engine::general_purpose::STANDARD.encode(format!("write to {EMAIL}"))
    );
    let d = tree("digest.eml", m.as_bytes());
    let (code, doc) = scan(d.path());
    assert_eq!(code, 1);
    assert!(findings_in(&doc, "digest.eml").iter().any(|f| f["kind"] == "email"));
}

/// Mail is recognised by content: a saved message named `.txt` (its base64
/// body decoded) and a Maildir file with no extension.
#[test]
fn mail_recognised_by_content() {
    let body = base64::engine::general_purpose::STANDARD.encode(format!("reach me at {EMAIL}"));
    let m = format!(
        "Return-Path: <x@y.example>\nFrom: x@y.example\nTo: c@d.example\nSubject: hi\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n{body}\n"
    );
    let d = tree("saved message.txt", m.as_bytes());
    std::fs::create_dir_all(d.path().join("Maildir/cur")).unwrap();
    std::fs::write(d.path().join("Maildir/cur/1700000000.M1P2.host:2,S"), m.as_bytes()).unwrap();
    let (_, doc) = scan(d.path());
    for name in ["saved message.txt", "host:2,S"] {
        assert_eq!(file(&doc, name)["format"], "eml", "{name}");
        assert!(findings_in(&doc, name).iter().any(|f| f["kind"] == "email"), "{name}");
    }
}

/// A message with one binary part is still a message, not a binary file.
#[test]
fn eml_with_a_binary_part_is_not_skipped_whole() {
    let m = format!(
        "From: x@y.example\nTo: c@d.example\nSubject: bin\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"Q\"\n\n--Q\nContent-Type: text/plain\n\nmail {EMAIL}\n\
         --Q\nContent-Type: application/octet-stream\n\n\x00\x01\x02\x00binary\x00\n--Q--\n"
    );
    let d = tree("bin.eml", m.as_bytes());
    let (_, doc) = scan(d.path());
    assert_eq!(file(&doc, "bin.eml")["status"], "scanned");
    assert!(findings_in(&doc, "bin.eml").iter().any(|f| f["kind"] == "email"));
}

fn zip_of(name: &str, data: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file(name, o).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap().into_inner()
}

/// Zip in zip, one past the limit: a named bucket, the run goes on.
#[test]
fn zip_in_zip_past_the_limit() {
    let mut data = EMAIL.as_bytes().to_vec();
    let mut name = "inner.txt".to_string();
    for k in 0..=MAX_DEPTH {
        data = zip_of(&name, &data);
        name = format!("level{k}.zip");
    }
    let d = tree("nested.zip", &data);
    let (_, doc) = scan(d.path());
    let f = file(&doc, "nested.zip");
    assert_eq!(f["status"], "failed");
    assert_eq!(f["reason"], "limit_exceeded");
    assert_run_went_on(&doc);
}

/// A 7z is an archive: its members are read through their own formats
/// (a zip inside it too) and located.
#[test]
fn sevenz_members_are_read() {
    let inner = zip_of("crm/record.txt", format!("owner {EMAIL}").as_bytes());
    let data = common::make::sevenz(&[("notes/a.txt", format!("write to {EMAIL}").as_bytes()), ("bundle.zip", &inner)]);
    let d = tree("export.7z", &data);
    let (code, doc) = scan(d.path());
    assert_eq!(code, 1);
    assert_eq!(file(&doc, "export.7z")["format"], "7z");
    let members: Vec<&str> =
        findings_in(&doc, "export.7z").iter().filter_map(|f| f["location"]["member"].as_str()).collect();
    assert!(members.contains(&"notes/a.txt"), "{members:?}");
    assert!(members.contains(&"bundle.zip!/crm/record.txt"), "{members:?}");
    assert_run_went_on(&doc);
}

/// 7z in 7z, one level past the limit: a named bucket, the run goes on.
#[test]
fn sevenz_in_sevenz_past_the_limit() {
    let mut data = EMAIL.as_bytes().to_vec();
    let mut name = "inner.txt".to_string();
    for k in 0..=MAX_DEPTH {
        data = common::make::sevenz(&[(&name, &data)]);
        name = format!("level{k}.7z");
    }
    let d = tree("nested.7z", &data);
    let (_, doc) = scan(d.path());
    let f = file(&doc, "nested.7z");
    assert_eq!(f["status"], "failed");
    assert_eq!(f["reason"], "limit_exceeded");
    assert_run_went_on(&doc);
}

/// A damaged 7z (its header cut off) is `malformed`, never a crash.
#[test]
fn truncated_sevenz_is_malformed() {
    let data = common::make::sevenz(&[("a.txt", format!("write to {EMAIL}").repeat(50).as_bytes())]);
    let d = tree("cut.7z", &data[..data.len() - 20]);
    let (_, doc) = scan(d.path());
    let f = file(&doc, "cut.7z");
    assert_eq!(f["status"], "failed");
    assert_eq!(f["reason"], "malformed");
    assert_run_went_on(&doc);
}

/// A minimal .docx whose body says `text` and which embeds `embed`.
fn docx(text: &str, embed: Option<&[u8]>) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("[Content_Types].xml", o).unwrap();
    w.write_all(
        br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#,
    )
    .unwrap();
    w.start_file("word/document.xml", o).unwrap();
    write!(
        w,
        r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
    )
    .unwrap();
    if let Some(e) = embed {
        w.start_file("word/embeddings/Microsoft_Word_Document1.docx", o).unwrap();
        w.write_all(e).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A document embedded in a document is read (one level), and embedding
/// past the limit names the member and still reads the outer document.
#[test]
fn docx_embedding_a_docx() {
    let one = docx("cover letter", Some(&docx(&format!("write to {EMAIL}"), None)));
    let d = tree("letter.docx", &one);
    let (_, doc) = scan(d.path());
    let f = findings_in(&doc, "letter.docx");
    assert!(f
        .iter()
        .any(|f| f["kind"] == "email" && f["location"]["member"].as_str().is_some_and(|m| m.contains("embeddings"))));

    let mut deep = docx(&format!("innermost {EMAIL}"), None);
    for _ in 0..=MAX_DEPTH {
        deep = docx("wrapper", Some(&deep));
    }
    let d = tree("deep.docx", &deep);
    let (_, doc) = scan(d.path());
    let f = file(&doc, "deep.docx");
    assert!(f["status"] == "scanned" || f["reason"] == "limit_exceeded", "{f}");
    let limited = f["reason"] == "limit_exceeded"
        || f["unread_members"].as_array().is_some_and(|u| u.iter().any(|u| u["reason"] == "limit_exceeded"));
    assert!(limited, "{f}");
    assert_run_went_on(&doc);
}

/// 100,000 levels of JSON arrays and objects, XML elements and PDF arrays:
/// each completes (the structure walkers are iterative or bounded).
#[test]
fn structures_nested_100000_levels() {
    let n = 100_000;
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("a.json"), format!("{}\"{EMAIL}\"{}", "[".repeat(n), "]".repeat(n))).unwrap();
    std::fs::write(p.join("o.json"), format!("{}\"{EMAIL}\"{}", "{\"a\":".repeat(n), "}".repeat(n))).unwrap();
    std::fs::write(p.join("e.xml"), format!("{}{EMAIL}{}", "<a>".repeat(n), "</a>".repeat(n))).unwrap();
    std::fs::write(
        p.join("p.pdf"),
        format!("%PDF-1.4\n1 0 obj\n{}{}\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n", "[".repeat(n), "]".repeat(n)),
    )
    .unwrap();
    std::fs::write(p.join("beside.txt"), format!("contact: {EMAIL}\n")).unwrap();
    let (_, doc) = scan(p);
    for name in ["a.json", "o.json", "e.xml"] {
        assert_eq!(file(&doc, name)["status"], "scanned", "{name}");
        assert_eq!(findings_in(&doc, name).len(), 1, "{name}");
    }
    assert!(file(&doc, "p.pdf")["reason"].is_string(), "the PDF lands in a named bucket");
    assert_run_went_on(&doc);
}

/// An mbox whose second message forwards another: both messages read.
#[test]
fn mbox_with_a_forwarded_message() {
    let m = format!(
        "From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b.example\nSubject: one\n\nnothing here\n\n\
         From c@d Mon Jan  1 00:00:00 2024\n{}",
        forward(&core_message(), 0, true)
    );
    let d = tree("box.mbox", m.as_bytes());
    let (code, doc) = scan(d.path());
    assert_eq!(code, 1);
    let f = findings_in(&doc, "box.mbox");
    let e = f.iter().find(|f| f["kind"] == "email").expect("the forwarded address");
    assert_eq!(e["location"]["message"], 2);
}

/// Found by the one-hour fuzz run of the extract target after the fix: a
/// damaged nested message with no parts made `raw_message()` index out of
/// bounds (948 of the run's crash inputs; each file an `internal_error`).
/// It is now read as far as it goes.
#[test]
fn damaged_nested_message_without_parts_is_read() {
    let b =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz_nested_message_without_parts.eml"))
            .unwrap();
    let d = tree("damaged.eml", &b);
    let (_, doc) = scan(d.path());
    assert_eq!(file(&doc, "damaged.eml")["status"], "scanned");
    assert_run_went_on(&doc);
}

/// Found by the fuzz run after that fix: damaged MIME trips an assertion
/// inside mail-parser ("Invalid part ID, could not find multipart"; a
/// debug assertion, so debug and test builds panicked). The parser's panics
/// are now contained like the PDF reader's: the file is read, not failed.
#[test]
fn mail_parser_assertion_is_contained() {
    let b =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz_mail_parser_assertion.eml")).unwrap();
    let d = tree("damaged.eml", &b);
    let (_, doc) = scan(d.path());
    assert_eq!(file(&doc, "damaged.eml")["status"], "scanned", "{}", file(&doc, "damaged.eml"));
    assert_run_went_on(&doc);
}

/// Found by the one-hour fuzz run on the `.xlsb` reader: a sheet whose
/// relationship id is missing from `workbook.bin.rels` panicked inside
/// calamine ("no entry found for key"; 24 of that run's crash inputs, and
/// one `.xls` whose compound-file chain ran past its end). calamine's
/// panics are now contained: the file is `failed: malformed`, not an
/// internal error, and the run goes on.
#[test]
fn calamine_panic_is_contained_as_malformed() {
    let b = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz_xlsb_sheet_without_relationship.xlsb"),
    )
    .unwrap();
    let d = tree("damaged.xlsb", &b);
    let (_, doc) = scan(d.path());
    let f = file(&doc, "damaged.xlsb");
    assert_eq!((&f["status"], &f["reason"]), (&Value::from("failed"), &Value::from("malformed")), "{f}");
    assert_run_went_on(&doc);
}
