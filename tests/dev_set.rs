//! Detection quality on the development set (`fixtures/dev/`), which the
//! rule authors did not write: a helper that had not read the detectors
//! generated it from `fixtures/dev/BRIEF.md`. Reported apart from the
//! fixtures' table, with floors of its own that only go up.
//!
//! Scoring is by overlap, not exact span: the set's labeller chose its own
//! span conventions (a title outside a name, a value split over cues as
//! pieces of one group), so a gold value counts as found when a finding of
//! the same kind overlaps any of its pieces, and a finding is a false
//! positive when it overlaps no gold value of its kind.
//!
//! The test prints the per-class report that rule work is driven by:
//! misses by kind × layout × cause, and false positives by kind × layout.
//! Causes: `low score` (a candidate of that kind exists below the reporting
//! threshold, so context or scoring judged it wrongly), `other kind` (the
//! bytes were reported as another kind), `no candidate` (no rule matched).
//! Read the report, not the documents: the set stays independent only while
//! nobody tunes rules to its individual files.
//!
//! `cargo test --test dev_set -- --nocapture` prints the tables.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::Found;

/// (kind, precision floor, recall floor) on the dev set, as measured after
/// the issue 18 rule changes (2026-12-06); raise them as the rules improve.
/// NHS recall: 0.808, then 0.788 with record-bounded context windows (one
/// value whose cue sat across a blank line), then 1.000 with NHS columns
/// judged by content.
const FLOORS: &[(&str, f64, f64)] = &[
    ("email", 0.99, 0.98),
    ("ip_address", 0.96, 0.99),
    ("payment_card", 0.74, 0.90),
    ("uk_nino", 1.00, 0.98),
    ("iban", 1.00, 0.98),
    ("nhs_number", 1.00, 1.00),
    ("phone", 0.99, 0.98),
    ("uk_postcode", 1.00, 0.96),
    ("uk_bank_account", 1.00, 0.94),
    ("date_of_birth", 0.99, 0.92),
    ("name", 0.98, 0.895),
    ("imei", 0.97, 0.99),
    ("iccid", 1.00, 0.98),
    ("imsi", 1.00, 0.98),
    ("mac_address", 0.98, 0.97),
    ("advertising_id", 1.00, 1.00),
    ("credential", 0.98, 0.94),
    ("postal_address", 0.96, 0.96),
];

/// Recall floor for values read out as words, over the kinds scored when
/// it was set (before the device identifiers of issue 23, whose spoken
/// values are reported per kind beside it: adding kinds must not move an
/// old floor either way).
const SPOKEN_RECALL_FLOOR: f64 = 0.92;
const SPOKEN_FLOOR_KINDS: &[&str] = &[
    "email",
    "ip_address",
    "payment_card",
    "uk_nino",
    "iban",
    "nhs_number",
    "phone",
    "uk_postcode",
    "uk_bank_account",
    "date_of_birth",
    "name",
];

fn dev() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dev")
}

/// One gold value: its pieces (one unless split over cues).
#[derive(Debug)]
struct Unit {
    path: String,
    kind: String,
    spans: Vec<(u64, u64)>,
    spoken: bool,
}

impl Unit {
    fn layout(&self) -> &str {
        self.path.split('/').next().unwrap_or("")
    }

    /// Layout and file type (`cdr .txt`): the class a miss belongs to.
    fn format(&self) -> String {
        let name = self.path.rsplit('/').next().unwrap_or("");
        let ext = name.rsplit_once('.').map_or("(none)", |(_, e)| e);
        format!("{} .{ext}", self.layout())
    }
}

fn gold() -> Vec<Unit> {
    let text = std::fs::read_to_string(dev().join("gold.jsonl")).expect("fixtures/dev/gold.jsonl");
    let mut units: Vec<Unit> = Vec::new();
    let mut groups: BTreeMap<(String, String), usize> = BTreeMap::new();
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let path = v["path"].as_str().unwrap().to_string();
        let kind = v["kind"].as_str().unwrap().to_string();
        let span = (v["start"].as_u64().unwrap(), v["end"].as_u64().unwrap());
        let spoken = v["spoken"].as_bool().unwrap_or(false);
        if let Some(g) = v["group"].as_str() {
            let key = (path.clone(), format!("{kind}\u{0}{g}"));
            if let Some(&i) = groups.get(&key) {
                units[i].spans.push(span);
                units[i].spoken |= spoken;
                continue;
            }
            groups.insert(key, units.len());
        }
        units.push(Unit { path, kind, spans: vec![span], spoken });
    }
    units
}

