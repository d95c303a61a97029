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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};
use std::time::{Instant, SystemTime};

use crate::allow::{AllowList, Baseline};
use crate::detect::{Engine, RawFinding, Scratch};
use crate::error::Result;
use crate::extract::{self, Cx, Limits, Origin, Segment};
use crate::finding::Finding;
use crate::fingerprint::{is_secret, mask, Key};
use crate::inventory::Inventory;
use crate::outcome::{FileOutcome, SkipReason};
use crate::read::{self, FileReader, Loaded};
use crate::report::Sink;
use crate::walk::{self, FileEntry, WalkOptions};

/// How many files workers may run ahead of the (ordered) sink.
pub const MAX_AHEAD: usize = 64;

/// Stack of each scan worker: 64 MiB of address space (pages are only
/// touched as used), so that no input within the extractors' depth limits
/// can overflow it.
pub const WORKER_STACK: usize = 64 << 20;

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
    limits: Limits,
    engine: Engine,
    key: Key,
    cfg: ScanConfig,
    allow: AllowList,
    baseline: Option<HashSet<(String, String)>>,
    /// Files being scanned now. A big text is cut into chunks only when it
    /// is the only one: otherwise the threads are busy with a file each
    /// already, and chunks would only add their memory (on the dense tree,
    /// 98 MB with two threads became 135 MB).
    active: AtomicUsize,
    /// Set (by a signal handler the caller installs) to stop taking new
    /// files: those being read finish, the run ends in order, and the
    /// caller reports what was done.
    stop: Option<std::sync::Arc<AtomicBool>>,
    /// Walk problems to report with files given by [`Scanner::with_walked`].
    given_problems: Vec<walk::WalkProblem>,
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
        Scanner {
            limits: Limits::default(),
            engine,
            key,
            cfg,
            allow: AllowList::builtin(),
            baseline: None,
            active: AtomicUsize::new(0),
            stop: None,
            given_problems: Vec::new(),
        }
    }

    /// Stop taking new files once `stop` is set: a run interrupted by the
    /// user still ends with every file it started finished and consumed,
    /// so a redaction's summary covers exactly what was written.
    pub fn with_stop(mut self, stop: std::sync::Arc<AtomicBool>) -> Scanner {
        self.stop = Some(stop);
        self
    }

    /// Whether the run was told to stop.
    pub fn stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// Change the archive safety limits.
    pub fn with_limits(mut self, limits: Limits) -> Scanner {
        self.limits = limits;
        self
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
        // Parts are joined back into whole files for sinks that need them.
        let whole = sink.whole_files();
        let mut held: Vec<Finding> = Vec::new();
        self.run_with(
            |entry, worker, part| self.scan_file(entry, worker, Some(part)),
            |o: FileOutcome| o,
            &mut |mut o: FileOutcome| {
                inv.add(&o);
                if whole && o.partial {
                    held.append(&mut o.findings);
                    return Ok(());
                }
                if whole && !held.is_empty() {
                    held.append(&mut o.findings);
                    o.findings = std::mem::take(&mut held);
                }
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
    ///
    /// `process` may send parts of its result ahead (see
    /// [`FileOutcome::partial`]) through the callback it is given: the part
    /// of the file being consumed goes straight on, so a big export's
    /// findings are never all in memory. Parts of files further ahead wait
    /// in memory, at most [`PART_BUDGET`] findings of them: past that, their
    /// workers wait until their file's turn comes. The file being consumed
    /// may have another [`PART_BUDGET`] in flight: past that its worker
    /// waits for the writer (a slow sink, a pipe), which is draining exactly
    /// those parts, so the wait always ends. Files ahead never hold more
    /// than the budget (they only add when the total is within it), so
    /// while the total is over it, some of the waiting parts are the
    /// current file's.
    pub fn run_with<T: Progressed>(
        &self,
        process: impl Fn(&FileEntry, &mut Worker, &mut dyn FnMut(T)) -> T + Sync,
        problem: impl Fn(FileOutcome) -> T + Sync,
        consume: &mut dyn FnMut(T) -> Result<()>,
        progress: &Progress,
        tick: &mut dyn FnMut(&Progress),
    ) -> Result<()> {
        let (files, problems) = match &self.cfg.files {
            Some(f) => (f.clone(), self.given_problems.clone()),
            None => walk::walk(&self.cfg.roots, &self.cfg.walk)?,
        };
        progress.total.store(files.len(), Ordering::Relaxed);
        // Walk problems first: they have no content to order by.
        for p in &problems {
            let o = FileOutcome {
                path: p.path.clone(),
                store: p.store.clone(),
                skipped: Some((p.reason, p.detail.clone())),
                ..FileOutcome::default()
            };
            consume(problem(o))?;
        }
        let threads = self.cfg.threads.max(1);
        let next = AtomicUsize::new(0);
        let emitted = (Mutex::new(0usize), Condvar::new());
        // Findings in parts sent but not yet consumed.
        let buffered = AtomicUsize::new(0);
        let (tx, rx) = mpsc::channel::<(usize, T)>();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            // Every extractor bounds its own recursion (`Limits::max_depth`,
            // and the parsers' own limits); this is headroom for the deepest
            // input those limits accept, with debug builds' larger frames.
            .stack_size(WORKER_STACK)
            .build()
            .map_err(|e| crate::error::Error::Config(format!("thread pool: {e}")))?;
        let mut result: Result<()> = Ok(());
        let (process, problem) = (&process, &problem);
        pool.in_place_scope(|s| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (files, next, emitted, buffered) = (&files, &next, &emitted, &buffered);
                s.spawn(move |_| {
                    let mut worker = self.worker();
                    loop {
                        if self.stopped() {
                            break;
                        }
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
                        let mut gone = false;
                        let mut part = |p: T| {
                            let n = p.hits();
                            let (lock, cv) = emitted;
                            // File `i` waits while this part would take the
                            // findings in flight over its budget (see above).
                            let over = |done: usize, b: usize| {
                                if i == done {
                                    b + n > 2 * PART_BUDGET && b > PART_BUDGET
                                } else {
                                    b + n > PART_BUDGET
                                }
                            };
                            let mut done = lock.lock().unwrap_or_else(|p| p.into_inner());
                            while over(*done, buffered.load(Ordering::Acquire)) {
                                done = cv.wait(done).unwrap_or_else(|p| p.into_inner());
                            }
                            drop(done);
                            buffered.fetch_add(n, Ordering::AcqRel);
                            gone |= tx.send((i, p)).is_err();
                        };
                        // A bug must not stop the run, nor hang it: the
                        // writer waits for every file in order, and a worker
                        // unwound past this point would never send this one.
                        let run = std::panic::AssertUnwindSafe(|| process(&files[i], &mut worker, &mut part));
                        let o = std::panic::catch_unwind(run).unwrap_or_else(|_| {
                            worker = self.worker();
                            problem(internal_error(&files[i]))
                        });
                        if gone || tx.send((i, o)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            // Per file: its parts and outcome received, in order.
            let mut pending: BTreeMap<usize, Vec<T>> = BTreeMap::new();
            let mut want = 0usize;
            let mut failed = false;
            for (i, o) in rx.iter() {
                pending.entry(i).or_default().push(o);
                while let Some(ready) = pending.get_mut(&want) {
                    let whole = ready.last().is_some_and(|o| !o.is_part());
                    let mut freed = 0;
                    for o in ready.drain(..) {
                        if o.is_part() {
                            freed += o.hits();
                        } else {
                            progress.files.fetch_add(1, Ordering::Relaxed);
                        }
                        progress.bytes.fetch_add(o.bytes() as usize, Ordering::Relaxed);
                        progress.findings.fetch_add(o.hits(), Ordering::Relaxed);
                        if !failed {
                            if let Err(e) = consume(o) {
                                result = Err(e);
                                failed = true;
                            }
                        }
                    }
                    let (lock, cv) = &emitted;
                    let mut done = lock.lock().unwrap_or_else(|p| p.into_inner());
                    buffered.fetch_sub(freed, Ordering::AcqRel);
                    if whole {
                        pending.remove(&want);
                        want += 1;
                        *done = want;
                    }
                    drop(done);
                    cv.notify_all();
                    if !whole {
                        break;
                    }
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

    /// The same scanner over the result of a walk made by the caller (who
    /// left some files out: `scan --db` does not read files unchanged since
    /// the last run); the walk's problems are reported as a walk's would be.
    pub fn with_walked(mut self, files: Vec<FileEntry>, problems: Vec<walk::WalkProblem>) -> Scanner {
        self.cfg.files = Some(files);
        self.given_problems = problems;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ScanConfig {
        &self.cfg
    }

    /// Per-thread working state for [`Scanner::scan_file`].
    pub fn worker(&self) -> Worker {
        Worker { reader: FileReader::new(self.cfg.mmap), scratch: self.engine.scratch() }
    }

    /// Scan one file. Never panics on content; I/O problems become a skip.
    ///
    /// The file goes through its format's extractor ([`crate::extract`]);
    /// each segment is scanned by the engine, its findings mapped back to
    /// file offsets (or, inside containers, located by member, part or
    /// cell). Extra segments (decoded escapes, joined cues) only add what the
    /// main scan missed; overlaps are resolved in favour of what was found
    /// first on the stored bytes.
    ///
    /// With `part`, findings of a file read as one segment (a CSV export, a
    /// log) are sent ahead in parts of [`PART_SIZE`] as they are found
    /// (outcomes with [`FileOutcome::partial`] set); the outcome returned
    /// holds the rest. Without, it holds them all.
    pub fn scan_file(
        &self,
        entry: &FileEntry,
        worker: &mut Worker,
        part: Option<&mut dyn FnMut(FileOutcome)>,
    ) -> FileOutcome {
        self.active.fetch_add(1, Ordering::Relaxed);
        let _done = Decrement(&self.active);
        let path = entry.path.display().to_string();
        let mut send = part.map(|part| {
            move |findings: Vec<Finding>| {
                part(FileOutcome {
                    path: entry.path.clone(),
                    store: entry.store.clone(),
                    findings,
                    partial: true,
                    ..FileOutcome::default()
                })
            }
        });
        let mut acc =
            Collected { part: send.as_mut().map(|s| s as &mut dyn FnMut(Vec<Finding>)), ..Collected::default() };
        let mut lines = LineIndex::default();
        let mut out = self.read_segments(entry, worker, &mut |seg, scratch, bytes, release| {
            self.scan_segment(seg, scratch, &path, (bytes, &mut lines), &mut acc, release);
        });
        if out.skipped.is_none() {
            out.suppressed = acc.suppressed;
            out.findings = acc.finish();
        }
        out
    }

    /// Read one file through its format's extractor, handing each segment
    /// to `each` with the worker's scratch, the file's stored bytes and a
    /// callback that releases mapped pages behind the scan. This is the one
    /// reading path: `scan`, `subject` and `redact` all read files here.
    /// Returns the outcome without findings: size, format, encoding,
    /// members not read, or why the file was not read at all.
    pub fn read_segments(&self, entry: &FileEntry, worker: &mut Worker, each: &mut EachSegment<'_>) -> FileOutcome {
        let name = entry.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (mut out, res) = self.with_bytes(entry, worker, |bytes, scratch, release| {
            // Shared by the extractor's whole-file passes and the scan, which
            // never call it at the same time (a busy cell skips a release).
            let release = std::cell::RefCell::new(release);
            let share = |p: usize| {
                if let Ok(mut r) = release.try_borrow_mut() {
                    r(p);
                }
            };
            let mut cx = Cx::new(self.limits, entry.explicit);
            cx.release = Some(&share);
            let fmt = extract::extract(&name, bytes, &mut cx, &mut |seg| {
                each(&seg, scratch, bytes, &mut |p| share(p));
            });
            (fmt, cx.problems, cx.encoding)
        });
        let Some((fmt, problems, encoding)) = res else { return out };
        match fmt {
            Ok(f) => {
                // Members not read; when the whole file is refused, its own
                // reason says it all (an archive of encrypted members).
                out.problems = problems;
                out.format = f;
                out.encoding = if encoding.is_empty() { "binary" } else { encoding };
            }
            Err((reason, detail)) => {
                out.format = match reason {
                    SkipReason::Media => "media",
                    _ => "",
                };
                out.skipped = Some((reason, detail));
            }
        }
        out
    }

    /// Scan one segment into `acc`.
    fn scan_segment(
        &self,
        seg: &Segment<'_>,
        scratch: &mut Scratch,
        path: &str,
        lines: (&[u8], &mut LineIndex),
        acc: &mut Collected<'_>,
        release: &mut dyn FnMut(usize),
    ) {
        let mut no_release = |_: usize| {};
        let rel: &mut dyn FnMut(usize) = if seg.origin == Origin::File { release } else { &mut no_release };
        // An extractor's passes over the stored bytes (CSV header sniffing
        // and row index) left all of a mapped file resident: drop it, the
        // scan faults pages back in as it goes and releases them behind.
        rel(usize::MAX);
        // The only segment of the stored bytes: its findings go out in parts.
        let stream = seg.sole && !seg.extra && seg.origin == Origin::File && acc.part.is_some();
        let mut marks = crate::allow::MarkerCache::default();
        let mut batch = |raw: &mut Vec<RawFinding>| {
            self.collect(seg, raw, path, (lines.0, &mut *lines.1), &mut marks, acc);
            if stream && acc.main.len() >= PART_SIZE {
                let chunk = std::mem::replace(&mut acc.main, Vec::with_capacity(PART_SIZE));
                if let Some(part) = acc.part.as_mut() {
                    part(chunk);
                }
            }
        };
        // A big export or log on every core (same findings as one pass).
        let how = crate::chunked::Chunking::new(self.cfg.threads, WORKER_STACK);
        // Only for the one file in flight: each file counts itself in
        // `active` before it reaches here, so two files never both chunk.
        if self.active.load(Ordering::Relaxed) <= 1
            && crate::chunked::scan(&self.engine, scratch, &seg.text, &seg.field, how, &mut batch, rel).is_some()
        {
            return;
        }
        self.engine.scan_batches(scratch, &seg.text, &seg.field, &mut batch, rel);
    }

    /// Turn a segment's raw findings into findings in `acc`.
    fn collect(
        &self,
        seg: &Segment<'_>,
        raw: &mut Vec<RawFinding>,
        path: &str,
        lines: (&[u8], &mut LineIndex),
        marks: &mut crate::allow::MarkerCache,
        acc: &mut Collected<'_>,
    ) {
        for r in raw.drain(..) {
            let own_site = || self.allow.is_own_site(&self.engine.rules().rules[r.rule].kind, &r.normalized);
            if marks.allowed(&seg.text, r.start, r.end) || own_site() {
                acc.suppressed += 1;
                continue;
            }
            // Spoken forms: only what was rewritten is new.
            if !seg.rewritten.is_empty() && !seg.rewritten.iter().any(|&(s, e)| s < r.end && r.start < e) {
                continue;
            }
            let map = |o: usize| seg.origin.to_file(o);
            // A mapped span ends where the byte after it came from, which
            // covers a whole escape, entity or UTF-16 unit.
            let mut f = self.finding(&r, &seg.text, map(r.start), map(r.end).max(map(r.start) + 1));
            // Joined pieces: a finding over a gap is reported piece by piece;
            // in a plain joined text only such findings are new.
            let inner: Vec<(u64, u64)> =
                seg.gaps.iter().copied().filter(|&(gs, ge)| gs >= f.start && ge <= f.end && ge > gs).collect();
            if seg.only_crossing && inner.is_empty() {
                continue;
            }
            if !r.pieces.is_empty() || !inner.is_empty() {
                // A postal address has pieces of its own (its parts without
                // the postcode, a finding of its own); each piece, like a
                // whole finding, is cut at the gaps between joined cues, so
                // no span covers the timings or keys between them.
                let spans: Vec<(u64, u64)> = if r.pieces.is_empty() {
                    vec![(f.start, f.end)]
                } else {
                    r.pieces.iter().map(|&(s, e)| (map(s), map(e).max(map(s) + 1))).collect()
                };
                for (ps, pe) in spans {
                    let mut s = ps;
                    for &(gs, ge) in seg.gaps.iter().filter(|&&(gs, ge)| gs >= ps && ge <= pe && ge > gs) {
                        f.pieces.push((s, gs));
                        s = ge;
                    }
                    f.pieces.push((s, pe));
                }
            }
            f.spoken = !seg.rewritten.is_empty();
            f.file_offsets = !seg.origin.is_inside();
            f.location = seg.locator.location(seg.location.as_ref(), &seg.text, r.start);
            if seg.extra && f.file_offsets {
                let (line, column) = lines.1.line_col(lines.0, f.start as usize);
                f.line = line;
                f.column = column;
                f.char_column = column;
            } else if seg.line_offset > 0 {
                f.line += seg.line_offset;
            }
            if self.baseline.as_ref().is_some_and(|b| b.contains(&(path.to_string(), f.fingerprint_hex()))) {
                acc.suppressed += 1;
                continue;
            }
            if seg.extra {
                acc.extra.push(f);
            } else {
                acc.main.push(f);
            }
        }
    }

    /// Load a file's bytes (read or mapped, within the size limits) and
    /// hand them to `f` with the worker's search scratch and a callback that
    /// releases mapped pages the scan has passed. Returns the outcome so far
    /// (size, or why the file was not read, in which case `f` is not called)
    /// and what `f` returned. I/O problems become a skip.
    pub fn with_bytes<R>(
        &self,
        entry: &FileEntry,
        worker: &mut Worker,
        f: impl FnOnce(&[u8], &mut Scratch, &mut dyn FnMut(usize)) -> R,
    ) -> (FileOutcome, Option<R>) {
        let Worker { reader, scratch } = worker;
        let mut out = FileOutcome { path: entry.path.clone(), store: entry.store.clone(), ..FileOutcome::default() };
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
        let mut release = |pos: usize| {
            if let Some(Loaded::Mapped(m)) = &loaded {
                read::release(m, 0, pos.min(m.len()).saturating_sub(1 << 20));
            }
        };
        let r = f(bytes, scratch, &mut release);
        (out, Some(r))
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
        let value = if self.cfg.keep_values && !is_secret(&rule.kind) { raw.into() } else { Box::default() };
        Finding {
            kind: rule.kind,
            rule: rule.id,
            start,
            end,
            line: r.line,
            column: r.column,
            char_column: r.char_column,
            test_data: self.allow.is_test_data(&rule.kind, &r.normalized),
            score: r.score,
            masked: masked.into(),
            fingerprint: self.key.fingerprint(&rule.kind, &r.normalized),
            value,
            location: None,
            file_offsets: true,
            pieces: Vec::new(),
            spoken: false,
            scope: r.scope,
        }
    }
}

/// What [`Scanner::read_segments`] hands each segment to: the segment, the
/// worker's scratch, the file's stored bytes, and the page releaser.
pub type EachSegment<'e> = dyn FnMut(&Segment<'_>, &mut Scratch, &[u8], &mut dyn FnMut(usize)) + 'e;

/// Findings of one file, as segments are scanned.
#[derive(Default)]
struct Collected<'p> {
    /// From main segments (the stored bytes, or a container's texts).
    main: Vec<Finding>,
    /// From extra segments: kept only where they add something.
    extra: Vec<Finding>,
    suppressed: u64,
    /// Where parts go, if the caller takes them.
    part: Option<&'p mut dyn FnMut(Vec<Finding>)>,
}

impl Collected<'_> {
    /// Main findings, plus extras that overlap nothing found: sorted by
    /// position (file offsets first), without overlaps among file spans.
    fn finish(self) -> Vec<Finding> {
        let Collected { main, extra, .. } = self;
        // The usual case, one main segment of the stored bytes: the engine
        // already sorted it and resolved overlaps.
        if extra.is_empty()
            && main.iter().all(|f| f.file_offsets && f.pieces.is_empty())
            && main.windows(2).all(|w| w[0].end <= w[1].start)
        {
            return main;
        }
        let (mut file, mut inside): (Vec<Finding>, Vec<Finding>) = main.into_iter().partition(|f| f.file_offsets);
        let spans = |f: &Finding| -> Vec<(u64, u64)> {
            if f.pieces.is_empty() {
                vec![(f.start, f.end)]
            } else {
                f.pieces.clone()
            }
        };
        file.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
        let mut kept: Vec<Finding> = Vec::with_capacity(file.len());
        for f in file {
            if kept.last().is_some_and(|l| l.pieces.is_empty() && l.end > f.start) {
                continue;
            }
            kept.push(f);
        }
        let mut taken: Vec<(u64, u64)> = kept.iter().flat_map(spans).collect();
        taken.sort_unstable();
        let (mut ex_file, ex_inside): (Vec<Finding>, Vec<Finding>) = extra.into_iter().partition(|f| f.file_offsets);
        // A value read out in words wins over the words the main scan took
        // for something else ("allen dot sharon at ..." is an email, not a
        // name): main findings wholly inside a spoken one give way.
        ex_file.sort_by_key(|f| std::cmp::Reverse(f.spoken));
        for f in ex_file.iter().filter(|f| f.spoken) {
            let inside = |k: &Finding| k.pieces.is_empty() && k.start >= f.start && k.end <= f.end;
            let partial = kept.iter().any(|k| k.start < f.end && f.start < k.end && !inside(k));
            if !partial && kept.iter().any(inside) {
                kept.retain(|k| !inside(k));
                taken = kept.iter().flat_map(spans).collect();
                taken.sort_unstable();
            }
        }
        for f in ex_file {
            let clash = spans(&f).iter().any(|&(s, e)| {
                let i = taken.partition_point(|&(_, te)| te <= s);
                taken.get(i).is_some_and(|&(ts, _)| ts < e)
            });
            if !clash {
                for sp in spans(&f) {
                    let i = taken.partition_point(|&t| t < sp);
                    taken.insert(i, sp);
                }
                kept.push(f);
            }
        }
        kept.sort_by_key(|f| (f.start, f.end));
        inside.extend(ex_inside);
        kept.extend(inside);
        kept
    }
}

/// Counts a file out of [`Scanner::active`] however its scan ends.
struct Decrement<'a>(&'a AtomicUsize);

impl Drop for Decrement<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Line and column of file offsets, for findings of extra segments (the
/// engine counts lines in the segment it scans).
#[derive(Default)]
struct LineIndex {
    newlines: Option<Vec<usize>>,
}

impl LineIndex {
    /// 1-based (line, byte column) of `pos` in the file's `bytes` (always
    /// the same file's).
    fn line_col(&mut self, bytes: &[u8], pos: usize) -> (u64, u64) {
        let nl = self.newlines.get_or_insert_with(|| memchr::memchr_iter(b'\n', bytes).collect());
        let i = nl.partition_point(|&n| n < pos);
        let col = if i == 0 { pos + 1 } else { pos - nl[i - 1] };
        (i as u64 + 1, col as u64)
    }
}

/// Findings of files further ahead than the one being consumed that may
/// wait in memory as parts (about 200 bytes each: some 13 MB); as many again
/// of the file being consumed (see [`Scanner::run_with`]).
pub const PART_BUDGET: usize = 1 << 16;

/// How many findings a part carries.
pub const PART_SIZE: usize = 4096;

/// What [`Scanner::run_with`] needs to know of a per-file result to count
/// progress.
pub trait Progressed: Send {
    /// Bytes read.
    fn bytes(&self) -> u64;
    /// Findings or matches.
    fn hits(&self) -> usize;
    /// Whether this is a part sent ahead of the file's result.
    fn is_part(&self) -> bool {
        false
    }
}

impl Progressed for FileOutcome {
    fn bytes(&self) -> u64 {
        self.size
    }
    fn hits(&self) -> usize {
        self.findings.len()
    }
    fn is_part(&self) -> bool {
        self.partial
    }
}

fn io_reason(e: &std::io::Error) -> SkipReason {
    match e.kind() {
        std::io::ErrorKind::NotFound => SkipReason::Vanished,
        _ => SkipReason::Unreadable,
    }
}

/// The outcome of a file piiscan failed on (see [`SkipReason::InternalError`]).
/// The detail names no content: the panic's own message (printed once by
/// the panic hook) may quote internals, so it is not repeated per file.
fn internal_error(entry: &FileEntry) -> FileOutcome {
    FileOutcome {
        path: entry.path.clone(),
        store: entry.store.clone(),
        skipped: Some((
            SkipReason::InternalError,
            "internal error while scanning this file (a bug in piiscan: please report it); the run went on".into(),
        )),
        ..FileOutcome::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::detect::{Engine, EngineOptions};
    use crate::fingerprint::Key;
    use crate::rules::RuleSet;

    /// A slow writer holds back the worker of the file it is writing: that
    /// file's parts in flight stay within the budget (they were unbounded:
    /// a dense export scanned faster than its findings were written piled
    /// up in the channel), and nothing deadlocks with files ahead waiting.
    #[test]
    fn parts_in_flight_stay_bounded_with_a_slow_writer() {
        use std::sync::atomic::AtomicUsize;
        let rules = Arc::new(RuleSet::builtin().unwrap());
        let entries: Vec<FileEntry> = (0..3)
            .map(|k| FileEntry { path: PathBuf::from(format!("f{k}")), store: "s".into(), explicit: false, blob: None })
            .collect();
        let (sent, consumed, peak) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
        let cfg = ScanConfig {
            roots: Vec::new(),
            walk: crate::walk::WalkOptions::default(),
            max_filesize: u64::MAX,
            modified_before: None,
            threads: 2,
            mmap: false,
            keep_values: false,
            files: Some(entries),
        };
        let scanner = Scanner::new(Engine::new(rules, EngineOptions::default()), Key::from_secret("k"), cfg);
        let finding = || Finding {
            kind: crate::finding::Label::new("email"),
            rule: crate::finding::Label::new("email"),
            start: 0,
            end: 1,
            line: 1,
            column: 1,
            char_column: 1,
            test_data: false,
            score: 1.0,
            value: "".into(),
            masked: "*".into(),
            fingerprint: 0,
            location: None,
            file_offsets: true,
            pieces: Vec::new(),
            spoken: false,
            scope: None,
        };
        let mut files = 0;
        scanner
            .run_with(
                |e: &FileEntry, _: &mut Worker, part: &mut dyn FnMut(FileOutcome)| {
                    // 60 parts of PART_SIZE: 3.75 budgets per file.
                    for _ in 0..60 {
                        let findings = vec![finding(); PART_SIZE];
                        let now = sent.fetch_add(PART_SIZE, Ordering::SeqCst) + PART_SIZE;
                        peak.fetch_max(now - consumed.load(Ordering::SeqCst), Ordering::SeqCst);
                        part(FileOutcome { path: e.path.clone(), findings, partial: true, ..FileOutcome::default() });
                    }
                    FileOutcome { path: e.path.clone(), ..FileOutcome::default() }
                },
                |o| o,
                &mut |o: FileOutcome| {
                    if o.partial {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        consumed.fetch_add(o.findings.len(), Ordering::SeqCst);
                    } else {
                        files += 1;
                    }
                    Ok(())
                },
                &Progress::default(),
                &mut |_| {},
            )
            .unwrap();
        assert_eq!(files, 3);
        assert_eq!(consumed.load(Ordering::SeqCst), 3 * 60 * PART_SIZE);
        // Both budgets, plus the part each worker holds while it waits.
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak <= 2 * PART_BUDGET + 2 * PART_SIZE, "{peak} findings in flight");
    }

    /// A file that makes the scanner panic is reported as an internal
    /// error, in its place, and the run goes on: with two workers, one
    /// unwound worker used to leave the writer waiting for that file for
    /// ever (found by `tests/robustness.rs` on a damaged transcript).
    #[test]
    fn a_panic_on_one_file_is_counted_and_the_run_goes_on() {
        let rules = Arc::new(RuleSet::builtin().unwrap());
        let entries: Vec<FileEntry> = (0..200)
            .map(|k| FileEntry {
                path: PathBuf::from(format!("f{k:03}")),
                store: "s".into(),
                explicit: false,
                blob: Some(Arc::from(&b"x"[..])),
            })
            .collect();
        for threads in [1, 2] {
            let cfg = ScanConfig {
                roots: Vec::new(),
                walk: crate::walk::WalkOptions::default(),
                max_filesize: u64::MAX,
                modified_before: None,
                threads,
                mmap: false,
                keep_values: false,
                files: Some(entries.clone()),
            };
            let engine = Engine::new(rules.clone(), EngineOptions::default());
            let scanner = Scanner::new(engine, Key::from_secret("k"), cfg);
            let mut seen = Vec::new();
            scanner
                .run_with(
                    |e: &FileEntry, _: &mut Worker, _: &mut dyn FnMut(FileOutcome)| {
                        let k: usize = e.path.to_str().unwrap()[1..].parse().unwrap();
                        assert!(k % 50 != 7, "a bug");
                        FileOutcome { path: e.path.clone(), ..FileOutcome::default() }
                    },
                    |o| o,
                    &mut |o: FileOutcome| {
                        seen.push((o.path, o.skipped.map(|s| s.0)));
                        Ok(())
                    },
                    &Progress::default(),
                    &mut |_| {},
                )
                .unwrap();
            assert_eq!(seen.len(), 200, "{threads} thread(s)");
            for (k, (p, why)) in seen.iter().enumerate() {
                assert_eq!(p, &PathBuf::from(format!("f{k:03}")));
                assert_eq!(*why, (k % 50 == 7).then_some(SkipReason::InternalError), "f{k:03}");
            }
        }
    }
}
