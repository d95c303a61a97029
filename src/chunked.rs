//! One big text on every core: a segment of [`CHUNKED_MIN`] bytes or more
//! (a log, an export) is cut at line ends into chunks that are scanned in
//! parallel and merged in order, with the same findings as one pass.
//!
//! ripgrep searches one file on one thread; a 100 MiB export would leave
//! the other cores idle. Each chunk is scanned with [`OVERLAP`] bytes of the
//! text before and after it, so every context window (a cue 40 bytes back,
//! a CSV line start up to 64 KiB back, a conversation's recent labels) sees
//! what it sees in one pass; a chunk keeps the findings that start inside
//! it. That a window is long enough is checked, not assumed: at each seam,
//! the findings both neighbours report in the middle of their overlap must
//! agree (the earlier chunk has all the history there, the later one has
//! warmed up). Where they do not, the later chunk is scanned again from the
//! earlier one's start, so its history is as long as that chunk's own.
//!
//! The chunks' findings go out in order through the same callback as a
//! one-pass scan's batches. The chunk threads are scoped threads of their
//! own, not tasks of the file pool: a file worker waits for its chunks, and
//! a pool task could otherwise steal another file's loop and wait on it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use crate::detect::{Engine, FieldContext, RawFinding, Scratch};

/// Segments from this size on are scanned in chunks.
pub const CHUNKED_MIN: usize = 8 << 20;

/// Bytes per chunk (cut at the next line end).
const CHUNK: usize = 2 << 20;

/// Context on each side of a chunk. Longer than any window the detectors
/// look through (CSV line starts are searched 64 KiB back).
pub const OVERLAP: usize = 96 << 10;

/// Findings handed over at a time.
const EMIT_BATCH: usize = 1024;

/// The region checked at each seam: this far on each side of the cut.
const SEAM: usize = OVERLAP / 2;

/// How a chunked scan went (for tests and the equivalence check).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChunkStats {
    /// Chunks scanned.
    pub chunks: usize,
    /// Seams where the neighbours disagreed and the later chunk was scanned
    /// again with more history.
    pub rescans: usize,
}

/// One chunk: it owns findings starting in `lo..hi`, and is scanned over
/// `a..b` (the chunk with its overlap, at line boundaries).
#[derive(Debug, Clone, Copy)]
struct Chunk {
    lo: usize,
    hi: usize,
    a: usize,
    b: usize,
}

/// Cut `hay` into chunks of about `size` bytes at line ends; `None` when it
/// would be one chunk.
fn chunks(hay: &[u8], size: usize) -> Option<Vec<Chunk>> {
    let n = hay.len();
    let mut cuts = vec![0];
    let mut at = 0;
    while n - at > size + size / 2 {
        let target = at + size;
        match memchr::memchr(b'\n', &hay[target..]) {
            Some(p) if target + p + 1 < n => {
                at = target + p + 1;
                cuts.push(at);
            }
            _ => break,
        }
    }
    cuts.push(n);
    if cuts.len() < 3 {
        return None;
    }
    let line_start = |x: usize| memchr::memrchr(b'\n', &hay[..x]).map_or(0, |p| p + 1);
    let line_end = |x: usize| memchr::memchr(b'\n', &hay[x..]).map_or(n, |p| x + p + 1);
    Some(
        cuts.windows(2)
            .map(|w| {
                let (lo, hi) = (w[0], w[1]);
                let a = if lo == 0 { 0 } else { line_start(lo.saturating_sub(OVERLAP)) };
                let b = if hi >= n { n } else { line_end((hi + OVERLAP).min(n)) };
                Chunk { lo, hi, a, b }
            })
            .collect(),
    )
}

/// The field context of `hay[a..]`: a CSV body starts `a` bytes earlier.
fn shifted(field: &FieldContext, a: usize) -> FieldContext {
    match field {
        FieldContext::None => FieldContext::None,
        FieldContext::Csv { delim, headers, body_start } => {
            FieldContext::Csv { delim: *delim, headers: headers.clone(), body_start: body_start.saturating_sub(a) }
        }
    }
}

/// Every finding of `hay[a..b]`, in `hay`'s offsets; lines are counted
/// from `a` (see [`add_lines`]).
fn scan_range(
    engine: &Engine,
    scratch: &mut Scratch,
    hay: &[u8],
    field: &FieldContext,
    a: usize,
    b: usize,
) -> Vec<RawFinding> {
    let field = shifted(field, a);
    let mut out = Vec::new();
    engine.scan_batches(scratch, &hay[a..b], &field, &mut |raw| out.append(raw), &mut |_| {});
    for f in &mut out {
        f.start += a;
        f.end += a;
        for p in &mut f.pieces {
            p.0 += a;
            p.1 += a;
        }
    }
    out
}

/// Move findings scanned from a line start down by the `lines` before it
/// (columns stand). The chunk threads do not count them: counting from the
/// start of the text would page all of it in again for every chunk.
fn add_lines(found: &mut [RawFinding], lines: u64) {
    for f in found {
        f.line += lines;
    }
}

