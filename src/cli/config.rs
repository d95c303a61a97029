//! Arguments → validated configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use serde::Deserialize;

use super::args::SelectArgs;
use crate::allow::{AllowList, Baseline};
use crate::detect::validate::Verdict;
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
    /// Known-fake data.
    pub allow: AllowList,
    /// Baseline to suppress, if any.
    pub baseline: Option<Baseline>,
    /// Everything else that decides a file's findings, by name, for the
    /// ruleset fingerprint ([`Built::ruleset`]).
    pub ruleset_parts: Vec<(&'static str, Vec<u8>)>,
    /// `[db] path` of the config file, made relative to the working folder.
    pub db: Option<PathBuf>,
}

impl Built {
    /// The ruleset fingerprint: this build (the executable's own bytes: a
    /// new build may find differently with the same patterns) and
    /// [`Built::ruleset_parts`].
    pub fn ruleset(&self) -> String {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| crate::store::plan::content_hash(&p))
            .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string());
        let mut parts: Vec<(&str, &[u8])> = vec![("build", exe.as_bytes())];
        parts.extend(self.ruleset_parts.iter().map(|(n, v)| (*n, v.as_slice())));
        crate::store::ruleset_fingerprint(&parts)
    }
}

/// The configuration file (`.piiscan.toml`). Unknown keys are errors.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Only these kinds.
    pub kinds: Option<Vec<String>>,
    /// All kinds but these.
    pub exclude_kinds: Option<Vec<String>>,
    /// Minimum score.
    pub min_score: Option<f32>,
    /// Globs of files not to scan (gitignore syntax, as `-g '!GLOB'`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Extra pattern files, relative to the config file.
    #[serde(default)]
    pub patterns: Vec<PathBuf>,
    /// Known-fake data of this project.
    #[serde(default)]
    pub allow: AllowConfig,
    /// Redaction styles per kind (used by redaction).
    #[serde(default)]
    pub redact: RedactConfig,
    /// The inventory database.
    #[serde(default)]
    pub db: DbConfig,
}

/// `[db]` in the configuration file.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DbConfig {
    /// The database `scan` keeps its inventory in (as `--db`), relative to
    /// the config file.
    pub path: Option<PathBuf>,
}

/// `[allow]` in the configuration file.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AllowConfig {
    /// Values that are fake on purpose: `{ kind = "phone", value = "..." }`.
    #[serde(default)]
    pub values: Vec<AllowValue>,
    /// Email domains whose addresses are fake (subdomains included).
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// The organisation's own sites (offices, stores, exchanges), each
    /// written as a postal address ending in its postcode: not personal.
    #[serde(default)]
    pub addresses: Vec<String>,
}

/// One allowed value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowValue {
    /// Its kind.
    pub kind: String,
    /// The value, in any written form (it is normalised like a finding).
    pub value: String,
}

/// `[redact]` in the configuration file.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RedactConfig {
    /// Style per kind: label, mask, partial or hash.
    #[serde(default)]
    pub styles: BTreeMap<String, String>,
}

/// The config file to use: `--config`, else `.piiscan.toml` in the current
/// folder or the nearest parent that has one.
pub fn find_config(explicit: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    if let Some(p) = explicit {
        return Ok(Some(p.to_path_buf()));
    }
    let mut dir = std::env::current_dir().context("current directory")?;
    loop {
        let c = dir.join(".piiscan.toml");
        if c.is_file() {
            return Ok(Some(c));
        }
        if !dir.pop() {
            return Ok(None);
        }
    }
}

/// Read and check a config file.
pub fn load_config(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("config file {}", path.display()))?;
    let c: FileConfig = toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
    for (kind, style) in &c.redact.styles {
        if !matches!(style.as_str(), "label" | "mask" | "partial" | "hash") {
            bail!(
                "config file {}: redact.styles.{kind}: unknown style `{style}` (label, mask, partial, hash)",
                path.display()
            );
        }
    }
    Ok(c)
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

fn parse_cutoff(a: &SelectArgs) -> anyhow::Result<Option<SystemTime>> {
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

/// What only `scan` has.
#[derive(Debug, Default)]
pub struct ScanExtras<'a> {
    /// Keep raw values (`--show-values`).
    pub show_values: bool,
    /// Baseline to suppress.
    pub baseline: Option<&'a Path>,
    /// Scan the git index.
    pub staged: bool,
    /// Scan files changed since a revision.
    pub since: Option<&'a str>,
}

/// The key from `--key`/`PIISCAN_KEY`, else the per-user key file.
pub fn resolve_key(given: Option<&str>) -> anyhow::Result<Key> {
    Ok(match given {
        Some(k) if !k.is_empty() => Key::from_secret(k),
        _ => {
            let path =
                Key::default_path().context("no config directory for the key file; pass --key or set PIISCAN_KEY")?;
            Key::load_or_create(&path)?
        }
    })
}

