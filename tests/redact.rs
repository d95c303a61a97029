//! Redaction never loses data: byte identity outside the spans (every
//! fixture format, UTF-16 included), structure kept, idempotence, styles,
//! atomic in-place rewrites that survive SIGKILL, refusals, evidence log.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_tree, piiscan, stderr as err};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A copy of the plain-text fixture stores, without the generators and the
/// gold file (the format fixtures, containers and hostile files, have their
/// own redaction test in `tests/formats.rs`).
fn fixture_copy() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_tree(&fixtures(), d.path());
    std::fs::remove_file(d.path().join("generate.py")).unwrap();
    std::fs::remove_file(d.path().join("generate_subjects.py")).unwrap();
    std::fs::remove_file(d.path().join("generate_formats.py")).unwrap();
    std::fs::remove_dir_all(d.path().join("formats")).unwrap();
    std::fs::remove_dir_all(d.path().join("spoken")).unwrap();
    std::fs::remove_file(d.path().join("generate_spoken.py")).unwrap();
    std::fs::remove_file(d.path().join("gold.jsonl")).unwrap();
    // The development set's redaction is not byte-modelled here: on it
    // `--verify` still needs further passes (a rescan of the redacted
    // output finds what the first scan did not), which this exact model
    // of one pass cannot describe. Open work, see docs/accuracy.md.
    std::fs::remove_dir_all(d.path().join("dev")).unwrap();
    d
}

/// Findings (start, end, kind) per relative path, from a JSONL scan.
fn findings(root: &Path) -> BTreeMap<String, Vec<(usize, usize, String)>> {
    let o = piiscan(&["scan", "--format", "jsonl", "-q", root.to_str().unwrap()]);
    let mut m: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
    for l in String::from_utf8(o.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let rel = Path::new(v["path"].as_str().unwrap()).strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let kind = v["kind"].as_str().unwrap().to_string();
        // A value read over several transcript cues is redacted piece by piece.
        match v["pieces"].as_array() {
            Some(pieces) => {
                for p in pieces {
                    let (s, e) = (p[0].as_u64().unwrap() as usize, p[1].as_u64().unwrap() as usize);
                    m.entry(rel.clone()).or_default().push((s, e, kind.clone()));
                }
            }
            None => m.entry(rel).or_default().push((
                v["start"].as_u64().unwrap() as usize,
                v["end"].as_u64().unwrap() as usize,
                kind,
            )),
        }
    }
    m
}

fn encode_like(original: &[u8], s: &str) -> Vec<u8> {
    match original {
        [0xFF, 0xFE, ..] => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        [0xFE, 0xFF, ..] => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        _ => s.as_bytes().to_vec(),
    }
}

