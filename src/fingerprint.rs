//! Keyed fingerprints and masking.
//!
//! A fingerprint lets reports count distinct values, and baselines and
//! subject searches match them, without storing the value. Phone numbers,
//! dates of birth and card numbers have so little entropy that a plain hash
//! is reversed by trying every value; an HMAC with a secret key is not.
//! The key comes from `--key`, `PIISCAN_KEY`, or a per-user key file created
//! with 256 random bits on first use (mode 0600).

use std::path::PathBuf;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// A fingerprint key, kept as a ready-keyed HMAC state (the key schedule is
/// computed once, not per finding).
#[derive(Clone)]
pub struct Key(Hmac<Sha256>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<secret>)")
    }
}

impl Key {
    /// A key from a passphrase or hex string given by the user.
    pub fn from_secret(s: &str) -> Key {
        Key(<Hmac<Sha256> as Mac>::new_from_slice(s.as_bytes()).expect("HMAC accepts any key length"))
    }

    /// The default per-user key file.
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("piiscan").join("key"))
    }

    /// Load the key file, creating it with fresh randomness if absent.
    pub fn load_or_create(path: &std::path::Path) -> Result<Key> {
        if let Ok(s) = std::fs::read_to_string(path) {
            let s = s.trim();
            if s.len() < 32 {
                return Err(Error::Key(format!("{} is too short to be a key", path.display())));
            }
            return Ok(Key::from_secret(s));
        }
        let mut raw = [0u8; 32];
        getrandom::getrandom(&mut raw).map_err(|e| Error::Key(format!("no OS randomness: {e}")))?;
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Key(format!("{}: {e}", dir.display())))?;
        }
        write_private(path, &hex).map_err(|e| Error::Key(format!("{}: {e}", path.display())))?;
        Ok(Key::from_secret(&hex))
    }

    /// Fingerprint of a normalised value of a kind: the first 8 bytes
    /// (big-endian) of HMAC-SHA256(key, kind || 0x00 || value).
    pub fn fingerprint(&self, kind: &str, normalized: &str) -> u64 {
        let mut mac = self.0.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(normalized.as_bytes());
        let out = mac.finalize().into_bytes();
        u64::from_be_bytes([out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7]])
    }
}