/// Validate arguments (merged over the config file) and build everything a scan needs.
pub fn build(a: &SelectArgs, x: &ScanExtras) -> anyhow::Result<(Built, FileConfig)> {
    let cfg_path = if a.no_config { None } else { find_config(a.config.as_deref())? };
    let file = match &cfg_path {
        Some(p) => load_config(p)?,
        None => FileConfig::default(),
    };
    let base = cfg_path.as_ref().and_then(|p| p.parent()).map(Path::to_path_buf).unwrap_or_default();
    let min_score = a.min_score.or(file.min_score).unwrap_or(0.5);
    if !(0.0..=1.0).contains(&min_score) {
        bail!("min score must be between 0 and 1");
    }
    let mut pattern_files: Vec<PathBuf> = file.patterns.iter().map(|p| base.join(p)).collect();
    pattern_files.extend(a.patterns.iter().cloned());
    let mut rules = load_rules(&pattern_files)?;
    let known = rules.kinds();
    let kinds = if a.kinds.is_empty() { file.kinds.clone().unwrap_or_default() } else { a.kinds.clone() };
    let exclude = if a.exclude_kinds.is_empty() {
        file.exclude_kinds.clone().unwrap_or_default()
    } else {
        a.exclude_kinds.clone()
    };
    let style_kinds: Vec<&String> = file.redact.styles.keys().collect();
    let allow_kinds: Vec<&String> = file.allow.values.iter().map(|v| &v.kind).collect();
    for k in kinds.iter().chain(&exclude).chain(style_kinds).chain(allow_kinds) {
        if !known.iter().any(|x| &**x == k) {
            let names: Vec<&str> = known.iter().map(|k| &**k).collect();
            bail!("unknown kind `{k}` (known: {})", names.join(", "));
        }
    }
    // Allow-list: built-in known-fake data plus the config file's, each value
    // normalised by its kind's validator so every written form matches.
    let mut allow = AllowList::builtin();
    for d in &file.allow.email_domains {
        allow.add_domain(d);
    }
    for v in &file.allow.values {
        let normalized = rules
            .rules
            .iter()
            .filter(|r| *r.kind == *v.kind)
            .find_map(|r| match r.validator.check(v.value.as_bytes(), 0, v.value.len()) {
                Verdict::Accept(acc) => Some(acc.normalized),
                Verdict::Reject => None,
            })
            .ok_or_else(|| anyhow::anyhow!("allow: a value listed for `{}` is not a valid {}", v.kind, v.kind))?;
        allow.add_value(&v.kind, &normalized);
    }
    for site in &file.allow.addresses {
        allow.add_site(site).map_err(|e| anyhow::anyhow!("allow: addresses: {e}"))?;
    }
    // Postcodes anchor postal addresses: asking for addresses keeps them.
    let wanted = |k: &str| kinds.is_empty() || kinds.iter().any(|x| x == k);
    let anchors = wanted("postal_address") && !exclude.iter().any(|x| x == "uk_postcode");
    rules.retain_kinds(|k| (wanted(k) || (anchors && k == "uk_postcode")) && !exclude.iter().any(|x| x == k));
    let threads = a.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let key = resolve_key(a.key.as_deref())?;
    let ids: Vec<String> = rules.rules.iter().map(|r| format!("{}:{}", r.id, r.kind)).collect();
    let engine = Engine::new(Arc::new(rules), EngineOptions { prefilter: !a.no_prefilter, min_score });
    let mut globs = a.globs.clone();
    globs.extend(file.exclude.iter().map(|g| format!("!{g}")));
    let files = if x.staged {
        Some(crate::git::staged()?)
    } else if let Some(rev) = x.since {
        Some(crate::git::changed_since(rev)?)
    } else {
        None
    };
    let baseline = x.baseline.map(Baseline::load).transpose()?;
    let mut ruleset_parts: Vec<(&'static str, Vec<u8>)> = Vec::new();
    for f in &pattern_files {
        ruleset_parts.push(("patterns", std::fs::read(f).unwrap_or_default()));
    }
    ruleset_parts.push(("rules", ids.join(",").into_bytes()));
    ruleset_parts.push(("min_score", min_score.to_le_bytes().to_vec()));
    ruleset_parts.push(("prefilter", vec![u8::from(!a.no_prefilter)]));
    ruleset_parts.push(("allow", format!("{:?}", file.allow).into_bytes()));
    ruleset_parts.push(("baseline", x.baseline.map(|b| std::fs::read(b).unwrap_or_default()).unwrap_or_default()));
    ruleset_parts.push(("key", key.id().into_bytes()));
    let max_filesize = parse_size(&a.max_filesize)?;
    ruleset_parts.push(("max_filesize", max_filesize.to_le_bytes().to_vec()));
    let db = file.db.path.as_ref().map(|p| base.join(p));
    let scan = ScanConfig {
        roots: a.paths.clone(),
        walk: WalkOptions {
            hidden: a.hidden,
            no_ignore: a.no_ignore,
            globs,
            max_depth: a.max_depth,
            follow: a.follow,
            threads,
            shard: a.shard.as_deref().map(parse_shard).transpose()?,
        },
        max_filesize,
        modified_before: parse_cutoff(a)?,
        threads,
        mmap: !a.no_mmap,
        keep_values: x.show_values,
        files,
    };
    Ok((Built { engine, key, scan, allow, baseline, ruleset_parts, db }, file))
}

/// `--shard K/N` (K from 0) or `auto/N` (K from the scheduler's index).
fn parse_shard(s: &str) -> anyhow::Result<crate::walk::Shard> {
    let bad = || anyhow::anyhow!("--shard: expected K/N or auto/N with 0 <= K < N, got `{s}`");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    let k: u64 = if k.trim() == "auto" {
        let (var, v) = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"]
            .iter()
            .find_map(|v| std::env::var(v).ok().map(|x| (*v, x)))
            .context("--shard auto/N: neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set")?;
        v.trim().parse().map_err(|_| anyhow::anyhow!("--shard auto/N: {var} is not a number"))?
    } else {
        k.trim().parse().map_err(|_| bad())?
    };
    if n == 0 || k >= n {
        return Err(bad());
    }
    Ok(crate::walk::Shard { k, n })
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
