//! Issue 20, point 7: a redaction interrupted by the user (SIGINT, SIGTERM)
//! stops taking files, finishes the ones being written, prints its summary
//! and exits 130; every file is either as it was or completely redacted,
//! and the summary counts exactly the redacted ones.

#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FILES: usize = 6000;

fn interrupted_by(signal: libc::c_int) {
    let d = tempfile::tempdir().unwrap();
    let original = |i: usize| format!("ticket {i}: customer email alex.morgan{i}@gmail.com, call back\n");
    for i in 0..FILES {
        std::fs::write(d.path().join(format!("t{i:05}.txt")), original(i)).unwrap();
    }
    let child = Command::new(env!("CARGO_BIN_EXE_piiscan"))
        .args(["redact", "--in-place", "-j1"])
        .arg(d.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Signal once the first file has been rewritten: the run is under way.
    let first = d.path().join("t00000.txt");
    let t0 = Instant::now();
    while std::fs::read_to_string(&first).unwrap() == original(0) {
        assert!(t0.elapsed() < Duration::from_secs(60), "the run never started");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: stopped after"), "{err}");
    let said: usize = err
        .split("redacted ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary: {err}"));
    let mut redacted = 0;
    for i in 0..FILES {
        let now = std::fs::read_to_string(d.path().join(format!("t{i:05}.txt"))).unwrap();
        if now != original(i) {
            assert_eq!(now, format!("ticket {i}: customer email [EMAIL], call back\n"), "file {i} is whole");
            redacted += 1;
        }
    }
    assert_eq!(redacted, said, "the summary counts the files written");
    assert!(redacted > 0 && redacted < FILES, "stopped part-way: {redacted} of {FILES}");
}

#[test]
fn sigint_ends_redaction_with_a_summary() {
    interrupted_by(libc::SIGINT);
}

#[test]
fn sigterm_ends_redaction_with_a_summary() {
    interrupted_by(libc::SIGTERM);
}
