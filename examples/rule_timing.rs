//! Time each rule's regex alone over a file, and a multi-pattern "which
//! rules match in this chunk" gate (developer tool for tuning patterns):
//! `cargo run --release --example rule_timing -- FILE`.
use std::time::Instant;

use regex_automata::{meta, util::syntax, Input, PatternSet};

fn main() {
    let path = std::env::args().nth(1).expect("usage: rule_timing FILE");
    let hay = std::fs::read(path).expect("read file");
    let rules = piiscan::rules::RuleSet::builtin().expect("rules");
    for r in &rules.rules {
        let Some(re) = &r.regex else { continue };
        let t = Instant::now();
        let n = re.find_iter(Input::new(&hay)).count();
        let s = t.elapsed().as_secs_f64();
        println!("{:<24} {:>8} matches {:>8.1} MB/s  max_len={}", r.id, n, hay.len() as f64 / 1e6 / s, r.max_len);
    }
    let pats: Vec<&str> = rules.rules.iter().filter(|r| r.regex.is_some()).map(|r| r.def.regex.as_str()).collect();
    let set = meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(meta::Regex::config().match_kind(regex_automata::MatchKind::All))
        .build_many(&pats)
        .expect("set");
    let comb = meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(meta::Regex::config().hybrid_cache_capacity(16 << 20))
        .build_many(&pats)
        .expect("combined");
    let t = Instant::now();
    let mut per = vec![0usize; pats.len()];
    let mut n = 0;
    for m in comb.find_iter(Input::new(&hay)) {
        per[m.pattern().as_usize()] += 1;
        n += 1;
    }
    let s = t.elapsed().as_secs_f64();
    println!("combined: {n} spans, {:.1} MB/s", hay.len() as f64 / 1e6 / s);
    for (i, c) in per.iter().enumerate() {
        if *c > 0 {
            println!("   pattern {i:<3} {c}");
        }
    }
    for chunk in [256usize, 1024, 4096, 1 << 20] {
        let t = Instant::now();
        let mut ps = PatternSet::new(set.pattern_len());
        let mut hits = 0;
        let mut at = 0;
        while at < hay.len() {
            let end = (at + chunk).min(hay.len());
            ps.clear();
            set.which_overlapping_matches(&Input::new(&hay).range(at..end), &mut ps);
            hits += ps.len();
            at = end;
        }
        let s = t.elapsed().as_secs_f64();
        println!("set gate chunk {chunk:>7}: {:>8.1} MB/s, {hits} rule-chunk hits", hay.len() as f64 / 1e6 / s);
    }
}

#[allow(dead_code)]
fn unused() {}
