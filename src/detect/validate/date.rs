//! Dates (of birth): calendar-valid, plausible birth year.
//!
//! Numeric dates are read day-first (UK); when that is not a valid date but
//! month-first is (`03/14/1982`), month-first is used. Two-digit years are
//! taken as 20yy when that is not in the future, else 19yy. Whether a date
//! is a *birth* date is decided by context, not here.

use std::sync::OnceLock;

use time::{Date, Month};

use super::{accept, Verdict};

/// This year (UTC), read once per process.
pub fn current_year() -> i32 {
    static Y: OnceLock<i32> = OnceLock::new();
    *Y.get_or_init(|| time::OffsetDateTime::now_utc().year())
}

/// The months' names, lower case, January first.
pub const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The month (1-12) a name or abbreviation stands for (`march`, `Mar`, `sept`).
pub fn month_from_name(t: &str) -> Option<u8> {
    const NAMES: [&str; 12] = MONTH_NAMES;
    let t = t.to_ascii_lowercase();
    if t.len() < 3 {
        return None;
    }
    NAMES.iter().position(|n| n.starts_with(&t) || (t == "sept" && *n == "september")).map(|i| i as u8 + 1)
}

fn full_year(y: u32, digits: usize) -> i32 {
    if digits == 4 {
        return y as i32;
    }
    let cy = current_year();
    let y2000 = 2000 + y as i32;
    if y2000 <= cy {
        y2000
    } else {
        1900 + y as i32
    }
}

fn make(y: i32, m: u32, d: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()
}

/// Parse a date written in any of the supported forms.
pub fn parse_date(m: &[u8]) -> Option<Date> {
    let text = String::from_utf8_lossy(m);
    let mut nums: Vec<(u32, usize)> = Vec::new();
    let mut month: Option<u8> = None;
    for tok in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty()) {
        let digits: String = tok.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            let suffix = &tok[digits.len()..];
            if !suffix.is_empty() && !matches!(suffix.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th") {
                return None;
            }
            nums.push((digits.parse().ok()?, digits.len()));
        } else if let Some(mo) = month_from_name(tok) {
            month = Some(mo);
        } else if !tok.eq_ignore_ascii_case("of") {
            return None;
        }
    }
    match (month, nums.as_slice()) {
        (Some(mo), [(d, dl), (y, yl)]) if *dl <= 2 && (*yl == 4 || *yl == 2) => {
            make(full_year(*y, *yl), u32::from(mo), *d)
        }
        (None, [(y, 4), (mo, _), (d, _)]) => make(*y as i32, *mo, *d),
        // Compact: DDMMYYYY (UK), else YYYYMMDD.
        (None, [(n, 8)]) => {
            let plausible = |d: &Date| (1900..=current_year()).contains(&d.year());
            make((n % 10_000) as i32, n / 10_000 % 100, n / 1_000_000)
                .filter(plausible)
                .or_else(|| make((n / 10_000) as i32, n / 100 % 100, n % 100).filter(plausible))
        }
        (None, [(a, _), (b, _), (y, yl)]) if *yl == 4 || *yl == 2 => {
            let y = full_year(*y, *yl);
            make(y, *b, *a).or_else(|| make(y, *a, *b))
        }
        _ => None,
    }
}

/// A date followed by a clock time (`2024-03-10 19:15:15`, `…T10:22`) is a
/// timestamp: an event, not a birth.
fn followed_by_time(after: &[u8]) -> bool {
    let a = match after.first() {
        Some(b' ' | b'T' | b'_') => &after[1..],
        _ => return false,
    };
    let digits = a.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=2).contains(&digits) && a.get(digits) == Some(&b':') && a.get(digits + 1).is_some_and(u8::is_ascii_digit)
}

pub(super) fn check(hay: &[u8], s: usize, e: usize) -> Verdict {
    let m = &hay[s..e];
    if followed_by_time(&hay[e..hay.len().min(e + 8)]) {
        return Verdict::Reject;
    }
    // Six digits are a birth date only here (DDMMYY, "one nine oh seven
    // eight four" read out after "and your date of birth?"): the pattern
    // that yields them needs a birth-date cue. `parse_date` keeps refusing
    // them, since column inference would take every sort code for a date.
    let six = (m.len() == 6 && m.iter().all(u8::is_ascii_digit)).then(|| {
        let n: u32 = std::str::from_utf8(m).ok()?.parse().ok()?;
        make(full_year(n % 100, 2), n / 100 % 100, n / 10_000)
    });
    let Some(d) = six.flatten().or_else(|| parse_date(m)) else {
        return Verdict::Reject;
    };
    let cy = current_year();
    if d.year() < 1900 || d.year() > cy {
        return Verdict::Reject;
    }
    accept(format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

#[cfg(test)]
mod tests {
    use super::*;
    fn iso(s: &str) -> Option<String> {
        match check(s.as_bytes(), 0, s.len()) {
            Verdict::Accept(a) => Some(a.normalized),
            Verdict::Reject => None,
        }
    }
    #[test]
    fn forms() {
        for s in [
            "14/03/1982",
            "14.03.82",
            "1982-03-14",
            "14 March 1982",
            "14th of March 1982",
            "March 14, 1982",
            "Mar 14th 1982",
            "03/14/1982",
        ] {
            assert_eq!(iso(s).as_deref(), Some("1982-03-14"), "{s}");
        }
        assert_eq!(iso("3rd March 1982").as_deref(), Some("1982-03-03"));
        // Issue 18: compact forms and dd-Mon-yyyy.
        assert_eq!(iso("19071984").as_deref(), Some("1984-07-19"));
        assert_eq!(iso("19840719").as_deref(), Some("1984-07-19"));
        assert_eq!(iso("19-Jul-1984").as_deref(), Some("1984-07-19"));
        assert_eq!(iso("12345678"), None);
        assert_eq!(iso("190784").as_deref(), Some("1984-07-19"));
        assert_eq!(iso("310284"), None);
        assert_eq!(parse_date(b"190784"), None);
        assert_eq!(iso("31/02/1982"), None);
        assert_eq!(iso("14/03/1850"), None);
        assert_eq!(iso("14/13/2099"), None);
        let ts = b"2024-03-10 19:15:15";
        assert_eq!(check(ts, 0, 10), Verdict::Reject);
    }
}
