//! Issue 22: the inventory database. Incremental rescans read only what
//! changed and end with exactly what a full scan gives; a run killed with
//! SIGKILL at any point and run again equals an uninterrupted run; another
//! ruleset (here: another key) is never reused silently; shards merged give
//! the same rows as one run (N = 1, 2, 7), and merging again changes
//! nothing; no raw value reaches the database, the HTML or the CSV.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use common::db::rows;
use common::{rng, stderr};

const KEY: &str = "inventory-test-key";

/// Run `piiscan` in `dir` with the key `key` (none set when `None`), outside
/// any shard job; the exit code is the caller's to judge.
fn run(dir: &Path, key: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_piiscan"));
    c.args(args).current_dir(dir).env_remove("JOB_COMPLETION_INDEX").env_remove("SLURM_ARRAY_TASK_ID");
    if let Some(k) = key {
        c.env("PIISCAN_KEY", k);
    }
    c.output().unwrap()
}

/// Run `piiscan` with the test's key; it must end with 0 or 1.
fn piiscan(dir: &Path, args: &[&str]) -> Output {
    let o = run(dir, Some(KEY), args);
    assert!(o.status.code().unwrap_or(9) <= 1, "{args:?}: {}", stderr(&o));
    o
}

/// Part of the fixtures, copied, every file's time set an hour back (so
/// that times are trusted, as on a real share).
fn tree(dir: &Path) {
    for f in common::fixture_files(dir, &["crm", "mail", "logs", "chats", "letters"]) {
        age(&f, 3600);
    }
}

/// Set a file's modification time `secs` seconds back.
fn age(p: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(secs)).unwrap();
}

/// `N file(s) read, M unchanged (not read), G gone` of a run.
fn counts(o: &Output) -> (u64, u64, u64) {
    let e = stderr(o);
    let line = e.lines().find(|l| l.contains("piiscan: database:")).unwrap_or_else(|| panic!("no database line: {e}"));
    let n: Vec<u64> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|t| t.parse().ok()).collect();
    (n[0], n[1], n[2])
}

#[test]
fn a_rescan_reads_only_what_changed_and_ends_as_a_full_scan_would() {
    let d = tempfile::tempdir().unwrap();
    let share = d.path().join("share");
    tree(&share);
    let scan = |db: &str, extra: &[&str]| {
        let mut args = vec!["scan", "--summary", "--db", db];
        args.extend(extra);
        args.push("share");
        piiscan(d.path(), &args)
    };
    let (read, _, _) = counts(&scan("a.db", &[]));
    assert!(read > 30, "{read} files");
    let first = rows(&d.path().join("a.db"));
    assert!(first.1.len() > 300, "{} findings", first.1.len());
    // Nothing changed: nothing read, the same rows.
    assert_eq!(counts(&scan("a.db", &[])), (0, read, 0));
    assert_eq!(rows(&d.path().join("a.db")), first);
    // Change one file, touch another, add one, delete one.
    let crm = share.join("crm");
    let mut names: Vec<_> = std::fs::read_dir(&crm).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let changed = share.join("letters").read_dir().unwrap().next().unwrap().unwrap().path();
    let mut text = std::fs::read(&changed).unwrap();
    text.extend_from_slice(b"\nPlease also write to rowan.example-person@gmail.com or call 07911 123456.\n");
    std::fs::write(&changed, text).unwrap();
    age(&names[0], 60);
    std::fs::write(share.join("crm/new.txt"), b"Customer: Imogen Tallis, imogen.tallis@outlook.com, 07700 900982\n")
        .unwrap();
    let deleted = share.join("chats").read_dir().unwrap().next().unwrap().unwrap().path();
    std::fs::remove_file(&deleted).unwrap();
    assert_eq!(counts(&scan("a.db", &[])), (3, read - 3, 1), "changed, touched and new read; one gone");
    // Exactly what a full scan into a new database gives.
    let after = rows(&d.path().join("a.db"));
    scan("fresh.db", &[]);
    assert_eq!(after, rows(&d.path().join("fresh.db")));
    // The deleted file is marked gone, its findings dropped.
    let c = rusqlite::Connection::open(d.path().join("a.db")).unwrap();
    let (gone, n): (bool, i64) = c
        .query_row(
            "SELECT gone_run IS NOT NULL, (SELECT count(*) FROM findings x WHERE x.file_id = f.id) FROM files f
             WHERE path = ?1",
            [format!("share/chats/{}", deleted.file_name().unwrap().to_string_lossy())],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(gone && n == 0);
    // --full reads everything and changes nothing.
    assert_eq!(counts(&scan("a.db", &["--full"])).1, 0);
    assert_eq!(rows(&d.path().join("a.db")), after);
}

#[test]
fn a_file_changed_within_its_time_granularity_is_caught_by_its_hash() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("share/note.txt");
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    // Written just now: its time is not yet trustworthy when read.
    std::fs::write(&f, b"call 07700 900123 about the account\n").unwrap();
    let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
    piiscan(d.path(), &["scan", "-q", "--db", "i.db", "share"]);
    // Same size, same time, other content (a write in the same tick).
    std::fs::write(&f, format!("{:<35}\n", "mail sam.okafor@gmail.com")).unwrap();
    assert_eq!(std::fs::metadata(&f).unwrap().len(), 36);
    std::fs::File::options().write(true).open(&f).unwrap().set_modified(mtime).unwrap();
    let o = piiscan(d.path(), &["scan", "--summary", "--db", "i.db", "share"]);
    assert_eq!(counts(&o).0, 1, "read again: {}", stderr(&o));
    let (_, findings) = rows(&d.path().join("i.db"));
    assert!(findings.iter().any(|r| r.contains("\"email\"")) && !findings.iter().any(|r| r.contains("\"phone\"")));
}

