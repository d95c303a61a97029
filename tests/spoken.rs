//! Spoken forms in call transcripts (`fixtures/spoken/`): precision and
//! recall of values read out as words against gold spans, with floors; a
//! card read over two cues reported once with both cues' times; redaction
//! removes the spoken words.
//!
//! `cargo test --test spoken -- --nocapture` prints the per-kind table.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{jsonl, piiscan, stderr};
use serde_json::Value;

const PRECISION_FLOOR: f64 = 0.90;
const RECALL_FLOOR: f64 = 0.85;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/spoken")
}

type Span = (String, String, u64, u64);

fn spoken_findings(root: &Path) -> Vec<Value> {
    let o = piiscan(&["scan", "--format", "jsonl", "-q", "-g", "!gold.jsonl", root.to_str().unwrap()]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    jsonl(&o).into_iter().filter(|f| f["spoken"] == true).collect()
}

fn span(root: &Path, v: &Value) -> Span {
    let p = Path::new(v["path"].as_str().unwrap()).strip_prefix(root).unwrap().to_string_lossy().into_owned();
    (p, v["kind"].as_str().unwrap().into(), v["start"].as_u64().unwrap(), v["end"].as_u64().unwrap())
}

#[test]
fn spoken_values_meet_the_floors() {
    let gold: BTreeSet<Span> = std::fs::read_to_string(dir().join("gold.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["path"].as_str().unwrap().into(),
                v["kind"].as_str().unwrap().into(),
                v["start"].as_u64().unwrap(),
                v["end"].as_u64().unwrap(),
            )
        })
        .collect();
    let found: BTreeSet<Span> = spoken_findings(&dir()).iter().map(|v| span(&dir(), v)).collect();
    let mut rows: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for f in &found {
        let e = rows.entry(f.1.clone()).or_default();
        if gold.contains(f) {
            e.0 += 1;
        } else {
            e.1 += 1;
            eprintln!("false: {f:?}");
        }
    }
    for g in gold.difference(&found) {
        rows.entry(g.1.clone()).or_default().2 += 1;
        eprintln!("missed: {g:?}");
    }
    eprintln!("| kind | gold | found | precision | recall |\n|---|---:|---:|---:|---:|");
    for (k, (tp, fp, fne)) in &rows {
        eprintln!(
            "| {k} | {} | {} | {:.3} | {:.3} |",
            tp + fne,
            tp + fp,
            *tp as f64 / (tp + fp).max(1) as f64,
            *tp as f64 / (tp + fne).max(1) as f64
        );
    }
    let tp = gold.intersection(&found).count() as f64;
    let (p, r) = (tp / found.len().max(1) as f64, tp / gold.len() as f64);
    eprintln!("| all | {} | {} | {p:.3} | {r:.3} |", gold.len(), found.len());
    assert!(gold.len() >= 100);
    for kind in [
        "phone",
        "payment_card",
        "email",
        "date_of_birth",
        "uk_postcode",
        "uk_nino",
        "nhs_number",
        "uk_bank_account",
        "iban",
        "ip_address",
    ] {
        assert!(gold.iter().any(|g| g.1 == kind), "no spoken {kind} in the gold set");
    }
    assert!(p >= PRECISION_FLOOR, "precision {p:.3} < {PRECISION_FLOOR}");
    assert!(r >= RECALL_FLOOR, "recall {r:.3} < {RECALL_FLOOR}");
}

#[test]
fn a_card_read_over_two_cues_is_one_finding_with_both_times() {
    let f = dir().join("call_000.vtt");
    let found = spoken_findings(&f);
    let cards: Vec<&Value> = found.iter().filter(|v| v["kind"] == "payment_card").collect();
    assert_eq!(cards.len(), 1, "{cards:?}");
    let c = cards[0];
    let pieces = c["pieces"].as_array().unwrap();
    assert_eq!(pieces.len(), 2);
    let text = std::fs::read_to_string(&f).unwrap();
    // The times are those of the two cues the pieces are in.
    let cue_times = |at: usize| -> (f64, f64) {
        let head = &text[..at];
        let line = head[..head.rfind("-->").unwrap()].rsplit('\n').next().unwrap().to_string()
            + &head[head.rfind("-->").unwrap()..];
        let secs = |s: &str| s.trim().split(':').fold(0.0, |a, x| a * 60.0 + x.parse::<f64>().unwrap());
        let (a, b) = line.split_once("-->").unwrap();
        (secs(a), secs(b.split_whitespace().next().unwrap()))
    };
    let first = cue_times(pieces[0][0].as_u64().unwrap() as usize);
    let last = cue_times(pieces[1][0].as_u64().unwrap() as usize);
    assert!(first.0 < last.0);
    assert_eq!(c["location"]["time"]["start"].as_f64().unwrap(), first.0);
    assert_eq!(c["location"]["time"]["end"].as_f64().unwrap(), last.1);
}

#[test]
fn redaction_removes_the_spoken_words() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o =
        piiscan(&["redact", dir().to_str().unwrap(), "--out", out.to_str().unwrap(), "-g", "!gold.jsonl", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 residual finding(s)"), "{}", stderr(&o));
    let before = std::fs::read_to_string(dir().join("call_000.vtt")).unwrap();
    let after = std::fs::read_to_string(out.join("call_000.vtt")).unwrap();
    assert!(after.contains("[PAYMENT_CARD]") && after.contains("[EMAIL]") && after.contains("[PHONE]"), "{after}");
    // Timings untouched.
    let times = |s: &str| s.lines().filter(|l| l.contains("-->")).map(String::from).collect::<Vec<_>>();
    assert_eq!(times(&before), times(&after));
    assert!(spoken_findings(&out).is_empty());
}

/// Inside a container, a spoken value keeps the offsets of the member's
/// text: before the fix, every spoken form rewritten before it ("one two
/// three", "forty two") shifted it by the bytes the rewrite saved (here 17:
/// the finding pointed into the line before).
#[test]
fn spoken_values_inside_a_gzip_member_keep_its_offsets() {
    use std::io::Write;
    let text = "version one two three of the thing\n    * Fix forty two bugs in json_util\n    \
                Zachary Blair, zack_blair at hotmail dot com\n";
    let tmp = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(tmp.path().join("notes.txt.gz"), gz.finish().unwrap()).unwrap();
    let found = spoken_findings(tmp.path());
    let email = found.iter().find(|f| f["kind"] == "email").expect("the spoken email is found");
    assert_eq!(email["location"]["member"], "notes.txt");
    let (s, e) = (email["start"].as_u64().unwrap() as usize, email["end"].as_u64().unwrap() as usize);
    assert_eq!(&text[s..e], "zack_blair at hotmail dot com");
}
