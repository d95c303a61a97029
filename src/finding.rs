//! The unit of output: one piece of personal data found in one file.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// A kind or a rule id, interned: copied, never reference-counted.
///
/// Every finding names its kind and rule. As `Arc<str>`, each finding cost
/// two atomic increments on a worker and two decrements on the thread that
/// writes the report, all on the same few cache lines shared by every
/// thread: millions of contended operations in a large scan. Labels are few
/// (one per kind and per pattern, plus fixed names such as `subject`), so
/// each distinct text is stored once for the life of the process.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(&'static str);

impl Label {
    /// The label with this text (interned on first use).
    pub fn new(text: &str) -> Label {
        static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let mut seen = SEEN.get_or_init(Mutex::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(&t) = seen.get(text) {
            return Label(t);
        }
        let t: &'static str = Box::leak(Box::from(text));
        seen.insert(t);
        Label(t)
    }

    /// The text.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl std::ops::Deref for Label {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl std::borrow::Borrow<str> for Label {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl From<&str> for Label {
    fn from(text: &str) -> Label {
        Label::new(text)
    }
}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl serde::Serialize for Label {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// A finding's structural location, kept as its JSON text: a map per
/// finding would cost several hundred bytes each (millions of findings in a
/// large export), the text a few dozen.
#[derive(Debug, Clone, PartialEq)]
pub struct Location(Box<str>);

impl Location {
    /// From a JSON value.
    pub fn new(v: &serde_json::Value) -> Option<Location> {
        serde_json::to_string(v).ok().map(|t| Location(t.into()))
    }

    /// `{"column":…,"row":…}` of a cell of a delimited export, written
    /// directly (a dense export has a finding in most cells: a `format!`
    /// and a JSON check per finding cost 8% of its scan). `name` is the
    /// column's name as a JSON string literal, quoted and escaped (by
    /// serde_json, once per file); without one, the 1-based column number
    /// stands in, as a string. Valid JSON by construction.
    ///
    /// `inferred`: the column's kind was judged from its content, not its
    /// header (`"column_kind": "inferred"`).
    pub fn cell(name: Option<&str>, column: usize, row: usize, inferred: bool) -> Location {
        let (mut number, mut row_digits) = (itoa::Buffer::new(), itoa::Buffer::new());
        // A name comes quoted; a number is quoted here.
        let (quote, name) = match name {
            Some(quoted) => ("", quoted),
            None => ("\"", number.format(column + 1)),
        };
        let kind = if inferred { ",\"column_kind\":\"inferred\"" } else { "" };
        let parts = ["{\"column\":", quote, name, quote, kind, ",\"row\":", row_digits.format(row), "}"];
        let mut t = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        parts.iter().for_each(|p| t.push_str(p));
        Location(t.into())
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        &self.0
    }

    /// As a JSON value.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or_default()
    }
}

impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // As raw JSON: the text is valid by construction (serde_json wrote
        // it, or `Location::cell`).
        let raw: &serde_json::value::RawValue = serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl Finding {
    /// The fingerprint as 16 lower-case hex digits.
    pub fn fingerprint_hex(&self) -> String {
        hex16(self.fingerprint).iter().map(|&b| char::from(b)).collect()
    }
}

/// A fingerprint's 16 lower-case hex digits, on the stack: the one spelling
/// every report uses ([`Finding::fingerprint_hex`], and the JSON and CSV
/// reports, which write one per finding without a heap string).
pub fn hex16(v: u64) -> [u8; 16] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    std::array::from_fn(|k| HEX[(v >> (4 * (15 - k)) & 0xf) as usize])
}

