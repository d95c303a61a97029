//! Writing a run into the database: a [`Sink`] like any reporter.
//!
//! Crash safety: rows are written in transactions that end only between
//! files (a file's row, its problems and all its findings commit together,
//! even when its findings arrived in parts), at most every
//! [`COMMIT_FILES`] files or [`COMMIT_EVERY`]. A run killed at any point
//! leaves every file either as the last complete run left it or as this
//! run read it; the run's row says `running` until it ends, and files are
//! marked gone only at the end of a complete run. Running it again reads
//! what was not committed and carries over what was.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::params;

use super::{file_id, finding_id, nanos, Database};
use crate::error::Result;
use crate::inventory::{rfc3339, Inventory};
use crate::outcome::FileOutcome;
use crate::report::Sink;
use crate::walk::Shard;

/// Files per transaction, at most (`PIISCAN_DB_BATCH` sets another).
const COMMIT_FILES: usize = 1000;
/// Time per transaction, at most.
const COMMIT_EVERY: Duration = Duration::from_millis(500);

/// What a run is, as its row records it.
#[derive(Debug, Clone)]
pub struct RunStart {
    /// The ruleset fingerprint.
    pub ruleset: String,
    /// The fingerprint key's public id.
    pub key_id: String,
    /// The command line, with any key removed.
    pub args: Vec<String>,
    /// The roots walked.
    pub roots: Vec<PathBuf>,
    /// The shard, if any.
    pub shard: Option<Shard>,
    /// When planning started (see [`super::Plan::started`]).
    pub started: SystemTime,
    /// The walk was narrowed on the command line (`-g`, `--max-depth`):
    /// files it did not reach are not marked gone.
    pub narrowed: bool,
    /// Roots under which the walk found nothing: not marked gone either.
    pub empty_roots: Vec<PathBuf>,
    /// Files named on the command line.
    pub explicit: HashSet<PathBuf>,
}

/// Records a run: a sink for the files read, plus the files carried over.
pub struct Recorder {
    db: Database,
    run: String,
    start: RunStart,
    hashes: HashMap<PathBuf, String>,
    /// The file whose findings are being written (parts came first).
    current: Option<i64>,
    /// Ids given to the current file's findings, for the rare duplicates.
    ids: HashSet<i64>,
    /// Findings of the current file written so far (their `seq`).
    seq: i64,
    in_batch: usize,
    batch_files: usize,
    batch_started: Instant,
    read: u64,
    unchanged: u64,
    /// Paths that could not be read or listed (a folder the walk could not
    /// enter): nothing under them is marked gone.
    failed: Vec<PathBuf>,
}

