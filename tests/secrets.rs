//! Credentials are never shown (issue 23): not in any report format, not
//! with `--show-values`, not in the redaction evidence log or its output,
//! not in a subject's portability export. Every credential of the fixtures'
//! gold is looked for, as written, in everything piiscan writes.
//!
//! Values without a letter (PINs) are left out of the search: a four- or
//! six-digit PIN also occurs as a byte offset or a line number in a report,
//! which would fail the test without any leak. Their handling is the same
//! code path as every other credential's.

mod common;

use std::path::{Path, PathBuf};

use common::{piiscan, stderr, stdout};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// (path relative to fixtures, value) of every gold credential with a letter.
fn secrets() -> Vec<(String, String)> {
    let gold = std::fs::read_to_string(fixtures().join("gold.jsonl")).unwrap();
    let mut out = Vec::new();
    for line in gold.lines() {
        let g: serde_json::Value = serde_json::from_str(line).unwrap();
        if g["kind"] != "credential" {
            continue;
        }
        let path = g["path"].as_str().unwrap().to_string();
        let bytes = std::fs::read(fixtures().join(&path)).unwrap();
        let (s, e) = (g["start"].as_u64().unwrap() as usize, g["end"].as_u64().unwrap() as usize);
        let v = String::from_utf8(bytes[s..e].to_vec()).unwrap();
        if v.bytes().any(|b| b.is_ascii_alphabetic()) {
            out.push((path, v));
        }
    }
    assert!(out.len() >= 100, "only {} credentials with a letter in the fixtures' gold", out.len());
    out
}

fn assert_no_secret(what: &str, text: &str, secrets: &[(String, String)]) {
    let leaked: Vec<&str> =
        secrets.iter().filter(|(_, v)| text.contains(v.as_str())).map(|(p, _)| p.as_str()).collect();
    assert!(leaked.is_empty(), "{what}: {} credentials shown (in {:?})", leaked.len(), &leaked[..leaked.len().min(5)]);
}

/// The fixtures holding credentials, and nothing else (the generator's
/// source and the dev set hold their own).
fn credential_files(secrets: &[(String, String)]) -> Vec<String> {
    let mut files: Vec<String> =
        secrets.iter().map(|(p, _)| fixtures().join(p).to_string_lossy().into_owned()).collect();
    files.sort();
    files.dedup();
    files
}

#[test]
fn no_report_format_shows_a_credential_even_with_show_values() {
    let secrets = secrets();
    let files = credential_files(&secrets);
    let mut found_any = false;
    for format in ["text", "jsonl", "json", "csv", "sarif"] {
        for show in [false, true] {
            let mut args = vec!["scan", "--format", format];
            if show {
                args.push("--show-values");
            }
            args.extend(files.iter().map(String::as_str));
            let o = piiscan(&args);
            assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
            let out = stdout(&o);
            found_any |= out.contains("credential");
            assert_no_secret(&format!("--format {format} (show values: {show})"), &out, &secrets);
            assert_no_secret(&format!("stderr of --format {format}"), &stderr(&o), &secrets);
        }
    }
    assert!(found_any, "no credential reported at all");
    // The other kinds' values are shown with --show-values: the test would
    // notice a report that shows nothing.
    let csv = fixtures().join("exports/router_provisioning.csv");
    let email = std::fs::read_to_string(&csv).unwrap().lines().nth(1).unwrap().split(',').nth(1).unwrap().to_string();
    let o = piiscan(&["scan", "--format", "jsonl", "--show-values", csv.to_str().unwrap()]);
    assert!(stdout(&o).contains(&email), "--show-values shows other kinds' values");
}

#[test]
fn redaction_removes_credentials_and_its_log_holds_none() {
    let secrets = secrets();
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for (rel, _) in &secrets {
        let to = input.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixtures().join(rel), &to).unwrap();
    }
    let (out, log) = (t.path().join("out"), t.path().join("evidence.jsonl"));
    let o = piiscan(&[
        "redact",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--verify",
    ]);
    assert!(o.status.code() == Some(0), "{}", stderr(&o));
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(log_text.contains("\"credential\""), "the evidence log records the credentials redacted");
    assert_no_secret("evidence log", &log_text, &secrets);
    assert_no_secret("redact output", &stdout(&o), &secrets);
    for f in common::walk(&out) {
        assert_no_secret(
            &format!("redacted {}", f.display()),
            &String::from_utf8_lossy(&std::fs::read(&f).unwrap()),
            &secrets,
        );
    }
}

#[test]
fn a_subjects_export_blanks_their_credentials() {
    // The first customer of the router export: their row holds an admin
    // password, a Wi-Fi key and a PIN.
    let csv = std::fs::read_to_string(fixtures().join("exports/router_provisioning.csv")).unwrap();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let (name, email) = (row[0], row[1]);
    let t = tempfile::tempdir().unwrap();
    let req = t.path().join("requests.json");
    std::fs::write(&req, serde_json::json!([{"id": "S01", "names": [name], "emails": [email]}]).to_string()).unwrap();
    let pack = t.path().join("pack");
    let o = piiscan(&[
        "subject",
        "find",
        fixtures().join("exports").to_str().unwrap(),
        "--subjects",
        req.to_str().unwrap(),
        "--export",
        pack.to_str().unwrap(),
        "--show-values",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let records = std::fs::read_to_string(pack.join("S01").join("records.json")).unwrap();
    assert!(records.contains(email), "the subject's row is exported");
    for secret in [row[4], row[5], row[6]] {
        assert!(!records.contains(&format!("\"{secret}\"")), "a credential of the subject's row is exported");
    }
    assert_no_secret("subject report", &stdout(&o), &secrets());
}
