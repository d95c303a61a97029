//! Validators: small checks that turn a regex candidate into a finding or
//! reject it. One file per checksum or rule set; each documents its source.
//!
//! A validator sees the whole buffer and the candidate span so it can look
//! at neighbouring bytes (an email inside a `Message-ID:` header, an IPv4
//! address inside `Chrome/124.0.0.0`). It returns the normalised value (used
//! for keyed fingerprints and subject matching) and may trim the span's end
//! (an IBAN followed by an upper-case word) or adjust the score.

mod bank;
mod card;
pub mod date;
mod device;
mod email;
mod iban;
mod ip;
mod nhs;
mod nino;
pub mod phone;
mod postcode;

pub use date::{current_year, parse_date};
pub use device::{imei_valid, imsi_valid};
pub use nhs::nhs_mod11 as nhs_valid;
pub use phone::{is_drama_number, normalise_phone};

/// The outcome of validating one candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Not this kind of data.
    Reject,
    /// Valid; see [`Accept`].
    Accept(Accept),
}

/// A validated candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Accept {
    /// Canonical form (E.164 phone, digits-only card, lower-case email...).
    pub normalized: String,
    /// Added to the base score (negative for, e.g., private IP ranges).
    pub score_adj: f32,
    /// Bytes to cut from the end of the span.
    pub trim_end: usize,
    /// A qualifier the finding carries for filtering (`"private"` for an
    /// RFC 1918, carrier-grade NAT or link-local address).
    pub scope: Option<&'static str>,
}

/// Accept with a normalised value and no adjustments.
pub fn accept(normalized: impl Into<String>) -> Verdict {
    Verdict::Accept(Accept { normalized: normalized.into(), score_adj: 0.0, trim_end: 0, scope: None })
}

/// Accept with a score adjustment.
pub fn accept_adjusted(normalized: impl Into<String>, score_adj: f32) -> Verdict {
    Verdict::Accept(Accept { normalized: normalized.into(), score_adj, trim_end: 0, scope: None })
}

/// The validators known to pattern files, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// No check; normalised value is the match with ASCII upper-cased.
    None,
    /// Email syntax, known TLD, not a Message-ID/References value.
    Email,
    /// UK numbering plan (libphonenumber metadata + Ofcom drama ranges) or
    /// an international number valid per libphonenumber.
    Phone,
    /// Luhn, IIN range, length and consistent separators.
    Card,
    /// HMRC National Insurance number prefix rules.
    Nino,
    /// NHS number modulus 11.
    Nhs,
    /// IBAN country length and ISO 7064 mod 97-10.
    Iban,
    /// Sort code with account number.
    Bank,
    /// UK postcode with a real postcode area.
    Postcode,
    /// IPv4 address (octets <= 255, not a version string).
    Ipv4,
    /// IPv6 address (parsed by the standard library).
    Ipv6,
    /// A calendar-valid date with a plausible birth year.
    Date,
    /// E.164 digits without the `+` (`447700900123`, `33612345678`), valid
    /// in the numbering plan of the country their code names.
    PhoneE164,
    /// A North American number in its national format (`(415) 555-0132`).
    PhoneNanp,
    /// IMEI (Luhn, reporting body) or IMEISV.
    Imei,
    /// ICCID: 89, 19-20 digits, Luhn.
    Iccid,
    /// IMSI: a known MCC+MNC first.
    Imsi,
    /// MAC address (EUI-48).
    Mac,
    /// A UUID that is not nil (advertising ids).
    AdId,
    /// A street line (`12 Elm Road, Leeds`): scored up when a known place
    /// follows the street.
    Street,
}

impl Validator {
    /// Names accepted in pattern files.
    pub const NAMES: &'static [&'static str] = &[
        "none",
        "email",
        "phone",
        "card",
        "nino",
        "nhs",
        "iban",
        "bank",
        "postcode",
        "ipv4",
        "ipv6",
        "date",
        "phone_e164",
        "phone_nanp",
        "imei",
        "iccid",
        "imsi",
        "mac",
        "ad_id",
        "street",
    ];

    /// Look a validator up by name.
    pub fn from_name(name: &str) -> Option<Validator> {
        Some(match name {
            "none" => Validator::None,
            "email" => Validator::Email,
            "phone" => Validator::Phone,
            "card" => Validator::Card,
            "nino" => Validator::Nino,
            "nhs" => Validator::Nhs,
            "iban" => Validator::Iban,
            "bank" => Validator::Bank,
            "postcode" => Validator::Postcode,
            "ipv4" => Validator::Ipv4,
            "ipv6" => Validator::Ipv6,
            "date" => Validator::Date,
            "phone_e164" => Validator::PhoneE164,
            "phone_nanp" => Validator::PhoneNanp,
            "imei" => Validator::Imei,
            "iccid" => Validator::Iccid,
            "imsi" => Validator::Imsi,
            "mac" => Validator::Mac,
            "ad_id" => Validator::AdId,
            "street" => Validator::Street,
            _ => return None,
        })
    }

    /// Validate `hay[start..end]`.
    pub fn check(self, hay: &[u8], start: usize, end: usize) -> Verdict {
        let m = &hay[start..end];
        match self {
            Validator::None => accept(String::from_utf8_lossy(m).to_ascii_uppercase()),
            Validator::Email => email::check(hay, start, end),
            Validator::Phone => phone::check(m),
            Validator::Card => card::check(m),
            Validator::Nino => nino::check(m),
            Validator::Nhs => nhs::check(m),
            Validator::Iban => iban::check(m),
            Validator::Bank => bank::check(m),
            Validator::Postcode => postcode::check(m),
            Validator::Ipv4 => ip::check_v4(hay, start, end),
            Validator::Ipv6 => ip::check_v6(m),
            Validator::Date => date::check(hay, start, end),
            Validator::PhoneE164 => phone::check_e164(m),
            Validator::PhoneNanp => phone::check_nanp(m),
            Validator::Imei => device::check_imei(m),
            Validator::Iccid => device::check_iccid(m),
            Validator::Imsi => device::check_imsi(m),
            Validator::Mac => device::check_mac(hay, start, end),
            Validator::AdId => device::check_ad_id(m),
            Validator::Street => crate::detect::address::check_street(hay, start, end),
        }
    }
}

/// The ASCII digits of `m`, as a string.
pub(crate) fn digits(m: &[u8]) -> String {
    m.iter().filter(|b| b.is_ascii_digit()).map(|&b| b as char).collect()
}

/// The entries of a list file under `patterns/` (TLDs, postcode areas,
/// drama ranges, network codes): trimmed lines, blank lines and `#`
/// comments left out.
fn list_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The Luhn (mod 10) check used by payment cards.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}