/// Line breaks in `b`.
fn breaks(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// How a big text is cut and scanned.
#[derive(Debug, Clone, Copy)]
pub struct Chunking {
    /// Threads scanning chunks (one: no chunking).
    pub threads: usize,
    /// Their stack size.
    pub stack: usize,
    /// Texts smaller than this are scanned in one pass.
    pub min: usize,
    /// Bytes per chunk (cut at the next line end).
    pub chunk: usize,
}

impl Chunking {
    /// The sizes of a real run: texts from [`CHUNKED_MIN`], chunks of 2 MiB.
    pub fn new(threads: usize, stack: usize) -> Chunking {
        Chunking { threads, stack, min: CHUNKED_MIN, chunk: CHUNK }
    }
}

/// Scan `hay` in chunks, handing the findings to `emit` in order (as
/// [`Engine::scan_batches`] does); `release(p)` is told when everything
/// before `p` is done. `None` when the text is not worth cutting (too
/// small, one thread, too few lines): scan it in one pass.
///
/// `threads` scoped threads take chunks in turn and send each one's
/// findings back; this thread puts them in order, checks each seam and
/// emits, while the others go on scanning. No chunk is started more than
/// `threads` chunks ahead of the one being emitted, so a few chunks'
/// findings and pages are held at most, however uneven the chunks.
pub fn scan(
    engine: &Engine,
    scratch: &mut Scratch,
    hay: &[u8],
    field: &FieldContext,
    how: Chunking,
    emit: &mut dyn FnMut(&mut Vec<RawFinding>),
    release: &mut dyn FnMut(usize),
) -> Option<ChunkStats> {
    let Chunking { threads, stack, min, chunk } = how;
    if threads < 2 || hay.len() < min {
        return None;
    }
    let chunks = chunks(hay, chunk.max(1))?;
    let mut stats = ChunkStats { chunks: chunks.len(), rescans: 0 };
    let next = AtomicUsize::new(0);
    // Chunks emitted so far.
    let emitted = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<RawFinding>)>(1);
    std::thread::scope(|s| {
        let (chunks, next, emitted) = (&chunks, &next, &emitted);
        let mut spawned = 0;
        for _ in 0..threads {
            let tx = tx.clone();
            let helper = move || {
                let mut scratch = engine.scratch();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = chunks.get(k) else { break };
                    // No further ahead of the chunk being emitted than one
                    // chunk per thread: a slow chunk must not let the others
                    // pile up behind it (their findings and their pages).
                    {
                        let (lock, cv) = emitted;
                        let mut done = lock.lock().unwrap_or_else(|p| p.into_inner());
                        while k > *done + threads {
                            done = cv.wait(done).unwrap_or_else(|p| p.into_inner());
                        }
                    }
                    if tx.send((k, scan_range(engine, &mut scratch, hay, field, c.a, c.b))).is_err() {
                        break;
                    }
                }
            };
            spawned += usize::from(std::thread::Builder::new().stack_size(stack).spawn_scoped(s, helper).is_ok());
        }
        drop(tx);
        let mut pending: BTreeMap<usize, Vec<RawFinding>> = BTreeMap::new();
        // The previous chunk: its own findings past its end, for the seam
        // check, and the line breaks before its start.
        let mut prev: Option<(Chunk, Vec<RawFinding>, u64)> = None;
        // Line breaks before the current chunk's `lo`, counted as it goes.
        let mut before_lo = 0u64;
        let mut rx = rx.into_iter();
        for (k, &c) in chunks.iter().enumerate() {
            // Wait for chunk `k`; with no helper left (none could start, or
            // one panicked), scan it here.
            let mut mine = loop {
                if let Some(v) = pending.remove(&k) {
                    break v;
                }
                match (spawned > 0).then(|| rx.next()).flatten() {
                    Some((j, v)) => {
                        pending.insert(j, v);
                    }
                    None => break scan_range(engine, scratch, hay, field, c.a, c.b),
                }
            };
            let before_a = before_lo - breaks(&hay[c.a..c.lo]);
            add_lines(&mut mine, before_a);
            if let Some((p, theirs, before_p)) = &prev {
                let region = |f: &&RawFinding| f.start + SEAM >= c.lo && f.start < c.lo + SEAM;
                if !theirs.iter().filter(region).eq(mine.iter().filter(region)) {
                    stats.rescans += 1;
                    mine = scan_range(engine, scratch, hay, field, p.a, c.b);
                    add_lines(&mut mine, *before_p);
                }
            }
            // The tail the next seam is checked on (it overlaps this
            // chunk's own findings), then this chunk's own.
            let tail: Vec<RawFinding> = mine.iter().filter(|f| f.start + SEAM >= c.hi).cloned().collect();
            mine.retain(|f| f.start >= c.lo && f.start < c.hi);
            // In batches like the engine's, so what is made of them
            // downstream (findings, parts of the report) stays small too.
            let mut batch = Vec::with_capacity(EMIT_BATCH);
            let mut rest = mine.into_iter();
            loop {
                batch.extend(rest.by_ref().take(EMIT_BATCH));
                if batch.is_empty() {
                    break;
                }
                emit(&mut batch);
                batch.clear();
            }
            release(c.hi);
            *emitted.0.lock().unwrap_or_else(|p| p.into_inner()) = k + 1;
            emitted.1.notify_all();
            prev = Some((c, tail, before_a));
            before_lo += breaks(&hay[c.lo..c.hi]);
        }
    });
    Some(stats)
}
