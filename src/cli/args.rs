//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// piiscan finds personal data in files: names, emails, phone numbers, dates
/// of birth, card numbers, National Insurance and NHS numbers, bank details,
/// IBANs, postcodes, IP addresses, handset and SIM identities (IMEI, ICCID,
/// IMSI), MAC addresses, advertising ids, and login details (passwords, PINs,
/// memorable words). It reports where they are, with an inventory per data
/// store, and can redact them.
///
/// It works offline. `scan` never changes a file; `redact` writes copies, or
/// rewrites files atomically only with --in-place. Reports show masked values;
/// a credential's value is never shown, not even with --show-values.
///
/// Exit codes: 0 nothing found (or only known-fake test data), 1 personal
/// data found (for `redact` and `subject erase`: personal data left in a
/// file that could not be redacted, such as a container), 2 error (bad
/// usage, or nothing could be read, or a file could not be written).
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
    /// Data subject requests: find everything about one person (or a batch
    /// of requests) in one pass, export it, or erase just that person.
    Subject(SubjectArgs),
    /// List the detection patterns (built-in and from --patterns files).
    Patterns(PatternsArgs),
    /// Print the JSON Schema of a `--format jsonl` finding.
    Schema,
    /// Combine inventory databases (shards scanned apart, with `scan --db
    /// --shard K/N`) into one. Merging a shard again is harmless: per file,
    /// the newer reading wins.
    Merge(MergeArgs),
    /// Sum up an inventory database: per data store the kinds found,
    /// findings and distinct people, file ages, the top files, what could
    /// not be read; as text, CSV, JSON or one self-contained HTML page.
    Report(ReportArgs),
}

/// `piiscan merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The inventory database to write (created if missing).
    #[arg(value_name = "OUT.db")]
    pub out: PathBuf,
    /// Shard databases to merge into it.
    #[arg(value_name = "SHARD.db", required = true)]
    pub inputs: Vec<PathBuf>,
}

/// Formats of `piiscan report`'s per-store table.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    /// Readable lines.
    Text,
    /// The per-store table as CSV.
    Csv,
    /// The whole summary as one JSON document.
    Json,
}

/// `piiscan report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The inventory database (`scan --db`).
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// Also write the report as one self-contained HTML page (no network,
    /// no external scripts or fonts; charts are inline SVG).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Format of what is written to standard output (or --output).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Breach impact of a data store or a path prefix: the categories of
    /// data and the distinct people in it (repeatable).
    #[arg(long, value_name = "STORE|PATH")]
    pub impact: Vec<String>,
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
    /// Also list every normal skip on standard error (media files and
    /// members, binary files, files left out by a walk rule), one line each;
    /// by default they are only counted in the summary.
    #[arg(short, long, help_heading = "Output", conflicts_with = "quiet")]
    pub verbose: bool,

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
    /// Scan only the K-th of N parts of the input (K from 0), split by a
    /// stable hash of each path relative to the path given, so the split
    /// does not depend on walk order or machine. `auto/N` takes K from
    /// JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "K/N", help_heading = "Files")]
    pub shard: Option<String>,
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
    /// Fail (exit 2) when any file, or any member of an archive, could not
    /// be read: binary or unsupported, media, encrypted, malformed, too
    /// large, over an archive limit, unreadable (files left out with
    /// --modified-before/--older-than do not count).
    #[arg(long, help_heading = "CI")]
    pub fail_on_skipped: bool,
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

    // --- Inventory ---
    /// Keep the inventory in this SQLite database (or `[db] path` in the
    /// config). A file unchanged since the last run with the same rules,
    /// build and key is not read again: its findings carry over, and the
    /// report on standard output covers the files read in this run. Files
    /// no longer found are marked gone. `piiscan report DB` sums it up.
    #[arg(long, value_name = "FILE", help_heading = "Inventory")]
    pub db: Option<PathBuf>,
    /// With --db: read every file again, changed or not.
    #[arg(long, help_heading = "Inventory")]
    pub full: bool,
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
    /// Where and how to redact.
    #[command(flatten)]
    pub red: RedactOpts,
}

/// Where and how to redact: shared by `redact` and `subject erase`.
#[derive(Debug, Args)]
pub struct RedactOpts {
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
    /// Rescan the output, redact what the rescan still finds (redaction
    /// moves text, and with it context), up to three passes; exit 1 if
    /// anything remains. For `subject erase`: one rescan for any match of
    /// the subjects.
    #[arg(long, help_heading = "Redaction")]
    pub verify: bool,
    /// Evidence log (JSON Lines): file, location, kind, fingerprint, style, time. Never values.
    #[arg(long, value_name = "FILE", help_heading = "Redaction")]
    pub log: Option<PathBuf>,
    /// Write an archive, document or message whose members or attachments
    /// cannot be read (binary, encrypted, over a limit) with each of them
    /// replaced by a placeholder `NAME.removed.txt` saying what was removed
    /// and why (recorded in the evidence log). Without it such a file is
    /// refused: it cannot be shown to be clean.
    #[arg(long, help_heading = "Redaction")]
    pub drop_unreadable: bool,
}

