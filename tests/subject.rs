//! Data subject requests on `fixtures/subjects/`: occurrence precision and
//! recall against gold with floors, namesakes never matched, hashed requests
//! equal to plaintext, erasure that removes one person and nobody else,
//! export packs, and one pass for a batch of requests.
//!
//! Run `cargo test --test subject -- --nocapture` to see the table.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{copy_tree, jsonl, piiscan, stderr, walk};
use serde_json::Value;

/// Occurrence-level floors (precision, recall) for `match` strength.
const PRECISION_FLOOR: f64 = 0.95;
const RECALL_FLOOR: f64 = 0.98;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/subjects")
}

fn store() -> PathBuf {
    dir().join("store")
}

fn requests() -> String {
    dir().join("requests.json").to_string_lossy().into_owned()
}

/// (subject, path relative to the store, start, end) → kind.
type Occ = BTreeMap<(String, String, u64, u64), String>;

fn read_gold(file: &str) -> Vec<Value> {
    std::fs::read_to_string(dir().join(file)).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn find(root: &Path, extra: &[&str]) -> (Vec<Value>, std::process::Output) {
    let r = root.to_string_lossy().into_owned();
    let mut args = vec!["subject", "find", "--format", "jsonl", "-q", r.as_str()];
    args.extend_from_slice(extra);
    let o = piiscan(&args);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    (jsonl(&o), o)
}

fn by_strength(root: &Path, found: &[Value], strength: &str) -> Occ {
    found
        .iter()
        .filter(|v| v["strength"] == strength)
        .map(|v| {
            let p = Path::new(v["path"].as_str().unwrap()).strip_prefix(root).unwrap().to_string_lossy().into_owned();
            (
                (
                    v["subject"].as_str().unwrap().to_string(),
                    p,
                    v["start"].as_u64().unwrap(),
                    v["end"].as_u64().unwrap(),
                ),
                v["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn occurrence_precision_recall_and_namesakes() {
    let gold: Occ = read_gold("gold.jsonl")
        .iter()
        .map(|g| {
            (
                (
                    g["subject"].as_str().unwrap().to_string(),
                    g["path"].as_str().unwrap().to_string(),
                    g["start"].as_u64().unwrap(),
                    g["end"].as_u64().unwrap(),
                ),
                g["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (found, _) = find(&store(), &["--subjects", &requests()]);
    let matched = by_strength(&store(), &found, "match");
    let mut rows: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new(); // kind → (tp, fp, fn)
    for (k, kind) in &matched {
        let e = rows.entry(kind.clone()).or_default();
        if gold.contains_key(k) {
            e.0 += 1;
        } else {
            e.1 += 1;
            eprintln!("false match: {k:?} {kind}");
        }
    }
    for (k, kind) in &gold {
        if !matched.contains_key(k) {
            rows.entry(kind.clone()).or_default().2 += 1;
            eprintln!("missed: {k:?} {kind}");
        }
    }
    eprintln!("{:<14} {:>5} {:>5} {:>5} {:>9} {:>7}", "kind", "tp", "fp", "fn", "precision", "recall");
    let (mut tp, mut fp, mut fne) = (0, 0, 0);
    for (kind, (t, f, n)) in &rows {
        eprintln!(
            "{kind:<14} {t:>5} {f:>5} {n:>5} {:>9.3} {:>7.3}",
            *t as f64 / (t + f).max(1) as f64,
            *t as f64 / (t + n).max(1) as f64
        );
        (tp, fp, fne) = (tp + t, fp + f, fne + n);
    }
    let (p, r) = (tp as f64 / (tp + fp) as f64, tp as f64 / (tp + fne) as f64);
    eprintln!("{:<14} {tp:>5} {fp:>5} {fne:>5} {p:>9.3} {r:>7.3}", "all");
    assert!(gold.len() >= 200, "the gold set shrank: {}", gold.len());
    assert!(p >= PRECISION_FLOOR, "precision {p:.3} < {PRECISION_FLOOR}");
    assert!(r >= RECALL_FLOOR, "recall {r:.3} < {RECALL_FLOOR}");

    // Every subject appears in 3+ documents of different formats.
    let mut formats: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (s, p, _, _) in gold.keys() {
        formats.entry(s).or_default().insert(p.rsplit('.').next().unwrap());
    }
    assert!(formats.len() >= 10 && formats.values().all(|f| f.len() >= 3), "{formats:?}");

    // No namesake span is ever a match; each is reported as excluded.
    let excluded = by_strength(&store(), &found, "excluded");
    let namesakes = read_gold("namesakes.jsonl");
    assert!(namesakes.len() >= 8);
    for n in &namesakes {
        let (p, s, e) = (n["path"].as_str().unwrap(), n["start"].as_u64().unwrap(), n["end"].as_u64().unwrap());
        let hit = |m: &Occ| m.keys().any(|(_, mp, ms, me)| mp == p && *ms < e && s < *me);
        assert!(!hit(&matched), "namesake matched: {n}");
        assert!(hit(&excluded), "namesake not reported as excluded: {n}");
    }
}

#[test]
fn hashed_requests_give_the_same_results_and_hold_no_plaintext() {
    let t = tempfile::tempdir().unwrap();
    let hashed = t.path().join("hashed.json");
    let o = piiscan(&["subject", "hash", "--subjects", &requests(), "-o", hashed.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&hashed).unwrap();
    let reqs: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(requests()).unwrap()).unwrap();
    for r in &reqs {
        for field in ["names", "emails", "phones", "dobs", "postcodes", "ids"] {
            for v in r[field].as_array().unwrap() {
                let v = v.as_str().unwrap();
                assert!(!text.to_lowercase().contains(&v.to_lowercase()), "{field} in clear in the hashed file");
            }
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&hashed).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let (plain, _) = find(&store(), &["--subjects", &requests()]);
    let (keyed, _) = find(&store(), &["--hashed", hashed.to_str().unwrap()]);
    assert!(!plain.is_empty());
    assert_eq!(plain, keyed);
    // Another key cannot use the file.
    let o = common::run_in(None, &["subject", "find", "--key", "other", "--hashed", hashed.to_str().unwrap(), "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("different key"), "{}", stderr(&o));
}

/// The requests file with one subject only.
fn one_request(dir: &Path, id: &str) -> PathBuf {
    let reqs: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(requests()).unwrap()).unwrap();
    let one: Vec<&Value> = reqs.iter().filter(|r| r["id"] == id).collect();
    let p = dir.join(format!("{id}.json"));
    std::fs::write(&p, serde_json::to_string(&one).unwrap()).unwrap();
    p
}

#[test]
fn erase_removes_the_subject_and_nobody_else() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    let out = t.path().join("out");
    std::fs::create_dir_all(&input).unwrap();
    copy_tree(&store(), &input);
    let s01 = one_request(t.path(), "S01");
    let s01s = s01.to_str().unwrap();
    let (before, _) = find(&input, &["--subjects", s01s]);
    let spans = by_strength(&input, &before, "match");
    assert!(spans.len() >= 10);
    let log = t.path().join("evidence.jsonl");
    let o = piiscan(&[
        "subject",
        "erase",
        input.to_str().unwrap(),
        "--subjects",
        s01s,
        "--out",
        out.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--verify",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 residual match(es)"), "{}", stderr(&o));
    // A rescan finds nothing at match strength.
    let (after, fo) = find(&out, &["--subjects", s01s]);
    assert_eq!(fo.status.code(), Some(0));
    assert!(by_strength(&out, &after, "match").is_empty());
    // Outside the erased spans every byte is the original's.
    let mut per_file: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for (_, p, s, e) in spans.keys() {
        per_file.entry(p).or_default().push((*s as usize, *e as usize));
    }
    let label = regex_label();
    for e in walk(&input) {
        let rel = e.strip_prefix(&input).unwrap().to_string_lossy().into_owned();
        let orig = std::fs::read(&e).unwrap();
        let red = std::fs::read(out.join(&rel)).unwrap();
        let mut spans = per_file.get(rel.as_str()).cloned().unwrap_or_default();
        // As erasure does: by start, longest first; a span inside an earlier one is covered.
        spans.sort_by_key(|&(s, e)| (s, std::cmp::Reverse(e)));
        spans.dedup();
        let (mut at, mut cursor) = (0usize, 0usize);
        for (s, e) in spans {
            if s < at {
                continue;
            }
            let gap = &orig[at..s];
            assert_eq!(&red[cursor..cursor + gap.len()], gap, "{rel}: bytes before {s} changed");
            cursor += gap.len();
            let close = red[cursor..].iter().position(|&b| b == b']').expect("a label") + 1;
            assert!(label(&red[cursor..cursor + close]), "{rel}: replacement is not a label");
            cursor += close;
            at = e;
        }
        assert_eq!(&red[cursor..], &orig[at..], "{rel}: tail changed");
    }
    // Everybody else is still there, exactly as before.
    let (all_before, _) = find(&input, &["--subjects", &requests()]);
    let (all_after, _) = find(&out, &["--subjects", &requests()]);
    let count = |v: &[Value], s: &str| v.iter().filter(|o| o["subject"] == s && o["strength"] == "match").count();
    for i in 2..=12 {
        let s = format!("S{i:02}");
        assert_eq!(count(&all_before, &s), count(&all_after, &s), "{s}");
    }
    assert_eq!(count(&all_after, "S01"), 0);
    // The evidence log has no values.
    let log = std::fs::read_to_string(&log).unwrap();
    assert_eq!(log.lines().count(), spans.len() - overlaps(&spans));
    let req: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&s01).unwrap()).unwrap();
    assert!(!log.contains(req[0]["emails"][0].as_str().unwrap()));
}

fn overlaps(spans: &Occ) -> usize {
    let mut v: Vec<(u64, u64, &str)> = spans.keys().map(|(_, p, s, e)| (*s, *e, p.as_str())).collect();
    v.sort_by_key(|(s, e, p)| (*p, *s, std::cmp::Reverse(*e)));
    v.windows(2).filter(|w| w[0].2 == w[1].2 && w[1].0 < w[0].1).count()
}

fn regex_label() -> impl Fn(&[u8]) -> bool {
    |b: &[u8]| {
        b.len() > 2
            && b[0] == b'['
            && b[b.len() - 1] == b']'
            && b[1..b.len() - 1].iter().all(|c| c.is_ascii_uppercase() || *c == b'_')
    }
}

#[test]
fn export_pack_and_text_report() {
    let t = tempfile::tempdir().unwrap();
    let pack = t.path().join("pack");
    let o = piiscan(&[
        "subject",
        "find",
        store().to_str().unwrap(),
        "--subjects",
        &requests(),
        "--export",
        pack.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = common::stdout(&o);
    assert!(
        report.contains("subject S01:") && report.contains("  store ") && report.contains("record: row "),
        "{report}"
    );
    // Masked: no raw email of any subject in the report.
    let reqs: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(requests()).unwrap()).unwrap();
    for r in &reqs {
        assert!(!report.contains(r["emails"][0].as_str().unwrap()));
    }
    for r in &reqs {
        let id = r["id"].as_str().unwrap();
        let records: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(pack.join(id).join("records.json")).unwrap()).unwrap();
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(pack.join(id).join("manifest.json")).unwrap()).unwrap();
        assert!(records.len() >= 3, "{id}: {} records", records.len());
        assert_eq!(manifest["records"].as_array().unwrap().len(), records.len());
        // A CSV row comes with its headers; a JSON object parsed; a call as timed segments.
        for rec in &records {
            let p = rec["path"].as_str().unwrap();
            if p.ends_with(".csv") {
                assert!(rec["record"]["email"].is_string() && rec["location"]["row"].is_u64(), "{rec}");
            } else if p.ends_with(".json") {
                assert!(rec["record"]["ref"].is_string() && rec["location"]["pointer"].is_string(), "{rec}");
            } else if p.ends_with(".vtt") {
                let segs = rec["record"]["segments"].as_array().unwrap();
                assert!(!segs.is_empty() && segs.iter().all(|s| s["start"].is_f64() && s["end"].is_f64()), "{rec}");
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(pack.join(id).join("records.json")).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o600);
        }
    }
    // An export directory inside the input is refused.
    let o = piiscan(&[
        "subject",
        "find",
        t.path().to_str().unwrap(),
        "--subjects",
        &requests(),
        "--export",
        pack.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn one_pass_for_a_batch_gives_the_same_matches() {
    // 1,000 requests: the 12 real ones and 988 made-up people. The real
    // subjects' occurrences must be exactly those of the 12-request run.
    let t = tempfile::tempdir().unwrap();
    let mut reqs: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(requests()).unwrap()).unwrap();
    for i in 0..988 {
        reqs.push(serde_json::json!({
            "id": format!("X{i:04}"),
            "names": [format!("Person{} Surname{}", i, i * 7)],
            "emails": [format!("person{i}@nowhere.example")],
            "phones": [format!("07700 9{:05}", i)],
            "dobs": [format!("19{:02}-0{}-1{}", 40 + i % 60, 1 + i % 9, i % 10)],
            "ids": [format!("ZZ-{:06}", i)],
        }));
    }
    let batch = t.path().join("batch.json");
    std::fs::write(&batch, serde_json::to_string(&reqs).unwrap()).unwrap();
    let (small, _) = find(&store(), &["--subjects", &requests()]);
    let (big, _) = find(&store(), &["--subjects", batch.to_str().unwrap()]);
    let real: Vec<&Value> = big.iter().filter(|v| v["subject"].as_str().unwrap().starts_with('S')).collect();
    assert_eq!(real.len(), small.len());
    assert!(real.iter().zip(&small).all(|(a, b)| *a == b));
}

#[test]
fn bad_requests_name_the_field_not_the_value() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("r.json");
    std::fs::write(&p, r#"[{"id":"S9","phones":["0123"],"names":["Jane Doe"]}]"#).unwrap();
    let o = piiscan(&["subject", "find", ".", "--subjects", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("S9") && e.contains("phones[0]") && !e.contains("0123"), "{e}");
    std::fs::write(&p, r#"[{"id":"S9","nmes":["Jane Doe"]}]"#).unwrap();
    let o = piiscan(&["subject", "find", ".", "--subjects", p.to_str().unwrap()]);
    assert!(stderr(&o).contains("unknown field"), "{}", stderr(&o));
    // A single name is refused: it would match every namesake.
    let o = piiscan(&["subject", "find", ".", "--name", "Jane"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Issue 23: a subject's IMEI or SIM serial, given in one written form,
/// is a strong identifier in any other (dashed, spaced, plain), and the
/// record around it (the name in the same CSV row) comes with it.
#[test]
fn device_identifiers_match_in_any_written_form() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("devices.csv"),
        "customer,imei,sim\nJane Okafor,35-693803-564381-7,8944 1101 2345 6789 013\nTom Reed,352099001761481,8944500102198304826\n",
    )
    .unwrap();
    std::fs::write(d.path().join("chat.txt"), "Customer: my IMEI is 356938035643817, SIM 8944110123456789013\n")
        .unwrap();
    for id in ["356938035643817", "8944110123456789013"] {
        let (found, _) = find(d.path(), &["--id", id, "--name", "Jane Okafor"]);
        let matched: Vec<(&str, &str)> = found
            .iter()
            .filter(|v| v["strength"] == "match")
            .map(|v| (v["path"].as_str().unwrap().rsplit('/').next().unwrap(), v["kind"].as_str().unwrap()))
            .collect();
        assert!(matched.contains(&("devices.csv", "id")), "{id}: {matched:?}");
        assert!(matched.contains(&("devices.csv", "name")), "{id}: {matched:?}");
        assert!(matched.contains(&("chat.txt", "id")), "{id}: {matched:?}");
        assert!(!found.iter().any(|v| v["line"] == 3), "{id}: Tom Reed's row matched: {found:?}");
    }
}
