//! The inventory database (`scan --db inventory.db`): what every run found,
//! kept, so that a weekly rescan reads only what changed, shards scanned on
//! many machines combine into one inventory, and a report can be opened
//! without scanning again.
//!
//! SQLite through `rusqlite` with SQLite compiled in (the `bundled`
//! feature): nothing to install, one file to copy. Nosey Parker keeps its
//! datastore the same way.
//!
//! What is stored, and what never is:
//! - `runs`: when, which version, the ruleset fingerprint
//!   ([`ruleset_fingerprint`]), the arguments with any key removed, the
//!   key's public id (never the key), the roots and the shard.
//! - `files`: path, data store, size, modification time, a content hash
//!   where the time cannot be trusted ([`plan`]), the bucket (scanned,
//!   skipped, failed) with its reason, format and encoding, the ruleset it
//!   was read with, and which run read it, saw it and found it gone.
//! - `problems`: members of a container that could not be read.
//! - `findings`: the JSONL fields with the **masked value and the keyed
//!   fingerprint only**: a raw value is never written, whatever the flags.
//! - `store_summary` (a view, so it is never out of date): per store and
//!   kind, findings, distinct values and files.
//!
//! Ids are derived from content ([`file_id`], [`finding_id`]): the same
//! finding from two runs, or from two shards merged, is one row. Findings
//! are stored clustered by file, in the file's order (`(file_id, seq)` is
//! the key of a table without row ids), so a file's findings are appended
//! in sequence and dropped as one range: with the random content id as
//! the key, a dense tree's millions of findings were inserted at random
//! places of the table, and the first scan with `--db` took 8 times as long
//! as one without (141 s against 17 s on the 1 GiB tree). `fingerprint` is
//! the keyed fingerprint as an integer (its 16 hex digits in reports).
//!
//! The schema is versioned with SQLite's own `user_version` and marked as
//! piiscan's with `application_id`; [`Database::open`] upgrades an older
//! database step by step ([`MIGRATIONS`]) in a transaction, and refuses a
//! newer one or a file that is not piiscan's, by name, rather than misread it.

pub mod merge;
pub mod plan;
mod record;
pub mod summary;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

pub use plan::{plan, Plan};
pub use record::{Recorder, RunStart};

use crate::error::{Error, Result};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// `PRAGMA application_id` of a piiscan database ("PIIS").
const APPLICATION_ID: i64 = 0x5049_4953;

/// The schema, one step per version: `MIGRATIONS[v]` takes a database at
/// version `v` to `v + 1`. A step is never edited once released; a change
/// is a new step.
pub const MIGRATIONS: [&str; 2] = [
    // 1: runs, files, problems, findings.
    "CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL,
        version TEXT NOT NULL,
        ruleset TEXT NOT NULL,
        key_id TEXT NOT NULL,
        args TEXT NOT NULL,
        roots TEXT NOT NULL,
        shard TEXT,
        files_read INTEGER,
        files_unchanged INTEGER,
        files_gone INTEGER
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        explicit INTEGER NOT NULL,
        store TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER,
        content_hash TEXT,
        bucket TEXT NOT NULL,
        reason TEXT,
        detail TEXT,
        format TEXT NOT NULL,
        encoding TEXT NOT NULL,
        findings INTEGER NOT NULL,
        suppressed INTEGER NOT NULL,
        ruleset TEXT NOT NULL,
        read_at_ns INTEGER NOT NULL,
        read_run TEXT NOT NULL,
        seen_run TEXT NOT NULL,
        gone_run TEXT
    );
    CREATE TABLE problems (
        file_id INTEGER NOT NULL,
        member TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX problems_file ON problems(file_id);
    CREATE TABLE findings (
        file_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        rule TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        line INTEGER NOT NULL,
        col INTEGER NOT NULL,
        char_col INTEGER NOT NULL,
        score REAL NOT NULL,
        masked TEXT NOT NULL,
        fingerprint INTEGER NOT NULL,
        test_data INTEGER NOT NULL,
        location TEXT,
        in_extracted_text INTEGER NOT NULL,
        pieces TEXT,
        spoken INTEGER NOT NULL,
        scope TEXT,
        PRIMARY KEY (file_id, seq)
    ) WITHOUT ROWID;",
    // 2: per-store summaries, always current (a view), and the index they use.
    "CREATE INDEX files_store ON files(store);
    CREATE VIEW store_summary AS
        SELECT f.store AS store, x.kind AS kind, count(*) AS findings,
               count(DISTINCT x.fingerprint) AS distinct_values,
               count(DISTINCT x.file_id) AS files,
               sum(x.test_data) AS test_data
        FROM findings x JOIN files f ON f.id = x.file_id
        WHERE f.gone_run IS NULL
        GROUP BY f.store, x.kind;",
];

