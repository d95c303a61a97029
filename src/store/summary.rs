//! What an inventory database holds, summed up for a report: per data
//! store, per kind, by age, the top files, what could not be read, and the
//! impact of a breach of one store or folder. Masked values only: nothing
//! here reads a value at all, only counts and keyed fingerprints.

use rusqlite::params;
use serde::Serialize;

use super::Database;
use crate::error::Result;

/// Kinds that single out a person: the distinct values of the most
/// numerous of them in a scope are its estimate of people (a lower bound:
/// one person may have two emails, but two people rarely share one).
pub const IDENTIFYING: [&str; 10] = [
    "name",
    "email",
    "phone",
    "uk_nino",
    "nhs_number",
    "payment_card",
    "uk_bank_account",
    "iban",
    "postal_address",
    "imei",
];

/// The whole summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Runs recorded, newest first (at most 20).
    pub runs: Vec<Run>,
    /// Per data store.
    pub stores: Vec<Store>,
    /// Per store and kind.
    pub kinds: Vec<KindCount>,
    /// Per store and year of last modification, files holding findings.
    pub ages: Vec<Age>,
    /// Files with the most findings (at most 25).
    pub top_files: Vec<TopFile>,
    /// Files and members that could not be read.
    pub unreadable: Vec<Unreadable>,
    /// Breach impact of the scopes asked for.
    pub impact: Vec<Impact>,
}

/// One run.
#[derive(Debug, Serialize)]
pub struct Run {
    /// Id.
    pub id: String,
    /// Start (RFC 3339).
    pub started: String,
    /// `complete`, `interrupted` or `running` (killed).
    pub status: String,
    /// Shard `K/N`, if any.
    pub shard: Option<String>,
    /// Files read, unchanged, gone.
    pub files_read: Option<i64>,
    /// Files carried over.
    pub files_unchanged: Option<i64>,
    /// Files found gone.
    pub files_gone: Option<i64>,
}

/// One data store.
#[derive(Debug, Serialize, Default)]
pub struct Store {
    /// Its name.
    pub store: String,
    /// Files present (not gone).
    pub files: i64,
    /// Files scanned.
    pub scanned: i64,
    /// Files with findings.
    pub with_findings: i64,
    /// Files skipped by rule.
    pub skipped: i64,
    /// Files that failed.
    pub failed: i64,
    /// Bytes.
    pub bytes: i64,
    /// Findings (known test data included).
    pub findings: i64,
    /// Estimate of distinct people ([`IDENTIFYING`]).
    pub people: i64,
    /// Oldest and newest modification of a file (RFC 3339 date).
    pub oldest: Option<String>,
    /// Newest.
    pub newest: Option<String>,
}

/// Findings of one kind in one store.
#[derive(Debug, Serialize)]
pub struct KindCount {
    /// Store.
    pub store: String,
    /// Kind.
    pub kind: String,
    /// Findings.
    pub findings: i64,
    /// Distinct values (keyed fingerprints).
    pub distinct_values: i64,
    /// Files.
    pub files: i64,
}

/// Files with findings last modified in one year.
#[derive(Debug, Serialize)]
pub struct Age {
    /// Store.
    pub store: String,
    /// Year (UTC), or `unknown`.
    pub year: String,
    /// Files.
    pub files: i64,
    /// Findings.
    pub findings: i64,
}

/// A file with many findings.
#[derive(Debug, Serialize)]
pub struct TopFile {
    /// Path.
    pub path: String,
    /// Store.
    pub store: String,
    /// Format.
    pub format: String,
    /// Findings.
    pub findings: i64,
    /// Kinds, comma-separated.
    pub kinds: String,
}

/// A file or member that could not be read.
#[derive(Debug, Serialize)]
pub struct Unreadable {
    /// Path (with `!/member` for a member).
    pub path: String,
    /// Store.
    pub store: String,
    /// Reason code.
    pub reason: String,
    /// Detail (never content).
    pub detail: String,
}

/// What a breach of one scope (a store, or a path prefix) would expose.
#[derive(Debug, Serialize)]
pub struct Impact {
    /// The scope as given.
    pub scope: String,
    /// Files in it with findings.
    pub files: i64,
    /// Estimate of distinct people.
    pub people: i64,
    /// Per kind (category): findings and distinct values.
    pub kinds: Vec<(String, i64, i64)>,
}

/// The condition "file `f` is in scope ?1": its store, or a path under it.
const IN_SCOPE: &str = "(f.store = ?1 OR f.path = rtrim(?1, '/')
    OR substr(f.path, 1, length(rtrim(?1, '/')) + 1) = rtrim(?1, '/') || '/')";

