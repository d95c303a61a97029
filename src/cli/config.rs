//! Arguments → validated configuration.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};

use super::args::ScanArgs;
use crate::detect::{Engine, EngineOptions};
use crate::fingerprint::Key;
use crate::rules::RuleSet;
use crate::scan::ScanConfig;
use crate::walk::WalkOptions;

/// What `scan` needs.
pub struct Built {
    /// The engine.
    pub engine: Engine,
    /// The fingerprint key.
    pub key: Key,
    /// Scan configuration.
    pub scan: ScanConfig,
}

/// Load built-in rules plus user files.
pub fn load_rules(files: &[PathBuf]) -> anyhow::Result<RuleSet> {
    let mut user = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).with_context(|| format!("pattern file {}", f.display()))?;
        user.push((f.display().to_string(), text));
    }
    Ok(RuleSet::load(&user)?)
}

/// Parse `512M`, `2G`, `100k`, `4096` (binary units).
pub fn parse_size(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        None => (s, 1u64),
        Some((i, _)) => {
            let unit = s[i..].to_ascii_lowercase();
            let m = match unit.trim_end_matches("ib").trim_end_matches('b') {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                _ => bail!("bad size `{s}`: use a number with K, M, G or T"),
            };
            (s[..i].trim(), m)
        }
    };
    let n: f64 = num.parse().with_context(|| format!("bad size `{s}`"))?;
    if n.is_nan() || n < 0.0 {
        bail!("bad size `{s}`");
    }
    Ok((n * mult as f64) as u64)
}

fn parse_cutoff(a: &ScanArgs) -> anyhow::Result<Option<SystemTime>> {
    if let Some(d) = &a.modified_before {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let date =
            time::Date::parse(d, &fmt).with_context(|| format!("--modified-before `{d}`: expected YYYY-MM-DD"))?;
        let t = date.midnight().assume_utc();
        return Ok(Some(SystemTime::from(t)));
    }
    if let Some(age) = &a.older_than {
        let d: Duration = humantime::parse_duration(age)
            .with_context(|| format!("--older-than `{age}`: expected e.g. 6y, 18months, 90d"))?;
        return Ok(SystemTime::now().checked_sub(d));
    }
    Ok(None)
}

/// Validate arguments and build engine, key and scan configuration.
pub fn build(a: &ScanArgs) -> anyhow::Result<Built> {
    if !(0.0..=1.0).contains(&a.min_score) {
        bail!("--min-score must be between 0 and 1");
    }
    let mut rules = load_rules(&a.patterns)?;
    let known = rules.kinds();
    for k in a.kinds.iter().chain(&a.exclude_kinds) {
        if !known.iter().any(|x| &**x == k) {
            let names: Vec<&str> = known.iter().map(|k| &**k).collect();
            bail!("unknown kind `{k}` (known: {})", names.join(", "));
        }
    }
    rules.retain_kinds(|k| {
        (a.kinds.is_empty() || a.kinds.iter().any(|x| x == k)) && !a.exclude_kinds.iter().any(|x| x == k)
    });
    let threads = a.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let key = match &a.key {
        Some(k) if !k.is_empty() => Key::from_secret(k),
        _ => {
            let path =
                Key::default_path().context("no config directory for the key file; pass --key or set PIISCAN_KEY")?;
            Key::load_or_create(&path)?
        }
    };
    let engine = Engine::new(Arc::new(rules), EngineOptions { prefilter: !a.no_prefilter, min_score: a.min_score });
    let scan = ScanConfig {
        roots: a.paths.clone(),
        walk: WalkOptions {
            hidden: a.hidden,
            no_ignore: a.no_ignore,
            globs: a.globs.clone(),
            max_depth: a.max_depth,
            follow: a.follow,
            threads,
        },
        max_filesize: parse_size(&a.max_filesize)?,
        modified_before: parse_cutoff(a)?,
        threads,
        mmap: !a.no_mmap,
        keep_values: a.show_values,
    };
    Ok(Built { engine, key, scan })
}

#[cfg(test)]
mod tests {
    use super::parse_size;
    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("12Q").is_err());
    }
}
