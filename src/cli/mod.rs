//! The command line: clap types stay here; `config` turns them into the
//! library's plain configuration.

mod args;
mod config;
mod inventory;
mod redact;
mod subject;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub use args::{Cli, Command, Format, RedactArgs, ScanArgs, SelectArgs, StyleArg};

use crate::report::{
    self, BaselineWriter, CsvReport, JsonReport, JsonlReport, ReportOptions, SarifReport, Sink, Tee, TextReport,
    Warnings,
};
use crate::scan::{Progress, Scanner};

/// Exit code: nothing found.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: personal data found.
pub const EXIT_FOUND: u8 = 1;
/// Exit code: usage error, or nothing could be read.
pub const EXIT_ERROR: u8 = 2;

/// Exit code: the user interrupted a run that writes files (SIGINT or
/// SIGTERM): what was done is summarised, the rest untouched (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A flag set by the first SIGINT or SIGTERM, for runs that write files
/// (`redact`, `subject erase`): the scanner stops taking new files, those
/// being written finish (each write is atomic), and the summary is printed.
/// A second signal ends the process at once.
pub(crate) fn interruptible() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Fails only when a handler is already set (a second call in a test
    // binary): the run is then simply not interruptible this way.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED as i32);
        }
    });
    stop
}

/// Say that a run was interrupted, after its summary.
pub(crate) fn say_interrupted(done: usize, verify: bool) {
    eprintln!(
        "piiscan: interrupted: stopped after {done} file(s); files not reached are untouched{}",
        if verify { "; --verify not run" } else { "" }
    );
}

/// Run the program with the process arguments.
pub fn run() -> ExitCode {
    use clap::Parser;
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_CLEAN };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`piiscan ... | head`): stop quietly, as
        // command-line tools do.
        Err(e) if broken_pipe(&e) => ExitCode::from(EXIT_CLEAN),
        Err(e) => {
            eprintln!("piiscan: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Create the output directory `dir` (`what` names it in errors) and refuse
/// it inside any input path: what is written there would be scanned again
/// and mixed with the originals. `why` ends the refusal message.
fn refuse_inside(dir: &std::path::Path, inputs: &[std::path::PathBuf], what: &str, why: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("{what} {}", dir.display()))?;
    let real = dir.canonicalize()?;
    for root in inputs {
        let r = root.canonicalize().with_context(|| root.display().to_string())?;
        if real.starts_with(&r) {
            anyhow::bail!("{what} {} is inside the input {}: refused{why}", dir.display(), root.display());
        }
    }
    Ok(())
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let io = c.downcast_ref::<io::Error>().or_else(|| match c.downcast_ref::<crate::Error>() {
            Some(crate::Error::Output(io)) => Some(io),
            _ => None,
        });
        io.is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::Redact(a) => redact::run(a),
        Command::Subject(a) => subject::run(a),
        Command::Patterns(p) => {
            let rules = config::load_rules(&p.patterns)?;
            let mut out = io::stdout().lock();
            for r in &rules.rules {
                writeln!(
                    out,
                    "{:<24} {:<16} anchor={:<6} validator={:<9} score={:.2}  {}",
                    r.id,
                    r.kind,
                    format!("{:?}", r.anchor).to_lowercase(),
                    format!("{:?}", r.validator).to_lowercase(),
                    r.score,
                    r.description
                )?;
            }
            Ok(EXIT_CLEAN)
        }
        Command::Schema => {
            print!("{}", report::FINDING_SCHEMA);
            Ok(EXIT_CLEAN)
        }
        Command::Merge(a) => inventory::merge(a),
        Command::Report(a) => inventory::report(a),
    }
}