/// Sum up `db`, with a breach-impact section for each of `scopes`.
pub fn summarize(db: &Database, scopes: &[String]) -> Result<Summary> {
    let c = db.conn();
    let e = |e| db.error(e);
    fn collect<T>(
        c: &rusqlite::Connection,
        sql: &str,
        p: &[&dyn rusqlite::ToSql],
        f: &dyn Fn(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Vec<T>> {
        let mut q = c.prepare(sql)?;
        let rows = q.query_map(p, f)?;
        rows.collect()
    }
    let runs = collect(
        c,
        "SELECT id, started, status, shard, files_read, files_unchanged, files_gone FROM runs
         ORDER BY started DESC, id LIMIT 20",
        &[],
        &|r| {
            Ok(Run {
                id: r.get(0)?,
                started: r.get(1)?,
                status: r.get(2)?,
                shard: r.get(3)?,
                files_read: r.get(4)?,
                files_unchanged: r.get(5)?,
                files_gone: r.get(6)?,
            })
        },
    )
    .map_err(e)?;
    let mut stores = collect(
        c,
        "SELECT store, count(*), sum(bucket = 'scanned'), sum(findings > 0), sum(bucket = 'skipped'),
                sum(bucket = 'failed'), sum(size), sum(findings), min(mtime_ns), max(mtime_ns)
         FROM files f WHERE gone_run IS NULL GROUP BY store ORDER BY store",
        &[],
        &|r| {
            Ok(Store {
                store: r.get(0)?,
                files: r.get(1)?,
                scanned: r.get(2)?,
                with_findings: r.get(3)?,
                skipped: r.get(4)?,
                failed: r.get(5)?,
                bytes: r.get(6)?,
                findings: r.get(7)?,
                people: 0,
                oldest: r.get::<_, Option<i64>>(8)?.map(date),
                newest: r.get::<_, Option<i64>>(9)?.map(date),
            })
        },
    )
    .map_err(e)?;
    for s in &mut stores {
        s.people = people(db, "f.store = ?1", &s.store)?;
    }
    let kinds = collect(
        c,
        "SELECT store, kind, findings, distinct_values, files FROM store_summary ORDER BY store, findings DESC, kind",
        &[],
        &|r| {
            Ok(KindCount {
                store: r.get(0)?,
                kind: r.get(1)?,
                findings: r.get(2)?,
                distinct_values: r.get(3)?,
                files: r.get(4)?,
            })
        },
    )
    .map_err(e)?;
    let ages = collect(
        c,
        "SELECT store, CASE WHEN mtime_ns IS NULL THEN 'unknown'
                ELSE strftime('%Y', mtime_ns / 1000000000, 'unixepoch') END AS year,
                count(*), sum(findings)
         FROM files f WHERE gone_run IS NULL AND findings > 0 GROUP BY store, year ORDER BY store, year",
        &[],
        &|r| Ok(Age { store: r.get(0)?, year: r.get(1)?, files: r.get(2)?, findings: r.get(3)? }),
    )
    .map_err(e)?;
    let top_files = collect(
        c,
        "SELECT f.path, f.store, f.format, f.findings,
                (SELECT group_concat(kind, ', ') FROM (SELECT DISTINCT kind FROM findings x WHERE x.file_id = f.id ORDER BY kind))
         FROM files f WHERE gone_run IS NULL AND findings > 0 ORDER BY findings DESC, path LIMIT 25",
        &[],
        &|r| {
            Ok(TopFile {
                path: r.get(0)?,
                store: r.get(1)?,
                format: r.get(2)?,
                findings: r.get(3)?,
                kinds: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            })
        },
    )
    .map_err(e)?;
    let unreadable = collect(
        c,
        "SELECT path, store, reason, coalesce(detail, '') FROM files f
             WHERE gone_run IS NULL AND bucket = 'failed'
         UNION ALL
         SELECT f.path || '!/' || p.member, f.store, p.reason, p.detail FROM problems p JOIN files f ON f.id = p.file_id
             WHERE f.gone_run IS NULL AND p.reason NOT IN ('media', 'binary')
         ORDER BY 1",
        &[],
        &|r| Ok(Unreadable { path: r.get(0)?, store: r.get(1)?, reason: r.get(2)?, detail: r.get(3)? }),
    )
    .map_err(e)?;
    let mut impact = Vec::new();
    for scope in scopes {
        let files: i64 = c
            .query_row(
                &format!("SELECT count(*) FROM files f WHERE gone_run IS NULL AND findings > 0 AND {IN_SCOPE}"),
                [scope],
                |r| r.get(0),
            )
            .map_err(e)?;
        let kinds = collect(
            c,
            &format!(
                "SELECT x.kind, count(*), count(DISTINCT x.fingerprint) FROM findings x JOIN files f ON f.id = x.file_id
                 WHERE f.gone_run IS NULL AND {IN_SCOPE} GROUP BY x.kind ORDER BY 2 DESC, 1"
            ),
            &[scope],
            &|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(e)?;
        impact.push(Impact { scope: scope.clone(), files, people: people(db, IN_SCOPE, scope)?, kinds });
    }
    Ok(Summary { runs, stores, kinds, ages, top_files, unreadable, impact })
}

/// The estimate of people among files matching `cond` (with `?1` = `arg`):
/// the most distinct real (not known-fake) values of one identifying kind.
fn people(db: &Database, cond: &str, arg: &str) -> Result<i64> {
    let list = IDENTIFYING.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(",");
    db.conn()
        .query_row(
            &format!(
                "SELECT coalesce(max(n), 0) FROM (SELECT count(DISTINCT x.fingerprint) AS n
                 FROM findings x JOIN files f ON f.id = x.file_id
                 WHERE f.gone_run IS NULL AND x.test_data = 0 AND x.kind IN ({list}) AND {cond} GROUP BY x.kind)"
            ),
            params![arg],
            |r| r.get(0),
        )
        .map_err(|e| db.error(e))
}

/// A stored time as a UTC date.
fn date(ns: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ns.div_euclid(1_000_000_000))
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_default()
}