impl Key {
    /// The full HMAC-SHA256 of a normalised identifier for subject requests,
    /// domain-separated from fingerprints: HMAC(key, "piiscan-subject/1" ||
    /// 0x00 || domain || 0x00 || value).
    pub fn digest(&self, domain: &str, value: &str) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(b"piiscan-subject/1\0");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A public identifier of the key (16 hex digits), so that digests made
    /// with one key are not silently compared with another's.
    pub fn id(&self) -> String {
        let d = self.digest("key-id", "");
        d[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, s: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(s.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, s: &str) -> std::io::Result<()> {
    std::fs::write(path, s)
}

/// Whether values of `kind` are secrets: never kept, never shown (not even
/// with `--show-values`), masked to a fixed width that tells nothing of
/// their length. Their fingerprint alone identifies them.
pub fn is_secret(kind: &str) -> bool {
    kind == "credential"
}

/// What every secret shows in place of its value.
pub const SECRET_MASK: &str = "********";

/// Mask a value for display. Separators are kept so the shape is readable;
/// only as much is shown as a person needs to recognise the record.
pub fn mask(kind: &str, value: &str, normalized: &str) -> String {
    if is_secret(kind) {
        return SECRET_MASK.to_string();
    }
    // Each form is built at its exact length: the finding keeps it as a
    // `Box<str>`, which would otherwise reallocate to shed spare capacity
    // (one of the few allocations per finding).
    let stars = |out: &mut String, n: usize| out.extend(std::iter::repeat_n('*', n));
    match kind {
        "payment_card" => {
            let last4 = &normalized[normalized.len().saturating_sub(4)..];
            let mut out = String::with_capacity(15 + last4.len());
            out.push_str("**** **** **** ");
            out.push_str(last4);
            out
        }
        "email" => {
            let Some((local, domain)) = normalized.split_once('@') else {
                return mask_alnum(value);
            };
            let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
            fn first(s: &str) -> &str {
                s.chars().next().map_or("", |c| &s[..c.len_utf8()])
            }
            let (l, h) =
                (local.chars().count().saturating_sub(1).max(3), host.chars().count().saturating_sub(1).max(3));
            let mut out = String::with_capacity(first(local).len() + l + 1 + first(host).len() + h + 1 + tld.len());
            out.push_str(first(local));
            stars(&mut out, l);
            out.push('@');
            out.push_str(first(host));
            stars(&mut out, h);
            out.push('.');
            out.push_str(tld);
            out
        }
        "phone" if normalized.starts_with('+') && normalized.len() > 8 => {
            // +44 77** ***123: country code, two digits, last three.
            let digits = &normalized[1..];
            let cc_len = if digits.starts_with('1') || digits.starts_with('7') {
                1
            } else if digits.starts_with("44") || digits.len() <= 11 {
                2
            } else {
                3
            };
            let (cc, nsn) = digits.split_at(cc_len.min(digits.len()));
            let n = nsn.len();
            if n < 6 {
                return mask_alnum(value);
            }
            // The NSN's first two digits, n - 5 stars, its last three;
            // a space after the fourth character of that.
            let mut out = String::with_capacity(cc.len() + n + 3);
            out.push('+');
            out.push_str(cc);
            out.push(' ');
            for (i, d) in nsn.bytes().enumerate() {
                out.push(if i < 2 || i + 3 >= n { char::from(d) } else { '*' });
                if i == 3 {
                    out.push(' ');
                }
            }
            out
        }
        _ => keep_tail(value, 2),
    }
}

/// Every alphanumeric replaced by `*`, everything else kept (the `mask`
/// redaction style, and the display mask of values with no better form).
/// A byte that was no UTF-8 (read as U+FFFD) is masked too: it stood inside
/// the value, and the mask should not grow it into three bytes.
pub fn mask_alnum(v: &str) -> String {
    v.chars().map(|c| if c.is_alphanumeric() || c == char::REPLACEMENT_CHARACTER { '*' } else { c }).collect()
}

/// Alphanumerics masked except the last `keep`; separators kept.
fn keep_tail(v: &str, keep: usize) -> String {
    let total = v.chars().filter(|c| c.is_alphanumeric()).count();
    let mut seen = 0;
    let mut out = String::with_capacity(v.len());
    out.extend(v.chars().map(|c| {
        if c.is_alphanumeric() {
            seen += 1;
            if seen + keep > total {
                c
            } else {
                '*'
            }
        } else if c.is_control() {
            ' '
        } else {
            c
        }
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn masks() {
        assert_eq!(mask("payment_card", "4111 1111 1111 1111", "4111111111111111"), "**** **** **** 1111");
        assert_eq!(mask("email", "jane@example.com", "jane@example.com"), "j***@e******.com");
        assert_eq!(mask("phone", "07700 900123", "+447700900123"), "+44 77** ***123");
        assert_eq!(mask("uk_nino", "QQ 12 34 56 C", "QQ123456C"), "** ** ** *6 C");
        assert_eq!(mask("phone", "+1 202 456 1111", "+12024561111"), "+1 20** ***111");
        assert_eq!(mask("phone", "+353 1 234 567", "+3531234567"), "+35 31** *567");
        assert_eq!(mask("phone", "+999 123456", "+999123456"), "+99 91** 456");
        assert_eq!(mask("email", "émile@exämple.fr", "émile@exämple.fr"), "é****@e******.fr");
        assert_eq!(mask("email", "a@b.c", "a@b.c"), "a***@b***.c");
        assert_eq!(mask("payment_card", "4111", "4111"), "**** **** **** 4111");
    }
    #[test]
    fn keyed() {
        let a = Key::from_secret("k1").fingerprint("phone", "+447700900123");
        let b = Key::from_secret("k2").fingerprint("phone", "+447700900123");
        assert_ne!(a, b);
        assert_eq!(a, Key::from_secret("k1").fingerprint("phone", "+447700900123"));
        assert_ne!(a, Key::from_secret("k1").fingerprint("email", "+447700900123"));
    }
}
