#!/usr/bin/env bash
# piiscan on third-party test corpora it was never developed on.
#
#   benches/corpora.sh PIISCAN_BIN OUT_DIR [CORPUS ...]
#
# Corpora (built under $CORPORA, default OUT_DIR/corpora; an existing
# corpus folder is reused as it is, delete it to rebuild it):
#   mail-parser     resources/ of the mail-parser 0.10.x crate (cargo registry)
#   cpython-email   CPython's Lib/test/test_email/data/msg_*.txt, as .eml
#                   (Debian package libpython3.11-testsuite; installed with
#                   apt-get when missing and running as root)
#   office-archive  office/archive test files shipped inside crate packages
#                   that are already in the cargo registry (see CRATES
#                   below); prints how to fetch them when some are missing
#   usr-share-doc   cp -a of /usr/share/doc (symlinks kept as symlinks)
#   man             cp -a of /usr/share/man (symlinks kept as symlinks)
# Default: all five, in that order.
#
# Each corpus is scanned with `piiscan scan --format json -q CORPUS` under
# /usr/bin/time -v. Exit 0 (nothing found) and 1 (personal data found) are
# success; exit 2 or a signal is a failure, reported with the stderr tail.
# Per corpus a Markdown table: files on disk, files in the report, scanned
# by format, skipped and failed by reason, unread members inside scanned
# files by reason, findings, wall time, peak RSS; then every failed file
# and the files the walk passed over (on disk, absent from `files`), with a
# guess at why (symlink, hidden, an ignore file).
#
# Reports, stderr and timings are kept in OUT_DIR/<corpus>.{json,stderr,time}.
# The script exits 0 when every scan succeeded, 1 otherwise.
# Needs: python3, GNU time (/usr/bin/time), cp, find.
set -uo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
BIN=$(realpath "$1")
OUT=$(mkdir -p "$2" && realpath "$2")
shift 2
CORPORA=${CORPORA:-$OUT/corpora}
mkdir -p "$CORPORA"
CORPORA=$(realpath "$CORPORA")
[ -x "$BIN" ] || { echo "not an executable: $BIN" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
LIST=("$@")
[ ${#LIST[@]} -gt 0 ] || LIST=(mail-parser cpython-email office-archive usr-share-doc man)
REG=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/* 2>/dev/null | head -1)
EXTS='xlsx|xlsm|xlsb|xls|ods|docx|pptx|odt|zip|gz|tgz|tar|bz2|xz|7z'
# Crate packages that ship office/archive test files (checked by hand: the
# current calamine, zip and docx-rs packages exclude their tests/ folders,
# so older releases and other well-known crates stand in for them).
CRATES=(calamine-0.15.6 zip-0.6.6 docx-rust-0.1.11 umya-spreadsheet-3.1.1
        spreadsheet-ods-1.0.4 sevenz-rust-0.6.1 flate2-1.1.11 bzip2-0.6.1)

build_mail_parser() { # dest
  local src
  src=$(ls -d "$REG"/mail-parser-0.10*/resources 2>/dev/null | sort -V | tail -1)
  if [ -z "$src" ]; then
    echo "mail-parser 0.10.x is not in the cargo registry: run 'cargo fetch' in a project depending on mail-parser = \"0.10\"" >&2
    return 1
  fi
  echo "mail-parser: from $src" >&2
  cp -a "$src" "$1"
}

build_cpython_email() { # dest
  local data=/usr/lib/python3.11/test/test_email/data
  if [ ! -d "$data" ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get install -y -q libpython3.11-testsuite >&2 ||
        { apt-get update -q >&2 && apt-get install -y -q libpython3.11-testsuite >&2; }
    fi
    [ -d "$data" ] || { echo "cpython-email: install the Debian package libpython3.11-testsuite" >&2; return 1; }
  fi
  mkdir -p "$1"
  local f
  for f in "$data"/msg_*.txt; do
    cp -p "$f" "$1/$(basename "${f%.txt}").eml"
  done
}

build_office_archive() { # dest
  local missing=() c
  for c in "${CRATES[@]}"; do
    [ -d "$REG/$c" ] || missing+=("$c")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "office-archive: not in the cargo registry: ${missing[*]}" >&2
    echo "  fetch them with a throwaway project, e.g.:" >&2
    echo "    cargo new -q /tmp/fetchproj && cd /tmp/fetchproj && cat >> Cargo.toml <<'EOF'" >&2
    for c in "${CRATES[@]}"; do
      local name=${c%-*} ver=${c##*-}
      echo "    ${name//-/_}_${ver//./_} = { package = \"$name\", version = \"=$ver\" }" >&2
    done
    echo "    EOF" >&2
    echo "    cargo fetch" >&2
    return 1
  fi
  mkdir -p "$1"
  for c in "${CRATES[@]}"; do
    (cd "$REG/$c" && find . -type f -regextype posix-extended -iregex ".*\.($EXTS)$" -print0) |
      while IFS= read -r -d '' f; do
        mkdir -p "$1/$c/$(dirname "$f")"
        cp -p "$REG/$c/$f" "$1/$c/$f"
      done
    echo "office-archive: $c: $(find "$1/$c" -type f 2>/dev/null | wc -l) files" >&2
  done
}

build() { # name dest
  case $1 in
    mail-parser) build_mail_parser "$2" ;;
    cpython-email) build_cpython_email "$2" ;;
    office-archive) build_office_archive "$2" ;;
    usr-share-doc) cp -a /usr/share/doc "$2" ;;
    man) cp -a /usr/share/man "$2" ;;
    *) echo "unknown corpus: $1" >&2; return 1 ;;
  esac
}

