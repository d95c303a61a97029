//! `scan --db`, `merge` and `report`: the inventory database at the edge.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};

use super::args::{MergeArgs, ReportArgs, ReportFormat, ScanArgs};
use super::config::Built;
use super::EXIT_CLEAN;
use crate::scan::Scanner;
use crate::store::{self, Database, Recorder, RunStart};

/// The database of a `scan`, if it keeps one: `--db`, else the config's
/// `[db] path`.
pub(super) fn db_path(a: &ScanArgs, built: &Built) -> anyhow::Result<Option<PathBuf>> {
    let path = a.db.clone().or_else(|| built.db.clone());
    if path.is_none() && a.full {
        bail!("--full needs --db (it reads again what the database would carry over)");
    }
    if path.is_some() && (a.staged || a.since.is_some()) {
        bail!("--db keeps the inventory of folders; it does not apply to --staged or --since");
    }
    Ok(path)
}

/// Open the database, walk, and leave out of `scanner` the files unchanged
/// since the last run; returns the scanner over what is left and the
/// recorder of the run (a sink to add to the others).
pub(super) fn begin(
    path: &std::path::Path,
    a: &ScanArgs,
    ruleset: String,
    key_id: String,
    scanner: Scanner,
) -> anyhow::Result<(Scanner, Recorder)> {
    let db = Database::open(path)?;
    let cfg = scanner.config();
    store::check_run(&db, &cfg.roots, &key_id)?;
    let (files, problems) = crate::walk::walk(&cfg.roots, &cfg.walk)?;
    // Raw values are never stored: with --show-values every file is read.
    let plan = store::plan(&db, &cfg.roots, files, &ruleset, a.full || a.show_values, cfg.modified_before)?;
    for r in &plan.empty_roots {
        eprintln!("piiscan: warning: nothing found under {}; nothing under it is marked gone", r.display());
    }
    let narrowed = !a.sel.globs.is_empty() || a.sel.max_depth.is_some();
    if plan.other_ruleset > 0 && !a.sel.quiet {
        eprintln!(
            "piiscan: {} file(s) in {} were read with other rules, settings, key or build; they are read again",
            plan.other_ruleset,
            path.display()
        );
    }
    let start = RunStart {
        ruleset,
        key_id,
        args: args_without_key(),
        roots: cfg.roots.clone(),
        shard: cfg.walk.shard,
        started: plan.started,
        narrowed,
        empty_roots: plan.empty_roots,
        explicit: plan.explicit,
    };
    let recorder = Recorder::begin(db, start, &plan.unchanged, plan.hashes)?;
    Ok((scanner.with_walked(plan.read, problems), recorder))
}

/// The command line as recorded in a run's row: the key's value is left
/// out (`--key X`, `--key=X`); the key's public id is recorded instead.
fn args_without_key() -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in std::env::args().skip(1) {
        if std::mem::take(&mut skip) {
            out.push("<key>".into());
            continue;
        }
        if a == "--key" {
            skip = true;
            out.push(a);
        } else if a.starts_with("--key=") {
            out.push("--key=<key>".into());
        } else {
            out.push(a);
        }
    }
    out
}

/// `piiscan merge OUT.db SHARD.db...`.
pub(super) fn merge(a: MergeArgs) -> anyhow::Result<u8> {
    let out = Database::open(&a.out)?;
    let inputs: Vec<&std::path::Path> = a.inputs.iter().map(PathBuf::as_path).collect();
    let s = store::merge::merge(&out, &inputs)?;
    eprintln!("piiscan: merged {} database(s): {} file(s), {} finding(s) taken", inputs.len(), s.files, s.findings);
    if s.other_ruleset > 0 {
        eprintln!(
            "piiscan: warning: {} of the files taken were read with other rules than some already in {}",
            s.other_ruleset,
            a.out.display()
        );
    }
    Ok(EXIT_CLEAN)
}

/// `piiscan report DB`.
pub(super) fn report(a: ReportArgs) -> anyhow::Result<u8> {
    let db = Database::open_existing(&a.db)?;
    let summary = store::summary::summarize(&db, &a.impact)?;
    let name = a.db.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(html) = &a.html {
        let page = crate::report::inventory::html(&summary, &name);
        crate::redact::write_atomic(html, page.as_bytes(), &private(&a.db)?)
            .with_context(|| format!("{}", html.display()))?;
    }
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(io::BufWriter::new(std::fs::File::create(p).with_context(|| format!("{}", p.display()))?)),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    match a.format {
        ReportFormat::Text => crate::report::inventory::text(&mut out, &summary)?,
        ReportFormat::Csv => crate::report::inventory::stores_csv(&mut out, &summary)?,
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &summary)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(EXIT_CLEAN)
}

/// The permissions of a written report page: readable by its owner only
/// on Unix (what a new temporary file has), as the page lists where
/// personal data is; elsewhere, the database's own.
fn private(db: &std::path::Path) -> anyhow::Result<std::fs::Permissions> {
    #[cfg(unix)]
    {
        let _ = db;
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        Ok(std::fs::metadata(db).with_context(|| format!("{}", db.display()))?.permissions())
    }
}
