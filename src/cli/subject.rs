//! `piiscan subject find | erase | hash`: data subject requests.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use super::args::{
    SubjectArgs, SubjectCommand, SubjectEraseArgs, SubjectFindArgs, SubjectFormat, SubjectHashArgs, WhoArgs,
};
use super::config::{self, ScanExtras};
use super::redact::{redactor, summarise};
use super::{EXIT_CLEAN, EXIT_FOUND};
use crate::detect::{Engine, EngineOptions};
use crate::finding::Finding;
use crate::fingerprint::Key;
use crate::inventory::{rfc3339, Inventory};
use crate::outcome::FileOutcome;
use crate::report::{sanitize, Sink, Warnings};
use crate::scan::Scanner;
use crate::subject::request::{parse_hashed, parse_requests, HASHED_FORMAT};
use crate::subject::{self, subject_rules, FileResult, HashedFile, HashedRequest, Index, Matcher, Request, Strength};
use crate::walk::FileEntry;

/// Run `piiscan subject ...`.
pub fn run(a: SubjectArgs) -> anyhow::Result<u8> {
    match a.command {
        SubjectCommand::Find(f) => find(f),
        SubjectCommand::Erase(e) => erase(e),
        SubjectCommand::Hash(h) => hash(h),
    }
}

/// The plaintext requests given by flags or file.
fn plain_requests(who: &WhoArgs) -> anyhow::Result<Vec<Request>> {
    let flags = Request {
        id: who.subject_id.clone(),
        names: who.name.clone(),
        emails: who.email.clone(),
        phones: who.phone.clone(),
        dobs: who.dob.clone(),
        postcodes: who.postcode.clone(),
        ids: who.id.clone(),
    };
    let any_flag = !(flags.names.is_empty()
        && flags.emails.is_empty()
        && flags.phones.is_empty()
        && flags.dobs.is_empty()
        && flags.postcodes.is_empty()
        && flags.ids.is_empty());
    let mut reqs = Vec::new();
    if let Some(p) = &who.subjects {
        let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
        reqs = parse_requests(&text).with_context(|| p.display().to_string())?;
    }
    if any_flag {
        if reqs.iter().any(|r| r.id == flags.id) {
            bail!("--subject-id `{}` is also in the request file", flags.id);
        }
        reqs.push(flags);
    }
    Ok(reqs)
}

/// Hashed requests, from a hashed file or by hashing the plaintext ones.
fn hashed_requests(who: &WhoArgs, key: &Key) -> anyhow::Result<Vec<HashedRequest>> {
    let reqs = if let Some(p) = &who.hashed {
        if !plain_requests(who)?.is_empty() {
            bail!("--hashed cannot be combined with --subjects or identifier flags");
        }
        let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
        parse_hashed(&text, key).with_context(|| p.display().to_string())?
    } else {
        plain_requests(who)?.iter().map(|r| r.hash(key)).collect::<Result<Vec<_>, _>>()?
    };
    if reqs.is_empty() {
        bail!("no subject: give --name/--email/--phone/--dob/--postcode/--id, --subjects FILE or --hashed FILE");
    }
    Ok(reqs)
}

/// A scanner whose engine finds the identifiers subject matching needs.
/// With `export`, it also finds the secrets an export must blank.
fn scanner(sel: &super::SelectArgs, show_values: bool, export: bool) -> anyhow::Result<(Scanner, config::FileConfig)> {
    let extras = ScanExtras { show_values, ..Default::default() };
    let (built, file_cfg) = config::build(sel, &extras)?;
    let rules = subject_rules(config::load_rules(&sel.patterns)?, export);
    let engine = Engine::new(Arc::new(rules), EngineOptions { prefilter: !sel.no_prefilter, min_score: 0.0 });
    Ok((Scanner::new(engine, built.key, built.scan), file_cfg))
}

fn warn_skipped(r: &FileResult, warnings: &mut Warnings<io::Stderr>, inv: &mut Inventory) -> io::Result<()> {
    inv.add(&r.outcome);
    warnings.file(&r.outcome)
}

