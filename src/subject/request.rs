//! Subject requests: what is known of a person, normalised and keyed.
//!
//! Every identifier is normalised to one canonical form per kind (emails
//! lower-cased, phones as E.164, dates of birth as `YYYY-MM-DD`, postcodes
//! upper-cased without spaces, ids upper-cased without separators, names as
//! the word sequences of [`super::names::variants`]) and then turned into a
//! keyed digest (HMAC-SHA256, [`Key::digest`]). Matching compares digests
//! only, so a plaintext request and its hashed form (`subject hash`) take
//! exactly the same path and give the same results, and a hashed request
//! file holds no identifier in the clear.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::names;
use crate::detect::validate::date::parse_date;
use crate::detect::validate::phone::normalise_phone;
use crate::error::{Error, Result};
use crate::fingerprint::Key;

/// Format tag of a hashed request file.
pub const HASHED_FORMAT: &str = "piiscan-hashed-requests/1";

/// One person's request, as compliance staff write it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The request's reference, e.g. `S01` or a case number.
    pub id: String,
    /// Full names (`Jane Doe`, `Jane Mary Doe`, `Doe, Jane`).
    #[serde(default)]
    pub names: Vec<String>,
    /// Email addresses.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Phone numbers in any written form.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Dates of birth, `YYYY-MM-DD`.
    #[serde(default)]
    pub dobs: Vec<String>,
    /// Postcodes.
    #[serde(default)]
    pub postcodes: Vec<String>,
    /// Account numbers, customer references, NINO, card numbers...
    #[serde(default)]
    pub ids: Vec<String>,
}

/// Digest domains (and the identifier kinds reported).
pub mod domain {
    /// A full-name variant.
    pub const NAME: &str = "name";
    /// One surname word: the trigger for a name comparison, and the test of
    /// whether an email address looks like this person's.
    pub const NAME_TOKEN: &str = "name_token";
    /// An email address.
    pub const EMAIL: &str = "email";
    /// A phone number (E.164).
    pub const PHONE: &str = "phone";
    /// A date of birth.
    pub const DOB: &str = "date_of_birth";
    /// A postcode.
    pub const POSTCODE: &str = "uk_postcode";
    /// An identifier.
    pub const ID: &str = "id";
    /// Every domain, in file order.
    pub const ALL: &[&str] = &[NAME, NAME_TOKEN, EMAIL, PHONE, DOB, POSTCODE, ID];
}

/// A request with every identifier keyed: what `subject hash` writes and
/// what matching uses.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HashedRequest {
    /// The request's reference (kept in the clear: it names the case, not
    /// the person).
    pub id: String,
    /// Hex digests per domain ([`domain`]).
    pub digests: BTreeMap<String, BTreeSet<String>>,
}

/// A file of hashed requests.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HashedFile {
    /// [`HASHED_FORMAT`].
    pub format: String,
    /// [`Key::id`] of the key the digests were made with.
    pub key_id: String,
    /// The requests.
    pub subjects: Vec<HashedRequest>,
}

/// Canonical email: trimmed, lower case.
pub fn norm_email(s: &str) -> Option<String> {
    let s = s.trim().to_lowercase();
    let (local, domain) = s.split_once('@')?;
    (!local.is_empty() && domain.contains('.')).then_some(s)
}

