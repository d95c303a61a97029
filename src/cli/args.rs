//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// piiscan finds personal data in files: names, emails, phone numbers, dates
/// of birth, card numbers, National Insurance and NHS numbers, bank details,
/// IBANs, postcodes, IP addresses. It reports where they are, with an
/// inventory per data store, and can redact them.
///
/// It works offline. `scan` never changes a file; `redact` writes copies, or
/// rewrites files atomically only with --in-place. Reports show masked values.
///
/// Exit codes: 0 nothing found (or only known-fake test data), 1 personal
/// data found, 2 error (bad usage, or nothing could be read, or a file could
/// not be redacted).
#[derive(Debug, Parser)]
#[command(name = "piiscan", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Sub-commands. (`ScanArgs` is large, but parsed once: boxing buys nothing.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders and report the personal data found, with an
    /// inventory per data store (each top-level folder of each path).
    Scan(ScanArgs),
    /// Write copies with personal data replaced (or, with --in-place,
    /// rewrite files atomically), keep an evidence log, and verify.
    Redact(RedactArgs),
    /// List the detection patterns (built-in and from --patterns files).
    Patterns(PatternsArgs),
    /// Print the JSON Schema of a `--format jsonl` finding.
    Schema,
}

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Readable lines (`path:line:col  kind  value  score`) and the inventory.
    Text,
    /// One JSON object per finding (see `piiscan schema`).
    Jsonl,
    /// One JSON document: findings, every file's status, inventory.
    Json,
    /// One CSV row per finding.
    Csv,
    /// SARIF 2.1.0 for code-scanning pages.
    Sarif,
}

/// `piiscan patterns`.
#[derive(Debug, Args)]
pub struct PatternsArgs {
    /// Extra pattern files (TOML) that add, override or disable patterns.
    #[arg(long = "patterns", value_name = "FILE")]
    pub patterns: Vec<PathBuf>,
}

/// What to scan and what to look for: shared by `scan` and `redact`.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Files or folders.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Secret key for fingerprints (else PIISCAN_KEY, else a per-user key
    /// file created on first use). Use the same key to compare runs.
    #[arg(long, value_name = "SECRET", env = "PIISCAN_KEY", hide_env_values = true, help_heading = "Output")]
    pub key: Option<String>,
    /// No progress line and no summary line on standard error.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    // --- What to look for ---
    /// Only these kinds (comma-separated), e.g. `email,phone`.
    #[arg(long, value_delimiter = ',', value_name = "KINDS", help_heading = "Detection")]
    pub kinds: Vec<String>,
    /// All kinds except these (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "KINDS", help_heading = "Detection")]
    pub exclude_kinds: Vec<String>,
    /// Only findings with at least this score, 0 to 1 [default: 0.5, or the
    /// config file's].
    #[arg(long, value_name = "SCORE", help_heading = "Detection")]
    pub min_score: Option<f32>,
    /// Extra pattern files (TOML) that add, override or disable patterns.
    #[arg(long = "patterns", value_name = "FILE", help_heading = "Detection")]
    pub patterns: Vec<PathBuf>,
    /// Run every pattern over every byte instead of the two-phase search.
    /// Slower; the findings are the same. For debugging patterns.
    #[arg(long, help_heading = "Detection")]
    pub no_prefilter: bool,
    /// Configuration file [default: .piiscan.toml here or in a parent folder].
    #[arg(long, value_name = "FILE", help_heading = "Detection")]
    pub config: Option<PathBuf>,
    /// Read no configuration file.
    #[arg(long, conflicts_with = "config", help_heading = "Detection")]
    pub no_config: bool,

    // --- Which files ---
    /// Only files last modified before DATE (YYYY-MM-DD): data kept too long.
    #[arg(long, value_name = "DATE", help_heading = "Files")]
    pub modified_before: Option<String>,
    /// Only files last modified more than AGE ago, e.g. `6y`, `18months`.
    #[arg(long, value_name = "AGE", conflicts_with = "modified_before", help_heading = "Files")]
    pub older_than: Option<String>,
    /// Include hidden files and folders.
    #[arg(long, help_heading = "Files")]
    pub hidden: bool,
    /// Ignore .gitignore, .ignore and .piiscanignore files.
    #[arg(long, help_heading = "Files")]
    pub no_ignore: bool,
    /// Include only matching files, or exclude with `!` (repeatable).
    #[arg(short = 'g', long = "glob", value_name = "GLOB", help_heading = "Files")]
    pub globs: Vec<String>,
    /// Descend at most NUM folders below each path.
    #[arg(long, value_name = "NUM", help_heading = "Files")]
    pub max_depth: Option<usize>,
    /// Follow symbolic links (loops are reported and not followed).
    #[arg(short = 'L', long, help_heading = "Files")]
    pub follow: bool,
    /// Skip (and report) files larger than SIZE, e.g. `512M`, `2G`.
    #[arg(long, default_value = "512M", value_name = "SIZE", help_heading = "Files")]
    pub max_filesize: String,

    // --- Performance ---
    /// Worker threads (default: number of CPUs).
    #[arg(short = 'j', long, value_name = "NUM", help_heading = "Performance")]
    pub threads: Option<usize>,
    /// Never memory-map files; always read them. The findings are the same.
    #[arg(long, help_heading = "Performance")]
    pub no_mmap: bool,
}

