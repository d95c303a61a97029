//! Reading an inventory database in tests.

use std::path::Path;

/// The rows that make an inventory: files present (not gone) and their
/// findings, without what differs between runs by nature (run ids, read
/// times).
pub fn rows(db: &Path) -> (Vec<String>, Vec<String>) {
    let c = rusqlite::Connection::open(db).unwrap();
    let files = c
        .prepare(
            "SELECT path, store, size, mtime_ns, bucket, coalesce(reason, ''), coalesce(detail, ''), format, encoding,
                    findings, suppressed, ruleset FROM files WHERE gone_run IS NULL ORDER BY path",
        )
        .unwrap()
        .query_map([], |r| Ok((0..12).map(|i| cell(r, i)).collect::<Vec<_>>().join("|")))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let findings = c
        .prepare(
            "SELECT x.id, f.path, x.kind, x.rule, x.start, x.end, x.line, x.col, x.char_col, x.score, x.masked,
                    x.fingerprint, x.test_data, x.location, x.in_extracted_text, x.pieces, x.spoken, x.scope
             FROM findings x JOIN files f ON f.id = x.file_id ORDER BY f.path, x.seq",
        )
        .unwrap()
        .query_map([], |r| Ok((0..18).map(|i| cell(r, i)).collect::<Vec<_>>().join("|")))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (files, findings)
}

/// One column of a row, readable (text as text, NULL as `NULL`).
pub fn cell(r: &rusqlite::Row, i: usize) -> String {
    use rusqlite::types::ValueRef;
    match r.get_ref(i).unwrap() {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("{b:?}"),
    }
}
