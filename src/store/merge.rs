//! `piiscan merge OUT.db SHARD.db...`: shards scanned apart become one
//! inventory.
//!
//! Per file, the newer reading wins (the later read time; on a tie, the
//! shard being merged, so merging the same shard again changes nothing):
//! its row, problems and findings replace the inventory's in one
//! transaction per shard. Runs are copied by id. Databases whose
//! fingerprints were made with different keys are refused: their
//! fingerprints cannot be compared, so people could not be counted.

use std::path::Path;

use super::Database;
use crate::error::{Error, Result};

/// What a merge did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MergeStats {
    /// Files taken from the shards.
    pub files: u64,
    /// Findings of those files.
    pub findings: u64,
    /// Files kept from the shards that were read under another ruleset
    /// than the inventory's other files.
    pub other_ruleset: u64,
}

/// Merge each database of `inputs` into `out`.
pub fn merge(out: &Database, inputs: &[&Path]) -> Result<MergeStats> {
    let mut stats = MergeStats::default();
    for input in inputs {
        if input.canonicalize().ok() == out.path().canonicalize().ok() {
            return Err(Error::Database { path: input.to_path_buf(), problem: "is the database merged into".into() });
        }
        // Opened once on its own: checked and, if older, upgraded.
        drop(Database::open_existing(input)?);
        let c = out.conn();
        let e = |e| super::db_error(input, e);
        c.execute("ATTACH DATABASE ?1 AS shard", [input.display().to_string()]).map_err(e)?;
        let result = (|| -> rusqlite::Result<Result<MergeStats>> {
            let keys = |db: &str| -> rusqlite::Result<Vec<String>> {
                // The keys of what is held now (the runs that read the
                // files present), not of every run in the history.
                let mut q = c.prepare(&format!(
                    "SELECT DISTINCT key_id FROM {db}.runs WHERE id IN
                         (SELECT read_run FROM {db}.files WHERE gone_run IS NULL) ORDER BY 1"
                ))?;
                let rows = q.query_map([], |r| r.get(0))?;
                rows.collect()
            };
            let (ours, theirs) = (keys("main")?, keys("shard")?);
            if let Some(k) = theirs.iter().find(|k| !ours.is_empty() && !ours.contains(k)) {
                return Ok(Err(Error::Database {
                    path: input.to_path_buf(),
                    problem: format!(
                        "its fingerprints were made with key {k}, the inventory's with {}: merge shards scanned \
                         with the same key",
                        ours.join(", ")
                    ),
                }));
            }
            c.execute_batch("BEGIN IMMEDIATE")?;
            c.execute_batch(
                "CREATE TEMP TABLE pick AS
                     SELECT s.id AS id FROM shard.files s LEFT JOIN main.files m ON m.id = s.id
                     WHERE m.id IS NULL OR s.read_at_ns >= m.read_at_ns;
                 INSERT OR REPLACE INTO main.runs SELECT * FROM shard.runs;
                 DELETE FROM main.findings WHERE file_id IN (SELECT id FROM temp.pick);
                 DELETE FROM main.problems WHERE file_id IN (SELECT id FROM temp.pick);
                 INSERT OR REPLACE INTO main.files SELECT * FROM shard.files WHERE id IN (SELECT id FROM temp.pick);
                 INSERT OR REPLACE INTO main.findings SELECT * FROM shard.findings
                     WHERE file_id IN (SELECT id FROM temp.pick);
                 INSERT INTO main.problems SELECT * FROM shard.problems WHERE file_id IN (SELECT id FROM temp.pick);",
            )?;
            let files: i64 = c.query_row("SELECT count(*) FROM temp.pick", [], |r| r.get(0))?;
            let findings: i64 = c.query_row(
                "SELECT count(*) FROM main.findings WHERE file_id IN (SELECT id FROM temp.pick)",
                [],
                |r| r.get(0),
            )?;
            let other: i64 = c.query_row(
                "SELECT count(*) FROM main.files f WHERE f.id IN (SELECT id FROM temp.pick)
                 AND EXISTS (SELECT 1 FROM main.files g WHERE g.ruleset != f.ruleset AND g.gone_run IS NULL)",
                [],
                |r| r.get(0),
            )?;
            c.execute_batch("DROP TABLE temp.pick; COMMIT")?;
            Ok(Ok(MergeStats { files: files as u64, findings: findings as u64, other_ruleset: other as u64 }))
        })();
        let result = match result {
            Ok(r) => r,
            Err(err) => {
                let _ = c.execute_batch("ROLLBACK");
                Err(e(err))
            }
        };
        let _ = c.execute_batch("DROP TABLE IF EXISTS temp.pick");
        c.execute("DETACH DATABASE shard", []).map_err(e)?;
        let s = result?;
        stats.files += s.files;
        stats.findings += s.findings;
        stats.other_ruleset += s.other_ruleset;
    }
    Ok(stats)
}
