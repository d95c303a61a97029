//! Redaction that never loses data.
//!
//! The redactor is a [`Sink`]: the scan pipeline hands it each file's
//! findings (byte offsets into the file as stored) and it rewrites exactly
//! those spans, nothing else:
//!
//! * bytes outside the spans are copied unchanged; UTF-16 files get UTF-16
//!   replacements; replacements contain nothing that breaks CSV, JSON or XML
//!   (see [`style`]);
//! * every write goes to a temporary file in the target's own directory,
//!   is fsynced, gets the original's permissions, and replaces the target by
//!   an atomic rename (then the directory is fsynced): a crash or SIGKILL
//!   leaves either the original or the complete new file, never a mix;
//! * `--in-place` refuses read-only files and symbolic links, and a file
//!   that changed since it was scanned; `--out` refuses an output directory
//!   inside the input tree and never writes through a symlink out of it;
//! * files that cannot be redacted (binary or other unsupported formats,
//!   unreadable...) are reported, never skipped silently, and are not copied
//!   into `--out` (they could hold personal data);
//! * the evidence log records file, location, kind, keyed fingerprint, style
//!   and time for each redaction — never the value.

mod archive;
mod cells;
pub mod container;
mod mail;
pub mod style;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::json;

pub use style::{replacement, Style, Styles};

use crate::inventory::{rfc3339, Inventory};
use crate::outcome::FileOutcome;
use crate::report::{sanitize, Sink};

/// Where redacted files go.
#[derive(Debug, Clone)]
pub enum Target {
    /// Copies under `dir`, mirroring each file's path below the root it
    /// was found under.
    OutDir {
        /// Output directory (exists, outside the input roots).
        dir: PathBuf,
        /// The input roots, to compute relative paths.
        roots: Vec<PathBuf>,
        /// Write only files that change.
        only_changed: bool,
    },
    /// Rewrite the originals.
    InPlace {
        /// Keep the original as `<file><suffix>`.
        backup: Option<String>,
    },
    /// Write nothing; report what would change.
    DryRun,
}

/// Counts for the summary.
#[derive(Debug, Default, Clone)]
pub struct RedactStats {
    /// Files rewritten (or that would be, in a dry run).
    pub files_redacted: u64,
    /// Files copied unchanged (out-dir mode).
    pub files_copied: u64,
    /// Redactions per kind.
    pub per_kind: BTreeMap<String, u64>,
    /// Files not redacted because they could not be scanned (format not
    /// supported, unreadable...), with the reason.
    pub not_redacted: Vec<(PathBuf, String)>,
    /// How many of `not_redacted` are known to hold personal data (findings
    /// inside a container, or beside members that could not be read): the
    /// run then exits 1, since what was asked for was not done.
    pub not_redacted_with_findings: usize,
    /// Files with personal data that were not rewritten: refused (read-only,
    /// symlink, changed since scanned) or failed (disk full, permissions).
    /// The original is untouched.
    pub failed: Vec<(PathBuf, String)>,
    /// Every file written (redacted or copied), for verification.
    pub outputs: Vec<PathBuf>,
    /// Unreadable members replaced by a placeholder (`--drop-unreadable`).
    pub members_removed: u64,
}

/// Why a file holding findings was not rewritten.
#[derive(Debug)]
enum Failure {
    /// It cannot be redacted safely (a format inside it has no writer, a
    /// value over markup): reported as not redacted, the run exits 1.
    Refused(String),
    /// It could not be written (read-only, changed since scanned, disk
    /// full): the run exits 2.
    Failed(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Failure {
        Failure::Failed(s)
    }
}

impl From<&str> for Failure {
    fn from(s: &str) -> Failure {
        Failure::Failed(s.to_string())
    }
}

/// The redacting sink.
pub struct Redactor<'a> {
    target: Target,
    styles: Styles,
    log: Option<BufWriter<File>>,
    /// Progress lines for a dry run (stdout).
    listing: Option<Box<dyn Write>>,
    stats: RedactStats,
    /// Finds what to redact in a container's member; without it,
    /// containers holding findings are refused.
    members: Option<Box<container::MemberScan<'a>>>,
    /// Write containers with their unreadable members replaced by a
    /// placeholder instead of refusing them (`--drop-unreadable`).
    drop_unreadable: bool,
}

