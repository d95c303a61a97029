//! The serde form of a pattern file.

use serde::Deserialize;

use crate::detect::address::AddressesConfig;
use crate::detect::credentials::CredentialsConfig;
use crate::detect::names::NamesConfig;

/// One pattern file: a default kind and a list of patterns.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PatternFile {
    /// Kind given to patterns that do not name their own.
    pub kind: Option<String>,
    /// Human title of the kind (used in `--help`-like listings and SARIF).
    pub title: Option<String>,
    /// Ids of patterns (built-in or earlier) to switch off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// The patterns.
    #[serde(default, rename = "pattern")]
    pub patterns: Vec<PatternDef>,
    /// Data of the `names` detector, for patterns with `detector = "names"`.
    pub names: Option<NamesConfig>,
    /// Data of the `credentials` detector.
    pub credentials: Option<CredentialsConfig>,
    /// Data of the `addresses` detector.
    pub addresses: Option<AddressesConfig>,
}

/// One pattern as written in a file.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct PatternDef {
    /// Unique id; a later definition with the same id replaces the earlier.
    pub id: String,
    /// Kind, when different from the file's `kind`.
    pub kind: Option<String>,
    /// What the pattern finds, for people.
    pub description: Option<String>,
    /// The regular expression (bytes, Unicode off). Required unless the
    /// pattern names a `detector`.
    #[serde(default)]
    pub regex: String,
    /// A detector in code instead of a regex (`names`), driven by the
    /// file's `[names]` table.
    pub detector: Option<String>,
    /// The file's `[names]` table, attached when the file is read.
    #[serde(skip)]
    pub names_config: Option<NamesConfig>,
    /// The file's `[credentials]` table, attached when the file is read.
    #[serde(skip)]
    pub credentials_config: Option<CredentialsConfig>,
    /// The file's `[addresses]` table, attached when the file is read.
    #[serde(skip)]
    pub addresses_config: Option<AddressesConfig>,
    /// Byte class every match contains: `digit`, `at`, `colon` or `none`.
    #[serde(default = "default_anchor")]
    pub anchor: String,
    /// Validator name, or `none`.
    #[serde(default = "default_validator")]
    pub validator: String,
    /// Base score in [0, 1].
    #[serde(default = "default_score")]
    pub score: f32,
    /// Context words that raise the score.
    #[serde(default)]
    pub context: Vec<String>,
    /// Context words that lower the score.
    #[serde(default)]
    pub negative_context: Vec<String>,
    /// Bytes before the match searched for context words.
    #[serde(default = "default_before")]
    pub context_before: usize,
    /// Bytes after the match searched for context words.
    #[serde(default = "default_after")]
    pub context_after: usize,
    /// Added to the score when a context word is present.
    #[serde(default = "default_boost")]
    pub context_boost: f32,
    /// Subtracted when a negative context word is present.
    #[serde(default = "default_penalty")]
    pub negative_penalty: f32,
    /// Drop the match when no context word is present.
    #[serde(default)]
    pub context_required: bool,
    /// Reject a match glued to a longer number or identifier
    /// (`ORD-0161…`, the second half of `4929 0161 …`).
    #[serde(default)]
    pub isolated: bool,
    /// Named capture groups to report as separate findings (e.g. sort code
    /// and account number). Empty: the whole match is one finding.
    #[serde(default)]
    pub report_groups: Vec<String>,
    /// Texts with exactly one `[[marked]]` span this pattern must find.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts in which this pattern's kind must find nothing.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

fn default_anchor() -> String {
    "none".into()
}
fn default_validator() -> String {
    "none".into()
}
fn default_score() -> f32 {
    0.6
}
fn default_before() -> usize {
    48
}
fn default_after() -> usize {
    16
}
fn default_boost() -> f32 {
    0.2
}
fn default_penalty() -> f32 {
    0.4
}
