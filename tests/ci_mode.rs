//! CI mode: known-fake allow-list (with range edges), inline and file and
//! baseline suppression, config files, SARIF validated against the official
//! schema, exit codes, and a demo git repository (`--staged`, `--since`).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{jsonl, stderr as err, stdout as out};
use piiscan::allow::AllowList;

fn piiscan_in(dir: &Path, args: &[&str]) -> Output {
    common::run_in(Some(dir), args)
}

#[test]
fn allow_list_ranges_and_their_edges() {
    let a = AllowList::builtin();
    let cases: &[(&str, &str, bool)] = &[
        // Ofcom drama ranges: first and last of a range, and just outside.
        ("phone", "+447700900000", true),
        ("phone", "+447700900999", true),
        ("phone", "+447700901000", false),
        ("phone", "+441632960000", true),
        ("phone", "+441632960999", true),
        ("phone", "+441632961000", false),
        ("phone", "+442079460000", true),
        ("phone", "+442079460999", true),
        ("phone", "+442079461000", false),
        ("phone", "+441134960999", true),
        ("phone", "+447911123456", false),
        // RFC 5737 / 3849 / 9637.
        ("ip_address", "192.0.2.0", true),
        ("ip_address", "192.0.2.255", true),
        ("ip_address", "192.0.3.0", false),
        ("ip_address", "198.51.100.7", true),
        ("ip_address", "198.51.99.255", false),
        ("ip_address", "203.0.113.255", true),
        ("ip_address", "203.0.114.0", false),
        ("ip_address", "2001:db8::1", true),
        ("ip_address", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true),
        ("ip_address", "2001:db9::1", false),
        ("ip_address", "3fff:fff:ffff::1", true),
        ("ip_address", "3fff:1000::1", false),
        ("ip_address", "81.2.69.160", false),
        // RFC 2606 / 6761 names.
        ("email", "jane@example.com", true),
        ("email", "jane@mail.example.org", true),
        ("email", "jane@shop.test", true),
        ("email", "jane@host.invalid", true),
        ("email", "jane@examples.com", false),
        ("email", "jane@notexample.com", false),
        ("email", "jane@example.co.uk", false),
        // Published test cards; a Luhn-valid neighbour is not one.
        ("payment_card", "4111111111111111", true),
        ("payment_card", "4242424242424242", true),
        ("payment_card", "4111111111111129", false),
    ];
    for &(kind, value, want) in cases {
        assert_eq!(a.is_test_data(kind, value), want, "{kind} {value}");
    }
    assert!(piiscan::detect::validate::luhn("4111111111111129"));
}

#[test]
fn fake_data_passes_real_data_fails_strict_fails_both() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("fake.txt"),
        "Call 07700 900123 or mail jane@example.com, card 4111 1111 1111 1111, host 192.0.2.10\n",
    )
    .unwrap();
    let o = piiscan_in(d.path(), &["scan", "--format", "jsonl", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["test_data"] == true));
    assert_eq!(piiscan_in(d.path(), &["scan", "--strict", "."]).status.code(), Some(1));
    std::fs::write(d.path().join("leak.txt"), "customer mobile 07911 123456\n").unwrap();
    assert_eq!(piiscan_in(d.path(), &["scan", "."]).status.code(), Some(1));
    assert_eq!(piiscan_in(d.path(), &["scan", "--exit-code", "9", "."]).status.code(), Some(9));
}

#[test]
fn inline_allow_and_piiscanignore_suppress() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.py"), "x = '07911 123456'  # piiscan:allow\ny = '07911 123457'\n").unwrap();
    std::fs::write(d.path().join("b.txt"), "07911 123458\n").unwrap();
    std::fs::write(d.path().join(".piiscanignore"), "b.txt\n").unwrap();
    let o = piiscan_in(d.path(), &["scan", "--format", "jsonl", "."]);
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 1, "{}", out(&o));
    assert_eq!(rows[0]["line"], 2);
    let o = piiscan_in(d.path(), &["scan", "--summary", "."]);
    assert!(out(&o).contains("suppressed (piiscan:allow, baseline): 1"), "{}", out(&o));
}

#[test]
fn baseline_suppresses_known_and_reports_new_even_when_lines_move() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("data.csv");
    std::fs::write(&f, "name,phone\nA,07911 123456\nB,07911 123457\n").unwrap();
    let o = piiscan_in(d.path(), &["scan", "--write-baseline", "baseline.json", "."]);
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(d.path().join("baseline.json")).unwrap();
    assert!(!text.contains("07911") && !text.contains("7911123456"), "a baseline never stores values: {text}");
    let b: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(b["findings"].as_array().unwrap().len(), 2);
    // Nothing new: clean. Lines moved and a new row: only the new one.
    assert_eq!(piiscan_in(d.path(), &["scan", "--baseline", "baseline.json", "."]).status.code(), Some(0));
    std::fs::write(&f, "name,phone\nC,07911 123458\nB,07911 123457\nA,07911 123456\n").unwrap();
    let o = piiscan_in(d.path(), &["scan", "--format", "jsonl", "--baseline", "baseline.json", "."]);
    assert_eq!(o.status.code(), Some(1));
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["line"], 2);
}

