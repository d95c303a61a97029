//! Issue 17: nothing passed over silently. `.gitignore` is honoured only
//! inside a git repository (as ripgrep does); hidden files, links the walk
//! does not follow and entries an ignore file excludes are listed in their
//! own buckets; Maildir++ folders, hidden
//! by convention, are read as mail.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use common::piiscan;

fn scan(dir: &Path) -> Value {
    let o = piiscan(&["scan", "--format", "json", "-q", dir.to_str().unwrap()]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{:?}", o.status);
    serde_json::from_slice(&o.stdout).unwrap()
}

fn entry<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc["files"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with(name))
}

#[test]
fn gitignore_applies_only_inside_a_git_repository() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(".gitignore"), "Cargo.lock\n").unwrap();
    std::fs::write(d.path().join("Cargo.lock"), "owner jane.doe77@gmail.com\n").unwrap();
    // An unpacked source tree: no .git, so its .gitignore hides nothing.
    let doc = scan(d.path());
    assert_eq!(entry(&doc, "Cargo.lock").expect("scanned")["status"], "scanned");
    // Inside a repository it does, and the file is listed as ignored with
    // the ignore file and line that excluded it.
    let ok = Command::new("git").args(["init", "-q"]).current_dir(d.path()).status().is_ok_and(|s| s.success());
    if ok {
        let doc = scan(d.path());
        let f = entry(&doc, "Cargo.lock").expect("listed");
        assert_eq!(f["reason"], "ignored");
        assert!(f["detail"].as_str().unwrap().contains(".gitignore:1 (`Cargo.lock`)"), "{f}");
    }
}

#[test]
fn files_an_ignore_file_excludes_are_listed_with_the_rule() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir_all(p.join("hr/old/deep")).unwrap();
    std::fs::write(p.join("hr/.ignore"), "# archive\n*.bak\nold/\n").unwrap();
    std::fs::write(p.join("hr/a.bak"), "jane.doe77@gmail.com\n").unwrap();
    std::fs::write(p.join("hr/old/deep/b.txt"), "jane.doe77@gmail.com\n").unwrap();
    std::fs::write(p.join("hr/keep.txt"), "jane.doe77@gmail.com\n").unwrap();
    std::fs::write(p.join(".piiscanignore"), "*.log\n").unwrap();
    std::fs::write(p.join("x.log"), "jane.doe77@gmail.com\n").unwrap();
    let doc = scan(p);
    assert_eq!(entry(&doc, "keep.txt").unwrap()["status"], "scanned");
    let bak = entry(&doc, "a.bak").expect("listed");
    assert_eq!(bak["reason"], "ignored");
    assert!(bak["detail"].as_str().unwrap().contains(".ignore:2 (`*.bak`)"), "{bak}");
    let old = entry(&doc, "hr/old").expect("an ignored directory is one entry");
    assert!(old["detail"].as_str().unwrap().contains(".ignore:3 (`old/`)"), "{old}");
    assert!(entry(&doc, "b.txt").is_none(), "an ignored directory is not entered");
    let log = entry(&doc, "x.log").expect("listed");
    assert!(log["detail"].as_str().unwrap().contains(".piiscanignore:1"), "{log}");
    assert_eq!(doc["inventory"]["skipped"]["ignored"], 3);
    // Passed over by rule, not a failure; --no-ignore reads them all.
    let o = piiscan(&["scan", "-q", "--fail-on-skipped", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let o = piiscan(&["scan", "--format", "json", "-q", "--no-ignore", p.to_str().unwrap()]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(entry(&doc, "b.txt").unwrap()["status"], "scanned");
    assert!(doc["inventory"]["skipped"].get("ignored").is_none());
}

#[test]
fn hidden_files_and_links_not_followed_are_listed() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("plain.txt"), "jane.doe77@gmail.com\n").unwrap();
    std::fs::write(p.join(".env"), "OWNER=jane.doe77@gmail.com\n").unwrap();
    std::fs::create_dir(p.join(".cache")).unwrap();
    std::fs::write(p.join(".cache/a.txt"), "jane.doe77@gmail.com\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(p.join("plain.txt"), p.join("link.txt")).unwrap();
    let doc = scan(p);
    assert_eq!(entry(&doc, ".env").unwrap()["reason"], "hidden");
    assert_eq!(entry(&doc, ".cache").unwrap()["reason"], "hidden");
    assert!(entry(&doc, ".cache/a.txt").is_none(), "a hidden directory is one entry, not entered");
    #[cfg(unix)]
    assert_eq!(entry(&doc, "link.txt").unwrap()["reason"], "symlink_not_followed");
    let skipped = &doc["inventory"]["skipped"];
    assert_eq!(skipped["hidden"], 2);
    // Passed over by rule: not a failure for --fail-on-skipped.
    let o = piiscan(&["scan", "-q", "--fail-on-skipped", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    // --hidden reads them.
    let o = piiscan(&["scan", "--format", "json", "-q", "--hidden", p.to_str().unwrap()]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(entry(&doc, ".env").unwrap()["status"], "scanned");
}

#[test]
fn maildir_plus_plus_folders_are_mail() {
    let d = tempfile::tempdir().unwrap();
    let cur = d.path().join("Maildir/.Sent Items/cur");
    std::fs::create_dir_all(&cur).unwrap();
    std::fs::write(
        cur.join("1700000000.M1P2.host:2,S"),
        "From: a@b.example\nTo: c@d.example\nSubject: hi\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nmail jane.doe77@gmail.com\n",
    )
    .unwrap();
    let doc = scan(d.path());
    let f = entry(&doc, "host:2,S").expect("entered");
    assert_eq!(f["format"], "eml");
}