/// An open inventory database.
#[derive(Debug)]
pub struct Database {
    conn: Connection,
    path: PathBuf,
}

impl Database {
    /// Open `path`, creating it if it does not exist and upgrading an
    /// older schema. Refuses a newer schema and a file that is not a
    /// piiscan database.
    pub fn open(path: &Path) -> Result<Database> {
        let conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        let mut db = Database { conn, path: path.to_path_buf() };
        db.prepare()?;
        Ok(db)
    }

    /// Open an existing database (for `report` and `merge`'s inputs): a
    /// missing file is an error, not a new empty inventory.
    pub fn open_existing(path: &Path) -> Result<Database> {
        if !path.is_file() {
            return Err(Error::Database { path: path.to_path_buf(), problem: "no such database".into() });
        }
        Database::open(path)
    }

    fn prepare(&mut self) -> Result<()> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| db_error(&path, e);
        self.conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(err)?;
        // A rollback journal with full syncs: each committed batch survives
        // a crash or a kill, and (unlike WAL) it works on the network file
        // systems shards often write to.
        // A page cache of 32 MiB: a batch of a dense export's findings is
        // written without spilling pages to the file mid-transaction.
        self.conn
            .execute_batch("PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA cache_size = -32768;")
            .map_err(err)?;
        let app: i64 = self.conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(err)?;
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
        let tables: i64 = self.conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).map_err(err)?;
        let refuse = |problem: String| Err(Error::Database { path: path.clone(), problem });
        if app == 0 && version == 0 && tables > 0 {
            return refuse("not a piiscan database (it has tables of another program)".into());
        }
        if app != 0 && app != APPLICATION_ID {
            return refuse(format!("not a piiscan database (application id {app:#x})"));
        }
        if version > SCHEMA_VERSION {
            return refuse(format!(
                "written by a newer piiscan (schema {version}; this build reads up to {SCHEMA_VERSION}): \
                 not opened, so as not to misread it"
            ));
        }
        for (v, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(err)?;
            tx.execute_batch(step).map_err(err)?;
            tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};", v + 1))
                .map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.error(e))
    }

    /// The connection, for queries of the modules of this one.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The path it was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn error(&self, e: rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }
}

pub(crate) fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Database { path: path.to_path_buf(), problem: e.to_string() }
}

/// Refuse a run that would make the inventory wrong:
/// - a root already in the database under another spelling (`data`,
///   `./data`, `/abs/data` are one folder; stored under each, every file
///   would be counted once per spelling, and no run would mark the other
///   spellings' files gone);
/// - a key other than the one the database's present files were read
///   with (fingerprints of two keys cannot be compared: people could not
///   be counted).
pub fn check_run(db: &Database, roots: &[PathBuf], key_id: &str) -> Result<()> {
    let e = |e| db.error(e);
    let refuse = |problem: String| Err(Error::Database { path: db.path.clone(), problem });
    let keys: Vec<String> = {
        let mut q = db
            .conn
            .prepare("SELECT DISTINCT key_id FROM runs WHERE id IN (SELECT read_run FROM files WHERE gone_run IS NULL)")
            .map_err(e)?;
        let rows = q.query_map([], |r| r.get(0)).map_err(e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)?
    };
    if let Some(other) = keys.iter().find(|k| *k != key_id) {
        return refuse(format!(
            "its files were read with key {other}, this run's key is {key_id}: use the same key, or another \
             database (a key's fingerprints cannot be compared with another's)"
        ));
    }
    let stored: std::collections::BTreeSet<String> = {
        let mut q = db.conn.prepare("SELECT DISTINCT roots FROM runs").map_err(e)?;
        let rows = q.query_map([], |r| r.get::<_, String>(0)).map_err(e)?;
        let mut all = std::collections::BTreeSet::new();
        for json in rows {
            all.extend(serde_json::from_str::<Vec<String>>(&json.map_err(e)?).unwrap_or_default());
        }
        all
    };
    for root in roots {
        let Ok(canonical) = root.canonicalize() else { continue };
        let given = root.display().to_string();
        if let Some(other) =
            stored.iter().find(|s| **s != given && Path::new(s.as_str()).canonicalize().is_ok_and(|c| c == canonical))
        {
            return refuse(format!(
                "it holds this folder as `{other}`: scan it as `{other}` (from the same folder), so that its files \
                 are not counted twice"
            ));
        }
    }
    Ok(())
}

