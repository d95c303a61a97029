//! Issue 20, point 2: redaction inside tar archives and compressed files.
//! A tar member holding personal data is redacted through its own format;
//! its header keeps everything but size and checksum, every other header
//! and member is byte for byte the same; a `.gz` keeps its header's name
//! and time; `.bz2` and `.xz` are compressed again. GNU tar reads the
//! result, and `--verify` finds nothing left.

mod common;

use std::io::{Read, Write};
use std::path::Path;

use common::piiscan;
use mail_parser::MimeHeaders;

const NOTE: &str = "Customer Priya Ramaswamy rang from 07912 345678 about her bill.\n";

/// A tar with a personal note, a member without personal data, a member with a name past
/// 100 bytes (a GNU long-name record) holding a CSV, and a directory.
fn tarball() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o640);
        h.set_mtime(1_700_000_000);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data).unwrap();
    };
    add("calls/2026/note.txt", NOTE.as_bytes());
    add("README", b"Call notes, one file a day.\n");
    let long = format!("exports/{}/customers.csv", "x".repeat(120));
    add(&long, b"name,email\nTom Hughes,tom.hughes@gmail.com\n");
    b.into_inner().unwrap()
}

/// Each entry of a tar: name, header block and data, with the tar crate.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut ar = tar::Archive::new(bytes);
    ar.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let head = e.raw_header_position() as usize;
            let name = e.path().unwrap().display().to_string();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (name, bytes[head..head + 512].to_vec(), data)
        })
        .collect()
}