/// Canonical postcode: upper case, no spaces.
pub fn norm_postcode(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Canonical identifier: letters and digits only, upper case.
pub fn norm_id(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// Canonical date: `YYYY-MM-DD`, from any format the date validator reads.
pub fn norm_date(s: &str) -> Option<String> {
    let d = parse_date(s.trim().as_bytes())?;
    Some(format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

fn hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

impl Request {
    /// Normalise and key every identifier. Errors name the request and the
    /// field, never the value.
    pub fn hash(&self, key: &Key) -> Result<HashedRequest> {
        let bad =
            |field: &str, i: usize, why: &str| Error::Config(format!("subject `{}`: {field}[{i}] {why}", self.id));
        if self.id.trim().is_empty() {
            return Err(Error::Config("a subject request has no `id`".into()));
        }
        let mut out = HashedRequest { id: self.id.clone(), digests: BTreeMap::new() };
        let mut put = |dom: &str, v: &str| {
            out.digests.entry(dom.to_string()).or_default().insert(hex(&key.digest(dom, v)));
        };
        for (i, n) in self.names.iter().enumerate() {
            let p = names::parse(n).ok_or_else(|| bad("names", i, "needs a given name and a surname"))?;
            let (variants, triggers) = names::variants(&p);
            variants.iter().for_each(|v| put(domain::NAME, v));
            triggers.iter().for_each(|t| put(domain::NAME_TOKEN, t));
        }
        for (i, e) in self.emails.iter().enumerate() {
            put(domain::EMAIL, &norm_email(e).ok_or_else(|| bad("emails", i, "is not an email address"))?);
        }
        for (i, p) in self.phones.iter().enumerate() {
            let n = normalise_phone(p.as_bytes()).ok_or_else(|| bad("phones", i, "is not a valid phone number"))?;
            put(domain::PHONE, &n);
        }
        for (i, d) in self.dobs.iter().enumerate() {
            put(domain::DOB, &norm_date(d).ok_or_else(|| bad("dobs", i, "is not a date (YYYY-MM-DD)"))?);
        }
        for (i, p) in self.postcodes.iter().enumerate() {
            let n = norm_postcode(p);
            if n.len() < 5 || n.len() > 7 {
                return Err(bad("postcodes", i, "is not a UK postcode"));
            }
            put(domain::POSTCODE, &n);
        }
        for (i, x) in self.ids.iter().enumerate() {
            let n = norm_id(x);
            if n.len() < 4 || !n.bytes().any(|b| b.is_ascii_digit()) {
                return Err(bad("ids", i, "needs at least 4 letters or digits, one of them a digit"));
            }
            put(domain::ID, &n);
        }
        if out.digests.keys().all(|d| d == domain::NAME_TOKEN) {
            return Err(Error::Config(format!("subject `{}` has no identifier", self.id)));
        }
        Ok(out)
    }
}

/// Parse a request file: a JSON list of [`Request`]s (or one object).
pub fn parse_requests(text: &str) -> Result<Vec<Request>> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Config(format!("requests: {e}")))?;
    let list = if v.is_array() { v } else { serde_json::Value::Array(vec![v]) };
    let reqs: Vec<Request> = serde_json::from_value(list).map_err(|e| Error::Config(format!("requests: {e}")))?;
    let mut ids = BTreeSet::new();
    for r in &reqs {
        if !ids.insert(r.id.as_str()) {
            return Err(Error::Config(format!("subject id `{}` is used twice", r.id)));
        }
    }
    Ok(reqs)
}

/// Parse a hashed request file and check it was made with `key`.
pub fn parse_hashed(text: &str, key: &Key) -> Result<Vec<HashedRequest>> {
    let f: HashedFile = serde_json::from_str(text).map_err(|e| Error::Config(format!("hashed requests: {e}")))?;
    if f.format != HASHED_FORMAT {
        return Err(Error::Config(format!("hashed requests: format `{}`, expected `{HASHED_FORMAT}`", f.format)));
    }
    if f.key_id != key.id() {
        return Err(Error::Config(
            "hashed requests were made with a different key (key_id differs): pass the same --key / PIISCAN_KEY".into(),
        ));
    }
    for r in &f.subjects {
        for (d, set) in &r.digests {
            if !domain::ALL.contains(&d.as_str()) {
                return Err(Error::Config(format!("hashed requests: subject `{}`: unknown field `{d}`", r.id)));
            }
            if set.iter().any(|h| h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit())) {
                return Err(Error::Config(format!("hashed requests: subject `{}`: `{d}` holds a non-digest", r.id)));
            }
        }
    }
    Ok(f.subjects)
}

/// Decode a hex digest.
pub fn unhex(h: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if h.len() != 64 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_errs_without_values() {
        let k = Key::from_secret("test");
        let r = Request {
            id: "S1".into(),
            names: vec!["Jane Doe".into()],
            emails: vec!["Jane.Doe@Example.COM".into()],
            phones: vec!["07700 900123".into()],
            dobs: vec!["1982-03-14".into()],
            postcodes: vec!["sw1a 1aa".into()],
            ids: vec!["acc-123456".into()],
        };
        let h = r.hash(&k).unwrap();
        let has = |d: &str, v: &str| h.digests[d].contains(&hex(&k.digest(d, v)));
        assert!(has(domain::EMAIL, "jane.doe@example.com"));
        assert!(has(domain::PHONE, "+447700900123"));
        assert!(has(domain::DOB, "1982-03-14"));
        assert!(has(domain::POSTCODE, "SW1A1AA"));
        assert!(has(domain::ID, "ACC123456"));
        assert!(has(domain::NAME, "doe jane"));
        let bad = Request { id: "S2".into(), phones: vec!["12345".into()], ..Default::default() };
        let e = bad.hash(&k).unwrap_err().to_string();
        assert!(e.contains("phones[0]") && !e.contains("12345"), "{e}");
        let file = HashedFile { format: HASHED_FORMAT.into(), key_id: k.id(), subjects: vec![h.clone()] };
        let text = serde_json::to_string(&file).unwrap();
        assert_eq!(parse_hashed(&text, &k).unwrap(), vec![h]);
        assert!(parse_hashed(&text, &Key::from_secret("other")).is_err());
    }
}
