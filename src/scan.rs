//! The scan pipeline: walk → read → detect → sinks, in parallel, with
//! output in path order whatever the thread count.
//!
//! Workers (a rayon pool, each with its own reused read buffer) take files
//! by index from a shared counter and send outcomes to the calling thread,
//! which re-orders them and feeds the sinks. Workers never run more than
//! [`MAX_AHEAD`] files ahead of the sink, so memory stays bounded on huge
//! shares.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};
use std::time::{Instant, SystemTime};

use crate::allow::{AllowList, Baseline};
use crate::detect::{Engine, FieldContext, RawFinding, Scratch};
use crate::error::Result;
use crate::finding::Finding;
use crate::fingerprint::{mask, Key};
use crate::inventory::Inventory;
use crate::outcome::{FileOutcome, SkipReason};
use crate::read::{self, FileReader, Loaded, TextEncoding};
use crate::report::Sink;
use crate::walk::{self, FileEntry, WalkOptions};

/// How many files workers may run ahead of the (ordered) sink.
pub const MAX_AHEAD: usize = 64;

/// Everything a scan needs, already validated.
#[derive(Debug)]
pub struct ScanConfig {
    /// Roots to scan.
    pub roots: Vec<PathBuf>,
    /// Walk options.
    pub walk: WalkOptions,
    /// Skip files larger than this.
    pub max_filesize: u64,
    /// Only scan files modified before this.
    pub modified_before: Option<SystemTime>,
    /// Worker threads.
    pub threads: usize,
    /// Memory-map large files.
    pub mmap: bool,
    /// Keep each finding's raw text in [`Finding::value`] (for
    /// `--show-values`); otherwise it is left empty, which saves memory on
    /// files with many findings and keeps raw PII out of the process's
    /// reports by construction.
    pub keep_values: bool,
    /// Files given directly instead of walking `roots` (git modes).
    pub files: Option<Vec<FileEntry>>,
}

/// A scanner: engine, key, configuration, and what not to report.
#[derive(Debug)]
pub struct Scanner {
    engine: Engine,
    key: Key,
    cfg: ScanConfig,
    allow: AllowList,
    baseline: Option<HashSet<(String, String)>>,
}

/// What one worker thread reuses from file to file: its read buffer and its
/// search caches.
#[derive(Debug)]
pub struct Worker {
    reader: FileReader,
    scratch: Scratch,
}

/// Progress counters, readable while a scan runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Files done.
    pub files: AtomicUsize,
    /// Bytes done.
    pub bytes: AtomicUsize,
    /// Findings so far.
    pub findings: AtomicUsize,
    /// Files to do (known after the walk).
    pub total: AtomicUsize,
}

impl Scanner {
    /// A scanner.
    pub fn new(engine: Engine, key: Key, cfg: ScanConfig) -> Scanner {
        Scanner { engine, key, cfg, allow: AllowList::builtin(), baseline: None }
    }

    /// Replace the known-fake allow-list.
    pub fn with_allow(mut self, allow: AllowList) -> Scanner {
        self.allow = allow;
        self
    }

    /// Suppress findings recorded in a baseline.
    pub fn with_baseline(mut self, baseline: &Baseline) -> Scanner {
        self.baseline = Some(baseline.keys());
        self
    }

    /// Run the scan, feeding every outcome to `sink` in path order, and
    /// return the inventory (already given to `sink.finish`).
    pub fn run(&self, sink: &mut dyn Sink, progress: &Progress, tick: &mut dyn FnMut(&Progress)) -> Result<Inventory> {
        let started = Instant::now();
        let mut inv = Inventory::default();
        self.run_with(
            |entry, worker| self.scan_file(entry, worker),
            |o: FileOutcome| o,
            &mut |o: FileOutcome| {
                inv.add(&o);
                sink.file(&o)?;
                Ok(())
            },
            progress,
            tick,
        )?;
        inv.finish(started.elapsed());
        sink.finish(&inv)?;
        Ok(inv)
    }

