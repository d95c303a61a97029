//! The command line against bad and hostile input: every problem is a
//! per-file message, counted, and the run goes on. Nothing panics.

mod common;

use std::path::Path;
use std::process::Command;

use common::{jsonl, piiscan, stderr, stdout};

const PII: &str = "Contact jane.doe@example.co.uk or 07700 900123.\n";

#[test]
fn nonexistent_path_exits_2_with_clear_message() {
    let o = piiscan(&["scan", "/definitely/not/here"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("/definitely/not/here") && e.contains("No such file"), "{e}");
}

#[test]
fn clean_file_exits_0_and_pii_exits_1() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("empty.txt"), "").unwrap();
    std::fs::write(d.path().join("clean.txt"), "nothing personal here, version 1.2.3.4\n").unwrap();
    let o = piiscan(&["scan", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 scanned, 0 with personal data"), "{}", stdout(&o));
    std::fs::write(d.path().join("pii.txt"), PII).unwrap();
    let o = piiscan(&["scan", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn masked_by_default_raw_only_when_asked() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("a.txt");
    std::fs::write(&f, PII).unwrap();
    let o = piiscan(&["scan", f.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(!out.contains("jane.doe@example.co.uk") && !out.contains("900123"), "{out}");
    assert!(out.contains("j*******@e*********.uk") && out.contains("+44 77** ***123"), "{out}");
    let o = piiscan(&["scan", "--show-values", f.to_str().unwrap()]);
    assert!(stdout(&o).contains("jane.doe@example.co.uk"));
}

#[test]
fn jsonl_fields_offsets_and_schema() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("a.txt");
    std::fs::write(&f, PII).unwrap();
    let o = piiscan(&["scan", "--format", "jsonl", f.to_str().unwrap()]);
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 2);
    let schema: serde_json::Value = serde_json::from_str(piiscan::report::FINDING_SCHEMA).unwrap();
    let required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for r in &rows {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted_req = required.clone();
        sorted_req.sort();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort();
        assert_eq!(sorted_keys, sorted_req, "JSONL keys must be exactly the schema's");
        assert!(r["fingerprint"].as_str().unwrap().len() == 16);
    }
    let (s, e) = (rows[0]["start"].as_u64().unwrap() as usize, rows[0]["end"].as_u64().unwrap() as usize);
    assert_eq!(&PII[s..e], "jane.doe@example.co.uk");
    assert_eq!(rows[0]["kind"], "email");
    assert_eq!((rows[0]["line"].as_u64(), rows[0]["column"].as_u64()), (Some(1), Some(9)));
}

#[test]
fn fingerprints_are_keyed() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("a.txt");
    std::fs::write(&f, PII).unwrap();
    let fp = |key: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_piiscan"))
            .args(["scan", "--format", "jsonl", f.to_str().unwrap()])
            .env("PIISCAN_KEY", key)
            .output()
            .unwrap();
        jsonl(&o)[0]["fingerprint"].as_str().unwrap().to_string()
    };
    assert_eq!(fp("k1"), fp("k1"));
    assert_ne!(fp("k1"), fp("k2"));
}

#[test]
fn binary_skipped_and_counted_unless_named() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("blob.bin");
    let mut bytes = b"\x00\x01\x02binary".to_vec();
    bytes.extend_from_slice(PII.as_bytes());
    std::fs::write(&f, &bytes).unwrap();
    let o = piiscan(&["scan", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Skipped: binary 1"), "{}", stdout(&o));
    let o = piiscan(&["scan", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "a binary file named explicitly is scanned");
}

#[test]
fn utf16_found_with_offsets_into_original_bytes() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("export.txt");
    let text = "Name\tEmail\nCafé Owner\tjane.doe@example.co.uk\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(&f, &bytes).unwrap();
    let o = piiscan(&["scan", "--format", "jsonl", f.to_str().unwrap()]);
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 1, "{}", stderr(&o));
    let (s, e) = (rows[0]["start"].as_u64().unwrap() as usize, rows[0]["end"].as_u64().unwrap() as usize);
    let units: Vec<u16> = bytes[s..e].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    assert_eq!(String::from_utf16(&units).unwrap(), "jane.doe@example.co.uk");
    // Big-endian too.
    let mut be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        be.extend_from_slice(&u.to_be_bytes());
    }
    std::fs::write(&f, &be).unwrap();
    let rows = jsonl(&piiscan(&["scan", "--format", "jsonl", f.to_str().unwrap()]));
    assert_eq!(rows.len(), 1);
}

