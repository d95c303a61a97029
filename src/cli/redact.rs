//! `piiscan redact`: arguments → redactor, run, summary, verification.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use anyhow::{bail, Context};

use super::args::{RedactArgs, RedactOpts, StyleArg};
use super::config::{self, ScanExtras};
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};
use crate::redact::{RedactStats, Redactor, Style, Styles, Target};
use crate::report::{sanitize, Sink, Tee, Warnings};
use crate::scan::{Progress, Scanner};
use crate::walk::FileEntry;

fn style_of(s: StyleArg) -> Style {
    match s {
        StyleArg::Label => Style::Label,
        StyleArg::Mask => Style::Mask,
        StyleArg::Partial => Style::Partial,
        StyleArg::Hash => Style::Hash,
    }
}

/// Run `piiscan redact`.
pub fn run(a: RedactArgs) -> anyhow::Result<u8> {
    let (built, file_cfg) = config::build(&a.sel, &ScanExtras::default())?;
    let known: Vec<String> = built.engine.rules().kinds().iter().map(|k| k.to_string()).collect();
    let mut warnings = Warnings::new(io::stderr(), a.sel.verbose);
    let scanner =
        Scanner::new(built.engine, built.key, built.scan).with_allow(built.allow).with_stop(super::interruptible());
    let mut redactor = redactor(&a.red, &a.sel.paths, &file_cfg, &known)?.with_members(member_scan(&scanner));
    let progress = Progress::default();
    {
        let mut sinks = Tee(vec![&mut warnings as &mut dyn Sink, &mut redactor]);
        scanner.run(&mut sinks, &progress, &mut |_| {})?;
    }
    let stats = redactor.into_stats();
    let mut code = summarise(&stats, &a.red, a.sel.quiet);
    if scanner.stopped() {
        super::say_interrupted(progress.files.load(std::sync::atomic::Ordering::Relaxed), a.red.verify);
        return Ok(super::EXIT_INTERRUPTED);
    }
    if a.red.verify && !a.red.dry_run {
        let styles = styles(&a.red, &file_cfg, &known)?;
        let residual = verify(scanner, stats.outputs, &styles, a.red.log.as_deref())?;
        if residual > 0 && code == EXIT_CLEAN {
            code = EXIT_FOUND;
        }
    }
    Ok(code)
}

/// What to redact in a container's member: the member scanned as a file of
/// its own, with the same rules (see [`crate::redact::container`]).
pub(super) fn member_scan(scanner: &Scanner) -> Box<crate::redact::container::MemberScan<'_>> {
    let mut worker = scanner.worker();
    Box::new(move |name: &str, bytes: &[u8]| scanner.scan_file(&FileEntry::member(name, bytes), &mut worker, None))
}

/// Redaction passes over the output after the first, at most: each redacts
/// what the rescan before it found.
const EXTRA_PASSES: usize = 2;

/// The redactor for these options: styles (config file, then flags; `known`
/// kinds only), target (output directory outside every input path, in
/// place, or dry run), evidence log.
pub(super) fn redactor(
    r: &RedactOpts,
    inputs: &[PathBuf],
    file_cfg: &config::FileConfig,
    known: &[String],
) -> anyhow::Result<Redactor<'static>> {
    let styles = styles(r, file_cfg, known)?;
    let target = if r.dry_run {
        Target::DryRun
    } else if r.in_place {
        Target::InPlace { backup: r.backup.clone() }
    } else {
        let dir = r.out.clone().context("--out DIR or --in-place is required")?;
        super::refuse_inside(
            &dir,
            inputs,
            "output directory",
            " (redacted copies would be rescanned and mixed with originals)",
        )?;
        Target::OutDir { dir, roots: inputs.to_vec(), only_changed: r.only_changed }
    };
    Ok(Redactor::new(target, styles, r.log.as_deref())?.with_drop_unreadable(r.drop_unreadable))
}

/// The styles for these options: the config file's, then the flags'
/// (`known` kinds only).
fn styles(r: &RedactOpts, file_cfg: &config::FileConfig, known: &[String]) -> anyhow::Result<Styles> {
    let mut per_kind: BTreeMap<String, Style> = BTreeMap::new();
    let mut default = Style::Label;
    for (kind, style) in &file_cfg.redact.styles {
        let st = Style::parse(style).context("config style")?;
        if kind == "default" {
            default = st;
        } else {
            per_kind.insert(kind.clone(), st);
        }
    }
    if let Some(d) = r.default_style {
        default = style_of(d);
    }
    for spec in &r.styles {
        let (kind, style) = spec.split_once('=').with_context(|| format!("--style `{spec}`: expected KIND=STYLE"))?;
        if !known.iter().any(|k| k == kind) {
            bail!("--style `{spec}`: unknown kind `{kind}`");
        }
        let st = Style::parse(style)
            .with_context(|| format!("--style `{spec}`: style is one of label, mask, partial, hash"))?;
        per_kind.insert(kind.to_string(), st);
    }
    Ok(Styles { default, per_kind })
}

