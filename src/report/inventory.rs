//! `piiscan report`: an inventory database's [`Summary`] as text, as a
//! per-store CSV table, or as one self-contained HTML page (inline CSS,
//! inline SVG charts, one small inline script for the breach-impact view;
//! nothing fetched, so it opens offline and can be mailed as one file).
//! Masked values only: a summary holds counts, never a value.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::store::summary::{Impact, Summary};

/// Colours of the kinds in the charts, in order of first appearance.
const PALETTE: [&str; 20] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#1f3b73", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728", "#2ca02c", "#9467bd", "#e377c2", "#393b79",
];

/// The per-store table as CSV (one row per store).
pub fn stores_csv<W: Write>(out: &mut W, s: &Summary) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header = [
        "store",
        "files",
        "scanned",
        "with_findings",
        "skipped",
        "failed",
        "bytes",
        "findings",
        "people",
        "oldest",
        "newest",
        "kinds",
    ];
    w.write_record(header)?;
    for st in &s.stores {
        let kinds: Vec<String> =
            s.kinds.iter().filter(|k| k.store == st.store).map(|k| format!("{} {}", k.kind, k.findings)).collect();
        w.write_record([
            st.store.clone(),
            st.files.to_string(),
            st.scanned.to_string(),
            st.with_findings.to_string(),
            st.skipped.to_string(),
            st.failed.to_string(),
            st.bytes.to_string(),
            st.findings.to_string(),
            st.people.to_string(),
            st.oldest.clone().unwrap_or_default(),
            st.newest.clone().unwrap_or_default(),
            kinds.join("; "),
        ])?;
    }
    w.flush()
}

/// Readable lines.
pub fn text<W: Write>(out: &mut W, s: &Summary) -> io::Result<()> {
    for st in &s.stores {
        writeln!(
            out,
            "{}: {} files ({} with findings, {} skipped, {} failed), {} findings, ~{} people, modified {} to {}",
            st.store,
            st.files,
            st.with_findings,
            st.skipped,
            st.failed,
            st.findings,
            st.people,
            st.oldest.as_deref().unwrap_or("?"),
            st.newest.as_deref().unwrap_or("?")
        )?;
        for k in s.kinds.iter().filter(|k| k.store == st.store) {
            writeln!(
                out,
                "  {:<18} {:>8} findings {:>8} distinct {:>6} files",
                k.kind, k.findings, k.distinct_values, k.files
            )?;
        }
    }
    for i in &s.impact {
        writeln!(out, "impact of {}: {} files, ~{} people", crate::report::sanitize(&i.scope), i.files, i.people)?;
        for (kind, n, d) in &i.kinds {
            writeln!(out, "  {kind:<18} {n:>8} findings {d:>8} distinct")?;
        }
    }
    if !s.unreadable.is_empty() {
        writeln!(out, "not read: {}", s.unreadable.len())?;
        for u in &s.unreadable {
            writeln!(out, "  {} ({})", crate::report::sanitize(&u.path), u.reason)?;
        }
    }
    Ok(())
}

