//! Issue 22, point 4: the inventory's HTML report in a real browser.
//! Headless Chromium loads the page from disk (no network: the page fetches
//! nothing), runs its script, and the numbers it renders (the per-store
//! table, the breach-impact view the script builds) are checked against the
//! database; a screenshot is taken. `.ci/run` installs Chromium; a plain
//! `cargo test` without it says the test was not run (CI fails instead).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const KEY: &str = "report-test-key";

/// Chromium's binary, if installed.
fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

/// Run headless Chromium on `url` with `extra` arguments; its stdout. Ends
/// it after a minute (a browser that hangs must not hang the tests).
fn browse(extra: &[&str], url: &str, profile: &Path) -> String {
    let mut child = Command::new(chromium().unwrap())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,1800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(60), "chromium did not finish in a minute");
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The number in the first `<td data-col="{col}">…</td>` after `from` in `dom`.
fn number_after(dom: &str, from: usize, col: &str) -> i64 {
    let tag = format!("data-col=\"{col}\">");
    let at = from + dom[from..].find(&tag).unwrap_or_else(|| panic!("no {col} after {from}")) + tag.len();
    dom[at..at + dom[at..].find('<').unwrap()].trim().parse().unwrap()
}

#[test]
fn the_html_report_renders_the_databases_numbers_in_chromium() {
    let Some(_) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must install Chromium (see .ci/run)");
        eprintln!("not run: Chromium is not installed (.ci/run installs it)");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for sub in ["crm", "chats", "logs", "mail", "formats/hostile"] {
        let to = d.path().join("share").join(sub);
        std::fs::create_dir_all(&to).unwrap();
        common::copy_tree(&fixtures.join(sub), &to);
    }
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_piiscan"))
            .args(args)
            .current_dir(d.path())
            .env("PIISCAN_KEY", KEY)
            .output()
            .unwrap();
        assert!(o.status.code().unwrap_or(9) <= 1, "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["scan", "-q", "--summary", "--db", "i.db", "share"]);
    run(&["report", "i.db", "--html", "report.html"]);
    let html = std::fs::read_to_string(d.path().join("report.html")).unwrap();
    // Self-contained: nothing to fetch.
    for outside in ["http:", "https:", " src=", " href=", "@import", "url("] {
        assert!(!html.contains(outside), "the page refers to something outside it: {outside}");
    }
    let url = format!("file://{}", d.path().join("report.html").display());
    let dom = browse(&["--dump-dom"], &url, &d.path().join("profile"));
    assert!(dom.contains("data-ready=\"1\""), "the page's script ran");
    let db = rusqlite::Connection::open(d.path().join("i.db")).unwrap();
    // The per-store table.
    let stores: Vec<(String, i64, i64)> = db
        .prepare(
            "SELECT store, count(*), sum(findings) FROM files WHERE gone_run IS NULL GROUP BY store ORDER BY store",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(stores.len() >= 5, "{stores:?}");
    for (store, files, findings) in &stores {
        let row = dom.find(&format!("<tr data-store=\"{store}\">")).unwrap_or_else(|| panic!("no row for {store}"));
        assert_eq!(number_after(&dom, row, "files"), *files, "{store}: files");
        assert_eq!(number_after(&dom, row, "findings"), *findings, "{store}: findings");
    }
    // The breach-impact view, built by the script for the store with the
    // most people: every kind's findings and distinct values, and people.
    let open = "<table id=\"impact\" data-store=\"";
    let at = dom.find(open).expect("the impact table was rendered");
    let name = at + open.len();
    let store = &dom[name..name + dom[name..].find('"').unwrap()];
    let kinds: Vec<(String, i64, i64)> = db
        .prepare(
            "SELECT x.kind, count(*), count(DISTINCT x.fingerprint) FROM findings x JOIN files f ON f.id = x.file_id
             WHERE f.store = ?1 AND f.gone_run IS NULL GROUP BY x.kind",
        )
        .unwrap()
        .query_map([store], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(kinds.len() >= 5, "{store}: {kinds:?}");
    let end = at + dom[at..].find("</table>").unwrap();
    for (kind, n, distinct) in &kinds {
        let row = at + dom[at..end].find(&format!("<tr data-kind=\"{kind}\">")).unwrap_or_else(|| panic!("{kind}"));
        assert_eq!(number_after(&dom, row, "findings"), *n, "{store} {kind}");
        assert_eq!(number_after(&dom, row, "distinct"), *distinct, "{store} {kind}");
    }
    // People: the most distinct real values of one identifying kind.
    let people: i64 = db
        .query_row(
            "SELECT max(n) FROM (SELECT count(DISTINCT x.fingerprint) AS n FROM findings x JOIN files f
             ON f.id = x.file_id WHERE f.store = ?1 AND x.test_data = 0 AND x.kind IN ('name', 'email', 'phone',
             'uk_nino', 'nhs_number', 'payment_card', 'uk_bank_account', 'iban', 'postal_address', 'imei')
             GROUP BY x.kind)",
            [store],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(number_after(&dom, at, "people"), people);
    // The files that could not be read are listed.
    assert!(dom.contains("bomb.zip") && dom.contains("limit_exceeded"));
    // A screenshot.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("inventory-report.png");
    let _ = std::fs::remove_file(&shot);
    browse(&[&format!("--screenshot={}", shot.display())], &url, &d.path().join("profile2"));
    assert!(std::fs::metadata(&shot).map(|m| m.len() > 20_000).unwrap_or(false), "screenshot at {}", shot.display());
}