STATUS=0
echo "# piiscan on third-party corpora"
echo
echo "binary: \`$BIN\` ($("$BIN" --version 2>/dev/null || echo 'version unknown'))"
echo
for name in "${LIST[@]}"; do
  dir=$CORPORA/$name
  if [ ! -d "$dir" ]; then
    if ! build "$name" "$dir.part"; then
      rm -rf "$dir.part"
      echo "## $name"; echo; echo "not assembled (see stderr)"; echo
      STATUS=1
      continue
    fi
    mv "$dir.part" "$dir"
  fi
  find "$dir" \( -type f -o -type l \) -printf '%y %p\n' > "$OUT/$name.disk"
  /usr/bin/time -v -o "$OUT/$name.time" "$BIN" scan --format json -q "$dir" \
    > "$OUT/$name.json" 2> "$OUT/$name.stderr"
  rc=$?
  python3 - "$name" "$dir" "$rc" "$OUT" <<'PY' || STATUS=1
import collections, json, os, re, sys

name, root, rc, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
timing = open(f"{out}/{name}.time", errors="replace").read()
sig = re.search(r"Command terminated by signal (\d+)", timing)
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", timing)
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing)
secs = 0.0
if wall:
    for part in wall.group(1).split(":"):
        secs = secs * 60 + float(part)
rss_mb = int(rss.group(1)) / 1024 if rss else float("nan")

def fmt(counter):
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"

print(f"## {name}\n")
failed_run = bool(sig) or rc not in (0, 1)
doc = None
if not failed_run:
    try:
        doc = json.load(open(f"{out}/{name}.json"))
    except Exception as e:  # noqa: BLE001
        print(f"report is not JSON: {e}\n")
        failed_run = True
if failed_run:
    how = f"signal {sig.group(1)}" if sig else f"exit {rc}"
    print(f"**run failed: {how}** after {secs:.1f} s, peak RSS {rss_mb:.0f} MB. stderr tail:\n")
    tail = open(f"{out}/{name}.stderr", errors="replace").read().splitlines()[-20:]
    print("```\n" + "\n".join(tail) + "\n```\n")
    sys.exit(1)

disk = {}
for line in open(f"{out}/{name}.disk", errors="surrogateescape"):
    kind, path = line.rstrip("\n").split(" ", 1)
    disk[path] = kind
files = doc["files"]
in_report = {f["path"] for f in files}
scanned = collections.Counter()
skipped = collections.Counter()
failed = collections.Counter()
unread = collections.Counter()
unread_files = 0
failures = []
for f in files:
    st = f.get("status")
    if st == "scanned":
        scanned[f.get("format") or "?"] += 1
    elif st == "skipped":
        skipped[f.get("reason") or "?"] += 1
    elif st == "failed":
        failed[f.get("reason") or "?"] += 1
        failures.append(f)
    members = f.get("unread_members") or []
    if members:
        unread_files += 1
    for m in members:
        unread[m.get("reason") or "?"] += 1
n_reg = sum(1 for k in disk.values() if k == "f")
n_link = sum(1 for k in disk.values() if k == "l")
passed = sorted(p for p in disk if p not in in_report)
extra = sorted(p for p in in_report if p not in disk)

ignore_names = (".gitignore", ".ignore", ".piiscanignore")
def why(path):
    if disk.get(path) == "l":
        target = os.path.realpath(path)
        if not os.path.exists(target):
            return "symlink (dangling)"
        return "symlink (to a folder)" if os.path.isdir(target) else "symlink"
    rel = os.path.relpath(path, root)
    if any(c.startswith(".") for c in rel.split(os.sep)):
        return "hidden"
    d = os.path.dirname(path)
    while True:
        for ig in ignore_names:
            if os.path.isfile(os.path.join(d, ig)):
                return f"ignore file {os.path.join(d, ig)}"
        if d == os.path.dirname(d):
            break
        d = os.path.dirname(d)
    return "unknown"
whys = {p: why(p) for p in passed}
reasons = collections.Counter("ignore file" if w.startswith("ignore file") else w for w in whys.values())

inv = doc.get("inventory", {})
print("| measure | value |\n|---|---|")
print(f"| files on disk (regular + symlink) | {len(disk)} ({n_reg} + {n_link}) |")
print(f"| files in report | {len(files)} |")
print(f"| scanned | {sum(scanned.values())} ({fmt(scanned)}) |")
print(f"| skipped | {sum(skipped.values())} ({fmt(skipped)}) |")
print(f"| failed | {sum(failed.values())} ({fmt(failed)}) |")
print(f"| unread members inside files | {sum(unread.values())} in {unread_files} files ({fmt(unread)}) |")
print(f"| findings | {len(doc['findings'])} |")
print(f"| passed over by the walk | {len(passed)} ({fmt(reasons)}) |")
if extra:
    print(f"| in report, not on disk | {len(extra)} |")
print(f"| exit code | {rc} |")
print(f"| wall time | {secs:.1f} s |")
print(f"| peak RSS | {rss_mb:.0f} MB |")
print()
if failures:
    print("Failed files:\n")
    for f in failures:
        detail = (f.get("detail") or "").replace("|", "\\|").replace("\n", " ")
        print(f"- `{os.path.relpath(f['path'], root)}`: {f.get('reason')}: {detail}")
    print()
if passed:
    print(f"Passed over (up to 10 of {len(passed)}):\n")
    for p in passed[:10]:
        print(f"- `{os.path.relpath(p, root)}`: {whys[p]}")
    print()
if extra:
    print(f"In the report but not on disk (up to 10 of {len(extra)}):\n")
    for p in extra[:10]:
        print(f"- `{p}`")
    print()
PY
done
exit $STATUS
