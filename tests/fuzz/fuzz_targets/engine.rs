//! The detection engine on arbitrary bytes: nothing panics, every finding
//! lies inside the input in offset order, and the two-phase prefilter finds
//! exactly what the plain per-pattern passes find (every score kept, so that
//! low-scoring candidates count too). The first byte picks the field
//! context: plain text, or a CSV whose first line is the header.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use piiscan::detect::{Engine, EngineOptions, FieldContext, RawFinding};
use piiscan::rules::RuleSet;

fn engines() -> &'static (Engine, Engine) {
    static E: OnceLock<(Engine, Engine)> = OnceLock::new();
    E.get_or_init(|| {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules"));
        let on = Engine::new(rules.clone(), EngineOptions { prefilter: true, min_score: 0.0 });
        let off = Engine::new(rules, EngineOptions { prefilter: false, min_score: 0.0 });
        (on, off)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, hay)) = data.split_first() else { return };
    let field = if k % 2 == 0 { FieldContext::None } else { FieldContext::sniff_csv(hay, false) };
    let (on, off) = engines();
    let scan = |e: &Engine| {
        let mut out: Vec<RawFinding> = Vec::new();
        e.scan(hay, &field, &mut out, &mut |_| {});
        out
    };
    let a = scan(on);
    for f in &a {
        assert!(f.start < f.end && f.end <= hay.len());
    }
    assert!(a.windows(2).all(|w| w[0].start <= w[1].start));
    assert_eq!(a, scan(off));
});
