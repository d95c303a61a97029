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