fn find(a: SubjectFindArgs) -> anyhow::Result<u8> {
    let (scanner, _) = scanner(&a.sel, a.show_values, a.export.is_some())?;
    let key = scanner.key().clone();
    let reqs = hashed_requests(&a.who, &key)?;
    if let Some(dir) = &a.export {
        super::refuse_inside(dir, &a.sel.paths, "export directory", "")?;
    }
    let matcher = Matcher::new(Index::new(&reqs)?, key.clone(), a.show_values, a.export.is_some());
    let ids = matcher.index.ids.clone();
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(io::BufWriter::new(std::fs::File::create(p).with_context(|| p.display().to_string())?)),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    let mut warnings = Warnings::new(io::stderr(), a.sel.verbose);
    let mut inv = Inventory::default();
    // Only the text report needs every occurrence at the end; JSON Lines
    // stream, and the export keeps the possible ones for its manifest.
    let mut all: Vec<Found> = Vec::new();
    let mut counts = vec![[0usize; 3]; ids.len()];
    let mut exports: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    let mut possible: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    subject::run(&scanner, &matcher, &mut |r: FileResult| {
        warn_skipped(&r, &mut warnings, &mut inv)?;
        let path: Arc<str> = r.outcome.path.display().to_string().into();
        for o in &r.matches.occurrences {
            counts[o.subject as usize][o.strength as usize] += 1;
            if a.format == SubjectFormat::Jsonl {
                let mut v = json!({
                    "subject": ids[o.subject as usize], "path": &*path, "kind": o.kind, "start": o.start, "end": o.end,
                    "score": (f64::from(o.score) * 100.0).round() / 100.0, "strength": o.strength.name(),
                    "location": o.location, "line": o.line, "masked": o.masked,
                });
                if let Some(val) = &o.value {
                    v["value"] = json!(val);
                }
                serde_json::to_writer(&mut out, &v).map_err(io::Error::from)?;
                out.write_all(b"\n")?;
            }
            if a.export.is_some() && o.strength == Strength::Possible {
                possible.entry(o.subject).or_default().push(
                    json!({ "path": &*path, "kind": o.kind, "start": o.start, "end": o.end, "location": o.location }),
                );
            }
        }
        for rec in &r.matches.records {
            exports.entry(rec.subject).or_default().push(json!({
                "path": &*path, "store": r.outcome.store, "location": rec.location, "start": rec.start, "end": rec.end,
                "kinds": rec.kinds, "record": rec.content,
            }));
        }
        if a.format == SubjectFormat::Text {
            let store = r.outcome.store.clone();
            all.extend(r.matches.occurrences.into_iter().map(|o| (path.clone(), store.clone(), o)));
        }
        Ok(())
    })?;
    if a.format == SubjectFormat::Text {
        text_report(&mut out, &ids, &all, &counts, a.show_values)?;
    }
    out.flush()?;
    drop(out);
    if let Some(dir) = &a.export {
        write_exports(dir, &ids, &exports, &possible, &counts)?;
    }
    if !a.sel.quiet {
        let sk: Vec<String> = inv.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
        eprintln!(
            "piiscan: subject find: {} file(s) scanned; skipped: {}",
            inv.total.files_scanned,
            if sk.is_empty() { "none".into() } else { sk.join(", ") }
        );
        for (id, c) in ids.iter().zip(&counts) {
            eprintln!(
                "piiscan: {}: {} match(es), {} possible, {} excluded (namesakes)",
                sanitize(id),
                c[Strength::Match as usize],
                c[Strength::Possible as usize],
                c[Strength::Excluded as usize]
            );
        }
    }
    let matched = counts.iter().any(|c| c[Strength::Match as usize] > 0);
    Ok(if matched { EXIT_FOUND } else { EXIT_CLEAN })
}

type Found = (Arc<str>, String, subject::Occurrence);