#[test]
fn another_key_or_ruleset_is_not_reused_silently() {
    let d = tempfile::tempdir().unwrap();
    tree(&d.path().join("share"));
    let (read, _, _) = counts(&piiscan(d.path(), &["scan", "--summary", "--db", "i.db", "share"]));
    // Another ruleset (here a minimum score): everything read again, said.
    let o = piiscan(d.path(), &["scan", "--summary", "--db", "i.db", "--min-score", "0.7", "share"]);
    assert!(stderr(&o).contains(&format!("{read} file(s) in i.db were read with other rules")), "{}", stderr(&o));
    assert_eq!(counts(&o), (read, 0, 0));
    // Another key: refused (its fingerprints could not be compared).
    let o = run(d.path(), Some("another-key"), &["scan", "--summary", "--db", "i.db", "share"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("were read with key"), "{}", stderr(&o));
    // The same folder under another spelling: refused (no file twice).
    let o = run(d.path(), Some(KEY), &["scan", "--summary", "--db", "i.db", "./share"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds this folder as `share`"), "{}", stderr(&o));
}

#[test]
fn a_narrowed_walk_or_a_missing_root_marks_nothing_gone() {
    let d = tempfile::tempdir().unwrap();
    tree(&d.path().join("share"));
    let (read, _, _) = counts(&piiscan(d.path(), &["scan", "--summary", "--db", "i.db", "share"]));
    let before = rows(&d.path().join("i.db"));
    let o = piiscan(d.path(), &["scan", "--summary", "--db", "i.db", "-g", "!*.csv", "share"]);
    assert_eq!(counts(&o).2, 0, "{}", stderr(&o));
    let o = piiscan(d.path(), &["scan", "--summary", "--db", "i.db", "--max-depth", "1", "share"]);
    assert_eq!(counts(&o).2, 0);
    // The share not mounted: an empty folder.
    std::fs::rename(d.path().join("share"), d.path().join("elsewhere")).unwrap();
    std::fs::create_dir(d.path().join("share")).unwrap();
    let o = piiscan(d.path(), &["scan", "--summary", "--db", "i.db", "share"]);
    assert_eq!(counts(&o), (0, 0, 0));
    assert!(stderr(&o).contains("nothing found under share"), "{}", stderr(&o));
    assert_eq!(rows(&d.path().join("i.db")), before, "{read} files kept");
}

/// Synthetic text files for the kill test: generated people only.
fn big_tree(dir: &Path, files: usize, lines: usize) {
    let mut r = rng(22);
    let first = ["Amara", "Tomasz", "Keira", "Joel", "Priya", "Callum", "Sian", "Oluwaseun"];
    let last = ["Okafor", "Nowak", "Barnes", "Whitfield", "Patel", "Doherty", "Evans", "Adeyemi"];
    for i in 0..files {
        let p = dir.join(format!("d{}/f{i:04}.log", i % 9));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let mut s = String::new();
        for _ in 0..lines {
            let (a, b) = (first[(r() % 8) as usize], last[(r() % 8) as usize]);
            s.push_str(&format!(
                "2026-03-{:02}T10:{:02}:00Z login ok user={}.{}{}@gmail.com from 81.2.{}.{} msisdn=07700 9{:05}\n",
                r() % 28 + 1,
                r() % 60,
                a.to_lowercase(),
                b.to_lowercase(),
                r() % 100,
                r() % 250,
                r() % 250,
                r() % 100_000
            ));
        }
        std::fs::write(&p, s).unwrap();
        age(&p, 7200);
    }
}

/// Files committed to a database being written (0 if none yet).
fn committed(db: &Path) -> i64 {
    let Ok(c) = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.query_row("SELECT count(*) FROM files", [], |r| r.get(0)).unwrap_or(0)
}

#[cfg(unix)]
#[test]
fn a_run_killed_at_any_point_and_run_again_equals_an_uninterrupted_run() {
    let d = tempfile::tempdir().unwrap();
    big_tree(&d.path().join("share"), 240, 400);
    piiscan(d.path(), &["scan", "-q", "--summary", "-j1", "--db", "ref.db", "share"]);
    let reference = rows(&d.path().join("ref.db"));
    assert!(reference.0.len() == 240 && reference.1.len() > 100_000, "{}", reference.1.len());
    // Kill it several times (SIGKILL): before anything is committed, then
    // once some and once most files are; then let it finish. Ten files per
    // transaction, so that kills fall between and inside many of them.
    let db = d.path().join("k.db");
    let mut seen = Vec::new();
    for target in [0i64, 40, 160] {
        // Its progress lines (a shard logs one per file consumed with an
        // interval of 0) say how far it is, without touching the database.
        let mut child = Command::new(env!("CARGO_BIN_EXE_piiscan"))
            .args(["scan", "--summary", "-j1", "--db", "k.db", "--shard", "0/1", "share"])
            .current_dir(d.path())
            .env("PIISCAN_KEY", KEY)
            .env("PIISCAN_DB_BATCH", "10")
            .env("PIISCAN_PROGRESS_SECONDS", "0")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if target == 0 {
            std::thread::sleep(Duration::from_millis(30));
        } else {
            use std::io::BufRead;
            for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
                let line = line.unwrap();
                let done = line
                    .strip_prefix("piiscan: progress: ")
                    .and_then(|l| l.split('/').next())
                    .and_then(|n| n.parse::<i64>().ok());
                if done.is_some_and(|n| n >= target) {
                    break;
                }
            }
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        let c = rusqlite::Connection::open(&db).unwrap();
        let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok", "after a kill at {target} files");
        seen.push((committed(&db), status.code()));
    }
    // It was killed mid-way (not after finishing), with files committed.
    assert!(seen.iter().all(|(_, code)| code.is_none()), "{seen:?}");
    assert!(seen[2].0 >= 160 && seen[2].0 < 240, "{seen:?}");
    let o = piiscan(d.path(), &["scan", "--summary", "-j1", "--db", "k.db", "share"]);
    let (read, unchanged, _) = counts(&o);
    assert_eq!(read + unchanged, 240);
    assert!(unchanged >= 160, "what was committed is not read again: {read} read");
    assert_eq!(rows(&db), reference);
    // The killed runs are recorded as such.
    let c = rusqlite::Connection::open(&db).unwrap();
    let statuses: Vec<String> = c
        .prepare("SELECT status FROM runs ORDER BY started, status")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(statuses.iter().filter(|s| *s == "complete").count(), 1, "{statuses:?}");
    // (The first kill may come before its run's row was written.)
    assert!(statuses.iter().filter(|s| *s == "running").count() >= 2, "{statuses:?}");
}

#[test]
fn shards_merged_give_the_rows_of_one_run_and_merging_again_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    tree(&d.path().join("share"));
    piiscan(d.path(), &["scan", "-q", "--summary", "--db", "one.db", "share"]);
    let one = rows(&d.path().join("one.db"));
    for n in [1usize, 2, 7] {
        let mut shards = Vec::new();
        for k in 0..n {
            let db = format!("s{n}_{k}.db");
            piiscan(d.path(), &["scan", "-q", "--summary", "--db", &db, "--shard", &format!("{k}/{n}"), "share"]);
            shards.push(db);
        }
        let out = format!("merged{n}.db");
        let mut args = vec!["merge", out.as_str()];
        args.extend(shards.iter().map(String::as_str));
        piiscan(d.path(), &args);
        assert_eq!(rows(&d.path().join(&out)), one, "N = {n}");
        // Again, and after re-running a shard: idempotent.
        piiscan(d.path(), &args);
        piiscan(d.path(), &["scan", "-q", "--summary", "--db", &shards[0], "--shard", &format!("0/{n}"), "share"]);
        piiscan(d.path(), &args);
        assert_eq!(rows(&d.path().join(&out)), one, "N = {n}, merged again");
    }
    // A shard made with another key is refused.
    run(d.path(), Some("another-key"), &["scan", "-q", "--db", "other.db", "share"]);
    let o = run(d.path(), None, &["merge", "merged2.db", "other.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("with key"), "{}", stderr(&o));
}

#[test]
fn no_raw_value_reaches_the_database_the_html_or_the_csv() {
    let d = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let root = fixtures.display().to_string();
    piiscan(d.path(), &["scan", "-q", "--summary", "--db", "i.db", &root]);
    piiscan(d.path(), &["report", "i.db", "--html", "r.html", "--impact", &format!("{root}/crm")]);
    let csv = piiscan(d.path(), &["report", "i.db", "--format", "csv"]).stdout;
    let json = piiscan(d.path(), &["report", "i.db", "--format", "json"]).stdout;
    let outputs =
        [std::fs::read(d.path().join("i.db")).unwrap(), std::fs::read(d.path().join("r.html")).unwrap(), csv, json];
    // Every word of every text the database stores (masked values,
    // locations, paths, details), for the short values.
    let c = rusqlite::Connection::open(d.path().join("i.db")).unwrap();
    let mut words = std::collections::HashSet::new();
    for sql in [
        "SELECT masked || ' ' || coalesce(location, '') || ' ' || coalesce(pieces, '') FROM findings",
        "SELECT path || ' ' || store || ' ' || coalesce(detail, '') FROM files",
        "SELECT member || ' ' || detail FROM problems",
        "SELECT args || ' ' || roots FROM runs",
    ] {
        let mut q = c.prepare(sql).unwrap();
        for text in q.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            words.extend(text.unwrap().split(|c: char| !c.is_alphanumeric()).map(str::to_lowercase));
        }
    }
    for out in &outputs[1..] {
        words.extend(String::from_utf8_lossy(out).split(|c: char| !c.is_alphanumeric()).map(str::to_lowercase));
    }
    let mut checked = 0;
    for line in std::fs::read_to_string(fixtures.join("gold.jsonl")).unwrap().lines() {
        let g: serde_json::Value = serde_json::from_str(line).unwrap();
        let bytes = std::fs::read(fixtures.join(g["path"].as_str().unwrap())).unwrap();
        let (s, e) = (g["start"].as_u64().unwrap() as usize, g["end"].as_u64().unwrap() as usize);
        let value = &bytes[s..e];
        // A value of 8 bytes or more must not occur anywhere, not even in
        // the database file's bytes; a shorter one (a first name) is also an
        // ordinary word, so it must not be a word of what is stored.
        if value.len() >= 8 {
            for (i, out) in outputs.iter().enumerate() {
                assert!(
                    !out.windows(value.len()).any(|w| w == value),
                    "a {} value of {} is in output {i}",
                    g["kind"],
                    g["path"]
                );
            }
        } else {
            let v = String::from_utf8_lossy(value).to_lowercase();
            let tokens: Vec<&str> = v.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
            // (A short number, a PIN, is also a count or an offset.)
            if tokens.len() == 1 && !tokens[0].bytes().all(|b| b.is_ascii_digit()) {
                assert!(!words.contains(tokens[0]), "a {} value of {} is stored", g["kind"], g["path"]);
            }
        }
        checked += 1;
    }
    assert!(checked > 2000, "{checked} values checked");
}

#[test]
fn a_shard_logs_its_progress_to_stderr() {
    let d = tempfile::tempdir().unwrap();
    tree(&d.path().join("share"));
    let o = Command::new(env!("CARGO_BIN_EXE_piiscan"))
        .args(["scan", "--summary", "--shard", "0/1", "share"])
        .current_dir(d.path())
        .env("PIISCAN_KEY", KEY)
        .env("PIISCAN_PROGRESS_SECONDS", "0")
        .output()
        .unwrap();
    let e = stderr(&o);
    let line = e.lines().find(|l| l.starts_with("piiscan: progress: ")).unwrap_or_else(|| panic!("{e}"));
    assert!(line.contains(" files, ") && line.contains(" findings, ") && line.contains("eta"), "{line}");
}
