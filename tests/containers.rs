//! Issue 20: one reading path. `subject find` reads every file through the
//! same extractors as `scan`, so a person inside a .docx, an .xlsx, a mail
//! attachment or a zip member is found, and located by member, part or cell.

mod common;

use std::path::Path;

use common::{jsonl, make, piiscan};

const NAME: &str = "Priya Ramaswamy";
const EMAIL: &str = "priya.ramaswamy@outlook.com";
const PHONE: &str = "07700 900461";
/// The subject, as `subject` flags.
const WHO: [&str; 6] = ["--name", NAME, "--email", EMAIL, "--phone", PHONE];

/// A tree where the subject appears only inside containers.
fn tree(dir: &Path) {
    let w = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    w(
        "complaint.docx",
        &make::docx(&[&["Complaint received from ", NAME], &["Contact: priya.rama", "swamy@outlook.com"]]),
    );
    w(
        "callbacks.xlsx",
        &make::xlsx(&[
            &["name", "email", "phone"],
            &[NAME, EMAIL, PHONE],
            &["Tom Hughes", "tom.hughes@gmail.com", "07700 900777"],
        ]),
    );
    let csv = format!("name,phone\n{NAME},{PHONE}\nTom Hughes,07700 900777\n");
    w(
        "fwd.eml",
        &make::eml_with_attachment(
            "Please call back the customer in the list.",
            "list.csv",
            "text/csv",
            csv.as_bytes(),
        ),
    );
    let note = format!("Called {NAME} on {PHONE} about the bill.\n");
    w("notes.zip", &make::zip(&[("2026/call.txt", note.as_bytes()), ("readme.txt", b"nothing here\n")]));
    w("other.txt", b"Tom Hughes rang about his router.\n");
}