#[test]
fn invalid_utf8_does_not_panic_and_pii_is_found() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("latin1.txt");
    let mut bytes = b"Caf\xe9 \xff\xfe\x80 owner: ".to_vec();
    bytes.extend_from_slice(PII.as_bytes());
    bytes.extend_from_slice(b"\xc3\x28 \xed\xa0\x80 end");
    std::fs::write(&f, &bytes).unwrap();
    let o = piiscan(&["scan", "--format", "jsonl", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(jsonl(&o).len(), 2);
}

#[cfg(unix)]
#[test]
fn symlink_loop_reported_and_run_continues() {
    let d = tempfile::tempdir().unwrap();
    let sub = d.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::os::unix::fs::symlink(d.path(), sub.join("loop")).unwrap();
    std::fs::write(sub.join("a.txt"), PII).unwrap();
    let o = piiscan(&["scan", "--follow", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("symlink_loop"), "{}", stderr(&o));
    assert!(stdout(&o).contains("symlink_loop 1"), "{}", stdout(&o));
}

/// As root (CI), permissions do not stop reads, so an unreadable file is
/// made with a link to a file whose read fails for everyone.
#[cfg(target_os = "linux")]
#[test]
fn unreadable_file_warned_counted_and_run_continues() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.txt"), PII).unwrap();
    std::os::unix::fs::symlink("/proc/self/mem", d.path().join("mem.txt")).unwrap();
    let o = piiscan(&["scan", "--follow", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("mem.txt") && e.contains("unreadable"), "{e}");
    assert!(stdout(&o).contains("unreadable 1"), "{}", stdout(&o));
}

#[test]
fn too_large_reported_not_dropped() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("big.txt"), PII.repeat(100)).unwrap();
    let o = piiscan(&["scan", "--max-filesize", "1K", d.path().to_str().unwrap()]);
    assert!(stderr(&o).contains("big.txt") && stderr(&o).contains("too_large"), "{}", stderr(&o));
    assert!(stdout(&o).contains("too_large 1"));
}

