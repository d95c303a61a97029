//! Binary spreadsheets: `.xls` (BIFF in an OLE compound file) and `.xlsb`
//! (binary records in a zip), read with `calamine`, which shares our `zip`
//! and `quick-xml`. Each sheet becomes the same tab-separated text with a
//! cell locator as an `.xlsx` sheet ([`super::office`]), so column context,
//! column inference and locations (`{"sheet": "Customers", "cell": "B3"}`)
//! work identically.
//!
//! calamine trusts two things a hostile file controls, and an allocation
//! that fails aborts the process (it is not a panic, nothing can catch it):
//!
//! - `.xls`: it reserves room for a sheet's declared DIMENSIONS and lays
//!   out every sheet as a dense grid spanning its outermost cells, so one
//!   cell at A1 and one at row 65,536, column 65,536 ask for 4 billion
//!   cells. Before calamine sees the file, [`xls_bounds`] walks the BIFF
//!   records of the workbook stream (read with the `cfb` crate) and refuses
//!   a sheet whose declared or actual extent is past [`MAX_CELLS`];
//! - `.xlsb`: members are decompressed by calamine, so the archive's
//!   declared sizes are checked against our [`super::Limits`] first, and
//!   cells are streamed one at a time (no dense grid).
//!
//! Date cells are written as ISO dates (`1984-07-19`), so a date of birth
//! in a spreadsheet reads as one.

use std::io::Cursor;

use calamine::{Data, DataRef, ExcelDateTime, Reader, Xls, XlsError, Xlsb, XlsbError};

use super::office::{number_text, sheet_segment, Cell};
use super::{Cx, Refusal, Segment};
use crate::outcome::SkipReason;

/// Largest sheet extent (rows × columns) handed to calamine, and largest
/// number of cells read from one sheet: the same bound as an `.xlsx` sheet.
pub const MAX_CELLS: u64 = 4_000_000;

/// Largest extent of all sheets of one `.xls` together: calamine lays out
/// every sheet of a workbook when it opens it (about 32 bytes a cell, and
/// one sheet is copied again when read), so this caps one workbook near
/// 400 MB however many sheets it has.
pub const MAX_WORKBOOK_CELLS: u64 = 2 * MAX_CELLS;

/// The magic bytes of an OLE compound file (`.xls`, `.doc`, `.msg`).
pub const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The workbook stream of a compound file, if it is an Excel workbook
/// (`Workbook` in BIFF8, `Book` in BIFF5).
fn workbook_stream(bytes: &[u8], cx: &mut Cx) -> Option<Result<Vec<u8>, Refusal>> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
    let path = ["/Workbook", "/Book", "/WORKBOOK", "/BOOK"].into_iter().find(|p| cf.is_stream(p))?;
    let stream = match cf.open_stream(path) {
        Ok(s) => s,
        Err(e) => return Some(Err((SkipReason::Malformed, format!("xls: {e}")))),
    };
    Some(super::archive::read_limited(stream, bytes.len() as u64, cx))
}