#[test]
fn fixtures_redacted_byte_identical_outside_spans_valid_structure_and_clean_on_rescan() {
    let input = fixture_copy();
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("redacted");
    let spans = findings(input.path());
    let o = piiscan(&["redact", input.path().to_str().unwrap(), "--out", out_dir.to_str().unwrap(), "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("0 residual finding(s)"), "{}", err(&o));
    let mut formats = std::collections::BTreeSet::new();
    let mut checked = 0;
    for (rel, fs) in &spans {
        let original = std::fs::read(input.path().join(rel)).unwrap();
        let redacted = std::fs::read(out_dir.join(rel)).unwrap();
        // Expected: the original with each span replaced by its label.
        let mut expected = Vec::new();
        let mut at = 0;
        // An address's pieces and the postcode inside it, in file order.
        let mut fs = fs.clone();
        fs.sort();
        for (s, e, kind) in &fs {
            expected.extend_from_slice(&original[at..*s]);
            expected.extend_from_slice(&encode_like(&original, &format!("[{}]", kind.to_uppercase())));
            at = *e;
        }
        expected.extend_from_slice(&original[at..]);
        assert!(expected == redacted, "{rel}: bytes outside the redacted spans changed");
        formats.insert(Path::new(rel).extension().unwrap().to_string_lossy().into_owned());
        checked += 1;
    }
    assert!(checked > 50);
    for ext in ["txt", "eml", "csv", "json", "jsonl", "log", "md", "vtt", "srt"] {
        assert!(formats.contains(ext), "no {ext} fixture was redacted");
    }
    // Same structure: CSV records and fields, JSON shapes.
    for rel in spans.keys() {
        let (a, b) = (input.path().join(rel), out_dir.join(rel));
        match Path::new(rel).extension().unwrap().to_str().unwrap() {
            "csv" => {
                let shape = |p: &Path| -> Vec<usize> {
                    csv::ReaderBuilder::new()
                        .has_headers(false)
                        .from_path(p)
                        .unwrap()
                        .records()
                        .map(|r| r.unwrap().len())
                        .collect()
                };
                assert_eq!(shape(&a), shape(&b), "{rel}");
            }
            "json" => {
                let v = |p: &Path| shape(&serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap());
                assert_eq!(v(&a), v(&b), "{rel}");
            }
            "jsonl" => {
                let v = |p: &Path| -> Vec<String> {
                    std::fs::read_to_string(p)
                        .unwrap()
                        .lines()
                        .map(|l| shape(&serde_json::from_str(l).unwrap()))
                        .collect()
                };
                assert_eq!(v(&a), v(&b), "{rel}");
            }
            _ => {}
        }
    }
    // Idempotent: redacting the redacted tree changes nothing.
    let again = out.path().join("again");
    let o = piiscan(&["redact", out_dir.to_str().unwrap(), "--out", again.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    for rel in spans.keys() {
        assert_eq!(std::fs::read(out_dir.join(rel)).unwrap(), std::fs::read(again.join(rel)).unwrap(), "{rel}");
    }
}

/// The type skeleton of a JSON value (keys, array lengths, value types).
fn shape(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            format!("{{{}}}", m.iter().map(|(k, v)| format!("{k}:{}", shape(v))).collect::<Vec<_>>().join(","))
        }
        serde_json::Value::Array(a) => format!("[{}]", a.iter().map(shape).collect::<Vec<_>>().join(",")),
        serde_json::Value::String(_) => "s".into(),
        serde_json::Value::Number(_) => "n".into(),
        serde_json::Value::Bool(_) => "b".into(),
        serde_json::Value::Null => "0".into(),
    }
}

/// Files written into a fresh `in/`, redacted into `out/` with an
/// evidence log and `args`: (the temporary directory, out, log, the run).
fn redact_files(files: &[(&str, &str)], args: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf, std::process::Output) {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for (name, text) in files {
        std::fs::write(input.join(name), text).unwrap();
    }
    let (out, log) = (d.path().join("out"), d.path().join("evidence.jsonl"));
    let mut all =
        vec!["redact", input.to_str().unwrap(), "--out", out.to_str().unwrap(), "--log", log.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = piiscan(&all);
    (d, out, log, o)
}

/// One string field of every evidence log entry, in order.
fn log_field(log: &std::path::Path, field: &str) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()[field].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn styles_mask_partial_hash_and_evidence_log_has_no_values() {
    let text = "card 4929 1234 5678 9007 mail jane.doe@gmail.com at SW1A 1AA tel 07911 123456\n";
    let (_d, out, log, o) = redact_files(
        &[("a.txt", text), ("b.txt", "again jane.doe@gmail.com\n")],
        &[
            "--default-style",
            "mask",
            "--style",
            "payment_card=partial",
            "--style",
            "uk_postcode=partial",
            "--style",
            "email=hash",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let a = std::fs::read_to_string(out.join("a.txt")).unwrap();
    assert!(a.contains("card **** **** **** 9007 "), "{a}");
    assert!(a.contains("at SW1A *** tel ***** ******\n"), "{a}");
    let token = a.split_whitespace().find(|w| w.starts_with("[EMAIL:")).unwrap().to_string();
    let b = std::fs::read_to_string(out.join("b.txt")).unwrap();
    assert_eq!(b, format!("again {token}\n"), "the hash token is stable across files");
    let ev = std::fs::read_to_string(&log).unwrap();
    assert_eq!(ev.lines().count(), 5);
    for secret in ["jane.doe", "gmail", "4929", "9007", "07911", "123456", "SW1A"] {
        assert!(!ev.contains(secret), "evidence log leaks {secret}");
    }
    let first: serde_json::Value = serde_json::from_str(ev.lines().next().unwrap()).unwrap();
    for k in ["time", "path", "start", "end", "kind", "fingerprint", "style"] {
        assert!(first.get(k).is_some(), "log lacks {k}");
    }
}

/// A partial email keeps its domain, unless the value is glued to more of
/// an address (damaged data): then the kept domain would read as a new
/// address, so it is masked whole, and the evidence log says so.
#[test]
fn partial_email_glued_to_another_address_is_masked_whole() {
    let text = "to ann.lee@example.co@example.com or bo.ray@example.org.\n";
    let (_d, out, log, o) = redact_files(&[("a.txt", text)], &["--default-style", "partial", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains(" 0 residual finding(s)"), "{}", err(&o));
    let a = std::fs::read_to_string(out.join("a.txt")).unwrap();
    assert_eq!(a, "to ***.***@*******.**@example.com or **.***@example.org.\n");
    assert_eq!(log_field(&log, "style"), ["mask", "partial"]);
}

/// An address read over two cues, its street split between them: each
/// piece is cut at the cue boundary, so the timing line between the cues
/// is kept (a piece across it once replaced both cues' text and the timing
/// with one label).
#[test]
fn address_over_two_cues_keeps_the_timing_between_them() {
    let text = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Customer>It is 12 Elm\n\n\
                00:00:03.000 --> 00:00:05.000\n<v Customer>Road, Leeds LS6 2AB.\n";
    let (_d, out, _log, o) = redact_files(&[("a.vtt", text)], &["--verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let a = std::fs::read_to_string(out.join("a.vtt")).unwrap();
    assert_eq!(
        a,
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Customer>It is [POSTAL_ADDRESS]\n\n\
         00:00:03.000 --> 00:00:05.000\n<v Customer>[POSTAL_ADDRESS], [POSTAL_ADDRESS] [UK_POSTCODE].\n"
    );
}

/// Redaction moves text: here the hash placeholder is longer than the name
/// it replaces, which pushes the negative cue `ref` out of the bare phone
/// number's context window, so the rescan finds a phone number the first
/// scan had scored below the minimum. `--verify` redacts it in a second
/// pass, logs it, and rescans clean.
#[test]
fn verify_redacts_what_moved_text_brings_into_view() {
    let text = "[\n  {\"ref\": \"ACC-396540\", \"name\": \"WILLIAMS,n\": \"447540739077\"}}\n]\n";
    let (_d, out, log, o) = redact_files(&[("c.json", text)], &["--default-style", "hash", "--verify"]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    let verify: Vec<&str> = e.lines().filter(|l| l.contains("verify")).collect();
    assert_eq!(verify.len(), 3, "{e}");
    assert!(verify[0].ends_with(" 1 residual finding(s): phone 1"), "{e}");
    assert!(verify[1].contains("pass 2 redacted 1 finding(s) in 1 file(s)"), "{e}");
    assert!(verify[2].ends_with(" 0 residual finding(s)"), "{e}");
    let c = std::fs::read_to_string(out.join("c.json")).unwrap();
    assert!(!c.contains("4475") && c.contains("\"[PHONE:"), "{c}");
    assert_eq!(log_field(&log, "kind"), ["name", "phone"]);
    // In place, the backup keeps the original, not the first pass's output.
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("c.json");
    std::fs::write(&f, text).unwrap();
    let o = piiscan(&[
        "redact",
        "--in-place",
        "--backup",
        ".orig",
        "--default-style",
        "hash",
        "--verify",
        d.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), c);
    assert_eq!(std::fs::read_to_string(d.path().join("c.json.orig")).unwrap(), text);
}

#[cfg(unix)]
#[test]
fn in_place_keeps_permissions_backup_and_refuses_read_only_and_symlinks() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("a.txt");
    std::fs::write(&f, "tel 07911 123456\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let ro = d.path().join("ro.txt");
    std::fs::write(&ro, "tel 07911 123457\n").unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let o = piiscan(&["redact", "--in-place", "--backup", ".orig", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "a refused file makes the run fail: {}", err(&o));
    assert!(err(&o).contains("ro.txt") && err(&o).contains("read-only"), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "tel [PHONE]\n");
    assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o640);
    assert_eq!(std::fs::read_to_string(d.path().join("a.txt.orig")).unwrap(), "tel 07911 123456\n");
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), "tel 07911 123457\n");
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    let e = tempfile::tempdir().unwrap();
    let target = e.path().join("real.txt");
    std::fs::write(&target, "tel 07911 123458\n").unwrap();
    std::os::unix::fs::symlink(&target, e.path().join("link.txt")).unwrap();
    let o = piiscan(&["redact", "--in-place", "--follow", e.path().join("link.txt").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("symbolic link"), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "tel 07911 123458\n");
}

#[test]
fn out_dir_inside_input_refused_unwritable_out_fails_clearly_dry_run_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.txt"), "tel 07911 123456\n").unwrap();
    std::fs::write(d.path().join("blob.bin"), b"\x00\x01binary 07911 123456").unwrap();
    let o = piiscan(&["redact", d.path().to_str().unwrap(), "--out", d.path().join("out").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("inside the input"), "{}", err(&o));

    let e = tempfile::tempdir().unwrap();
    std::fs::write(e.path().join("file"), "x").unwrap();
    let o = piiscan(&["redact", d.path().to_str().unwrap(), "--out", e.path().join("file/sub").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(d.path().join("a.txt")).unwrap(), "tel 07911 123456\n");

    let o = piiscan(&["redact", d.path().to_str().unwrap(), "--dry-run"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("would redact 1 finding(s)"));
    assert!(
        err(&o).contains("blob.bin: not redacted: redaction not supported for this format (binary: NUL bytes"),
        "{}",
        err(&o)
    );
    assert_eq!(std::fs::read_to_string(d.path().join("a.txt")).unwrap(), "tel 07911 123456\n");

    // A binary file is not copied into --out: it could hold personal data.
    let out = e.path().join("out");
    let o = piiscan(&["redact", d.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out.join("a.txt").exists() && !out.join("blob.bin").exists());
}

#[cfg(unix)]
#[test]
fn out_dir_symlink_does_not_lead_the_writer_outside() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::write(input.join("sub/a.txt"), "tel 07911 123456\n").unwrap();
    let elsewhere = d.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("sub")).unwrap();
    let o = piiscan(&["redact", input.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("outside the output directory"), "{}", err(&o));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

/// SIGKILL in the middle of an in-place run: every file is either the
/// original or completely redacted, never truncated or mixed.
#[cfg(unix)]
#[test]
fn sigkill_during_in_place_leaves_each_file_original_or_complete() {
    let d = tempfile::tempdir().unwrap();
    let pristine = d.path().join("pristine");
    std::fs::create_dir(&pristine).unwrap();
    let line =
        "Dear customer, your mobile 07911 123456 and email jane.doe@gmail.com are on file; card 4929 1234 5678 9007.\n";
    for i in 0..300 {
        std::fs::write(pristine.join(format!("f{i:03}.txt")), line.repeat(300 + i)).unwrap();
    }
    // What a complete redaction of each file looks like.
    let expected = d.path().join("expected");
    let o = piiscan(&["redact", pristine.to_str().unwrap(), "--out", expected.to_str().unwrap(), "-j1"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let mut delay_ms = 150u64;
    for attempt in 0..6 {
        let work = d.path().join(format!("work{attempt}"));
        std::fs::create_dir(&work).unwrap();
        copy_tree(&pristine, &work);
        let mut child = Command::new(env!("CARGO_BIN_EXE_piiscan"))
            .args(["redact", "--in-place", "-j1", "-q", work.to_str().unwrap()])
            .env("PIISCAN_KEY", "integration-test-key")
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (mut original, mut redacted) = (0, 0);
        for i in 0..300 {
            let name = format!("f{i:03}.txt");
            let now = std::fs::read(work.join(&name)).unwrap();
            if now == std::fs::read(pristine.join(&name)).unwrap() {
                original += 1;
            } else if now == std::fs::read(expected.join(&name)).unwrap() {
                redacted += 1;
            } else {
                panic!("{name} is neither original nor completely redacted after SIGKILL");
            }
        }
        if original > 0 && redacted > 0 {
            return; // killed mid-run, and every file is whole
        }
        // Finished before the kill, or killed before the first write: adjust and retry.
        delay_ms = if redacted == 300 { delay_ms / 2 } else { delay_ms * 2 };
    }
    panic!("could not kill the run in the middle; the test proved nothing");
}