#[test]
fn globs_ignore_files_and_kinds() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.txt"), PII).unwrap();
    std::fs::write(d.path().join("b.csv"), PII).unwrap();
    std::fs::write(d.path().join(".piiscanignore"), "b.csv\n").unwrap();
    let rows = jsonl(&piiscan(&["scan", "--format", "jsonl", d.path().to_str().unwrap()]));
    assert!(rows.iter().all(|r| r["path"].as_str().unwrap().ends_with("a.txt")));
    let rows =
        jsonl(&piiscan(&["scan", "--format", "jsonl", "--no-ignore", "-g", "*.csv", d.path().to_str().unwrap()]));
    assert!(!rows.is_empty() && rows.iter().all(|r| r["path"].as_str().unwrap().ends_with("b.csv")));
    let rows = jsonl(&piiscan(&["scan", "--format", "jsonl", "--kinds", "phone", d.path().to_str().unwrap()]));
    assert!(rows.iter().all(|r| r["kind"] == "phone") && !rows.is_empty());
    let o = piiscan(&["scan", "--kinds", "shoe_size", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown kind `shoe_size`"));
}

#[test]
fn modified_before_selects_old_files() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.txt"), PII).unwrap();
    let o = piiscan(&["scan", "--modified-before", "2001-01-01", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("newer_than_cutoff 1"));
    let o = piiscan(&["scan", "--older-than", "6y", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let o = piiscan(&["scan", "--modified-before", "2999-01-01", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn inventory_per_data_store() {
    let d = tempfile::tempdir().unwrap();
    for (dir, n) in [("hr", 2), ("billing", 1)] {
        std::fs::create_dir_all(d.path().join(dir).join("2020")).unwrap();
        for i in 0..n {
            std::fs::write(d.path().join(dir).join("2020").join(format!("f{i}.txt")), PII).unwrap();
        }
    }
    std::fs::write(d.path().join("top.txt"), "no pii").unwrap();
    let o = piiscan(&["scan", "--format", "json", d.path().to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let stores = v["inventory"]["stores"].as_object().unwrap();
    let root = d.path().display().to_string();
    let hr = &stores[&format!("{root}/hr")];
    assert_eq!(hr["files_with_pii"], 2);
    assert_eq!(hr["findings"]["email"], 2);
    assert_eq!(hr["distinct"]["email"], 1, "same person twice is one distinct value");
    assert_eq!(stores[&format!("{root}/billing")]["files_scanned"], 1);
    assert_eq!(stores[&root]["files_with_pii"], 0);
    assert_eq!(v["files"].as_array().unwrap().len(), 4);
}

#[test]
fn csv_report_parses() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("we,ird \"name\".txt");
    std::fs::write(&f, PII).unwrap();
    let o = piiscan(&["scan", "--format", "csv", d.path().to_str().unwrap()]);
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows[0][0].ends_with("we,ird \"name\".txt"));
}

/// Findings with and without the optional fields (location, pieces) in one
/// report: every row has every column, or CSV readers reject the file.
#[test]
fn csv_report_rows_all_have_every_column() {
    let o = piiscan(&["scan", "--format", "csv", "fixtures/formats"]);
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let header = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (loc, pieces) = (col("location"), col("pieces"));
    assert!(rows.iter().any(|r| r[loc].is_empty()) && rows.iter().any(|r| r[loc].starts_with('{')));
    let split = rows.iter().find(|r| !r[pieces].is_empty()).expect("a value split over cues");
    assert!(split[pieces].split(';').count() >= 2, "{:?}", &split[pieces]);
}

#[test]
fn bad_pattern_file_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("p.toml");
    std::fs::write(&p, "[[pattern]]\nid = \"mine\"\nkind = \"x\"\nregex = \"(\"\n").unwrap();
    let o = piiscan(&["scan", "--patterns", p.to_str().unwrap(), d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("p.toml") && e.contains("mine"), "{e}");
}

/// A 200 MB single-line file: scanned through a memory map whose pages are
/// released behind the scan, so peak RSS stays far below the file size.
#[cfg(target_os = "linux")]
#[test]
fn huge_single_line_file_keeps_memory_bounded() {
    use std::io::Write;
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("one-line.log");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
    let chunk = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(13_000);
    let mut written = 0usize;
    while written < 200_000_000 {
        w.write_all(chunk.as_bytes()).unwrap();
        w.write_all(b" mail jane.doe@example.co.uk ").unwrap();
        written += chunk.len() + 29;
    }
    w.flush().unwrap();
    drop(w);
    let o = piiscan(&["scan", "--summary", "--format", "jsonl", "-j1", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(v["inventory"]["total"]["findings"]["email"].as_u64().unwrap() > 100);
    let peak_mb = common::peak_child_rss_mb();
    assert!(peak_mb < 100.0, "peak RSS of a child was {peak_mb:.0} MB");
}

#[test]
fn help_is_readable() {
    let o = piiscan(&["scan", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let h = stdout(&o);
    for flag in ["--format", "--show-values", "--min-score", "--older-than", "--max-filesize", "--glob"] {
        assert!(h.contains(flag), "{flag} missing from help");
    }
    assert!(Path::new(env!("CARGO_BIN_EXE_piiscan")).exists());
}

/// Normal skips (a media file, a media member of an archive) are counted,
/// not printed one line each; `-v` lists them. Issue 21 point 7.
#[test]
fn media_skips_are_quiet_unless_verbose() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("photo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let zip = d.path().join("pics.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        for i in 0..50 {
            z.start_file(format!("img{i}.jpg"), o).unwrap();
            std::io::Write::write_all(&mut z, b"\xff\xd8\xff\xe0\0\x10JFIF\0").unwrap();
        }
        z.start_file("note.txt", o).unwrap();
        std::io::Write::write_all(&mut z, PII.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let dir = d.path().to_str().unwrap();
    let o = piiscan(&["scan", "--format", "jsonl", dir]);
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "only the summary line: {e}");
    assert!(e.contains("media 1"), "{e}");
    let o = piiscan(&["scan", "--format", "jsonl", "-v", dir]);
    let e = stderr(&o);
    assert!(e.contains("photo.png: skipped (media)"), "{e}");
    assert_eq!(e.lines().filter(|l| l.contains("pics.zip!/img")).count(), 50, "{e}");
    assert!(!e.contains("warning"), "{e}");
}