/// `piiscan scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, folders, and detection settings.
    #[command(flatten)]
    pub sel: SelectArgs,

    // --- Output ---
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,
    /// Print only the inventory (no individual findings).
    #[arg(long, help_heading = "Output")]
    pub summary: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Show the raw personal data in reports (masked by default). Take care
    /// where such a report is stored.
    #[arg(long, help_heading = "Output")]
    pub show_values: bool,

    // --- CI ---
    /// Let known-fake test data (Ofcom drama numbers, example.com addresses,
    /// documentation IPs, test cards) fail the run too.
    #[arg(long, help_heading = "CI")]
    pub strict: bool,
    /// Exit code when personal data is found.
    #[arg(long, value_name = "N", default_value_t = 1, help_heading = "CI")]
    pub exit_code: u8,
    /// Do not report findings recorded in this baseline file.
    #[arg(long, value_name = "FILE", help_heading = "CI")]
    pub baseline: Option<PathBuf>,
    /// Write every reported finding (path, kind, keyed fingerprint; never a
    /// value) to this baseline file.
    #[arg(long, value_name = "FILE", help_heading = "CI")]
    pub write_baseline: Option<PathBuf>,
    /// Scan what is staged for commit (the git index, not the working tree).
    /// PATHs are ignored.
    #[arg(long, conflicts_with = "since", help_heading = "CI")]
    pub staged: bool,
    /// Scan files changed since this git revision. PATHs are ignored.
    #[arg(long, value_name = "REV", help_heading = "CI")]
    pub since: Option<String>,
}

/// Redaction styles.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StyleArg {
    /// `[EMAIL]`.
    Label,
    /// Same length, separators kept: `**** **** **** ****`.
    Mask,
    /// Keep what identifies no one alone: card last 4, email domain, postcode outward code.
    Partial,
    /// Keyed token, stable across files: `[EMAIL:lpopmido]`.
    Hash,
}

/// `piiscan redact`.
#[derive(Debug, Args)]
pub struct RedactArgs {
    /// Files, folders, and detection settings.
    #[command(flatten)]
    pub sel: SelectArgs,
    /// Write redacted copies under DIR, mirroring the tree.
    #[arg(long, value_name = "DIR", required_unless_present_any = ["in_place", "dry_run"], conflicts_with = "in_place", help_heading = "Redaction")]
    pub out: Option<PathBuf>,
    /// Rewrite the originals (atomically: temporary file, fsync, rename).
    #[arg(long, help_heading = "Redaction")]
    pub in_place: bool,
    /// With --in-place, keep each original beside it as `FILE` + `SUFFIX`.
    #[arg(long, value_name = "SUFFIX", requires = "in_place", help_heading = "Redaction")]
    pub backup: Option<String>,
    /// List what would change; write nothing.
    #[arg(long, help_heading = "Redaction")]
    pub dry_run: bool,
    /// Style for every kind not given with --style [default: label, or the config file's].
    #[arg(long, value_enum, value_name = "STYLE", help_heading = "Redaction")]
    pub default_style: Option<StyleArg>,
    /// Style for one kind, e.g. `payment_card=partial` (repeatable).
    #[arg(long = "style", value_name = "KIND=STYLE", help_heading = "Redaction")]
    pub styles: Vec<String>,
    /// With --out, write only files that change (unchanged files are copied by default).
    #[arg(long, requires = "out", help_heading = "Redaction")]
    pub only_changed: bool,
    /// Rescan the output; exit 1 if anything at or above the minimum score remains.
    #[arg(long, help_heading = "Redaction")]
    pub verify: bool,
    /// Evidence log (JSON Lines): file, location, kind, fingerprint, style, time. Never values.
    #[arg(long, value_name = "FILE", help_heading = "Redaction")]
    pub log: Option<PathBuf>,
}