impl Recorder {
    /// Begin a run: its row (`running`), and the files unchanged since
    /// the last run marked as seen by it.
    pub fn begin(
        db: Database,
        start: RunStart,
        unchanged: &[(i64, String)],
        hashes: HashMap<PathBuf, String>,
    ) -> Result<Recorder> {
        let started = nanos(start.started);
        let run = {
            let args = start.args.join("\0");
            let id = super::content_id(&[
                b"run",
                &started.to_be_bytes(),
                args.as_bytes(),
                &std::process::id().to_be_bytes(),
            ]);
            format!("{:016x}", id as u64)
        };
        let e = |e| db.error(e);
        // IMMEDIATE: take the write lock at once (a deferred transaction
        // that reads first cannot wait for it: SQLite answers busy at once).
        db.conn().execute_batch("BEGIN IMMEDIATE").map_err(e)?;
        db.conn()
            .execute(
                "INSERT INTO runs (id, started, status, version, ruleset, key_id, args, roots, shard)
                 VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    run,
                    rfc3339(start.started),
                    env!("CARGO_PKG_VERSION"),
                    start.ruleset,
                    start.key_id,
                    serde_json::to_string(&start.args).unwrap_or_default(),
                    serde_json::to_string(&start.roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>())
                        .unwrap_or_default(),
                    start.shard.map(|s| format!("{}/{}", s.k, s.n)),
                ],
            )
            .map_err(e)?;
        {
            let mut seen =
                db.conn().prepare_cached("UPDATE files SET seen_run = ?1, store = ?3 WHERE id = ?2").map_err(e)?;
            for (id, store) in unchanged {
                seen.execute(params![run, id, store]).map_err(e)?;
            }
        }
        db.conn().execute_batch("COMMIT; BEGIN IMMEDIATE").map_err(e)?;
        Ok(Recorder {
            db,
            run,
            start,
            hashes,
            current: None,
            ids: HashSet::new(),
            seq: 0,
            in_batch: 0,
            batch_files: std::env::var("PIISCAN_DB_BATCH")
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .unwrap_or(COMMIT_FILES),
            batch_started: Instant::now(),
            read: 0,
            unchanged: unchanged.len() as u64,
            failed: Vec::new(),
        })
    }

    /// The run's id.
    pub fn run_id(&self) -> &str {
        &self.run
    }

    fn write(&mut self, o: &FileOutcome) -> rusqlite::Result<()> {
        let path = o.path.display().to_string();
        let id = file_id(&o.path);
        let conn = self.db.conn();
        if self.current != Some(id) {
            // The first of this file's parts (or its only outcome): what an
            // earlier run found in it goes, in the same transaction.
            clear_file(conn, id)?;
            self.current = Some(id);
            self.ids.clear();
            self.seq = 0;
        }
        let mut insert = conn.prepare_cached(
            "INSERT INTO findings (file_id, seq, id, kind, rule, start, end, line, col, char_col, score, masked,
                 fingerprint, test_data, location, in_extracted_text, pieces, spoken, scope)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        )?;
        for f in &o.findings {
            let mut nth = 0;
            let mut fid = finding_id(id, f, nth);
            while !self.ids.insert(fid) {
                nth += 1;
                fid = finding_id(id, f, nth);
            }
            let pieces = (!f.pieces.is_empty()).then(|| serde_json::to_string(&f.pieces).unwrap_or_default());
            insert.execute(params![
                id,
                self.seq,
                fid,
                f.kind.as_str(),
                f.rule.as_str(),
                f.start as i64,
                f.end as i64,
                f.line as i64,
                f.column as i64,
                f.char_column as i64,
                crate::report::reported_score(f),
                &*f.masked,
                f.fingerprint as i64,
                f.test_data,
                f.location.as_ref().map(|l| l.json()),
                !f.file_offsets,
                pieces,
                f.spoken,
                f.scope,
            ])?;
            self.seq += 1;
        }
        if o.partial {
            return Ok(());
        }
        let (bucket, reason, detail) = match &o.skipped {
            None => ("scanned", None, None),
            Some((r, d)) => (if r.failed() { "failed" } else { "skipped" }, Some(r.code()), Some(d.as_str())),
        };
        if o.skipped.as_ref().is_some_and(|(r, _)| r.failed()) {
            self.failed.push(o.path.clone());
        }
        conn.prepare_cached(
            "INSERT OR REPLACE INTO files (id, path, explicit, store, size, mtime_ns, content_hash, bucket, reason,
                 detail, format, encoding, findings, suppressed, ruleset, read_at_ns, read_run, seen_run, gone_run)
             VALUES (?1, ?2, ?16, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                 (SELECT count(*) FROM findings WHERE file_id = ?1), ?12, ?13, ?14, ?15, ?15, NULL)",
        )?
        .execute(params![
            id,
            path,
            o.store,
            o.size as i64,
            o.modified.map(nanos),
            self.hashes.get(&o.path),
            bucket,
            reason,
            detail,
            o.format,
            o.encoding,
            o.suppressed as i64,
            self.start.ruleset,
            nanos(self.start.started),
            self.run,
            self.start.explicit.contains(&o.path),
        ])?;
        let mut problem =
            conn.prepare_cached("INSERT INTO problems (file_id, member, reason, detail) VALUES (?1, ?2, ?3, ?4)")?;
        for p in &o.problems {
            problem.execute(params![id, p.member, p.reason.code(), p.detail])?;
        }
        self.current = None;
        self.read += 1;
        self.in_batch += 1;
        if self.in_batch >= self.batch_files || self.batch_started.elapsed() >= COMMIT_EVERY {
            conn.execute_batch("COMMIT; BEGIN IMMEDIATE")?;
            self.in_batch = 0;
            self.batch_started = Instant::now();
        }
        Ok(())
    }

    /// End the run. A `complete` run marks the files it should have seen
    /// (under its roots, in its shard) but did not as gone, and drops
    /// their findings; an interrupted one leaves them, and says so in its
    /// row. Nothing is marked gone by a walk narrowed on the command line,
    /// under a root where the walk found nothing (a share not mounted), or
    /// under a path that could not be read or listed. Returns (files read,
    /// unchanged, gone).
    pub fn finish_run(self, complete: bool) -> Result<(u64, u64, u64)> {
        let db = &self.db;
        let e = |e| db.error(e);
        let mut gone = 0u64;
        if complete && !self.start.narrowed {
            let candidates: Vec<(i64, String)> = {
                let mut q = db
                    .conn()
                    .prepare("SELECT id, path FROM files WHERE gone_run IS NULL AND seen_run != ?1")
                    .map_err(e)?;
                let rows = q.query_map([&self.run], |r| Ok((r.get(0)?, r.get(1)?))).map_err(e)?;
                rows.collect::<rusqlite::Result<_>>().map_err(e)?
            };
            let mut mark =
                db.conn().prepare("UPDATE files SET gone_run = ?1, findings = 0 WHERE id = ?2").map_err(e)?;
            for (id, path) in candidates {
                let p = Path::new(&path);
                let roots = &self.start.roots;
                let ours = crate::walk::root_index(roots, p).is_some_and(|i| {
                    self.start.shard.is_none_or(|s| s.holds(&roots[i], p))
                        && !self.start.empty_roots.contains(&roots[i])
                }) && !self.failed.iter().any(|f| p.starts_with(f));
                if ours {
                    mark.execute(params![self.run, id]).map_err(e)?;
                    clear_file(db.conn(), id).map_err(e)?;
                    gone += 1;
                }
            }
        }
        db.conn()
            .execute(
                "UPDATE runs SET finished = ?2, status = ?3, files_read = ?4, files_unchanged = ?5, files_gone = ?6
                 WHERE id = ?1",
                params![
                    self.run,
                    rfc3339(SystemTime::now()),
                    if complete { "complete" } else { "interrupted" },
                    self.read as i64,
                    self.unchanged as i64,
                    gone as i64
                ],
            )
            .map_err(e)?;
        db.conn().execute_batch("COMMIT").map_err(e)?;
        Ok((self.read, self.unchanged, gone))
    }
}

impl Sink for Recorder {
    fn file(&mut self, o: &FileOutcome) -> std::io::Result<()> {
        self.write(o).map_err(|e| std::io::Error::other(self.db.error(e)))
    }

    fn finish(&mut self, _inventory: &Inventory) -> std::io::Result<()> {
        // Everything read is committed here; the run's row is closed by
        // `finish_run`, which knows whether the run was complete.
        let conn = self.db.conn();
        conn.execute_batch("COMMIT; BEGIN IMMEDIATE").map_err(|e| std::io::Error::other(self.db.error(e)))
    }
}

/// Drop what a file's row holds: its findings and its problems.
fn clear_file(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM findings WHERE file_id = ?1")?.execute([id])?;
    conn.prepare_cached("DELETE FROM problems WHERE file_id = ?1")?.execute([id])?;
    Ok(())
}
