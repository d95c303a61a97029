//! Time the name detector alone over a file (developer tool):
//! `cargo run --release --example name_timing -- FILE`.
use std::time::Instant;

use piiscan::detect::FieldContext;

fn main() {
    let path = std::env::args().nth(1).expect("usage: name_timing FILE");
    let hay = std::fs::read(path).expect("read file");
    let t = Instant::now();
    let rules = piiscan::rules::RuleSet::builtin().expect("rules");
    println!("rules compiled in {:.3} s", t.elapsed().as_secs_f64());
    let (ri, det) =
        rules.rules.iter().enumerate().find_map(|(i, r)| r.detector.clone().map(|d| (i, d))).expect("names");
    for _ in 0..3 {
        let t = Instant::now();
        let mut out = Vec::new();
        det.scan(&hay, &FieldContext::None, ri, 0.5, &mut out, &mut |_| {});
        let s = t.elapsed().as_secs_f64();
        println!("{} names, {:.1} MB/s", out.len(), hay.len() as f64 / 1e6 / s);
    }
}
