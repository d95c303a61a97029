//! Equivalence: the same findings whatever the thread count, with memory
//! maps or plain reads, and with the anchor prefilter on or off.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use piiscan::detect::{Engine, EngineOptions, FieldContext, RawFinding};
use piiscan::fingerprint::Key;
use piiscan::outcome::SkipReason;
use piiscan::rules::RuleSet;
use piiscan::scan::{ScanConfig, Scanner};
use piiscan::walk::{FileEntry, WalkOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A one-thread scanner of `dir` with `engine`.
fn scanner(dir: &Path, engine: Engine, mmap: bool) -> Scanner {
    let cfg = ScanConfig {
        roots: vec![dir.to_path_buf()],
        walk: WalkOptions::default(),
        max_filesize: u64::MAX,
        modified_before: None,
        threads: 1,
        mmap,
        keep_values: false,
        files: None,
    };
    Scanner::new(engine, Key::from_secret("k"), cfg)
}

fn run(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_piiscan")).args(args).env("PIISCAN_KEY", "eq").output().unwrap();
    assert!(o.status.code() == Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn same_output_with_one_or_two_threads() {
    let f = fixtures();
    let f = f.to_str().unwrap();
    let one = run(&["scan", "--format", "jsonl", "-j1", f]);
    let two = run(&["scan", "--format", "jsonl", "-j2", f]);
    let eight = run(&["scan", "--format", "jsonl", "-j8", f]);
    assert!(one.lines().count() > 1000);
    assert_eq!(one, two);
    assert_eq!(one, eight);
}

#[test]
fn same_output_with_prefilter_off_on_fixtures() {
    let f = fixtures();
    let f = f.to_str().unwrap();
    assert_eq!(run(&["scan", "--format", "jsonl", f]), run(&["scan", "--format", "jsonl", "--no-prefilter", f]));
}

/// Files of at least 16 MiB are memory-mapped; `--no-mmap` reads them.
#[test]
fn same_output_with_mmap_and_read() {
    let d = tempfile::tempdir().unwrap();
    let mut big = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["letters", "chats", "logs", "exports"] {
        for e in std::fs::read_dir(fixtures().join(sub)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    while big.len() < 20 << 20 {
        for p in &files {
            let b = std::fs::read(p).unwrap();
            if !b.starts_with(&[0xFF, 0xFE]) {
                big.extend_from_slice(&b);
            }
        }
    }
    let p = d.path().join("big.txt");
    std::fs::write(&p, &big).unwrap();
    let p = p.to_str().unwrap();
    let mapped = run(&["scan", "--format", "jsonl", p]);
    let read = run(&["scan", "--format", "jsonl", "--no-mmap", p]);
    assert!(mapped.lines().count() > 10_000);
    assert_eq!(mapped, read);
}

/// Tokens dense in anchors, separators and near-misses.
const TOKENS: &[&str] = &[
    "0",
    "07700",
    "900123",
    "44",
    "+44",
    " ",
    " ",
    "-",
    ".",
    "/",
    ":",
    "::",
    "@",
    "%40",
    "\n",
    "(0)",
    "(",
    ")",
    "jane",
    "doe",
    "example",
    ".com",
    ".co.uk",
    "dob",
    "born",
    "sort code",
    "account",
    "12-34-56",
    "12345678",
    "4111",
    "1111",
    "GB82",
    "WEST",
    "SW1A",
    "1AA",
    "M1",
    "QQ",
    "AB",
    "123456",
    "C",
    "943",
    "476",
    "5919",
    "2001",
    "db8",
    "fe80",
    "81.2.69.160",
    "1982",
    "March",
    "14th",
    "of",
    "nhs",
    "iban",
    "x",
    "Z",
    "\u{e9}",
    "\u{ff}",
    "card",
    "phone",
    "ip",
    "10",
    "255",
    "v5",
];

/// Adversarial random text dense in anchors, separators and near-misses;
/// with every score kept (min 0) so that low-scoring candidates count too.
#[test]
fn same_findings_with_prefilter_on_and_off_on_random_text() {
    let mut next = common::rng(0x9E37_79B9_7F4A_7C15);
    let mut text = String::new();
    while text.len() < 400_000 {
        text.push_str(TOKENS[(next() % TOKENS.len() as u64) as usize]);
    }
    let rules = Arc::new(RuleSet::builtin().unwrap());
    let scan = |prefilter: bool| {
        let e = Engine::new(rules.clone(), EngineOptions { prefilter, min_score: 0.0 });
        let mut out: Vec<RawFinding> = Vec::new();
        e.scan(text.as_bytes(), &FieldContext::None, &mut out, &mut |_| {});
        out
    };
    let on = scan(true);
    let off = scan(false);
    assert!(on.len() > 100, "the random text should produce findings ({})", on.len());
    assert_eq!(on, off);
}

#[test]
fn file_deleted_after_the_walk_is_reported_as_vanished() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("gone.txt");
    std::fs::write(&p, "x").unwrap();
    let entry = FileEntry { path: p.clone(), store: d.path().display().to_string(), explicit: false, blob: None };
    std::fs::remove_file(&p).unwrap();
    let engine = Engine::new(Arc::new(RuleSet::builtin().unwrap()), EngineOptions::default());
    let s = scanner(d.path(), engine, true);
    let o = s.scan_file(&entry, &mut s.worker(), None);
    assert_eq!(o.skipped.as_ref().map(|s| s.0), Some(SkipReason::Vanished));
}

/// A big, dense export: its findings go out in parts while it is scanned.
/// The same findings with the prefilter off.
/// Parts plus the final outcome hold exactly the findings of one
/// outcome without parts, in the same order; names (found first, merged
/// batch by batch) included; and through the CLI, whatever the threads.
#[test]
fn parts_hold_the_same_findings_as_one_outcome() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,name,email,phone,note\n");
    for i in 0..6000 {
        csv.push_str(&format!(
            "{i},Jane Smith,jane.smith{i}@example.org,07700 900{:03},call Mr David Jones on 0161 496 0{:03} re 12-34-56 12345678\n",
            i % 1000,
            i % 1000
        ));
    }
    let p = d.path().join("export.csv");
    std::fs::write(&p, &csv).unwrap();
    let entry = FileEntry { path: p.clone(), store: d.path().display().to_string(), explicit: false, blob: None };
    let engine = Engine::new(Arc::new(RuleSet::builtin().unwrap()), EngineOptions::default());
    let s = scanner(d.path(), engine, true);
    let whole = s.scan_file(&entry, &mut s.worker(), None);
    let mut parts = Vec::new();
    let last = s.scan_file(&entry, &mut s.worker(), Some(&mut |o| parts.push(o)));
    assert!(parts.len() >= 3, "{} parts of {}", parts.len(), whole.findings.len());
    assert!(parts.iter().all(|o| o.partial) && !last.partial);
    let streamed: Vec<_> = parts.into_iter().flat_map(|o| o.findings).chain(last.findings).collect();
    assert!(whole.findings.iter().any(|f| &*f.kind == "name"));
    assert_eq!(streamed, whole.findings);

    // Dense anchors over 720 KB: the first pass cuts its windows
    // (MAX_WINDOW) and settles open ones early; per-rule passes do neither.
    let plain = Engine::new(Arc::new(RuleSet::builtin().unwrap()), EngineOptions { prefilter: false, min_score: 0.5 });
    let s = scanner(d.path(), plain, false);
    assert_eq!(s.scan_file(&entry, &mut s.worker(), None).findings, streamed);

    let dir = d.path().to_str().unwrap();
    let one = run(&["scan", "--format", "jsonl", "-j1", dir]);
    assert_eq!(one, run(&["scan", "--format", "jsonl", "-j2", dir]));
    assert_eq!(one.lines().count(), whole.findings.len());
}

/// Text files of a fixture tree (prose, logs, chats, transcripts, mail),
/// concatenated in path order and repeated to at least `size` bytes.
fn concatenated(dir: &Path, exts: &[&str], size: usize) -> Vec<u8> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.retain(|p| p.extension().is_some_and(|x| exts.iter().any(|e| x == *e)));
    paths.sort();
    let one: Vec<u8> = paths.iter().flat_map(|p| std::fs::read(p).unwrap()).collect();
    assert!(one.len() > 10_000);
    let mut out = Vec::with_capacity(size + one.len());
    while out.len() < size {
        out.extend_from_slice(&one);
    }
    out
}

/// Issue 21 point 3: a big text is scanned in chunks on several threads
/// with exactly the findings of one pass, on realistic and on adversarial
/// text, with every score kept (min 0), and with a CSV header's context.
/// Chunks of 512 KiB (not the 4 MiB of a real run) give many seams in a
/// few megabytes; the overlap is the real one.
#[test]
fn chunked_scan_matches_one_pass() {
    use piiscan::chunked;
    let size = 3 << 20;
    let f = fixtures();
    let mut next = common::rng(0x5EED);
    let mut random = Vec::new();
    // Dense anchors scan at about a megabyte a second: a smaller text.
    while random.len() < (1 << 20) + (1 << 19) {
        random.extend_from_slice(TOKENS[(next() % TOKENS.len() as u64) as usize].as_bytes());
    }
    let csv = {
        let one = std::fs::read(f.join("exports/customers_full.csv")).unwrap();
        let body = &one[one.iter().position(|&b| b == b'\n').unwrap() + 1..];
        let mut t = one.clone();
        while t.len() < size {
            t.extend_from_slice(body);
        }
        t
    };
    let texts: Vec<(&str, Vec<u8>, bool)> = vec![
        ("prose, logs, chats, transcripts", concatenated(&f, &["txt", "log", "vtt", "srt", "eml", "md"], size), false),
        ("csv", csv, true),
        ("random", random, false),
    ];
    let rules = Arc::new(RuleSet::builtin().unwrap());
    for min_score in [0.5, 0.0] {
        let e = Engine::new(rules.clone(), EngineOptions { prefilter: true, min_score });
        for (what, text, is_csv) in &texts {
            let field = if *is_csv { FieldContext::sniff_csv(text, false) } else { FieldContext::None };
            let mut one: Vec<RawFinding> = Vec::new();
            e.scan(text, &field, &mut one, &mut |_| {});
            let mut parts: Vec<RawFinding> = Vec::new();
            let how = chunked::Chunking { threads: 2, stack: 8 << 20, min: 0, chunk: 512 << 10 };
            let stats =
                chunked::scan(&e, &mut e.scratch(), text, &field, how, &mut |raw| parts.append(raw), &mut |_| {})
                    .expect("a text this big is cut");
            assert!(stats.chunks >= 3, "{what}: {stats:?}");
            // A rescan means a seam disagreed: the overlap was too short, or
            // a chunk's offsets or lines were wrong (the rescan hides it).
            assert_eq!(stats.rescans, 0, "{what}: {stats:?}");
            assert!(one.len() > 500, "{what}: {} findings", one.len());
            eprintln!("{what} (min score {min_score}): {} findings, {stats:?}", one.len());
            assert!(one == parts, "{what} (min score {min_score}): chunked findings differ from one pass");
        }
    }
}

/// The same through the command line: a big file's chunked scan (two
/// threads) writes the same report as one pass (one thread), parts, lines,
/// locations and all.
#[test]
fn chunked_file_reports_the_same_as_one_thread() {
    let d = tempfile::tempdir().unwrap();
    let text = concatenated(&fixtures(), &["txt", "log", "vtt", "eml"], piiscan::chunked::CHUNKED_MIN + (3 << 20));
    std::fs::write(d.path().join("big.log"), &text).unwrap();
    let dir = d.path().to_str().unwrap();
    let one = run(&["scan", "--format", "jsonl", "-j1", dir]);
    assert!(one.lines().count() > 10_000);
    assert_eq!(one, run(&["scan", "--format", "jsonl", "-j2", dir]));
}
