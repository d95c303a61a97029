//! Detection quality on the labelled fixtures: precision, recall and F1 per
//! kind against `fixtures/gold.jsonl`, with floors that only ever go up.
//!
//! A finding counts as a true positive only if its kind and exact byte span
//! match a gold span. Run with `cargo test --test accuracy -- --nocapture` to
//! see the table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (precision, recall) floors per kind.
const FLOORS: &[(&str, f64, f64)] = &[
    ("email", 0.95, 0.95),
    ("ip_address", 0.95, 0.95),
    ("payment_card", 0.95, 0.95),
    ("uk_nino", 0.95, 0.95),
    ("iban", 0.95, 0.95),
    ("nhs_number", 0.95, 0.95),
    ("phone", 0.90, 0.90),
    ("uk_postcode", 0.90, 0.90),
    ("uk_bank_account", 0.90, 0.90),
    ("date_of_birth", 0.90, 0.90),
    ("name", 0.90, 0.88),
    ("imei", 0.95, 0.90),
    ("iccid", 0.95, 0.90),
    ("imsi", 0.95, 0.90),
    ("mac_address", 0.95, 0.90),
    ("advertising_id", 0.95, 0.90),
    ("credential", 0.95, 0.90),
    ("postal_address", 0.95, 0.95),
];

/// Kinds scored by overlap rather than exact span.
const OVERLAP: &[&str] = &["postal_address"];

mod common;

type Span = (String, String, u64, u64);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn gold() -> BTreeSet<Span> {
    let text = std::fs::read_to_string(fixtures().join("gold.jsonl")).expect("fixtures/gold.jsonl");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["path"].as_str().unwrap().to_string(),
                v["kind"].as_str().unwrap().to_string(),
                v["start"].as_u64().unwrap(),
                v["end"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn scan_fixtures() -> Vec<Span> {
    // The development set (`dev/`) is scored on its own, by `tests/dev_set.rs`.
    let globs = ["!*.py", "!gold.jsonl", "!subjects/", "!formats/", "!spoken/", "!dev/"];
    common::scan_tree(&fixtures(), &globs, 0.5).into_iter().map(|f| (f.rel, f.kind, f.start, f.end)).collect()
}

#[test]
fn accuracy_floors_per_kind() {
    let gold = gold();
    let found: BTreeSet<Span> = scan_fixtures().into_iter().collect();
    let mut table: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (kind, _, _) in FLOORS.iter().map(|(k, p, r)| (*k, p, r)) {
        let g: BTreeSet<&Span> = gold.iter().filter(|s| s.1 == kind).collect();
        let f: BTreeSet<&Span> = found.iter().filter(|s| s.1 == kind).collect();
        let (tp, fp) = if OVERLAP.contains(&kind) {
            // Scored on the span's overlap (issue 23): an address's first
            // part is a judgement call (`Flat 3`, a house name).
            let hit = |a: &Span, b: &Span| a.0 == b.0 && a.2 < b.3 && b.2 < a.3;
            let tp = g.iter().filter(|gs| f.iter().any(|fs| hit(gs, fs))).count();
            (tp, f.iter().filter(|fs| !g.iter().any(|gs| hit(gs, fs))).count())
        } else {
            let tp = g.intersection(&f).count();
            (tp, f.len() - tp)
        };
        table.insert(kind, (tp, fp, g.len() - tp));
    }
    println!("\n| kind | gold | found | TP | FP | FN | precision | recall | F1 |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut failures = Vec::new();
    for &(kind, pf, rf) in FLOORS {
        let (tp, fp, fnn) = table[kind];
        let p = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
        let r = if tp + fnn == 0 { 1.0 } else { tp as f64 / (tp + fnn) as f64 };
        let f1 = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
        println!("| {kind} | {} | {} | {tp} | {fp} | {fnn} | {p:.3} | {r:.3} | {f1:.3} |", tp + fnn, tp + fp);
        assert!(tp + fnn >= 5, "{kind}: fewer than 5 gold spans; the fixtures do not test it");
        if p < pf || r < rf {
            failures.push(format!("{kind}: precision {p:.3} (floor {pf}), recall {r:.3} (floor {rf})"));
        }
    }
    // Show the mistakes, so a failing floor says what to look at (fixtures are synthetic).
    if !failures.is_empty() || std::env::var_os("PIISCAN_ACCURACY_DETAIL").is_some() {
        for s in found.difference(&gold).filter(|s| table.contains_key(s.1.as_str())) {
            println!("FP {s:?}");
        }
        for s in gold.difference(&found) {
            println!("FN {s:?}");
        }
    }
    // Names per format (file extension): the README table.
    println!("\n| format | name gold | precision | recall |");
    println!("|---|---:|---:|---:|");
    let ext = |s: &Span| Path::new(&s.0).extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
    let mut exts: Vec<String> = gold.iter().filter(|s| s.1 == "name").map(ext).collect();
    exts.sort();
    exts.dedup();
    for e in exts {
        let g: BTreeSet<&Span> = gold.iter().filter(|s| s.1 == "name" && ext(s) == e).collect();
        let f: BTreeSet<&Span> = found.iter().filter(|s| s.1 == "name" && ext(s) == e).collect();
        let tp = g.intersection(&f).count();
        let p = if f.is_empty() { 1.0 } else { tp as f64 / f.len() as f64 };
        println!("| {e} | {} | {p:.3} | {:.3} |", g.len(), tp as f64 / g.len() as f64);
    }
    assert!(failures.is_empty(), "accuracy floors not met:\n{}", failures.join("\n"));
}
