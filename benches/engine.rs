//! Engine throughput on a generated mixed buffer (criterion).
//!
//! `cargo bench --bench engine` — reports bytes/s for the engine alone (no
//! I/O), with the anchor prefilter on and off, and on prose-only and
//! PII-dense inputs. The buffer is built from the committed fixtures plus
//! PII-free log lines and prose, so the numbers are reproducible.

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use piiscan::detect::{Engine, EngineOptions, FieldContext};
use piiscan::rules::RuleSet;

fn fixture_text() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for sub in ["letters", "mail", "chats", "logs", "hr", "crm", "transcripts", "exports"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(sub)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for p in paths {
            let b = std::fs::read(p).unwrap();
            if !b.starts_with(&[0xFF, 0xFE]) {
                out.extend_from_slice(&b);
            }
        }
    }
    out
}

fn noise(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    let mut i = 0u64;
    while out.len() < n {
        i += 1;
        let line = match i % 4 {
            0 => format!("2024-03-{:02}T{:02}:{:02}:{:02}.{:03}Z INFO job={} processed {} records in {}s pid={}\n", i % 28 + 1, i % 24, i % 60, (i * 7) % 60, i % 1000, i % 9999, i % 5000, i % 60, i % 99999),
            _ => "The quarterly review covered network upgrades, customer satisfaction and the roll-out of the new billing platform across all regions.\n".to_string(),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn bench(c: &mut Criterion) {
    let rules = Arc::new(RuleSet::builtin().unwrap());
    let fixtures = fixture_text();
    let mut mixed = Vec::new();
    while mixed.len() < 8 << 20 {
        mixed.extend_from_slice(&fixtures);
        mixed.extend_from_slice(&noise(fixtures.len() * 3));
    }
    let prose: Vec<u8> = b"The quarterly review covered network upgrades and customer satisfaction.\n".repeat(100_000);
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    for (name, buf) in [("mixed", &mixed), ("pii_dense", &fixtures), ("prose", &prose)] {
        g.throughput(Throughput::Bytes(buf.len() as u64));
        for prefilter in [true, false] {
            let e = Engine::new(rules.clone(), EngineOptions { prefilter, ..Default::default() });
            let id = format!("{name}/prefilter_{}", if prefilter { "on" } else { "off" });
            g.bench_function(id, |b| {
                let mut out = Vec::new();
                b.iter(|| {
                    out.clear();
                    e.scan(buf, &FieldContext::None, &mut out, &mut |_| {});
                    out.len()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