impl<'a> Redactor<'a> {
    /// A redactor writing to `target`, with an optional evidence log.
    pub fn new(target: Target, styles: Styles, log: Option<&Path>) -> io::Result<Redactor<'a>> {
        let log = match log {
            Some(p) => Some(BufWriter::new(
                fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| io::Error::new(e.kind(), format!("evidence log {}: {e}", p.display())))?,
            )),
            None => None,
        };
        let listing: Option<Box<dyn Write>> =
            if matches!(target, Target::DryRun) { Some(Box::new(io::stdout())) } else { None };
        Ok(Redactor {
            target,
            styles,
            log,
            listing,
            stats: RedactStats::default(),
            members: None,
            drop_unreadable: false,
        })
    }

    /// Redact inside containers (zip archives, office documents), finding
    /// what to redact in each member with `scan` (see [`container`]).
    pub fn with_members(mut self, scan: Box<container::MemberScan<'a>>) -> Redactor<'a> {
        self.members = Some(scan);
        self
    }

    /// Write a container whose members or attachments could not be read
    /// (binary, encrypted, over a limit) with each of them replaced by a
    /// placeholder saying what was removed and why, recorded in the
    /// evidence log; without this such a file is refused.
    pub fn with_drop_unreadable(mut self, drop: bool) -> Redactor<'a> {
        self.drop_unreadable = drop;
        self
    }

    /// The counts so far.
    pub fn stats(&self) -> &RedactStats {
        &self.stats
    }

    /// Take the counts.
    pub fn into_stats(self) -> RedactStats {
        self.stats
    }

    fn out_path(&self, path: &Path) -> Option<PathBuf> {
        let Target::OutDir { dir, roots, .. } = &self.target else { return None };
        let rel = roots
            .iter()
            .filter_map(|r| {
                if path == r {
                    path.file_name().map(PathBuf::from)
                } else {
                    path.strip_prefix(r).ok().map(Path::to_path_buf)
                }
            })
            .next()
            .unwrap_or_else(|| path.to_path_buf());
        // Never let `..` or an absolute path climb out of the output directory.
        let clean: PathBuf = rel.components().filter(|c| matches!(c, std::path::Component::Normal(_))).collect();
        Some(dir.join(clean))
    }

    fn redact_file(&mut self, o: &FileOutcome) -> Result<(), Failure> {
        let path = &o.path;
        let meta = fs::symlink_metadata(path).map_err(|e| e.to_string())?;
        if let Target::InPlace { .. } = self.target {
            if meta.file_type().is_symlink() {
                return Err("symbolic link: not rewritten in place".into());
            }
            if meta.permissions().readonly() {
                return Err("read-only file: left untouched".into());
            }
        }
        let original = fs::read(path).map_err(|e| e.to_string())?;
        // The file must be the one that was scanned: offsets refer to it.
        let unchanged = original.len() as u64 == o.size
            && (o.modified.is_none() || fs::metadata(path).ok().and_then(|m| m.modified().ok()) == o.modified);
        if !unchanged {
            return Err("changed since it was scanned: left untouched".into());
        }
        let mut removed: Vec<container::Removed> = Vec::new();
        let (out, entries) = if o.problems.is_empty() && o.findings.iter().all(|f| f.file_offsets) {
            let styled: Vec<(&crate::finding::Finding, Style)> =
                o.findings.iter().map(|f| (f, self.style_at(f, &original))).collect();
            (replace_plain(o, &original, &styled)?, styled)
        } else {
            let Some(mut scan) = self.members.take() else {
                let why = format!("redaction not supported for this format ({}): personal data is inside it", o.format);
                return Err(Failure::Refused(why));
            };
            let styles = &self.styles;
            let style = |f: &crate::finding::Finding| styles.for_kind(&f.kind);
            let plain = |inner: &FileOutcome, bytes: &[u8]| {
                let styled: Vec<(&crate::finding::Finding, Style)> =
                    inner.findings.iter().map(|f| (f, style(f))).collect();
                replace_plain(inner, bytes, &styled)
            };
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let mut cx = container::Context {
                style: &style,
                scan: &mut *scan,
                plain: &plain,
                drop_unreadable: self.drop_unreadable,
                removed: &mut removed,
            };
            let res = container::rewrite(&name, &original, o, &mut cx, 1);
            self.members = Some(scan);
            (res.map_err(Failure::Refused)?, o.findings.iter().map(|f| (f, style(f))).collect())
        };
        let dest = match &self.target {
            Target::DryRun => {
                if let Some(l) = self.listing.as_mut() {
                    let _ = writeln!(
                        l,
                        "would redact {} finding(s) in {}",
                        o.findings.len(),
                        sanitize(&path.display().to_string())
                    );
                }
                path.clone()
            }
            Target::InPlace { backup } => {
                if let Some(suffix) = backup {
                    let mut b = path.as_os_str().to_owned();
                    b.push(suffix);
                    write_atomic(Path::new(&b), &original, &meta.permissions()).map_err(|e| format!("backup: {e}"))?;
                }
                write_atomic(path, &out, &meta.permissions()).map_err(|e| e.to_string())?;
                path.clone()
            }
            Target::OutDir { .. } => {
                let dest = self.out_path(path).ok_or("no output path")?;
                self.write_out(&dest, &out, &meta.permissions())?;
                dest
            }
        };
        let time = rfc3339(SystemTime::now());
        for (f, style) in entries {
            *self.stats.per_kind.entry(f.kind.to_string()).or_default() += 1;
            if let Some(log) = self.log.as_mut() {
                let mut rec = json!({
                    "time": time, "path": path.display().to_string(), "output": dest.display().to_string(),
                    "start": f.start, "end": f.end, "pieces": &f.pieces, "line": f.line, "kind": &*f.kind,
                    "fingerprint": f.fingerprint_hex(), "style": style.name(),
                    "dry_run": matches!(self.target, Target::DryRun),
                });
                // Inside a container: the member, part, sheet or cell.
                if let (Some(loc), Some(m)) = (&f.location, rec.as_object_mut()) {
                    m.insert("location".into(), json!(loc));
                }
                log_line(log, &rec)?;
            }
        }
        for r in &removed {
            self.stats.members_removed += 1;
            if let Some(log) = self.log.as_mut() {
                let rec = json!({
                    "time": time, "path": path.display().to_string(), "output": dest.display().to_string(),
                    "removed": r.member, "reason": r.reason, "placeholder": r.placeholder,
                    "dry_run": matches!(self.target, Target::DryRun),
                });
                log_line(log, &rec)?;
            }
        }
        self.stats.files_redacted += 1;
        if !matches!(self.target, Target::DryRun) {
            self.stats.outputs.push(dest);
        }
        Ok(())
    }

    /// Write under the output directory, refusing to follow a symlink out of it.
    fn write_out(&self, dest: &Path, bytes: &[u8], perms: &fs::Permissions) -> Result<(), String> {
        let Target::OutDir { dir, .. } = &self.target else { return Err("not an output directory".into()) };
        let parent = dest.parent().ok_or("no parent directory")?;
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        let real_parent = parent.canonicalize().map_err(|e| e.to_string())?;
        let real_dir = dir.canonicalize().map_err(|e| e.to_string())?;
        if !real_parent.starts_with(&real_dir) {
            return Err("output path leads outside the output directory (symlink): refused".into());
        }
        if fs::symlink_metadata(dest).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err("output path is a symbolic link: refused".into());
        }
        write_atomic(dest, bytes, perms).map_err(|e| e.to_string())
    }

    /// The style `f` is redacted in: its kind's, except that a partial
    /// value glued to more of an address (damaged data: `a@x.co@y.com`) is
    /// masked whole, since the domain it keeps would read as a new address
    /// on the rescan. The evidence log records the style used.
    fn style_at(&self, f: &crate::finding::Finding, original: &[u8]) -> Style {
        let style = self.styles.for_kind(&f.kind);
        let glued = original.get(f.end as usize).is_some_and(|b| matches!(b, b'@' | b'%'));
        if style == Style::Partial && glued {
            Style::Mask
        } else {
            style
        }
    }

    fn copy_unchanged(&mut self, o: &FileOutcome) -> Result<(), String> {
        let Target::OutDir { only_changed: false, .. } = self.target else { return Ok(()) };
        let bytes = fs::read(&o.path).map_err(|e| e.to_string())?;
        let perms = fs::metadata(&o.path).map_err(|e| e.to_string())?.permissions();
        let dest = self.out_path(&o.path).ok_or("no output path")?;
        self.write_out(&dest, &bytes, &perms)?;
        self.stats.files_copied += 1;
        self.stats.outputs.push(dest);
        Ok(())
    }
}