/// Print what was (or would be) redacted and what was not; the exit code.
pub(super) fn summarise(stats: &RedactStats, r: &RedactOpts, quiet: bool) -> u8 {
    let kinds: Vec<String> = stats.per_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let verb = if r.dry_run { "would redact" } else { "redacted" };
    for (p, why) in &stats.not_redacted {
        eprintln!("piiscan: warning: {}: not redacted: {why}", sanitize(&p.display().to_string()));
    }
    for (p, why) in &stats.failed {
        eprintln!("piiscan: error: {}: {why}; the original is untouched", sanitize(&p.display().to_string()));
    }
    if !quiet {
        eprintln!(
            "piiscan: {verb} {} file(s): {}; copied unchanged: {}; not redacted: {} ({} holding personal data); failed: {}",
            stats.files_redacted,
            if kinds.is_empty() { "nothing".into() } else { kinds.join(", ") },
            stats.files_copied,
            stats.not_redacted.len(),
            stats.not_redacted_with_findings,
            stats.failed.len()
        );
        if stats.members_removed > 0 {
            eprintln!(
                "piiscan: {} unreadable member(s) removed and replaced by a placeholder (--drop-unreadable)",
                stats.members_removed
            );
        }
    }
    // 2: a file could not be written; 1: personal data was found in a file
    // that could not be redacted (a container), so the request is not
    // done; 0: everything found was redacted.
    if !stats.failed.is_empty() {
        EXIT_ERROR
    } else if stats.not_redacted_with_findings > 0 {
        EXIT_FOUND
    } else {
        EXIT_CLEAN
    }
}

/// Rescan what was written with the same scanner (rules, key, allow-list)
/// and report what remains at or above the minimum score; the count left
/// after the last pass.
///
/// What a rescan finds is redacted in place (same styles, same evidence
/// log), and rescanned again, up to [`EXTRA_PASSES`] times. Redaction moves
/// text: a placeholder is longer or shorter than the value it replaced, so a
/// context word can come within a rule's window that was outside it, or a
/// timestamp that made a date an event can turn into `[IP_ADDRESS]`. Such a
/// value is personal data to this scanner, and the promise of `--verify` is
/// that nothing it finds is left.
fn verify(
    scanner: Scanner,
    outputs: Vec<PathBuf>,
    styles: &Styles,
    log: Option<&std::path::Path>,
) -> anyhow::Result<u64> {
    let files: Vec<FileEntry> = outputs
        .into_iter()
        .map(|p| FileEntry { path: p, store: "output".into(), explicit: false, blob: None })
        .collect();
    let scanner = scanner.with_files(files);
    // Each rescan but the last also redacts what it finds, in the same pass
    // over the files.
    let mut pass = 1;
    loop {
        let mut warnings = Warnings::new(io::stderr(), false);
        let mut again = (pass <= EXTRA_PASSES)
            .then(|| Redactor::new(Target::InPlace { backup: None }, styles.clone(), log))
            .transpose()?
            .map(|r| r.with_members(member_scan(&scanner)));
        let inv = match again.as_mut() {
            Some(r) => {
                scanner.run(&mut Tee(vec![&mut warnings as &mut dyn Sink, r]), &Progress::default(), &mut |_| {})
            }
            None => scanner.run(&mut warnings, &Progress::default(), &mut |_| {}),
        }?;
        let residual = inv.total_findings();
        let kinds: Vec<String> = inv.total.findings.iter().map(|(k, n)| format!("{k} {n}")).collect();
        eprintln!(
            "piiscan: verify: {} file(s) rescanned, {} residual finding(s){}",
            inv.total.files_scanned,
            residual,
            if kinds.is_empty() { String::new() } else { format!(": {}", kinds.join(", ")) }
        );
        let Some(st) = again.map(Redactor::into_stats).filter(|_| residual > 0) else { return Ok(residual) };
        eprintln!(
            "piiscan: verify: pass {} redacted {} finding(s) in {} file(s) (text moved by the pass before brought them into view); rescanning",
            pass + 1,
            st.per_kind.values().sum::<u64>(),
            st.files_redacted
        );
        for (p, why) in &st.failed {
            eprintln!(
                "piiscan: error: {}: {why}; left as the pass before wrote it",
                sanitize(&p.display().to_string())
            );
        }
        pass += 1;
    }
}