#[test]
fn config_file_found_upwards_and_unknown_keys_rejected() {
    let d = tempfile::tempdir().unwrap();
    let sub = d.path().join("src").join("deep");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("a.txt"), "mail ops@ourtelco-test.co.uk, phone 07911 123456, ip 81.2.69.160\n").unwrap();
    std::fs::write(
        d.path().join(".piiscan.toml"),
        "kinds = [\"email\", \"phone\"]\nmin_score = 0.6\n[allow]\nemail_domains = [\"ourtelco-test.co.uk\"]\nvalues = [{ kind = \"phone\", value = \"+44 7911 123456\" }]\n[redact]\nstyles = { email = \"hash\" }\n",
    )
    .unwrap();
    let o = piiscan_in(&sub, &["scan", "--format", "jsonl", "."]);
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 2, "ip excluded by kinds: {}", out(&o));
    assert!(rows.iter().all(|r| r["test_data"] == true), "both allowed by the config: {}", out(&o));
    assert_eq!(o.status.code(), Some(0));
    // --no-config: everything back, nothing allowed.
    let o = piiscan_in(&sub, &["scan", "--format", "jsonl", "--no-config", "."]);
    assert_eq!(jsonl(&o).len(), 3);
    assert_eq!(o.status.code(), Some(1));
    // An unknown key is an error naming the key and the file.
    std::fs::write(d.path().join(".piiscan.toml"), "kinds = [\"email\"]\nmin_scroe = 0.6\n").unwrap();
    let o = piiscan_in(&sub, &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("min_scroe") && err(&o).contains(".piiscan.toml"), "{}", err(&o));
    std::fs::write(d.path().join(".piiscan.toml"), "[redact]\nstyles = { email = \"shred\" }\n").unwrap();
    let o = piiscan_in(&sub, &["scan", "."]);
    assert!(err(&o).contains("shred"), "{}", err(&o));
}

/// The official SARIF 2.1.0 schema, compiled.
fn sarif_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("file:///sarif-schema-2.1.0.json", schema).unwrap();
    let idx = compiler.compile("file:///sarif-schema-2.1.0.json", &mut schemas).unwrap();
    (schemas, idx)
}

fn validate_sarif(doc: &serde_json::Value) {
    let (schemas, idx) = sarif_schema();
    if let Err(e) = schemas.validate(doc, idx) {
        panic!("SARIF does not validate: {e:#}");
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let o = piiscan_in(&fixtures, &["scan", "--format", "sarif", "-g", "!generate.py", "-g", "!gold.jsonl", "."]);
    let doc: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 1000);
    validate_sarif(&doc);
    // No raw values anywhere.
    assert!(!out(&o).contains("@gmail.com"));
    // A document that breaks the schema is caught (the check can fail).
    let mut bad = doc.clone();
    bad["runs"][0]["results"][0]["level"] = serde_json::json!("catastrophic");
    let (schemas, idx) = sarif_schema();
    assert!(schemas.validate(&bad, idx).is_err());
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "user.name=CI", "-c", "user.email=ci@example.com", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn demo_repository_fake_passes_leak_fails_with_sarif_line() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir_all(repo.join("tests/fixtures")).unwrap();
    std::fs::write(
        repo.join("tests/fixtures/customers.json"),
        "[{\"name\": \"Test User\", \"email\": \"test.user@example.com\", \"phone\": \"07700 900461\", \"card\": \"4242 4242 4242 4242\", \"ip\": \"203.0.113.9\"}]\n",
    )
    .unwrap();
    git(repo, &["add", "."]);
    let o = piiscan_in(repo, &["scan", "--staged", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(0), "fake data must pass: {}{}", out(&o), err(&o));
    git(repo, &["commit", "-q", "-m", "fixtures"]);

    // A recorded API response with a real-looking customer slips in.
    std::fs::write(
        repo.join("tests/fixtures/recorded.json"),
        "{\n  \"status\": \"ok\",\n  \"customer\": {\"mobile\": \"07911 123456\"}\n}\n",
    )
    .unwrap();
    git(repo, &["add", "tests/fixtures/recorded.json"]);
    let o = piiscan_in(repo, &["scan", "--staged", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let doc: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    validate_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "tests/fixtures/recorded.json");
    assert_eq!(loc["region"]["startLine"], 3);
    assert_eq!(results[0]["level"], "warning");

    // --staged scans the index, not the working tree: unstaged edits do not count.
    std::fs::write(repo.join("tests/fixtures/recorded.json"), "{}\n").unwrap();
    assert_eq!(piiscan_in(repo, &["scan", "--staged"]).status.code(), Some(1));
    git(repo, &["add", "."]);
    assert_eq!(piiscan_in(repo, &["scan", "--staged"]).status.code(), Some(0));

    // --since: files changed since a revision.
    git(repo, &["commit", "-q", "-m", "empty response"]);
    std::fs::write(repo.join("notes.txt"), "call back on 07911 123457\n").unwrap();
    git(repo, &["add", "notes.txt"]);
    git(repo, &["commit", "-q", "-m", "notes"]);
    let o = piiscan_in(repo, &["scan", "--since", "HEAD~1", "--format", "jsonl"]);
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["path"], "notes.txt");
    assert_eq!(piiscan_in(repo, &["scan", "--since", "HEAD"]).status.code(), Some(0));
}