/// Escape text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// The page.
pub fn html(s: &Summary, db_name: &str) -> String {
    let mut h = String::new();
    let latest = s.runs.first().map(|r| r.started.as_str()).unwrap_or("no run");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
         <title>piiscan inventory: {}</title><style>{CSS}</style></head><body>\
         <h1>Personal data inventory</h1><p class=\"meta\">Database <b>{}</b>; latest run {}. Values are never shown; \
         people are estimated as the most distinct values of one identifying kind in a store.</p>",
        esc(db_name),
        esc(db_name),
        esc(latest)
    );
    // Per store.
    h.push_str("<h2>Data stores</h2><table id=\"stores\"><tr><th>Store</th><th>Files</th><th>Scanned</th><th>With findings</th><th>Skipped</th><th>Failed</th><th>Bytes</th><th>Findings</th><th>People (est.)</th><th>Oldest file</th><th>Newest file</th></tr>");
    for st in &s.stores {
        let _ = write!(
            h,
            "<tr data-store=\"{0}\"><td>{0}</td><td data-col=\"files\">{1}</td><td data-col=\"scanned\">{2}</td><td data-col=\"with_findings\">{3}</td><td data-col=\"skipped\">{4}</td><td data-col=\"failed\">{5}</td><td data-col=\"bytes\">{6}</td><td data-col=\"findings\">{7}</td><td data-col=\"people\">{8}</td><td>{9}</td><td>{10}</td></tr>",
            esc(&st.store),
            st.files,
            st.scanned,
            st.with_findings,
            st.skipped,
            st.failed,
            st.bytes,
            st.findings,
            st.people,
            esc(st.oldest.as_deref().unwrap_or("")),
            esc(st.newest.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table>");
    // Colours by kind.
    let mut kinds: Vec<&str> = Vec::new();
    for k in &s.kinds {
        if !kinds.contains(&k.kind.as_str()) {
            kinds.push(&k.kind);
        }
    }
    let colour = |kind: &str| PALETTE[kinds.iter().position(|k| *k == kind).unwrap_or(0) % PALETTE.len()];
    // Chart: kinds per store (stacked horizontal bars).
    h.push_str("<h2>Kinds per store</h2>");
    let max = s.stores.iter().map(|st| st.findings).max().unwrap_or(0).max(1) as f64;
    let (bar_w, row_h, label_w) = (560.0, 26.0, 180.0);
    let height = row_h * s.stores.len() as f64 + 10.0;
    let _ = write!(
        h,
        "<svg id=\"chart-kinds\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"Findings per kind and store\">",
        label_w + bar_w + 80.0
    );
    for (i, st) in s.stores.iter().enumerate() {
        let y = i as f64 * row_h + 5.0;
        let _ = write!(h, "<text x=\"0\" y=\"{}\" class=\"lbl\">{}</text>", y + 16.0, esc(&st.store));
        let mut x = label_w;
        for k in s.kinds.iter().filter(|k| k.store == st.store) {
            let w = k.findings as f64 / max * bar_w;
            let _ = write!(
                h,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"20\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                colour(&k.kind),
                esc(&st.store),
                k.findings,
                esc(&k.kind)
            );
            x += w;
        }
        let _ = write!(h, "<text x=\"{:.1}\" y=\"{}\" class=\"lbl\">{}</text>", x + 6.0, y + 16.0, st.findings);
    }
    h.push_str("</svg><p class=\"legend\">");
    for k in &kinds {
        let _ = write!(h, "<span><i style=\"background:{}\"></i>{}</span>", colour(k), esc(k));
    }
    h.push_str("</p>");
    // Chart: findings by year of last modification.
    let mut years: Vec<(String, i64)> = Vec::new();
    for a in &s.ages {
        match years.iter_mut().find(|(y, _)| *y == a.year) {
            Some(e) => e.1 += a.findings,
            None => years.push((a.year.clone(), a.findings)),
        }
    }
    years.sort();
    h.push_str("<h2>Personal data by age (findings by year the file was last modified)</h2>");
    let ymax = years.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let col_w = 48.0;
    let _ = write!(
        h,
        "<svg id=\"chart-age\" width=\"{}\" height=\"200\" role=\"img\" aria-label=\"Findings by year\">",
        (col_w * years.len() as f64).max(100.0) + 20.0
    );
    for (i, (year, n)) in years.iter().enumerate() {
        let bh = *n as f64 / ymax * 150.0;
        let x = i as f64 * col_w + 10.0;
        let _ = write!(
            h,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"36\" height=\"{bh:.1}\" fill=\"#4e79a7\"><title>{}: {n}</title></rect>\
             <text x=\"{:.1}\" y=\"195\" class=\"lbl\" text-anchor=\"middle\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl\" text-anchor=\"middle\">{n}</text>",
            170.0 - bh,
            esc(year),
            x + 18.0,
            esc(year),
            x + 18.0,
            165.0 - bh
        );
    }
    h.push_str("</svg>");
    // Per store and kind.
    h.push_str("<h2>Kinds in each store</h2><table id=\"kinds\"><tr><th>Store</th><th>Kind</th><th>Findings</th><th>Distinct values</th><th>Files</th></tr>");
    for k in &s.kinds {
        let _ = write!(
            h,
            "<tr data-store=\"{0}\" data-kind=\"{1}\"><td>{0}</td><td>{1}</td><td data-col=\"findings\">{2}</td><td data-col=\"distinct\">{3}</td><td>{4}</td></tr>",
            esc(&k.store),
            esc(&k.kind),
            k.findings,
            k.distinct_values,
            k.files
        );
    }
    h.push_str("</table>");
    // Breach impact: per store in the page's selector, and the scopes asked for.
    h.push_str(
        "<h2>Breach impact</h2><p>Categories of personal data and distinct people (estimate) in one store: \
        <select id=\"impact-store\"></select></p><table id=\"impact\"></table>",
    );
    for i in &s.impact {
        impact_table(&mut h, i);
    }
    // Top files.
    h.push_str("<h2>Files with the most findings</h2><table id=\"top\"><tr><th>File</th><th>Store</th><th>Format</th><th>Findings</th><th>Kinds</th></tr>");
    for f in &s.top_files {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.path),
            esc(&f.store),
            esc(&f.format),
            f.findings,
            esc(&f.kinds)
        );
    }
    h.push_str("</table>");
    // Not read.
    let _ = write!(h, "<h2>Not read ({})</h2><table id=\"unreadable\"><tr><th>File or member</th><th>Store</th><th>Reason</th><th>Detail</th></tr>", s.unreadable.len());
    for u in &s.unreadable {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&u.path),
            esc(&u.store),
            esc(&u.reason),
            esc(&u.detail)
        );
    }
    h.push_str("</table>");
    // Runs.
    h.push_str("<h2>Runs</h2><table id=\"runs\"><tr><th>Run</th><th>Started</th><th>Status</th><th>Shard</th><th>Read</th><th>Unchanged</th><th>Gone</th></tr>");
    for r in &s.runs {
        let n = |v: Option<i64>| v.map_or(String::new(), |v| v.to_string());
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.id),
            esc(&r.started),
            esc(&r.status),
            esc(r.shard.as_deref().unwrap_or("")),
            n(r.files_read),
            n(r.files_unchanged),
            n(r.files_gone)
        );
    }
    h.push_str("</table>");
    // The data for the impact selector: per store, its kinds and people.
    let data: Vec<serde_json::Value> = s
        .stores
        .iter()
        .map(|st| {
            let kinds: Vec<serde_json::Value> = s
                .kinds
                .iter()
                .filter(|k| k.store == st.store)
                .map(|k| serde_json::json!([k.kind, k.findings, k.distinct_values]))
                .collect();
            serde_json::json!({"store": st.store, "people": st.people, "files": st.with_findings, "kinds": kinds})
        })
        .collect();
    // `<` as an escape: no `</script>` or `<!--` can end or bend the block.
    let json = serde_json::to_string(&data).unwrap_or_else(|_| "[]".into()).replace('<', "\\u003c");
    let _ = writeln!(
        h,
        "<script id=\"impact-data\" type=\"application/json\">{json}</script><script>{SCRIPT}</script></body></html>"
    );
    h
}