/// Grouped by subject → data store → file → record.
fn text_report(
    out: &mut dyn Write,
    ids: &[String],
    all: &[Found],
    counts: &[[usize; 3]],
    show_values: bool,
) -> io::Result<()> {
    for (i, id) in ids.iter().enumerate() {
        let mine: Vec<&Found> = all.iter().filter(|(_, _, o)| o.subject as usize == i).collect();
        let n = |s: Strength| counts[i][s as usize];
        writeln!(
            out,
            "subject {}: {} match(es), {} possible, {} excluded",
            sanitize(id),
            n(Strength::Match),
            n(Strength::Possible),
            n(Strength::Excluded)
        )?;
        let mut by_store: BTreeMap<&str, BTreeMap<&str, Vec<&subject::Occurrence>>> = BTreeMap::new();
        for (p, s, o) in &mine {
            by_store.entry(s.as_str()).or_default().entry(p).or_default().push(o);
        }
        for (store, files) in by_store {
            writeln!(out, "  store {}", sanitize(store))?;
            for (path, occ) in files {
                writeln!(out, "    {}", sanitize(path))?;
                let mut last_rec = None;
                for o in occ {
                    if last_rec != Some((o.record, &o.record_label)) {
                        writeln!(out, "      record: {}", sanitize(&o.record_label))?;
                        last_rec = Some((o.record, &o.record_label));
                    }
                    let shown = match (&o.value, show_values) {
                        (Some(v), true) => sanitize(v),
                        _ => o.masked.clone(),
                    };
                    writeln!(out, "        line {:<5} {:<14} {:<30} {}", o.line, o.kind, shown, o.strength.name())?;
                }
            }
        }
    }
    Ok(())
}

/// One folder per subject: `records.json` (the matching records) and
/// `manifest.json` (where each came from, and the possible occurrences left
/// for a person to review). Folders 0700, files 0600.
fn write_exports(
    dir: &Path,
    ids: &[String],
    exports: &BTreeMap<u32, Vec<Value>>,
    possible: &BTreeMap<u32, Vec<Value>>,
    counts: &[[usize; 3]],
) -> anyhow::Result<()> {
    let now = rfc3339(std::time::SystemTime::now());
    for (i, id) in ids.iter().enumerate() {
        let safe: String =
            id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
        let sub = dir.join(if safe.is_empty() { "subject".to_string() } else { safe });
        create_private_dir(&sub)?;
        let records = exports.get(&(i as u32)).map_or(&[][..], Vec::as_slice);
        let manifest_records: Vec<Value> = records
            .iter()
            .map(|r| json!({ "path": r["path"], "location": r["location"], "start": r["start"], "end": r["end"], "kinds": r["kinds"] }))
            .collect();
        let manifest = json!({
            "subject": id, "generated": now, "tool": format!("piiscan {}", env!("CARGO_PKG_VERSION")),
            "records": manifest_records,
            "possible_for_review": possible.get(&(i as u32)).map_or(&[][..], Vec::as_slice),
            "excluded_namesakes": counts[i][Strength::Excluded as usize],
        });
        write_private(&sub.join("records.json"), &serde_json::to_vec_pretty(records)?)?;
        write_private(&sub.join("manifest.json"), &serde_json::to_vec_pretty(&manifest)?)?;
    }
    Ok(())
}

fn create_private_dir(p: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(p).with_context(|| p.display().to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn write_private(p: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    #[cfg(unix)]
    let perms = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o600)
    };
    #[cfg(not(unix))]
    let perms = std::fs::metadata(p.parent().unwrap_or(Path::new(".")))?.permissions();
    crate::redact::write_atomic(p, bytes, &perms).with_context(|| p.display().to_string())
}

/// The identifier kinds `subject erase` can be given styles for.
const ERASE_KINDS: &[&str] = &["name", "email", "phone", "date_of_birth", "uk_postcode", "id"];

