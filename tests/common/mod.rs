//! Helpers shared by the integration tests: run the binary, read its output.
#![allow(dead_code)] // each test binary uses a different subset

pub mod db;
pub mod make;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run `piiscan` with `args` in `dir` (the current directory when `None`),
/// with a fixed fingerprint key so that runs are comparable.
pub fn run_in(dir: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_piiscan"));
    c.args(args).env("PIISCAN_KEY", "integration-test-key");
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.output().expect("run piiscan")
}

/// Run `piiscan` with `args`.
pub fn piiscan(args: &[&str]) -> Output {
    run_in(None, args)
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output as JSON Lines.
pub fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).expect("valid JSON line")).collect()
}

/// Copy a directory tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// The files (not subfolders) of each of `subs` of `fixtures/`, copied to
/// the same place under `dir`; returns the copies.
pub fn fixture_files(dir: &Path, subs: &[&str]) -> Vec<PathBuf> {
    let mut copied = Vec::new();
    for sub in subs {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(sub);
        for e in std::fs::read_dir(&from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                let to = dir.join(sub);
                std::fs::create_dir_all(&to).unwrap();
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
                copied.push(to.join(e.file_name()));
            }
        }
    }
    copied
}

/// Every file below `d`, sorted.
pub fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The largest peak resident set (MB) of any child this test process has
/// waited for (the test binary's runs of `piiscan`).
pub fn peak_child_rss_mb() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) }, 0);
    ru.ru_maxrss as f64 / 1024.0
}

/// A seeded xorshift64 generator: reproducible random test data without a
/// dependency.
pub fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed.max(1);
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// A finding as the accuracy tests score it: path relative to the scanned
/// root, kind, span, and the pieces of a value joined across cues.
#[derive(Debug, Clone)]
pub struct Found {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// Kind.
    pub kind: String,
    /// File offsets.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// File spans of the pieces of a value read over several cues.
    pub pieces: Vec<(u64, u64)>,
    /// Score.
    pub score: f32,
}

impl Found {
    /// The file spans the finding covers.
    pub fn spans(&self) -> Vec<(u64, u64)> {
        if self.pieces.is_empty() {
            vec![(self.start, self.end)]
        } else {
            self.pieces.clone()
        }
    }
}

struct Collect(PathBuf, Vec<Found>);

impl piiscan::report::Sink for Collect {
    fn file(&mut self, o: &piiscan::outcome::FileOutcome) -> std::io::Result<()> {
        let rel = o.path.strip_prefix(&self.0).unwrap_or(&o.path).to_string_lossy().replace('\\', "/");
        for f in &o.findings {
            let (start, end, pieces, score) = (f.start, f.end, f.pieces.clone(), f.score);
            self.1.push(Found { rel: rel.clone(), kind: f.kind.to_string(), start, end, pieces, score });
        }
        Ok(())
    }
    fn finish(&mut self, _: &piiscan::inventory::Inventory) -> std::io::Result<()> {
        Ok(())
    }
}

/// Scan `root` in-process with the built-in rules, the walk globs given and
/// a minimum score: every finding, in output order.
pub fn scan_tree(root: &Path, globs: &[&str], min_score: f32) -> Vec<Found> {
    use piiscan::detect::{Engine, EngineOptions};
    use piiscan::scan::{Progress, ScanConfig, Scanner};
    let rules = std::sync::Arc::new(piiscan::rules::RuleSet::builtin().unwrap());
    let engine = Engine::new(rules, EngineOptions { min_score, ..EngineOptions::default() });
    let cfg = ScanConfig {
        roots: vec![root.to_path_buf()],
        walk: piiscan::walk::WalkOptions {
            threads: 2,
            globs: globs.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        },
        max_filesize: u64::MAX,
        modified_before: None,
        threads: 2,
        mmap: true,
        keep_values: false,
        files: None,
    };
    let scanner = Scanner::new(engine, piiscan::fingerprint::Key::from_secret("accuracy-test"), cfg);
    let mut sink = Collect(root.to_path_buf(), Vec::new());
    scanner.run(&mut sink, &Progress::default(), &mut |_| {}).unwrap();
    sink.1
}