/// How often a shard logs its progress: a minute, or
/// `PIISCAN_PROGRESS_SECONDS`.
fn progress_interval() -> Duration {
    let secs = std::env::var("PIISCAN_PROGRESS_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60.0_f64);
    Duration::from_secs_f64(secs.max(0.0))
}

/// Files done of the total, bytes, findings, elapsed time and an estimate
/// of the time left (by files).
fn progress_line(p: &Progress, started: Instant) -> String {
    let ord = std::sync::atomic::Ordering::Relaxed;
    let (done, total) = (p.files.load(ord), p.total.load(ord));
    let elapsed = started.elapsed().as_secs_f64();
    let eta = if done > 0 && total >= done { elapsed / done as f64 * (total - done) as f64 } else { f64::NAN };
    format!(
        "{done}/{total} files, {:.1} MB, {} findings, {:.0} s elapsed, eta {}",
        p.bytes.load(ord) as f64 / 1e6,
        p.findings.load(ord),
        elapsed,
        if eta.is_finite() { format!("{eta:.0} s") } else { "unknown".into() }
    )
}

fn scan(a: ScanArgs) -> anyhow::Result<u8> {
    let extras = config::ScanExtras {
        show_values: a.show_values,
        baseline: a.baseline.as_deref(),
        staged: a.staged,
        since: a.since.as_deref(),
    };
    let (built, _) = config::build(&a.sel, &extras)?;
    let opts = ReportOptions { show_values: a.show_values, summary_only: a.summary };
    let out: Box<dyn Write> = match &a.output {
        Some(p) => {
            Box::new(io::BufWriter::new(std::fs::File::create(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?))
        }
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    let mut reporter: Box<dyn Sink> = match a.format {
        Format::Text => Box::new(TextReport::new(out, opts)),
        Format::Jsonl => Box::new(JsonlReport::new(out, opts)),
        Format::Json => Box::new(JsonReport::new(out, opts)),
        Format::Csv => Box::new(CsvReport::new(out, opts)),
        Format::Sarif => Box::new(SarifReport::new(out, opts, built.engine.rules().clone())),
    };
    let db_path = inventory::db_path(&a, &built)?;
    let run_ids = db_path.as_ref().map(|_| (built.ruleset(), built.key.id()));
    let shard = built.scan.walk.shard;
    let mut scanner = Scanner::new(built.engine, built.key, built.scan).with_allow(built.allow);
    if let Some(b) = &built.baseline {
        scanner = scanner.with_baseline(b);
    }
    let mut recorder = None;
    let stop = db_path.as_ref().map(|_| interruptible());
    if let (Some(path), Some((ruleset, key_id))) = (&db_path, run_ids) {
        let (s, r) = inventory::begin(path, &a, ruleset, key_id, scanner)?;
        scanner = s;
        recorder = Some(r);
    }
    if let Some(stop) = &stop {
        scanner = scanner.with_stop(stop.clone());
    }
    let mut warnings = Warnings::new(io::stderr(), a.sel.verbose);
    let mut baseline_out = a.write_baseline.clone().map(BaselineWriter::new);
    let mut sinks = Tee(vec![&mut warnings, reporter.as_mut()]);
    if let Some(b) = baseline_out.as_mut() {
        sinks.0.push(b);
    }
    if let Some(r) = recorder.as_mut() {
        sinks.0.push(r);
    }
    let progress = Progress::default();
    let started = Instant::now();
    let show_progress = io::stderr().is_terminal() && !a.sel.quiet;
    // In a shard (a Kubernetes or Slurm log, not a terminal): one line per
    // interval instead of a bar.
    let log_every = (!show_progress && !a.sel.quiet && shard.is_some()).then(progress_interval);
    let mut logged = Instant::now();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut tick = |p: &Progress| {
        if let Some(every) = log_every {
            if logged.elapsed() >= every {
                logged = Instant::now();
                eprintln!("piiscan: progress: {}", progress_line(p, started));
            }
            return;
        }
        if !show_progress || started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let b = bar.get_or_insert_with(|| {
            let b = indicatif::ProgressBar::new(p.total.load(std::sync::atomic::Ordering::Relaxed) as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} files  {msg}  [{elapsed}, eta {eta}]")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b
        });
        let ord = std::sync::atomic::Ordering::Relaxed;
        let bytes = p.bytes.load(ord) as f64;
        b.set_position(p.files.load(ord) as u64);
        b.set_message(format!(
            "{:.1} MB, {} findings, {:.1} MB/s",
            bytes / 1e6,
            p.findings.load(ord),
            bytes / 1e6 / started.elapsed().as_secs_f64()
        ));
    };
    let inv = scanner.run(&mut sinks, &progress, &mut tick)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    drop(sinks);
    drop(reporter);
    drop(baseline_out);
    let interrupted = stop.as_ref().is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst));
    let (db_line, unchanged) = match recorder {
        Some(r) => {
            let (read, unchanged, gone) = r.finish_run(!interrupted)?;
            (Some(format!("database: {read} file(s) read, {unchanged} unchanged (not read), {gone} gone")), unchanged)
        }
        None => (None, 0),
    };
    if !matches!(a.format, Format::Text) && !a.sel.quiet {
        let line = |m: &std::collections::BTreeMap<String, u64>| {
            if m.is_empty() {
                "none".to_string()
            } else {
                m.iter().map(|(r, n)| format!("{r} {n}")).collect::<Vec<_>>().join(", ")
            }
        };
        eprintln!(
            "piiscan: {} findings in {} of {} files scanned ({}); skipped: {}; failed: {}; {:.1} MB/s",
            inv.total_findings(),
            inv.total.files_with_pii,
            inv.total.files_scanned,
            line(&inv.formats),
            line(&inv.skipped),
            line(&inv.failed),
            inv.mb_per_sec
        );
    }
    if let (Some(line), false) = (&db_line, a.sel.quiet) {
        eprintln!("piiscan: {line}");
    }
    if interrupted {
        say_interrupted(inv.total.files_scanned as usize, false);
        return Ok(EXIT_INTERRUPTED);
    }
    if inv.total.files_scanned == 0 && !inv.failed.is_empty() && inv.skipped.is_empty() && unchanged == 0 {
        eprintln!("piiscan: error: nothing could be read");
        return Ok(EXIT_ERROR);
    }
    if a.fail_on_skipped && inv.not_read() > 0 {
        eprintln!(
            "piiscan: error: {} file(s) or member(s) could not be read (--fail-on-skipped); see the warnings above",
            inv.not_read()
        );
        return Ok(EXIT_ERROR);
    }
    // Known-fake test data is reported but does not fail the run unless --strict.
    let failing = if a.strict { inv.total_findings() } else { inv.real_findings() };
    Ok(if failing > 0 { a.exit_code } else { EXIT_CLEAN })
}