/// One detected piece of personal data.
///
/// Kept small: a large export yields hundreds of thousands per file, all
/// held until the file is done (`Box<str>` rather than `String` for the
/// texts saves a word each and any spare capacity).
///
/// Offsets are byte offsets into the file *as stored on disk* (for UTF-16
/// files they are mapped back from the transcoded text), `end` exclusive, so
/// an editor or the redactor can trust them.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The kind of data, e.g. `email`, `phone`.
    pub kind: Label,
    /// The id of the pattern that found it, e.g. `phone_uk`.
    pub rule: Label,
    /// Start byte offset in the file.
    pub start: u64,
    /// End byte offset in the file (exclusive).
    pub end: u64,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, in bytes of the (decoded) line.
    pub column: u64,
    /// 1-based column in characters (Unicode code points), for SARIF.
    pub char_column: u64,
    /// Known-fake data (Ofcom drama numbers, documentation IPs, example
    /// domains, test cards, config allow-list): reported, but not a leak.
    pub test_data: bool,
    /// Confidence in [0, 1] after validation and context.
    pub score: f32,
    /// The matched text, as found (lossily decoded), kept only when the scan
    /// was asked for raw values (`--show-values`); empty otherwise. Reporters
    /// print [`Finding::masked`] unless asked.
    pub value: Box<str>,
    /// The value masked for display, e.g. `**** **** **** 1234`.
    pub masked: Box<str>,
    /// Keyed fingerprint: the first 8 bytes of HMAC-SHA256 over kind and
    /// normalised value. Shown as 16 hex digits ([`Finding::fingerprint_hex`]).
    pub fingerprint: u64,
    /// Where in the file's structure: `{"row": 12, "column": "dob"}`,
    /// `{"pointer": "/customers/3/email"}`, `{"member": "a.zip!/b.csv"}`,
    /// `{"sheet": "Sheet1", "cell": "B3"}`, `{"time": {"start", "end"}}`...
    /// `None` for plain text.
    pub location: Option<Location>,
    /// Whether `start`/`end`/`line`/`column` are positions in the file as
    /// stored. `false` inside containers and encoded parts (archive
    /// members, office documents, base64 mail parts, PDF text): they are
    /// then positions in the extracted text named by `location`, and the
    /// file cannot be redacted in place.
    pub file_offsets: bool,
    /// A value read out over several transcript cues: each piece's file
    /// span (`start` is the first piece's start, `end` the last's end).
    /// Empty for a value in one piece.
    pub pieces: Vec<(u64, u64)>,
    /// Found in spoken words normalised to their written form ("oh seven
    /// seven double oh..."): `start`/`end` cover the words.
    pub spoken: bool,
    /// The validator's qualifier: `"private"` for an RFC 1918, carrier-grade
    /// NAT or link-local address (a subscriber's device in a RADIUS, DHCP
    /// or NAT log; reported, with this field so that it can be filtered).
    pub scope: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::{hex16, Label, Location};

    #[test]
    fn cells_are_the_json_of_their_row_and_column() {
        for (name, column, row) in [(Some("\"dob\""), 3, 12), (Some("\"e\\\"mail\""), 0, 1), (None, 4, 1_000_000)] {
            let mut v = serde_json::Map::new();
            let col =
                name.map_or_else(|| serde_json::json!((column + 1).to_string()), |n| serde_json::from_str(n).unwrap());
            v.insert("column".into(), col);
            v.insert("row".into(), row.into());
            let want = serde_json::Value::Object(v);
            let cell = Location::cell(name, column, row, false);
            assert_eq!(cell.json(), serde_json::to_string(&want).unwrap());
            assert_eq!(cell.json().len(), cell.0.len());
            assert_eq!(serde_json::to_string(&cell).unwrap(), cell.json());
        }
    }

    #[test]
    fn labels_are_interned_once_and_read_as_their_text() {
        let text = String::from("uk_nino");
        let (a, b) = (Label::new("uk_nino"), Label::from(text.as_str()));
        assert!(std::ptr::eq(a.as_str(), b.as_str()), "one copy per text");
        assert_eq!(a, b);
        assert_ne!(a, Label::new("uk_nino_spaced"));
        assert!(a == "uk_nino" && &*a == "uk_nino");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"uk_nino\"");
        assert_eq!(format!("{a} {a:?}"), "uk_nino \"uk_nino\"");
    }

    #[test]
    fn hex16_is_the_zero_padded_lower_hex() {
        for v in [0, 1, 0xf, 0x00ab_cdef_0123_4567, 0x8000_0000_0000_0000, u64::MAX] {
            assert_eq!(std::str::from_utf8(&hex16(v)).unwrap(), format!("{v:016x}"));
        }
    }
}