/// `piiscan subject`.
#[derive(Debug, Args)]
pub struct SubjectArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SubjectCommand,
}

/// `piiscan subject` sub-commands.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum SubjectCommand {
    /// Find every place the subjects appear. Emails, phones and ids are
    /// matches on their own; a name, postcode or date of birth is a match
    /// only with another of the person's identifiers in the same record
    /// (CSV row, JSON object, message, call), else `possible`; a namesake
    /// (same name, different date of birth or email) is `excluded`.
    /// Exit code 1 when a match is found, 0 when none.
    Find(SubjectFindArgs),
    /// Redact the subjects' matched occurrences only; everyone else's data
    /// is left byte for byte. `possible` occurrences are left for review.
    Erase(SubjectEraseArgs),
    /// Turn a request file into keyed digests (HMAC-SHA256), so that
    /// searches can run without the requester's details in plain text.
    Hash(SubjectHashArgs),
}

/// Who to look for.
#[derive(Debug, Args)]
pub struct WhoArgs {
    /// A full name, e.g. "Jane Doe" or "Doe, Jane" (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Subject")]
    pub name: Vec<String>,
    /// An email address (repeatable).
    #[arg(long, value_name = "EMAIL", help_heading = "Subject")]
    pub email: Vec<String>,
    /// A phone number in any written form (repeatable).
    #[arg(long, value_name = "PHONE", help_heading = "Subject")]
    pub phone: Vec<String>,
    /// A date of birth, YYYY-MM-DD (repeatable).
    #[arg(long, value_name = "DATE", help_heading = "Subject")]
    pub dob: Vec<String>,
    /// A postcode (repeatable).
    #[arg(long, value_name = "POSTCODE", help_heading = "Subject")]
    pub postcode: Vec<String>,
    /// An account number, customer reference, NINO... (repeatable).
    #[arg(long, value_name = "ID", help_heading = "Subject")]
    pub id: Vec<String>,
    /// The reference reported for a subject given with the flags above.
    #[arg(long, value_name = "REF", default_value = "subject", help_heading = "Subject")]
    pub subject_id: String,
    /// Many requests: a JSON list of {"id", "names", "emails", "phones",
    /// "dobs", "postcodes", "ids"}.
    #[arg(long, value_name = "FILE", conflicts_with = "hashed", help_heading = "Subject")]
    pub subjects: Option<PathBuf>,
    /// Requests hashed with `piiscan subject hash` (same key needed).
    #[arg(long, value_name = "FILE", help_heading = "Subject")]
    pub hashed: Option<PathBuf>,
}

/// Formats of `subject find`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SubjectFormat {
    /// Grouped by subject, data store, file and record, with masked values.
    Text,
    /// One JSON object per occurrence.
    Jsonl,
}

/// `piiscan subject find`.
#[derive(Debug, Args)]
pub struct SubjectFindArgs {
    /// Files and folders.
    #[command(flatten)]
    pub sel: SelectArgs,
    /// Who.
    #[command(flatten)]
    pub who: WhoArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SubjectFormat::Text, help_heading = "Output")]
    pub format: SubjectFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Write a portability pack per subject under DIR: the matching records
    /// (CSV rows with headers, JSON objects, messages, transcript segments
    /// with times) and a manifest of where each came from. It holds the
    /// person's data in the clear: keep it where the request file is kept.
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub export: Option<PathBuf>,
    /// Show raw values in the report (masked by default).
    #[arg(long, help_heading = "Output")]
    pub show_values: bool,
}

/// `piiscan subject erase`.
#[derive(Debug, Args)]
pub struct SubjectEraseArgs {
    /// Files and folders.
    #[command(flatten)]
    pub sel: SelectArgs,
    /// Who.
    #[command(flatten)]
    pub who: WhoArgs,
    /// Where and how to redact.
    #[command(flatten)]
    pub red: RedactOpts,
}

/// `piiscan subject hash`.
#[derive(Debug, Args)]
pub struct SubjectHashArgs {
    /// Who (a request file, or the flags).
    #[command(flatten)]
    pub who: WhoArgs,
    /// Secret key (else PIISCAN_KEY, else the per-user key file). Searches
    /// with the hashed file need the same key.
    #[arg(long, value_name = "SECRET", env = "PIISCAN_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// Write the hashed requests to FILE (mode 0600) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