fn overlaps(a: (u64, u64), b: (u64, u64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Findings indexed by file, for overlap look-ups.
fn by_file(found: &[Found]) -> BTreeMap<&str, Vec<&Found>> {
    let mut m: BTreeMap<&str, Vec<&Found>> = BTreeMap::new();
    for f in found {
        m.entry(f.rel.as_str()).or_default().push(f);
    }
    m
}

fn hits(idx: &BTreeMap<&str, Vec<&Found>>, u: &Unit, kind: Option<&str>) -> bool {
    idx.get(u.path.as_str()).is_some_and(|fs| {
        fs.iter().any(|f| {
            kind.is_none_or(|k| f.kind == k) && f.spans().iter().any(|&s| u.spans.iter().any(|&g| overlaps(s, g)))
        })
    })
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

#[test]
fn dev_set_per_kind_and_miss_report() {
    // The set's own documentation is left out by its root-anchored path:
    // the CVs are Markdown too, and an unanchored `!*.md` once dropped
    // them from the scan while their gold stayed in the denominator.
    let globs = ["!*.py", "!/BRIEF.md", "!/README.md", "!/SOURCES.md", "!gold.jsonl", "!third_party/"];
    let found = common::scan_tree(&dev(), &globs, 0.5);
    let low = common::scan_tree(&dev(), &globs, 0.0);
    let units = gold();
    let (idx, idx_low) = (by_file(&found), by_file(&low));
    let unscanned: BTreeSet<&str> =
        units.iter().map(|u| u.path.as_str()).filter(|p| !idx_low.contains_key(*p)).collect();
    assert!(unscanned.is_empty(), "gold files with no candidate at all (left out of the walk?): {unscanned:?}");
    let scored: BTreeSet<&str> = FLOORS.iter().map(|f| f.0).collect();

    // Gold by (file, kind), for false positives.
    let mut gold_spans: BTreeMap<(&str, &str), Vec<(u64, u64)>> = BTreeMap::new();
    for u in &units {
        gold_spans.entry((u.path.as_str(), u.kind.as_str())).or_default().extend(&u.spans);
    }

    let mut per_kind: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new(); // (gold, tp, fp)
    let mut misses: BTreeMap<(String, String, &str), usize> = BTreeMap::new();
    // For misses: (kind, best score below the threshold or "none", the word
    // right before the value on its line), the class-level clue to which
    // cue or rule judged them wrongly.
    let mut low_clues: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let (mut spoken, mut spoken_tp) = (0, 0);
    // Spoken values missed, by (kind, layout, cause): issue 19's own report.
    let mut spoken_misses: BTreeMap<(String, String, &str), usize> = BTreeMap::new();
    let mut spoken_by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for u in &units {
        let e = per_kind.entry(u.kind.clone()).or_default();
        e.0 += 1;
        let hit = hits(&idx, u, Some(&u.kind));
        if u.spoken && scored.contains(u.kind.as_str()) {
            spoken += 1;
            spoken_tp += hit as usize;
            let e = spoken_by_kind.entry(u.kind.as_str()).or_default();
            (e.0, e.1) = (e.0 + 1, e.1 + hit as usize);
        }
        if hit {
            e.1 += 1;
        } else if scored.contains(u.kind.as_str()) {
            let cause = if hits(&idx_low, u, Some(&u.kind)) {
                let best = idx_low[u.path.as_str()]
                    .iter()
                    .filter(|f| f.kind == u.kind && f.spans().iter().any(|&s| u.spans.iter().any(|&g| overlaps(s, g))))
                    .map(|f| f.score)
                    .fold(0.0f32, f32::max);
                let clue = (u.kind.clone(), format!("{best:.2}"), word_before(&dev().join(&u.path), u.spans[0].0));
                *low_clues.entry(clue).or_default() += 1;
                "low score"
            } else if hits(&idx, u, None) {
                "other kind"
            } else {
                let clue = (u.kind.clone(), "none".to_string(), word_before(&dev().join(&u.path), u.spans[0].0));
                *low_clues.entry(clue).or_default() += 1;
                "no candidate"
            };
            *misses.entry((u.kind.clone(), u.format(), cause)).or_default() += 1;
            if u.spoken {
                *spoken_misses.entry((u.kind.clone(), u.format(), cause)).or_default() += 1;
            }
        }
    }
    let mut fps: BTreeMap<(String, String), usize> = BTreeMap::new();
    for f in &found {
        let g = gold_spans.get(&(f.rel.as_str(), f.kind.as_str()));
        let matched = g.is_some_and(|g| f.spans().iter().any(|&s| g.iter().any(|&gs| overlaps(s, gs))));
        if !matched {
            per_kind.entry(f.kind.clone()).or_default().2 += 1;
            let layout = f.rel.split('/').next().unwrap_or("").to_string();
            *fps.entry((f.kind.clone(), layout)).or_default() += 1;
        }
    }

    println!("\nDevelopment set (fixtures/dev), overlap scoring");
    println!("| kind | gold | found | missed | false pos. | precision | recall | F1 |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut failures = Vec::new();
    let (mut all_tp, mut all_gold, mut all_fp) = (0, 0, 0);
    for (kind, &(g, tp, fp)) in &per_kind {
        if !scored.contains(kind.as_str()) {
            continue;
        }
        let (p, r) = (ratio(tp, tp + fp), ratio(tp, g));
        let f1 = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
        println!("| {kind} | {g} | {tp} | {} | {fp} | {p:.3} | {r:.3} | {f1:.3} |", g - tp);
        (all_tp, all_gold, all_fp) = (all_tp + tp, all_gold + g, all_fp + fp);
        let &(_, pf, rf) = FLOORS.iter().find(|f| f.0 == kind).unwrap();
        if p < pf || r < rf {
            failures.push(format!("{kind}: precision {p:.3} (floor {pf}), recall {r:.3} (floor {rf})"));
        }
    }
    let (p, r) = (ratio(all_tp, all_tp + all_fp), ratio(all_tp, all_gold));
    println!("| **all scored kinds** | {all_gold} | {all_tp} | {} | {all_fp} | {p:.3} | {r:.3} | |", all_gold - all_tp);
    let sr = ratio(spoken_tp, spoken);
    println!("\nspoken values: {spoken_tp} of {spoken} found (recall {sr:.3})");
    let by_kind: Vec<String> = spoken_by_kind.iter().map(|(k, (n, tp))| format!("{k} {tp}/{n}")).collect();
    println!("spoken values by kind: {}", by_kind.join(", "));
    let (n, tp) = spoken_by_kind
        .iter()
        .filter(|(k, _)| SPOKEN_FLOOR_KINDS.contains(k))
        .fold((0, 0), |(n, tp), (_, (a, b))| (n + a, tp + b));
    let sr_floor = ratio(tp, n);
    println!("spoken values of the kinds the floor was set on: {tp} of {n} (recall {sr_floor:.3})");
    if sr_floor < SPOKEN_RECALL_FLOOR {
        failures.push(format!("spoken recall {sr_floor:.3} (floor {SPOKEN_RECALL_FLOOR})"));
    }
    let unscored: Vec<String> = per_kind
        .iter()
        .filter(|(k, _)| !scored.contains(k.as_str()))
        .map(|(k, (g, tp, _))| format!("{k} {tp}/{g}"))
        .collect();
    println!("kinds piiscan does not detect yet (found/gold): {}", unscored.join(", "));

    print_misses("Misses by kind × layout × cause (top 60)", top(misses, 60));
    print_misses("Spoken values missed by kind × layout × cause (top 30)", top(spoken_misses, 30));
    let rows = top(low_clues, 40);
    println!("\nMisses by kind × best score (none: no candidate) × word before the value (top 40)");
    println!("| kind | score | word before | missed |");
    println!("|---|---:|---|---:|");
    for ((k, sc, w), n) in &rows {
        println!("| {k} | {sc} | {w} | {n} |");
    }
    let rows = top(fps, 30);
    println!("\nFalse positives by kind × layout (top 30)");
    println!("| kind | layout | false pos. |");
    println!("|---|---|---:|");
    for ((k, l), n) in &rows {
        println!("| {k} | {l} | {n} |");
    }
    assert!(failures.is_empty(), "dev-set floors not met:\n{}", failures.join("\n"));
}

/// A miss report's table: (kind, layout and file type, cause) and count.
fn print_misses(title: &str, rows: Vec<((String, String, &str), usize)>) {
    println!("\n{title}");
    println!("| kind | layout and file type | cause | missed |");
    println!("|---|---|---|---:|");
    for ((k, l, c), n) in &rows {
        println!("| {k} | {l} | {c} | {n} |");
    }
}

/// The `n` largest counts, largest first (ties in key order).
fn top<K: Ord>(counts: BTreeMap<K, usize>, n: usize) -> Vec<(K, usize)> {
    let mut rows: Vec<(K, usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rows.truncate(n);
    rows
}

/// The last alphabetic word before `pos` on its line (lower case), or `-`.
fn word_before(path: &Path, pos: u64) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let pos = (pos as usize).min(text.len());
    let line_start = text[..pos].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let before = &text[line_start..pos];
    let end = before.iter().rposition(u8::is_ascii_alphabetic).map_or(0, |i| i + 1);
    let start = before[..end].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |i| i + 1);
    if start == end {
        "-".into()
    } else {
        String::from_utf8_lossy(&before[start..end]).to_ascii_lowercase()
    }
}