/// Whether every sheet of a BIFF workbook stream is within [`MAX_CELLS`]
/// (its DIMENSIONS record and the box spanned by its cell records), and
/// all of them together within [`MAX_WORKBOOK_CELLS`]. A refusal names the
/// reason; nothing of the content.
fn xls_bounds(stream: &[u8]) -> Result<(), Refusal> {
    let too_big = |what: &str| {
        Err((
            SkipReason::LimitExceeded,
            format!("xls: a sheet {what} more than {MAX_CELLS} cells: not read (calamine would lay it out in memory)"),
        ))
    };
    let (mut pos, mut depth) = (0usize, 0u32);
    let (mut rows, mut cols, mut declared, mut workbook) = (0u64, 0u64, 0u64, 0u64);
    while pos + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[pos], stream[pos + 1]]);
        let len = u16::from_le_bytes([stream[pos + 2], stream[pos + 3]]) as usize;
        let data = &stream[pos + 4..(pos + 4 + len).min(stream.len())];
        pos += 4 + len;
        let u16_at = |i: usize| data.get(i..i + 2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as u64);
        let u32_at = |i: usize| data.get(i..i + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64);
        match typ {
            0x0809 => {
                depth += 1;
                if depth == 1 {
                    (rows, cols, declared) = (0, 0, 0);
                }
            }
            0x000A => {
                if depth == 1 {
                    workbook = workbook.saturating_add(declared.max(rows.saturating_mul(cols)));
                    if workbook > MAX_WORKBOOK_CELLS {
                        return Err((
                            SkipReason::LimitExceeded,
                            format!(
                                "xls: its sheets span more than {MAX_WORKBOOK_CELLS} cells together: not read \
                                 (calamine would lay them all out in memory)"
                            ),
                        ));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            0x0200 if depth == 1 => {
                let (r, c) = match data.len() {
                    10 => (u16_at(0).max(u16_at(2)), u16_at(4).max(u16_at(6))),
                    _ => (u32_at(0).max(u32_at(4)), u16_at(8).max(u16_at(10))),
                };
                declared = (r + 1).saturating_mul(c + 1);
                if declared > MAX_CELLS {
                    return too_big("declares");
                }
            }
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 | 0x00BD if depth == 1 => {
                let last_col = if typ == 0x00BD { u16_at(data.len().saturating_sub(2)) } else { u16_at(2) };
                rows = rows.max(u16_at(0) + 1);
                cols = cols.max(u16_at(2).max(last_col) + 1);
                if rows.saturating_mul(cols) > MAX_CELLS {
                    return too_big("spans");
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// An Excel serial date as an ISO date (with the time when it has one).
fn date_text(d: &ExcelDateTime) -> String {
    if d.is_duration() {
        return d.as_f64().to_string();
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if d.as_f64().fract() == 0.0 {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
    }
}

/// A float cell as text: whole numbers without a fraction (and a lost
/// leading zero restored, as in `.xlsx`).
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        number_text(&(f as i64).to_string())
    } else {
        f.to_string()
    }
}

/// The text of a cell, or `None` for what holds nothing to scan.
fn data_text(d: &Data) -> Option<String> {
    match d {
        Data::Int(i) => Some(number_text(&i.to_string())),
        Data::Float(f) => Some(float_text(*f)),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::DateTime(d) => Some(date_text(d)),
        Data::Bool(_) | Data::Error(_) | Data::Empty => None,
    }
}

fn data_ref_text(d: &DataRef<'_>) -> Option<String> {
    match d {
        DataRef::Int(i) => Some(number_text(&i.to_string())),
        DataRef::Float(f) => Some(float_text(*f)),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Some(s.clone()),
        DataRef::SharedString(s) => Some(s.to_string()),
        DataRef::DateTime(d) => Some(date_text(d)),
        DataRef::Bool(_) | DataRef::Error(_) | DataRef::Empty => None,
    }
}

fn xls_error(e: XlsError) -> Refusal {
    match e {
        XlsError::Password => (SkipReason::Encrypted, "password-protected".into()),
        e => (SkipReason::Malformed, format!("xls: {e}")),
    }
}

/// An OLE compound file: an `.xls` workbook is read; anything else (a
/// `.doc`, an Outlook `.msg`) is `None`, for the caller to treat as before.
pub fn xls(bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Option<Result<&'static str, Refusal>> {
    let stream = match workbook_stream(bytes, cx)? {
        Ok(s) => s,
        Err(r) => return Some(Err(r)),
    };
    Some(read_xls(bytes, &stream, emit))
}

fn read_xls(bytes: &[u8], stream: &[u8], emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    xls_bounds(stream)?;
    let sheets = calamine_contained("xls", || -> Result<Vec<(String, Vec<Cell>)>, Refusal> {
        let mut wb = Xls::new(Cursor::new(bytes)).map_err(xls_error)?;
        let mut sheets = Vec::new();
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name).map_err(xls_error)?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let mut cells: Vec<Cell> = Vec::new();
            for (r, row) in range.rows().enumerate() {
                for (c, d) in row.iter().enumerate() {
                    if let Some(t) = data_text(d).filter(|t| !t.is_empty()) {
                        cells.push((r + r0 as usize, c + c0 as usize, t));
                    }
                }
            }
            sheets.push((name, cells));
        }
        Ok(sheets)
    })?;
    for (name, cells) in sheets {
        emit(sheet_segment(&name, cells));
    }
    Ok("xls")
}

/// Run calamine where its panics are contained. Fuzzing found two on
/// hostile input (an `.xlsb` sheet whose relationship id is missing from
/// `workbook.bin.rels`; an `.xls` whose compound-file sector chain points
/// past its end): each becomes `failed: malformed` for that file, and
/// since sheets are collected before any is emitted, no half-read
/// workbook reaches the detectors.
fn calamine_contained<T>(what: &str, f: impl FnOnce() -> Result<T, Refusal>) -> Result<T, Refusal> {
    super::contain::contained(f)
        .unwrap_or_else(|| Err((SkipReason::Malformed, format!("{what}: the workbook reader failed on this file"))))
}

fn xlsb_error(e: XlsbError) -> Refusal {
    match e {
        XlsbError::Password => (SkipReason::Encrypted, "password-protected".into()),
        e => (SkipReason::Malformed, format!("xlsb: {e}")),
    }
}

/// An `.xlsb` workbook (a zip holding `xl/workbook.bin`).
pub fn xlsb(bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    // calamine decompresses members itself: hold it to the archive limits
    // by the sizes the zip declares (zip reads no more than it declares).
    let mut za = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| (SkipReason::Malformed, format!("zip: {e}")))?;
    let l = cx.limits;
    let mut total = 0u64;
    for i in 0..za.len() {
        let f = za.by_index_raw(i).map_err(|e| (SkipReason::Malformed, format!("zip: {e}")))?;
        let (size, packed) = (f.size(), f.compressed_size());
        total = total.saturating_add(size);
        if size > l.max_member || size > l.ratio_floor.max(packed.saturating_mul(l.max_ratio)) {
            return Err((SkipReason::LimitExceeded, "xlsb: a member past the expansion limits: not read".into()));
        }
    }
    if total > l.max_expanded.saturating_sub(cx.expanded) {
        return Err((SkipReason::LimitExceeded, "xlsb: expands past the limit for one file: not read".into()));
    }
    cx.expanded += total;
    drop(za);
    let sheets = calamine_contained("xlsb", || -> Result<Vec<(String, Vec<Cell>)>, Refusal> {
        let mut wb = Xlsb::new(Cursor::new(bytes)).map_err(xlsb_error)?;
        let mut sheets = Vec::new();
        for name in wb.sheet_names() {
            let mut cells: Vec<Cell> = Vec::new();
            let mut reader = wb.worksheet_cells_reader(&name).map_err(xlsb_error)?;
            while let Some(cell) = reader.next_cell().map_err(xlsb_error)? {
                if cells.len() as u64 >= MAX_CELLS {
                    return Err((SkipReason::LimitExceeded, format!("xlsb: a sheet of more than {MAX_CELLS} cells")));
                }
                let (r, c) = cell.get_position();
                if let Some(t) = data_ref_text(cell.get_value()).filter(|t| !t.is_empty()) {
                    cells.push((r as usize, c as usize, t));
                }
            }
            drop(reader);
            sheets.push((name, cells));
        }
        Ok(sheets)
    })?;
    for (name, cells) in sheets {
        emit(sheet_segment(&name, cells));
    }
    Ok("xlsb")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend((data.len() as u16).to_le_bytes());
        v.extend(data);
        v
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0u8; 10]);
        rec(0x0203, &d)
    }

    #[test]
    fn a_sheet_spanning_the_grid_is_refused_before_calamine() {
        let mut s = rec(0x0809, &[0; 16]);
        s.extend(number(0, 0));
        s.extend(number(65_535, 255));
        s.extend(rec(0x000A, &[]));
        assert_eq!(xls_bounds(&s).unwrap_err().0, SkipReason::LimitExceeded);
    }

    #[test]
    fn declared_dimensions_past_the_bound_are_refused() {
        let mut d = 0u32.to_le_bytes().to_vec();
        d.extend(u32::MAX.to_le_bytes());
        d.extend([0, 0, 0xff, 0x00, 0, 0]);
        let mut s = rec(0x0809, &[0; 16]);
        s.extend(rec(0x0200, &d));
        assert_eq!(xls_bounds(&s).unwrap_err().0, SkipReason::LimitExceeded);
    }

    #[test]
    fn sheets_within_the_bound_alone_but_not_together_are_refused() {
        // Three sheets of 3 million cells each (3,000 rows × 1,000 columns).
        let mut s = Vec::new();
        for _ in 0..3 {
            s.extend(rec(0x0809, &[0; 16]));
            s.extend(number(0, 0));
            s.extend(number(2_999, 999));
            s.extend(rec(0x000A, &[]));
        }
        let e = xls_bounds(&s).unwrap_err();
        assert_eq!(e.0, SkipReason::LimitExceeded);
        assert!(e.1.contains("together"), "{}", e.1);
        // Two of them pass.
        let two = s.len() / 3 * 2;
        assert!(xls_bounds(&s[..two]).is_ok());
    }

    #[test]
    fn ordinary_sheets_and_chart_substreams_pass() {
        let mut s = rec(0x0809, &[0; 16]);
        s.extend(number(10, 3));
        // A chart substream inside the sheet: its records are not cells.
        s.extend(rec(0x0809, &[0; 16]));
        s.extend(number(65_535, 255));
        s.extend(rec(0x000A, &[]));
        s.extend(rec(0x000A, &[]));
        assert!(xls_bounds(&s).is_ok());
    }

    #[test]
    fn dates_and_numbers_read_as_people_write_them() {
        assert_eq!(float_text(7_700_900_123.0), "07700900123");
        assert_eq!(float_text(12.5), "12.5");
        let d = ExcelDateTime::new(30_882.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(date_text(&d), "1984-07-19");
    }
}