fn redact(src: &Path, out: &Path) -> String {
    let o = piiscan(&["redact", "--verify", "--out", out.to_str().unwrap(), src.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("0 residual finding(s)"), "{err}");
    err
}

#[test]
fn redact_rewrites_tar_members_and_keeps_the_rest() {
    let d = tempfile::tempdir().unwrap();
    let (src, out) = (d.path().join("in"), d.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    let original = tarball();
    std::fs::write(src.join("calls.tar"), &original).unwrap();
    redact(&src, &out);
    let written = std::fs::read(out.join("calls.tar")).unwrap();
    let (before, after) = (entries(&original), entries(&written));
    assert_eq!(before.len(), after.len());
    for ((n0, h0, d0), (n1, h1, d1)) in before.iter().zip(&after) {
        assert_eq!(n0, n1, "names and order kept");
        if n0.ends_with("note.txt") || n0.ends_with("customers.csv") {
            let text = String::from_utf8(d1.clone()).unwrap();
            assert!(!text.contains("Ramaswamy") && !text.contains("345678") && !text.contains("tom.hughes"), "{text}");
            assert!(text.starts_with("Customer ") || text.starts_with("name,email\n"), "{text}");
            // Only size (124..136) and checksum (148..156) may differ.
            for (i, (a, b)) in h0.iter().zip(h1).enumerate() {
                assert!(a == b || (124..136).contains(&i) || (148..156).contains(&i), "{n0}: header byte {i}");
            }
        } else {
            assert_eq!((h0, d0), (h1, d1), "{n0} untouched");
        }
    }
    // GNU tar, an independent reader, lists and extracts it.
    if let Ok(o) = std::process::Command::new("tar").arg("-tvf").arg(out.join("calls.tar")).output() {
        let list = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && list.contains("calls/2026/note.txt") && list.contains("xxxx/customers.csv"),
            "{list}"
        );
    }
}

#[test]
fn redact_rewrites_compressed_files() {
    let d = tempfile::tempdir().unwrap();
    let (src, out) = (d.path().join("in"), d.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    let mut gz = flate2::GzBuilder::new()
        .filename("calls.tar")
        .mtime(1_700_000_123)
        .write(Vec::new(), flate2::Compression::best());
    gz.write_all(&tarball()).unwrap();
    std::fs::write(src.join("calls.tar.gz"), gz.finish().unwrap()).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    bz.write_all(NOTE.as_bytes()).unwrap();
    std::fs::write(src.join("note.txt.bz2"), bz.finish().unwrap()).unwrap();
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut std::io::BufReader::new(NOTE.as_bytes()), &mut xz).unwrap();
    std::fs::write(src.join("note.txt.xz"), xz).unwrap();
    redact(&src, &out);

    let mut dec = flate2::read::GzDecoder::new(std::fs::File::open(out.join("calls.tar.gz")).unwrap());
    let mut tar = Vec::new();
    dec.read_to_end(&mut tar).unwrap();
    let h = dec.header().unwrap();
    assert_eq!((h.filename(), h.mtime()), (Some(&b"calls.tar"[..]), 1_700_000_123), "gzip header kept");
    let note = entries(&tar).into_iter().find(|e| e.0.ends_with("note.txt")).unwrap().2;
    assert!(String::from_utf8(note).unwrap().starts_with("Customer [NAME] rang from [PHONE]"));
    let mut text = String::new();
    bzip2::read::BzDecoder::new(std::fs::File::open(out.join("note.txt.bz2")).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "Customer [NAME] rang from [PHONE] about her bill.\n");
    let mut xz = Vec::new();
    lzma_rs::xz_decompress(
        &mut std::io::BufReader::new(std::fs::File::open(out.join("note.txt.xz")).unwrap()),
        &mut xz,
    )
    .unwrap();
    assert_eq!(String::from_utf8(xz).unwrap(), text);
}

/// A self-extracting archive (a program with a zip after it): the program's
/// bytes are kept, the archive written after them with offsets from the
/// file's start, its other member untouched.
#[test]
fn redact_rewrites_a_self_extracting_zip() {
    let d = tempfile::tempdir().unwrap();
    let (src, out) = (d.path().join("in"), d.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    let program: Vec<u8> = b"MZ\x90\x00".iter().copied().chain((0..700u32).map(|i| (i * 7 % 251) as u8)).collect();
    let archive = common::make::zip(&[("note.txt", NOTE.as_bytes()), ("setup.ini", b"[setup]\nquiet=1\n")]);
    std::fs::write(src.join("setup.exe"), [program.clone(), archive].concat()).unwrap();
    redact(&src, &out);
    let written = std::fs::read(out.join("setup.exe")).unwrap();
    assert_eq!(&written[..program.len()], &program[..], "the program is kept");
    let mut za = zip::ZipArchive::new(std::io::Cursor::new(&written)).unwrap();
    let mut note = String::new();
    za.by_name("note.txt").unwrap().read_to_string(&mut note).unwrap();
    assert_eq!(note, "Customer [NAME] rang from [PHONE] about her bill.\n");
    // Offsets count from the file's start: no prefix to compensate for.
    assert_eq!(za.offset(), 0);
    if let Ok(o) = std::process::Command::new("unzip").arg("-tq").arg(out.join("setup.exe")).output() {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
}

/// Issue 20, point 2: a member or attachment that cannot be read (here:
/// binary) refuses its file by default; `--drop-unreadable` writes the file
/// with that member replaced by a placeholder saying what was removed, and
/// the evidence log records it.
#[test]
fn unreadable_members_are_refused_or_replaced_on_request() {
    use base64::Engine as _;
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    let blob: Vec<u8> = [0u8, 1, 2, 0, 255].repeat(40);
    std::fs::write(src.join("bundle.zip"), common::make::zip(&[("note.txt", NOTE.as_bytes()), ("scan.bin", &blob)]))
        .unwrap();
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in [("note.txt", NOTE.as_bytes()), ("blob.dat", &blob[..]), ("z.txt", b"plain\n")] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data).unwrap();
    }
    std::fs::write(src.join("logs.tar"), b.into_inner().unwrap()).unwrap();
    std::fs::write(
        src.join("case.eml"),
        format!(
            "From: Desk <desk@example.org>\r\nSubject: case\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{NOTE}\r\n--b\r\n\
             Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"scan.bin\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
            base64::engine::general_purpose::STANDARD.encode(&blob)
        ),
    )
    .unwrap();
    // By default: refused, named, exit 1, nothing written.
    let out = d.path().join("refused");
    let o = piiscan(&["redact", "--out", out.to_str().unwrap(), src.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for f in ["bundle.zip", "logs.tar", "case.eml"] {
        assert!(err.contains(&format!("{f}: not redacted: 1 member(s) could not be read")), "{err}");
        assert!(!out.join(f).exists());
    }
    // On request: written, the member replaced by a placeholder, logged.
    let (out, log) = (d.path().join("out"), d.path().join("evidence.jsonl"));
    let o = piiscan(&[
        "redact",
        "--drop-unreadable",
        "--verify",
        "--log",
        log.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("3 unreadable member(s) removed") && err.contains("0 residual"), "{err}");
    let mut za = zip::ZipArchive::new(std::io::Cursor::new(std::fs::read(out.join("bundle.zip")).unwrap())).unwrap();
    let names: Vec<String> = (0..za.len()).map(|i| za.by_index(i).unwrap().name().unwrap().to_string()).collect();
    assert_eq!(names, ["note.txt", "scan.bin.removed.txt"], "the placeholder in the member's place");
    let mut text = String::new();
    za.by_name("scan.bin.removed.txt").unwrap().read_to_string(&mut text).unwrap();
    assert!(text.starts_with("piiscan removed scan.bin from this file: it could not be read (binary)"), "{text}");
    let names: Vec<String> = entries(&std::fs::read(out.join("logs.tar")).unwrap()).into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["note.txt", "blob.dat.removed.txt", "z.txt"]);
    let eml = std::fs::read(out.join("case.eml")).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&eml).unwrap();
    let att = msg.attachment(0).unwrap();
    assert_eq!(att.attachment_name(), Some("scan.bin.removed.txt"));
    assert!(String::from_utf8_lossy(att.contents()).starts_with("piiscan removed scan.bin"));
    let evidence = std::fs::read_to_string(&log).unwrap();
    for (member, placeholder) in [
        ("scan.bin", "scan.bin.removed.txt"),
        ("blob.dat", "blob.dat.removed.txt"),
        ("attachment 2: scan.bin", "scan.bin.removed.txt"),
    ] {
        let line = format!(r#""placeholder":"{placeholder}","reason":"binary","removed":"{member}""#);
        assert!(evidence.contains(&line), "{line} in {evidence}");
    }
}
