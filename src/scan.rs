//! The scan pipeline: walk → read → detect → sinks, in parallel, with
//! output in path order whatever the thread count.
//!
//! Workers (a rayon pool, each with its own reused read buffer) take files
//! by index from a shared counter and send outcomes to the calling thread,
//! which re-orders them and feeds the sinks. Workers never run more than
//! [`MAX_AHEAD`] files ahead of the sink, so memory stays bounded on huge
//! shares.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};
use std::time::{Instant, SystemTime};

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
}

/// A scanner: engine, key and configuration.
#[derive(Debug)]
pub struct Scanner {
    engine: Engine,
    key: Key,
    cfg: ScanConfig,
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
        Scanner { engine, key, cfg }
    }

    /// Run the scan, feeding every outcome to `sink` in path order, and
    /// return the inventory (already given to `sink.finish`).
    pub fn run(&self, sink: &mut dyn Sink, progress: &Progress, tick: &mut dyn FnMut(&Progress)) -> Result<Inventory> {
        let started = Instant::now();
        let (files, problems) = walk::walk(&self.cfg.roots, &self.cfg.walk)?;
        progress.total.store(files.len(), Ordering::Relaxed);
        let mut inv = Inventory::default();
        let emit = |o: &FileOutcome, sink: &mut dyn Sink, inv: &mut Inventory| -> Result<()> {
            inv.add(o);
            sink.file(o)?;
            Ok(())
        };
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
            };
            emit(&o, sink, &mut inv)?;
        }
        let threads = self.cfg.threads.max(1);
        let next = AtomicUsize::new(0);
        let emitted = (Mutex::new(0usize), Condvar::new());
        let (tx, rx) = mpsc::channel::<(usize, FileOutcome)>();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| crate::error::Error::Config(format!("thread pool: {e}")))?;
        let mut result: Result<()> = Ok(());
        pool.in_place_scope(|s| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (files, next, emitted) = (&files, &next, &emitted);
                s.spawn(move |_| {
                    let mut worker = Worker { reader: FileReader::new(self.cfg.mmap), scratch: self.engine.scratch() };
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
                        let o = self.scan_file(&files[i], &mut worker);
                        if tx.send((i, o)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut pending: BTreeMap<usize, FileOutcome> = BTreeMap::new();
            let mut want = 0usize;
            let mut failed = false;
            for (i, o) in rx.iter() {
                pending.insert(i, o);
                while let Some(o) = pending.remove(&want) {
                    progress.files.fetch_add(1, Ordering::Relaxed);
                    progress.bytes.fetch_add(o.size as usize, Ordering::Relaxed);
                    progress.findings.fetch_add(o.findings.len(), Ordering::Relaxed);
                    if !failed {
                        if let Err(e) = emit(&o, sink, &mut inv) {
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
        result?;
        inv.finish(started.elapsed());
        sink.finish(&inv)?;
        Ok(inv)
    }

    /// Per-thread working state for [`Scanner::scan_file`].
    pub fn worker(&self) -> Worker {
        Worker { reader: FileReader::new(self.cfg.mmap), scratch: self.engine.scratch() }
    }

    /// Scan one file. Never panics on content; I/O problems become a skip.
    pub fn scan_file(&self, entry: &FileEntry, worker: &mut Worker) -> FileOutcome {
        let Worker { reader, scratch } = worker;
        let mut out = FileOutcome {
            path: entry.path.clone(),
            store: entry.store.clone(),
            size: 0,
            modified: None,
            skipped: None,
            encoding: "",
            findings: Vec::new(),
        };
        let skip = |mut out: FileOutcome, r: SkipReason, d: String| {
            out.skipped = Some((r, d));
            out
        };
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
        let loaded = match reader.load(&entry.path, meta.len()) {
            Ok(l) => l,
            Err(e) => return skip(out, io_reason(&e), e.to_string()),
        };
        let bytes = reader.bytes(&loaded);
        out.size = bytes.len() as u64;
        let enc = read::sniff_encoding(bytes);
        out.encoding = enc.name();
        if enc == TextEncoding::Bytes && !entry.explicit && read::looks_binary(bytes) {
            return skip(out, SkipReason::Binary, String::new());
        }
        let ext = entry.path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let csvish = matches!(ext.as_deref(), Some("csv" | "tsv" | "psv"));
        let mut raw: Vec<RawFinding> = Vec::new();
        match enc {
            TextEncoding::Bytes => {
                let field = if csvish {
                    FieldContext::sniff_csv(bytes, ext.as_deref() == Some("tsv"))
                } else {
                    FieldContext::None
                };
                let mut release = |pos: usize| {
                    if let Loaded::Mapped(m) = &loaded {
                        read::release(m, 0, pos.saturating_sub(1 << 20));
                    }
                };
                self.engine.scan_with(scratch, bytes, &field, &mut raw, &mut release);
                out.findings = raw.into_iter().map(|r| self.finding(&r, bytes, r.start as u64, r.end as u64)).collect();
            }
            TextEncoding::Utf16Le | TextEncoding::Utf16Be => {
                let t = read::transcode_utf16(bytes, enc);
                let field = if csvish {
                    FieldContext::sniff_csv(&t.text, ext.as_deref() == Some("tsv"))
                } else {
                    FieldContext::None
                };
                self.engine.scan_with(scratch, &t.text, &field, &mut raw, &mut |_| {});
                out.findings = raw
                    .into_iter()
                    .map(|r| {
                        let (s, e) = t.to_file(r.start, r.end);
                        self.finding(&r, &t.text, s, e)
                    })
                    .collect();
            }
        }
        out
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
            score: r.score,
            masked,
            fingerprint: self.key.fingerprint(&rule.kind, &r.normalized),
            value,
        }
    }
}

fn io_reason(e: &std::io::Error) -> SkipReason {
    match e.kind() {
        std::io::ErrorKind::NotFound => SkipReason::Vanished,
        _ => SkipReason::Unreadable,
    }
}