    /// The parallel, ordered core of every command that reads the files of a
    /// scan: `process` runs on the workers (one call per file), `consume` on
    /// the calling thread, in path order whatever the thread count. Walk
    /// problems come first, turned into results by `problem`.
    pub fn run_with<T: Progressed>(
        &self,
        process: impl Fn(&FileEntry, &mut Worker) -> T + Sync,
        problem: impl Fn(FileOutcome) -> T,
        consume: &mut dyn FnMut(T) -> Result<()>,
        progress: &Progress,
        tick: &mut dyn FnMut(&Progress),
    ) -> Result<()> {
        let (files, problems) = match &self.cfg.files {
            Some(f) => (f.clone(), Vec::new()),
            None => walk::walk(&self.cfg.roots, &self.cfg.walk)?,
        };
        progress.total.store(files.len(), Ordering::Relaxed);
        // Walk problems first: they have no content to order by.
        for p in &problems {
            let o = FileOutcome {
                path: p.path.clone(),
                store: p.store.clone(),
                size: 0,
                modified: None,
                skipped: Some((p.reason, p.detail.clone())),
                encoding: "",
                findings: Vec::new(),
                suppressed: 0,
            };
            consume(problem(o))?;
        }
        let threads = self.cfg.threads.max(1);
        let next = AtomicUsize::new(0);
        let emitted = (Mutex::new(0usize), Condvar::new());
        let (tx, rx) = mpsc::channel::<(usize, T)>();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| crate::error::Error::Config(format!("thread pool: {e}")))?;
        let mut result: Result<()> = Ok(());
        let process = &process;
        pool.in_place_scope(|s| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (files, next, emitted) = (&files, &next, &emitted);
                s.spawn(move |_| {
                    let mut worker = self.worker();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= files.len() {
                            break;
                        }
                        {
                            let (lock, cv) = emitted;
                            let mut done = lock.lock().unwrap_or_else(|p| p.into_inner());
                            while i >= *done + MAX_AHEAD {
                                done = cv.wait(done).unwrap_or_else(|p| p.into_inner());
                            }
                        }
                        let o = process(&files[i], &mut worker);
                        if tx.send((i, o)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut pending: BTreeMap<usize, T> = BTreeMap::new();
            let mut want = 0usize;
            let mut failed = false;
            for (i, o) in rx.iter() {
                pending.insert(i, o);
                while let Some(o) = pending.remove(&want) {
                    progress.files.fetch_add(1, Ordering::Relaxed);
                    progress.bytes.fetch_add(o.bytes() as usize, Ordering::Relaxed);
                    progress.findings.fetch_add(o.hits(), Ordering::Relaxed);
                    if !failed {
                        if let Err(e) = consume(o) {
                            result = Err(e);
                            failed = true;
                        }
                    }
                    want += 1;
                    let (lock, cv) = &emitted;
                    *lock.lock().unwrap_or_else(|p| p.into_inner()) = want;
                    cv.notify_all();
                }
                tick(progress);
            }
        });
        result
    }

    /// The same scanner over a given list of files instead of a walk (e.g.
    /// to rescan what redaction wrote, with the same rules, key and allow-list).
    pub fn with_files(mut self, files: Vec<FileEntry>) -> Scanner {
        self.cfg.files = Some(files);
        self
    }

    /// Per-thread working state for [`Scanner::scan_file`].
    pub fn worker(&self) -> Worker {
        Worker { reader: FileReader::new(self.cfg.mmap), scratch: self.engine.scratch() }
    }

    /// Scan one file. Never panics on content; I/O problems become a skip.
    pub fn scan_file(&self, entry: &FileEntry, worker: &mut Worker) -> FileOutcome {
        let path = entry.path.display().to_string();
        let mut raw: Vec<RawFinding> = Vec::new();
        let (mut out, kept) = self.with_text(entry, worker, |text, scratch, release| {
            self.engine.scan_with(scratch, text.bytes, &text.field, &mut raw, release);
            let mut out = Vec::new();
            let mut suppressed = 0;
            self.keep(&mut out, &mut suppressed, &path, std::mem::take(&mut raw), text);
            (out, suppressed)
        });
        if let Some((findings, suppressed)) = kept {
            out.findings = findings;
            out.suppressed = suppressed;
        }
        out
    }

    /// Load a file's text and hand it to `f` (with the worker's search
    /// scratch and a callback that releases mapped pages the scan has
    /// passed). Returns the outcome so far (size, encoding, or why it was
    /// skipped, in which case `f` is not called) and what `f` returned.
    /// Never panics on content; I/O problems become a skip.
    pub fn with_text<R>(
        &self,
        entry: &FileEntry,
        worker: &mut Worker,
        f: impl FnOnce(&Text<'_>, &mut Scratch, &mut dyn FnMut(usize)) -> R,
    ) -> (FileOutcome, Option<R>) {
        let Worker { reader, scratch } = worker;
        let mut out = FileOutcome {
            path: entry.path.clone(),
            store: entry.store.clone(),
            size: 0,
            modified: None,
            skipped: None,
            encoding: "",
            findings: Vec::new(),
            suppressed: 0,
        };
        let skip = |mut out: FileOutcome, r: SkipReason, d: String| {
            out.skipped = Some((r, d));
            (out, None)
        };
        let mut loaded: Option<Loaded> = None;
        // Content given directly (the git index with --staged) needs no read.
        if entry.blob.is_none() {
            let meta = match std::fs::metadata(&entry.path) {
                Ok(m) => m,
                Err(e) => return skip(out, io_reason(&e), e.to_string()),
            };
            out.size = meta.len();
            out.modified = meta.modified().ok();
            if let (Some(cut), Some(m)) = (self.cfg.modified_before, out.modified) {
                if m >= cut {
                    return skip(out, SkipReason::NewerThanCutoff, String::new());
                }
            }
            if meta.len() > self.cfg.max_filesize {
                let d = format!("{} bytes is over --max-filesize {}", meta.len(), self.cfg.max_filesize);
                return skip(out, SkipReason::TooLarge, d);
            }
            match reader.load(&entry.path, meta.len()) {
                Ok(l) => loaded = Some(l),
                Err(e) => return skip(out, io_reason(&e), e.to_string()),
            }
        }
        let bytes: &[u8] = match (&entry.blob, &loaded) {
            (Some(blob), _) => blob,
            (None, Some(l)) => reader.bytes(l),
            (None, None) => &[],
        };
        out.size = bytes.len() as u64;
        let enc = read::sniff_encoding(bytes);
        out.encoding = enc.name();
        if enc == TextEncoding::Bytes && !entry.explicit && read::looks_binary(bytes) {
            return skip(out, SkipReason::Binary, String::new());
        }
        let ext = entry.path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let csvish = matches!(ext.as_deref(), Some("csv" | "tsv" | "psv"));
        let field_of = |text: &[u8]| {
            if csvish {
                FieldContext::sniff_csv(text, ext.as_deref() == Some("tsv"))
            } else {
                FieldContext::None
            }
        };
        let r = match enc {
            TextEncoding::Bytes => {
                let mut release = |pos: usize| {
                    if let Some(Loaded::Mapped(m)) = &loaded {
                        read::release(m, 0, pos.saturating_sub(1 << 20));
                    }
                };
                let text = Text { bytes, field: field_of(bytes), map: None };
                f(&text, scratch, &mut release)
            }
            TextEncoding::Utf16Le | TextEncoding::Utf16Be => {
                let t = read::transcode_utf16(bytes, enc);
                let text = Text { bytes: &t.text, field: field_of(&t.text), map: Some(&t) };
                f(&text, scratch, &mut |_| {})
            }
        };
        (out, Some(r))
    }

    /// Turn raw findings into reported ones, dropping those suppressed by an
    /// inline `piiscan:allow` or by the baseline (counted in `suppressed`).
    fn keep(&self, out: &mut Vec<Finding>, suppressed: &mut u64, path: &str, raw: Vec<RawFinding>, text: &Text<'_>) {
        out.reserve(raw.len());
        for r in raw {
            if crate::allow::inline_allowed(text.bytes, r.start, r.end) {
                *suppressed += 1;
                continue;
            }
            let (s, e) = text.to_file(r.start, r.end);
            let f = self.finding(&r, text.bytes, s, e);
            if self.baseline.as_ref().is_some_and(|b| b.contains(&(path.to_string(), f.fingerprint_hex()))) {
                *suppressed += 1;
                continue;
            }
            out.push(f);
        }
    }

    /// The detection engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The fingerprint key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    fn finding(&self, r: &RawFinding, text: &[u8], start: u64, end: u64) -> Finding {
        let rule = &self.engine.rules().rules[r.rule];
        let raw = String::from_utf8_lossy(&text[r.start..r.end]);
        let masked = mask(&rule.kind, &raw, &r.normalized);
        let value = if self.cfg.keep_values { raw.into_owned() } else { String::new() };
        Finding {
            kind: rule.kind.clone(),
            rule: rule.id.clone(),
            start,
            end,
            line: r.line,
            column: r.column,
            char_column: r.char_column,
            test_data: self.allow.is_test_data(&rule.kind, &r.normalized),
            score: r.score,
            masked,
            fingerprint: self.key.fingerprint(&rule.kind, &r.normalized),
            value,
        }
    }
}

/// A file's content as the engine sees it: UTF-8-ish bytes (UTF-16 files
/// transcoded), the field structure sniffed from it, and the way back to
/// byte offsets in the file as stored.
#[derive(Debug)]
pub struct Text<'a> {
    /// The bytes scanned.
    pub bytes: &'a [u8],
    /// Column headers, for delimited files.
    pub field: FieldContext,
    map: Option<&'a read::Transcoded>,
}

impl Text<'_> {
    /// File offsets of the text span `start..end`.
    pub fn to_file(&self, start: usize, end: usize) -> (u64, u64) {
        match self.map {
            Some(t) => t.to_file(start, end),
            None => (start as u64, end as u64),
        }
    }
}

/// What [`Scanner::run_with`] needs to know of a per-file result to count
/// progress.
pub trait Progressed: Send {
    /// Bytes read.
    fn bytes(&self) -> u64;
    /// Findings or matches.
    fn hits(&self) -> usize;
}

impl Progressed for FileOutcome {
    fn bytes(&self) -> u64 {
        self.size
    }
    fn hits(&self) -> usize {
        self.findings.len()
    }
}

fn io_reason(e: &std::io::Error) -> SkipReason {
    match e.kind() {
        std::io::ErrorKind::NotFound => SkipReason::Vanished,
        _ => SkipReason::Unreadable,
    }
}