fn erase(a: SubjectEraseArgs) -> anyhow::Result<u8> {
    let (scanner, file_cfg) = scanner(&a.sel, false, false)?;
    let scanner = scanner.with_stop(super::interruptible());
    let key = scanner.key().clone();
    let reqs = hashed_requests(&a.who, &key)?;
    let known: Vec<String> = ERASE_KINDS.iter().map(|s| s.to_string()).collect();
    let matcher = Matcher::new(Index::new(&reqs)?, key, false, false);
    // Inside a container, each member is matched again as a file of its own.
    let mut member_worker = scanner.worker();
    let members = |name: &str, bytes: &[u8]| {
        erasure_outcome(subject::match_file(&scanner, &matcher, &FileEntry::member(name, bytes), &mut member_worker))
    };
    let mut red = redactor(&a.red, &a.sel.paths, &file_cfg, &known)?.with_members(Box::new(members));
    let mut warnings = Warnings::new(io::stderr(), a.sel.verbose);
    let mut inv = Inventory::default();
    let (mut left_possible, mut done) = (0usize, 0usize);
    subject::run(&scanner, &matcher, &mut |r: FileResult| {
        done += 1;
        warn_skipped(&r, &mut warnings, &mut inv)?;
        left_possible += r.matches.occurrences.iter().filter(|o| o.strength == Strength::Possible).count();
        red.file(&erasure_outcome(r))?;
        Ok(())
    })?;
    red.finish(&inv)?;
    let stats = red.into_stats();
    let mut code = summarise(&stats, &a.red, a.sel.quiet);
    if left_possible > 0 && !a.sel.quiet {
        eprintln!(
            "piiscan: {left_possible} possible occurrence(s) were left as they are: review them with `piiscan subject find`"
        );
    }
    if scanner.stopped() {
        super::say_interrupted(done, a.red.verify);
        return Ok(super::EXIT_INTERRUPTED);
    }
    if a.red.verify && !a.red.dry_run {
        let files: Vec<FileEntry> = stats
            .outputs
            .iter()
            .map(|p| FileEntry { path: p.clone(), store: "output".into(), explicit: false, blob: None })
            .collect();
        let scanner = scanner.with_files(files);
        let mut residual = 0usize;
        subject::run(&scanner, &matcher, &mut |r| {
            residual += r.matches.occurrences.iter().filter(|o| o.strength == Strength::Match).count();
            Ok(())
        })?;
        eprintln!("piiscan: verify: {} file(s) rescanned, {residual} residual match(es)", stats.outputs.len());
        if residual > 0 && code == EXIT_CLEAN {
            code = EXIT_FOUND;
        }
    }
    Ok(code)
}

/// The file's matched occurrences as findings for the redactor: sorted,
/// overlaps merged into the longest (an id window over a phone number).
fn erasure_outcome(r: FileResult) -> FileOutcome {
    let mut out = r.outcome;
    let mut occ: Vec<subject::Occurrence> =
        r.matches.occurrences.into_iter().filter(|o| o.strength == Strength::Match).collect();
    occ.sort_by_key(|o| (!o.file_offsets, o.start, std::cmp::Reverse(o.end)));
    let mut findings: Vec<Finding> = Vec::new();
    for o in occ {
        if o.file_offsets && findings.last().is_some_and(|l| l.file_offsets && l.end > o.start) {
            continue;
        }
        findings.push(Finding {
            kind: o.kind.into(),
            rule: "subject".into(),
            start: o.start,
            end: o.end,
            line: o.line,
            column: 0,
            char_column: 0,
            test_data: false,
            score: o.score,
            value: Box::default(),
            masked: o.masked.into(),
            fingerprint: o.fingerprint,
            // Inside a container: the redactor rewrites the member or part
            // the location names, or refuses the file.
            location: (!o.file_offsets).then(|| crate::finding::Location::new(&o.location)).flatten(),
            file_offsets: o.file_offsets,
            pieces: Vec::new(),
            spoken: false,
            scope: None,
        });
    }
    out.findings = findings;
    out
}

fn hash(a: SubjectHashArgs) -> anyhow::Result<u8> {
    if a.who.hashed.is_some() {
        bail!("--hashed: these requests are hashed already");
    }
    let key = config::resolve_key(a.key.as_deref())?;
    let reqs = plain_requests(&a.who)?;
    if reqs.is_empty() {
        bail!("no subject: give --subjects FILE or identifier flags");
    }
    let subjects = reqs.iter().map(|r| r.hash(&key)).collect::<Result<Vec<_>, _>>()?;
    let file = HashedFile { format: HASHED_FORMAT.into(), key_id: key.id(), subjects };
    let mut text = serde_json::to_vec_pretty(&file)?;
    text.push(b'\n');
    match &a.output {
        Some(p) => write_private(p, &text)?,
        None => io::stdout().write_all(&text)?,
    }
    Ok(EXIT_CLEAN)
}