/// A breach-impact table for a scope given on the command line.
fn impact_table(h: &mut String, i: &Impact) {
    let _ = write!(
        h,
        "<h3>{}</h3><p data-scope=\"{0}\">{} files with personal data; about <b>{}</b> people.</p><table><tr><th>Category</th><th>Findings</th><th>Distinct values</th></tr>",
        esc(&i.scope),
        i.files,
        i.people
    );
    for (kind, n, d) in &i.kinds {
        let _ = write!(h, "<tr><td>{}</td><td>{n}</td><td>{d}</td></tr>", esc(kind));
    }
    h.push_str("</table>");
}

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:22px}\
h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;\
padding:3px 8px;text-align:left}td[data-col]{text-align:right}th{background:#f3f3f3}.meta{color:#555}\
.lbl{font-size:12px}.legend span{margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:10px;\
height:10px;margin-right:4px}";

/// Fills the store selector and renders the impact of the chosen store.
const SCRIPT: &str = r#"(function(){
var data=JSON.parse(document.getElementById('impact-data').textContent);
var sel=document.getElementById('impact-store'),tbl=document.getElementById('impact');
function cell(tag,text,col){var c=document.createElement(tag);c.textContent=text;if(col)c.setAttribute('data-col',col);return c;}
function show(i){var d=data[i];tbl.textContent='';if(!d)return;
var h=document.createElement('tr');['Category','Findings','Distinct values'].forEach(function(t){h.appendChild(cell('th',t));});tbl.appendChild(h);
d.kinds.forEach(function(k){var r=document.createElement('tr');r.setAttribute('data-kind',k[0]);r.appendChild(cell('td',k[0]));r.appendChild(cell('td',String(k[1]),'findings'));r.appendChild(cell('td',String(k[2]),'distinct'));tbl.appendChild(r);});
var p=document.createElement('tr');p.appendChild(cell('td','people (estimate)'));p.appendChild(cell('td',String(d.people),'people'));p.appendChild(cell('td',d.files+' files'));tbl.appendChild(p);
tbl.setAttribute('data-store',d.store);}
data.forEach(function(d,i){var o=document.createElement('option');o.value=i;o.textContent=d.store;sel.appendChild(o);});
sel.addEventListener('change',function(){show(sel.value);});
var best=0;data.forEach(function(d,i){if(d.people>data[best].people)best=i;});sel.value=best;show(best);
document.body.setAttribute('data-ready','1');})();"#;