/// One record of the evidence log, as a JSON line.
fn log_line(log: &mut BufWriter<File>, rec: &serde_json::Value) -> Result<(), String> {
    serde_json::to_writer(&mut *log, rec).map_err(|e| format!("evidence log: {e}"))?;
    log.write_all(b"\n").map_err(|e| format!("evidence log: {e}"))
}

/// `original` with each styled finding's span (or pieces) replaced: the
/// bytes of a file (or of a member read as one), findings at offsets in
/// them. Replacements are written in the file's own encoding (UTF-16,
/// Windows-1252, a declared legacy charset); in delimited text a value
/// never takes a delimiter or a line break with it.
fn replace_plain(
    o: &FileOutcome,
    original: &[u8],
    styled: &[(&crate::finding::Finding, Style)],
) -> Result<Vec<u8>, String> {
    let stored = Stored::of(o.encoding);
    let mut out = Vec::with_capacity(original.len());
    let mut at = 0usize;
    // Every span to replace: a value read over several cues is replaced
    // piece by piece, the timings between them kept.
    let mut spans: Vec<(usize, usize, &crate::finding::Finding, Style)> = Vec::new();
    // A name spread over `title,first_name,surname` cells is replaced cell
    // by cell, so every row keeps its field count.
    let cells = (o.format == "csv" && !matches!(stored, Stored::Utf16(_)))
        .then(|| crate::extract::csvx::sniff_delim(original, o.path.extension().is_some_and(|e| e == "tsv")));
    for &(f, style) in styled {
        let whole = [(f.start, f.end)];
        let pieces: &[(u64, u64)] = if f.pieces.is_empty() { &whole } else { &f.pieces };
        for &(s, e) in pieces {
            let (s, e) = (s as usize, e as usize);
            match cells {
                Some(delim) if e <= original.len() && s < e => {
                    spans.extend(cell_pieces(original, s, e, delim).into_iter().map(|(a, b)| (a, b, f, style)));
                }
                _ => spans.push((s, e, f, style)),
            }
        }
    }
    spans.sort_by_key(|&(s, e, _, _)| (s, e));
    for (s, e, f, style) in spans {
        if s < at || e > original.len() || s > e {
            return Err("findings out of order or beyond the end: left untouched".into());
        }
        out.extend_from_slice(&original[at..s]);
        let written = stored.decode(&original[s..e]);
        let rep = replacement(style, &f.kind, &written, f.fingerprint);
        out.extend_from_slice(&stored.encode(&rep));
        at = e;
    }
    out.extend_from_slice(&original[at..]);
    Ok(out)
}

