//! Issue 22, point 3 (part): `--shard K/N` splits the input by a stable
//! hash of each path relative to the root given. N shards run as separate
//! processes find exactly what one run finds (every file in exactly one
//! shard), for N = 1, 2, 7; the split does not depend on where the tree is
//! mounted; `auto/N` reads the scheduler's index.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::run_in;

/// A copy of part of the fixtures under `dir` (so paths can be relative to
/// different mount points).
fn tree(dir: &Path) {
    common::fixture_files(dir, &["crm", "mail", "logs", "formats/archives"]);
}

/// Findings of one run as sorted lines, and the files it read (from the
/// JSON report's file list).
fn scan(dir: &Path, extra: &[&str], env: Option<(&str, &str)>) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_piiscan"));
    c.current_dir(dir).args(["scan", "--format", "json", "-q", "."]).args(extra);
    c.env_remove("JOB_COMPLETION_INDEX").env_remove("SLURM_ARRAY_TASK_ID");
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    assert!(o.status.code().unwrap_or(9) <= 1, "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {} {} {}", f["path"], f["start"], f["kind"], f["location"]))
        .collect();
    let files = doc["files"].as_array().unwrap().iter().map(|f| f["path"].to_string()).collect();
    (findings, files)
}

#[test]
fn shards_together_find_what_one_run_finds() {
    let d = tempfile::tempdir().unwrap();
    tree(d.path());
    let (all, files) = scan(d.path(), &[], None);
    assert!(all.len() > 100 && files.len() > 20, "{} findings in {} files", all.len(), files.len());
    for n in [1usize, 2, 7] {
        let (mut found, mut seen) = (BTreeSet::new(), Vec::new());
        for k in 0..n {
            let (f, s) = scan(d.path(), &["--shard", &format!("{k}/{n}")], None);
            found.extend(f);
            seen.extend(s);
        }
        assert_eq!(found, all, "N = {n}: the same findings");
        assert_eq!(seen.len(), files.len(), "N = {n}: every file in exactly one shard");
        assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), files);
    }
    // `auto/N` takes K from the scheduler (Kubernetes, then Slurm).
    let by_k8s = scan(d.path(), &["--shard", "auto/7"], Some(("JOB_COMPLETION_INDEX", "3")));
    let by_slurm = scan(d.path(), &["--shard", "auto/7"], Some(("SLURM_ARRAY_TASK_ID", "3")));
    let by_hand = scan(d.path(), &["--shard", "3/7"], None);
    assert_eq!(by_k8s, by_hand);
    assert_eq!(by_slurm, by_hand);
}

#[test]
fn the_split_does_not_depend_on_the_mount_point() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    tree(a.path());
    tree(&b.path().join("deeper/share"));
    let names = |root: &Path, dir: &str| -> BTreeSet<String> {
        let o = run_in(Some(root), &["scan", "--format", "json", "-q", "--shard", "1/3", dir]);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().trim_start_matches(dir).trim_start_matches('/').to_string())
            .collect()
    };
    let here = names(a.path(), ".");
    assert!(!here.is_empty());
    assert_eq!(here, names(b.path(), "deeper/share"));
}

#[test]
fn bad_shards_are_usage_errors() {
    for bad in ["3/3", "1/0", "x/2", "2", "auto/2"] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_piiscan"))
            .args(["scan", "-q", "--shard", bad, "."])
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stderr).contains("--shard"), "{bad}");
    }
}