fn find(dir: &Path) -> Vec<serde_json::Value> {
    let o = piiscan(&[&["subject", "find", "-q", "--format", "jsonl"], &WHO[..], &[dir.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    jsonl(&o)
}

#[test]
fn subject_find_reaches_inside_every_container() {
    let d = tempfile::tempdir().unwrap();
    tree(d.path());
    let found = find(d.path());
    let in_file = |f: &str| -> Vec<&serde_json::Value> {
        found.iter().filter(|o| o["path"].as_str().unwrap().ends_with(f) && o["strength"] == "match").collect()
    };
    let kinds = |f: &str| -> Vec<String> {
        let mut k: Vec<String> = in_file(f).iter().map(|o| o["kind"].as_str().unwrap().to_string()).collect();
        k.sort();
        k.dedup();
        k
    };
    // The docx: the name, and the email split over two formatting runs.
    assert_eq!(kinds("complaint.docx"), ["email", "name"], "{found:#?}");
    assert!(in_file("complaint.docx").iter().all(|o| o["location"]["part"] == "word/document.xml"));
    // The workbook: its row, with the cell.
    assert_eq!(kinds("callbacks.xlsx"), ["email", "name", "phone"]);
    assert!(in_file("callbacks.xlsx").iter().all(|o| o["location"]["sheet"] == "People"));
    // The mail's attachment, a CSV: the row is the record.
    assert_eq!(kinds("fwd.eml"), ["name", "phone"]);
    assert!(in_file("fwd.eml").iter().all(|o| o["location"]["member"].as_str().unwrap().contains("list.csv")));
    // The zip's member.
    assert_eq!(kinds("notes.zip"), ["name", "phone"]);
    assert!(in_file("notes.zip").iter().all(|o| o["location"]["member"] == "2026/call.txt"));
    // Nobody else's file, and never Tom.
    assert!(in_file("other.txt").is_empty());
    assert!(found.iter().all(|o| o["strength"] != "match" || !o["masked"].as_str().unwrap().starts_with("T")));
}

/// Issue 20, point 5: a Windows-1252 CSV where `scan` finds "Zoë Thompson"
/// is read the same way by `subject find` (it read the bytes as UTF-8, and
/// found nothing).
#[test]
fn subject_find_reads_legacy_encodings_as_scan_does() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = b"name,email,notes\n".to_vec();
    csv.extend_from_slice(b"Zo\xeb Thompson,zoe.t@gmail.com,caf\xe9 visit\nTom Hughes,tom.hughes@gmail.com,none\n");
    std::fs::write(d.path().join("legacy.csv"), &csv).unwrap();
    let o =
        piiscan(&["subject", "find", "-q", "--format", "jsonl", "--name", "Zoë Thompson", d.path().to_str().unwrap()]);
    let found = jsonl(&o);
    let name: Vec<_> = found.iter().filter(|o| o["kind"] == "name").collect();
    assert_eq!(name.len(), 1, "{found:#?}");
    // Offsets into the stored bytes: the name is 12 bytes there (ë is one).
    assert_eq!((name[0]["start"].as_u64(), name[0]["end"].as_u64()), (Some(17), Some(29)));
}

/// Every member of a zip: name and bytes (decompressed).
fn members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut za = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..za.len())
        .map(|i| {
            let mut f = za.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

/// Issue 20, point 2: `redact --out` rewrites a .docx (a value split over
/// formatting runs included) and a zip's text member; every other member is
/// byte for byte the same, the written files open, and `--verify` finds
/// nothing left.
#[test]
fn redact_rewrites_office_parts_and_zip_members() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    let out = d.path().join("out");
    std::fs::create_dir_all(&src).unwrap();
    tree(&src);
    std::fs::remove_file(src.join("callbacks.xlsx")).unwrap();
    let o = piiscan(&["redact", "--verify", "--out", out.to_str().unwrap(), src.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("0 residual finding(s)"), "{err}");
    // The document: the values are gone, the markup around them is not.
    let before = members(&std::fs::read(src.join("complaint.docx")).unwrap());
    let after = members(&std::fs::read(out.join("complaint.docx")).unwrap());
    assert_eq!(before.len(), after.len());
    for ((n0, b0), (n1, b1)) in before.iter().zip(&after) {
        assert_eq!(n0, n1, "member order kept");
        if n0 != "word/document.xml" {
            assert_eq!(b0, b1, "{n0} copied unchanged");
        }
    }
    let doc = String::from_utf8(after.iter().find(|(n, _)| n == "word/document.xml").unwrap().1.clone()).unwrap();
    assert!(!doc.contains("Ramaswamy") && !doc.contains("priya.rama") && !doc.contains("swamy@"), "{doc}");
    assert!(doc.contains("Complaint received from ") && doc.contains("[EMAIL]"), "{doc}");
    // Run structure kept: as many runs as before.
    assert_eq!(doc.matches("<w:r>").count(), 4, "{doc}");
    // The zip: the member with the call note redacted, the other identical.
    let before = members(&std::fs::read(src.join("notes.zip")).unwrap());
    let after = members(&std::fs::read(out.join("notes.zip")).unwrap());
    assert_eq!(before[1], after[1]);
    let note = String::from_utf8(after[0].1.clone()).unwrap();
    assert!(!note.contains("Ramaswamy") && !note.contains("900461") && note.starts_with("Called "), "{note}");
}

/// `subject erase --in-place --verify` erases the subject inside the .docx,
/// the workbook, the mail attachment and the zip member and leaves
/// everybody else; a container it cannot write (a .7z) is named, left
/// untouched, and makes the run exit 1.
#[test]
fn subject_erase_reaches_inside_containers() {
    let d = tempfile::tempdir().unwrap();
    tree(d.path());
    let note = format!("Called {NAME} on {PHONE} about the bill.\n");
    let sevenz = make::sevenz(&[("call.txt", note.as_bytes())]);
    std::fs::write(d.path().join("old.7z"), &sevenz).unwrap();
    let o =
        piiscan(&[&["subject", "erase", "--in-place", "--verify"], &WHO[..], &[d.path().to_str().unwrap()]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("old.7z: not redacted") && !err.contains("eml: not redacted"), "{err}");
    assert_eq!(std::fs::read(d.path().join("old.7z")).unwrap(), sevenz, "refused files are untouched");
    // The workbook: the subject's row is gone from the shared strings, Tom's is not.
    let book = members(&std::fs::read(d.path().join("callbacks.xlsx")).unwrap());
    let sst = String::from_utf8_lossy(&book.iter().find(|(n, _)| n == "xl/sharedStrings.xml").unwrap().1).into_owned();
    assert!(!sst.contains("Ramaswamy") && !sst.contains(EMAIL) && !sst.contains(PHONE), "{sst}");
    assert!(sst.contains("Tom Hughes") && sst.contains("tom.hughes@gmail.com"), "{sst}");
    assert!(book.iter().all(|(_, b)| !String::from_utf8_lossy(b).contains("Ramaswamy")), "no part keeps the name");
    let doc = members(&std::fs::read(d.path().join("complaint.docx")).unwrap());
    let doc = String::from_utf8_lossy(&doc.iter().find(|(n, _)| n == "word/document.xml").unwrap().1).into_owned();
    assert!(!doc.contains("Ramaswamy") && !doc.contains("swamy@outlook"), "{doc}");
    let zip = members(&std::fs::read(d.path().join("notes.zip")).unwrap());
    let note = String::from_utf8_lossy(&zip[0].1).into_owned();
    assert!(!note.contains("Ramaswamy") && !note.contains("900461"), "{note}");
    assert_eq!(zip[1].1, b"nothing here\n");
    // The mail: the attachment's subject row erased, Tom's row and the body
    // as they were.
    let eml = std::fs::read(d.path().join("fwd.eml")).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&eml).unwrap();
    let csv = String::from_utf8_lossy(msg.attachment(0).unwrap().contents()).into_owned();
    assert!(!csv.contains("Ramaswamy") && !csv.contains("900461"), "{csv}");
    assert!(csv.starts_with("name,phone\n") && csv.contains("Tom Hughes,07700 900777"), "{csv}");
    assert_eq!(msg.body_text(0).unwrap(), "Please call back the customer in the list.\r\n");
    // Erased where it could be: a new search finds the subject only in the
    // file that was refused.
    let left: std::collections::BTreeSet<String> = find(d.path())
        .iter()
        .filter(|o| o["strength"] == "match")
        .map(|o| Path::new(o["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.into_iter().collect::<Vec<_>>(), ["old.7z"]);
}

/// The redacted office fixtures open in independent readers (python-docx,
/// openpyxl, python-pptx, odfpy) and hold none of the values. `.ci/run`
/// installs the readers in a virtual environment and names its Python in
/// `PIISCAN_PYTHON`; without it (a plain `cargo test`), the test says it was
/// not run, and under CI it fails.
#[test]
fn redacted_office_files_open_in_independent_readers() {
    let Ok(python) = std::env::var("PIISCAN_PYTHON") else {
        assert!(std::env::var_os("CI").is_none(), "CI must set PIISCAN_PYTHON (see .ci/run)");
        eprintln!("not run: PIISCAN_PYTHON is not set (.ci/run sets it)");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let (src, out) = (d.path().join("in"), d.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    tree(&src);
    for f in ["letter.docx", "review.pptx", "notes.odt", "customers.xlsx", "contacts.ods"] {
        std::fs::copy(Path::new("fixtures/formats/office").join(f), src.join(f)).unwrap();
    }
    let o = piiscan(&["redact", "--verify", "--out", out.to_str().unwrap(), src.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("0 residual finding(s)"), "{err}");
    for f in [
        "letter.docx",
        "review.pptx",
        "notes.odt",
        "customers.xlsx",
        "contacts.ods",
        "complaint.docx",
        "callbacks.xlsx",
    ] {
        assert!(out.join(f).exists(), "{f} written: {err}");
    }
    let script = r#"
import sys, docx, openpyxl, pptx
from odf.opendocument import load
from odf import text as odftext, teletype, table as odftable
out = sys.argv[1]
texts = []
for f in ["letter.docx", "complaint.docx"]:
    texts += [p.text for p in docx.Document(f"{out}/{f}").paragraphs]
for f in ["customers.xlsx", "callbacks.xlsx"]:
    wb = openpyxl.load_workbook(f"{out}/{f}")
    texts += [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
texts += [s.text_frame.text for sl in pptx.Presentation(f"{out}/review.pptx").slides for s in sl.shapes if s.has_text_frame]
texts += [teletype.extractText(p) for p in load(f"{out}/notes.odt").getElementsByType(odftext.P)]
for c in load(f"{out}/contacts.ods").getElementsByType(odftable.TableCell):
    texts += [teletype.extractText(c), str(c.getAttribute("value") or "")]
print(chr(10).join(texts))
"#;
    let r = std::process::Command::new(&python).arg("-c").arg(script).arg(&out).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(text.contains("[EMAIL]") && text.contains("[NAME]"), "{text}");
    // "7579731491": a phone stored as a number cell in contacts.ods (value
    // attribute and shown text).
    for gone in [NAME, EMAIL, PHONE, "swamy@outlook", "7579731491"] {
        assert!(!text.contains(gone), "{gone} left in:\n{text}");
    }
    // `subject erase` writes through the same writers: its output opens in
    // the same readers, without the subject and with everybody else.
    let erased = d.path().join("erased");
    let o = piiscan(
        &[&["subject", "erase", "--verify", "--out", erased.to_str().unwrap()], &WHO[..], &[src.to_str().unwrap()]]
            .concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let r = std::process::Command::new(&python).arg("-c").arg(script).arg(&erased).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let after_erase = String::from_utf8_lossy(&r.stdout);
    assert!(after_erase.contains("Tom Hughes") && after_erase.contains("tom.hughes@gmail.com"), "{after_erase}");
    for gone in [NAME, EMAIL, PHONE, "swamy@outlook"] {
        assert!(!after_erase.contains(gone), "{gone} left after erase in:\n{after_erase}");
    }
    // What the fixtures held, read back by piiscan from the originals.
    let before = common::jsonl(&piiscan(&["scan", "--show-values", "--format", "jsonl", src.to_str().unwrap()]));
    for f in before.iter().filter(|f| f["kind"] == "email" || f["kind"] == "phone") {
        let v = f["value"].as_str().unwrap();
        assert!(!text.contains(v), "{v} left in the independent reading:\n{text}");
    }
}