/// The parts of `text[s..e]` between delimiters and line breaks outside
/// quotes, each trimmed of blanks and quotes: the cells a span crosses,
/// without the separators that make the row's structure. A comma inside a
/// quoted cell (`"Lewis, Norman"`) is content, not a separator.
fn cell_pieces(text: &[u8], s: usize, e: usize, delim: u8) -> Vec<(usize, usize)> {
    let line_start = memchr::memrchr(b'\n', &text[..s]).map_or(0, |k| k + 1);
    let mut quoted = memchr::memchr_iter(b'"', &text[line_start..s]).count() % 2 == 1;
    let mut cuts = vec![s];
    for (k, &b) in text[s..e].iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && (b == delim || b == b'\n' || b == b'\r') {
            cuts.push(s + k);
            cuts.push(s + k + 1);
        }
    }
    cuts.push(e);
    cuts.chunks(2)
        .filter_map(|c| {
            let (mut a, mut b) = (c[0], c[1]);
            if cuts.len() > 2 {
                while a < b && matches!(text[a], b' ' | b'\t' | b'"') {
                    a += 1;
                }
                while b > a && matches!(text[b - 1], b' ' | b'\t' | b'"') {
                    b -= 1;
                }
            }
            (a < b).then_some((a, b))
        })
        .collect()
}