/// The first 8 bytes of SHA-256 over `parts`, each followed by a NUL, as a
/// signed 64-bit row id.
fn content_id(parts: &[&[u8]]) -> i64 {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0]);
    }
    i64::from_be_bytes(h.finalize()[..8].try_into().expect("8 bytes"))
}

/// A file's row id: derived from its path as reported, byte for byte (the
/// `path` column is text for people, and two names that are not UTF-8 can
/// read the same).
pub fn file_id(path: &Path) -> i64 {
    content_id(&[b"file", path.as_os_str().as_encoded_bytes()])
}

/// A finding's row id: derived from its file, kind, rule, span, structural
/// location and keyed fingerprint, and `nth` (how many findings of the file
/// had the same id before it: 0 almost always).
pub fn finding_id(file: i64, f: &crate::Finding, nth: u32) -> i64 {
    let loc = f.location.as_ref().map_or("", |l| l.json());
    content_id(&[
        b"finding",
        &file.to_be_bytes(),
        f.kind.as_bytes(),
        f.rule.as_bytes(),
        &f.start.to_be_bytes(),
        &f.end.to_be_bytes(),
        loc.as_bytes(),
        &f.fingerprint.to_be_bytes(),
        &nth.to_be_bytes(),
    ])
}

/// The fingerprint of everything that decides a file's findings: the
/// caller passes each setting as a named part (the build, the pattern
/// files, kinds, minimum score, allow-list, baseline, key id, size limit).
/// A file read under another fingerprint is read again.
pub fn ruleset_fingerprint(parts: &[(&str, &[u8])]) -> String {
    let mut h = Sha256::new();
    for (name, value) in parts {
        h.update(name.as_bytes());
        h.update([0]);
        h.update((value.len() as u64).to_be_bytes());
        h.update(value);
    }
    h.finalize()[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Nanoseconds since the epoch (negative before it), as stored.
pub(crate) fn nanos(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_schema_is_upgraded_and_a_newer_or_foreign_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        // A database as version 1 wrote it.
        let old = dir.path().join("v1.db");
        {
            let c = Connection::open(&old).unwrap();
            c.execute_batch(MIGRATIONS[0]).unwrap();
            c.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;")).unwrap();
        }
        let db = Database::open(&old).unwrap();
        assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
        let n: i64 = db.conn().query_row("SELECT count(*) FROM store_summary", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "the view added by step 2 exists");
        drop(db);
        // A newer one.
        let newer = dir.path().join("v99.db");
        Connection::open(&newer)
            .unwrap()
            .execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 99;"))
            .unwrap();
        let e = Database::open(&newer).unwrap_err().to_string();
        assert!(e.contains("newer piiscan") && e.contains("schema 99"), "{e}");
        // Another program's.
        let other = dir.path().join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x);").unwrap();
        let e = Database::open(&other).unwrap_err().to_string();
        assert!(e.contains("not a piiscan database"), "{e}");
        // Not there, where one must be.
        assert!(Database::open_existing(&dir.path().join("none.db")).is_err());
    }

    #[test]
    fn ids_depend_on_content_only() {
        assert_eq!(file_id(Path::new("a/b.csv")), file_id(Path::new("a/b.csv")));
        assert_ne!(file_id(Path::new("a/b.csv")), file_id(Path::new("a/c.csv")));
        let a = ruleset_fingerprint(&[("x", b"1"), ("y", b"2")]);
        assert_eq!(a, ruleset_fingerprint(&[("x", b"1"), ("y", b"2")]));
        assert_ne!(a, ruleset_fingerprint(&[("x", b"12"), ("y", b"")]), "parts are delimited");
    }
}
