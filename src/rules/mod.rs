//! Detection rules: the pattern-file syntax and its compiled form.
//!
//! Detectors are data. Each built-in kind has one TOML file in `patterns/`,
//! embedded in the binary with `include_str!`, so nothing is read or
//! downloaded at run time. A user file given with `--patterns` can add
//! patterns, override a built-in one (same `id`) or disable one.
//!
//! ```toml
//! kind = "email"                  # default kind for the patterns below
//! [[pattern]]
//! id = "email"
//! regex = '''(?x) ... '''         # bytes regex, Unicode off: \d and \b are ASCII
//! anchor = "at"                   # digit | at | colon | none (see below)
//! validator = "email"             # a checker in src/detect/validate/
//! score = 0.85                    # base score before context
//! context = ["email", "e-mail"]   # words that raise the score
//! negative_context = ["message-id"]
//! context_required = false        # drop the match without a context word
//! examples = ["mail [[jane@example.org]] now"]   # [[ ]] marks the exact span
//! negative_examples = ["logo@2x.png"]
//! ```
//!
//! `anchor` names a byte class every match must contain. The engine only runs
//! the regex in windows around such bytes; the window size is the maximum
//! match length, computed from the regex itself (so it cannot be wrong by
//! hand). `none` runs the regex over the whole buffer, the safe default for
//! user patterns.

mod compile;
mod file;

pub use compile::{Anchor, Cues, Detector, Rule, RuleSet};
pub use file::{PatternDef, PatternFile};

/// The built-in pattern files, embedded at compile time.
pub const BUILTIN: &[(&str, &str)] = &[
    ("email.toml", include_str!("../../patterns/email.toml")),
    ("phone.toml", include_str!("../../patterns/phone.toml")),
    ("payment_card.toml", include_str!("../../patterns/payment_card.toml")),
    ("uk_nino.toml", include_str!("../../patterns/uk_nino.toml")),
    ("nhs_number.toml", include_str!("../../patterns/nhs_number.toml")),
    ("iban.toml", include_str!("../../patterns/iban.toml")),
    ("uk_bank_account.toml", include_str!("../../patterns/uk_bank_account.toml")),
    ("uk_postcode.toml", include_str!("../../patterns/uk_postcode.toml")),
    ("ip_address.toml", include_str!("../../patterns/ip_address.toml")),
    ("date_of_birth.toml", include_str!("../../patterns/date_of_birth.toml")),
    ("name.toml", include_str!("../../patterns/name.toml")),
    ("imei.toml", include_str!("../../patterns/imei.toml")),
    ("iccid.toml", include_str!("../../patterns/iccid.toml")),
    ("imsi.toml", include_str!("../../patterns/imsi.toml")),
    ("mac_address.toml", include_str!("../../patterns/mac_address.toml")),
    ("advertising_id.toml", include_str!("../../patterns/advertising_id.toml")),
    ("credential.toml", include_str!("../../patterns/credential.toml")),
    ("postal_address.toml", include_str!("../../patterns/postal_address.toml")),
];