impl Sink for Redactor<'_> {
    /// A file is rewritten from all its findings at once.
    fn whole_files(&self) -> bool {
        true
    }
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        if let Some((reason, _)) = &o.skipped {
            // Hidden files, links the walk did not follow and ignored files
            // were never read: nothing is known of them to redact or to refuse.
            if matches!(
                reason,
                crate::outcome::SkipReason::Hidden
                    | crate::outcome::SkipReason::SymlinkNotFollowed
                    | crate::outcome::SkipReason::Ignored
            ) {
                return Ok(());
            }
            let why = match reason {
                // A `.csv` with a stray NUL lands here too: say why it was
                // not read, not only that it cannot be redacted.
                crate::outcome::SkipReason::Binary => {
                    "redaction not supported for this format (binary: NUL bytes in the first 8 KiB, not scanned)"
                        .to_string()
                }
                crate::outcome::SkipReason::Media => "redaction not supported for this format".to_string(),
                r => format!("not scanned ({})", r.code()),
            };
            self.stats.not_redacted.push((o.path.clone(), why));
            return Ok(());
        }
        let replaceable = self.drop_unreadable && self.members.is_some();
        if !o.problems.is_empty() && !replaceable {
            let why = format!("{} member(s) could not be read, so it cannot be shown to be clean", o.problems.len());
            self.stats.not_redacted_with_findings += usize::from(!o.findings.is_empty());
            self.stats.not_redacted.push((o.path.clone(), why));
            return Ok(());
        }
        if self.members.is_none() && o.findings.iter().any(|f| !f.file_offsets) {
            let why = format!("redaction not supported for this format ({}): personal data is inside it", o.format);
            self.stats.not_redacted_with_findings += 1;
            self.stats.not_redacted.push((o.path.clone(), why));
            return Ok(());
        }
        let res = if o.findings.is_empty() && o.problems.is_empty() {
            self.copy_unchanged(o).map_err(Failure::Failed)
        } else {
            self.redact_file(o)
        };
        match res {
            Ok(()) => {}
            Err(Failure::Refused(why)) => {
                self.stats.not_redacted_with_findings += 1;
                self.stats.not_redacted.push((o.path.clone(), why));
            }
            Err(Failure::Failed(e)) => self.stats.failed.push((o.path.clone(), e)),
        }
        Ok(())
    }

    fn finish(&mut self, _: &Inventory) -> io::Result<()> {
        if let Some(log) = self.log.as_mut() {
            log.flush()?;
            log.get_ref().sync_all()?;
        }
        Ok(())
    }
}

/// How a file's text is stored, for writing replacements in it: the
/// extractor's reading (`FileOutcome::encoding`) decides.
#[derive(Clone, Copy)]
enum Stored {
    /// UTF-8 (or bytes read as such).
    Utf8,
    /// UTF-16, little-endian when true.
    Utf16(bool),
    /// An 8-bit or legacy character set (Windows-1252, a declared one).
    Legacy(&'static encoding_rs::Encoding),
}

impl Stored {
    fn of(encoding: &str) -> Stored {
        match encoding {
            "utf-16le" => Stored::Utf16(true),
            "utf-16be" => Stored::Utf16(false),
            "" | "utf-8" | "binary" => Stored::Utf8,
            label => match encoding_rs::Encoding::for_label(label.as_bytes()) {
                Some(e) if e != encoding_rs::UTF_8 && e.is_ascii_compatible() => Stored::Legacy(e),
                _ => Stored::Utf8,
            },
        }
    }

    /// The text of stored bytes.
    fn decode(self, bytes: &[u8]) -> String {
        match self {
            Stored::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Stored::Utf16(le) => {
                let units = crate::read::utf16_units(bytes, le);
                char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
            }
            Stored::Legacy(e) => e.decode_without_bom_handling(bytes).0.into_owned(),
        }
    }

    /// A replacement as stored bytes; in a legacy character set, a
    /// character it cannot hold is written `?` (never an HTML reference).
    fn encode(self, s: &str) -> Vec<u8> {
        match self {
            Stored::Utf8 => s.as_bytes().to_vec(),
            Stored::Utf16(le) => {
                s.encode_utf16().flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() }).collect()
            }
            Stored::Legacy(e) => {
                let mut out = Vec::with_capacity(s.len());
                let mut buf = [0u8; 4];
                for c in s.chars() {
                    let (b, _, unmappable) = e.encode(c.encode_utf8(&mut buf));
                    if unmappable {
                        out.push(b'?');
                    } else {
                        out.extend_from_slice(&b);
                    }
                }
                out
            }
        }
    }
}

/// Replace `path` with `bytes` atomically: a temporary file in the same
/// directory (`.piiscan-*.tmp`), written, fsynced, given `perms`, renamed
/// over the target, then the directory fsynced. On any error the temporary
/// file is removed and the target is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8], perms: &fs::Permissions) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".piiscan-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    fs::set_permissions(tmp.path(), perms.clone())?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Stored;

    #[test]
    fn replacements_are_written_in_the_files_own_encoding() {
        let w = Stored::of("windows-1252");
        assert_eq!(w.decode(b"Zo\xEB"), "Zo\u{EB}");
        assert_eq!(w.encode("Zo\u{EB} \u{20AC}"), b"Zo\xEB \x80");
        // A character Windows-1252 cannot hold: `?`, not `&#321;`.
        assert_eq!(w.encode("\u{141}ukasz"), b"?ukasz");
        assert_eq!(Stored::of("utf-16le").encode("Zo"), b"Z\0o\0");
        assert_eq!(Stored::of("utf-8").encode("Zo\u{EB}"), "Zo\u{EB}".as_bytes());
    }
}
