#!/usr/bin/env bash
# Paired benchmark: piiscan (every validator on, JSONL out) against ripgrep
# running the same regexes (taken from patterns/*.toml, ASCII word
# boundaries via --no-unicode, `rg -c`) over the same inputs.
#
#   benches/compare_rg.sh [RUNS]                 # default 5 rounds, the three inputs below
#   INPUTS="bench-data/tree" benches/compare_rg.sh 3
#   BASE=/path/to/older/piiscan benches/compare_rg.sh ...
#   VARIANT="--exclude-kinds credential" benches/compare_rg.sh ...
#
# The three inputs of issue 21, built under bench-data/ when missing:
#   mixed-100M  one 100 MiB file of mixed logs, prose and CSV exports
#   sparse      vendored crate sources (`cargo vendor --locked`) plus 2% of
#               the dense tree's documents: mostly code and docs, sparse PII
#   tree        the dense ~1 GiB many-people tree (benches/gen_tree.py)
# (benches/gen_inputs.py says how the first two are made from the third.)
#
# Rounds alternate tools, so drift hits them alike: this VM's timings move
# by +-20% over minutes. With BASE, an older build runs (all kinds) in the
# same rounds, so a change is judged on paired runs. With VARIANT, this
# build also runs with those extra arguments in the same rounds (the cost of
# some kinds, measured in one build).
#
# Needs: ripgrep, GNU time (/usr/bin/time), python3 >= 3.11 (tomllib).
# Prints per input the medians (wall seconds, MB/s, MB/s per core, peak
# RSS), the piiscan/rg throughput ratio (all kinds, and without names,
# which rg has no equivalent for), the cost of names, the 2-thread
# speed-up, and against BASE.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rg > /dev/null || { echo "compare_rg.sh: ripgrep (rg) is not installed (apt-get install ripgrep)" >&2; exit 2; }
RUNS=${1:-5}
[ -d bench-data/tree ] || python3 benches/gen_tree.py bench-data/tree 1024
python3 benches/gen_inputs.py bench-data/tree bench-data > /dev/null
INPUTS=${INPUTS:-bench-data/mixed-100M bench-data/sparse bench-data/tree}
cargo build --release --quiet
BIN=target/release/piiscan
export PIISCAN_KEY=benchmark-key
PATS=$(mktemp)
python3 - "$PATS" <<'PY'
import glob, re, sys, tomllib
out = []
for f in sorted(glob.glob("patterns/*.toml")):
    for p in tomllib.load(open(f, "rb")).get("pattern", []):
        r = p.get("regex")
        if not r:
            continue  # detector patterns (names) have no regex for rg to run
        if "(?x)" in r:
            r = "".join(re.sub(r"\s+#.*$", "", l) for l in r.split("\n"))
            r = re.sub(r"\s+", "", r.replace("(?x)", ""))
        r = re.sub(r"\(\?P<\w+>", "(?:", r)
        # rg matches within a line unless -U: a line break outside a class
        # (the bank patterns' two-line form) is run as a space instead.
        depth, i, o = 0, 0, []
        while i < len(r):
            c = r[i]
            if c == "\\" and i + 1 < len(r):
                o.append("\\x20" if r[i + 1] == "n" and depth == 0 else r[i : i + 2])
                i += 2
                continue
            depth += c == "[" and 1 or (c == "]" and depth > 0 and -1 or 0)
            o.append(c)
            i += 1
        out.append("".join(o))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
rc=0
rg -c --no-unicode -f "$PATS" /dev/null > /dev/null 2>&1 || rc=$?
[ "$rc" -le 1 ] || { echo "compare_rg.sh: rg rejects the patterns (exit $rc): rg -f $PATS" >&2; exit 2; }
TIMING=$(mktemp)
measure() { # label threads cmd...
  local label=$1 threads=$2; shift 2
  /usr/bin/time -o "$TIMING" -f '%e %M' "$@" > /dev/null 2>&1 || true
  echo "$label $threads $(tail -1 "$TIMING")"
}
for TREE in $INPUTS; do
  BYTES=$(find "$TREE" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
  FILES=$(find "$TREE" -type f | wc -l)
  find "$TREE" -type f -exec cat {} + > /dev/null   # warm the page cache
  RES=$(mktemp)
  for j in 1 2; do
    for r in $(seq "$RUNS"); do
      measure rg "$j" rg -c --no-unicode --no-messages -j "$j" -f "$PATS" "$TREE" >> "$RES" || true
      measure piiscan "$j" "$BIN" scan --format jsonl -q -j "$j" "$TREE" >> "$RES" || true
      measure piiscan-no-names "$j" "$BIN" scan --format jsonl -q -j "$j" --exclude-kinds name "$TREE" >> "$RES" || true
      if [ -n "${VARIANT:-}" ]; then
        # shellcheck disable=SC2086 # VARIANT is a list of arguments
        measure variant "$j" "$BIN" scan --format jsonl -q -j "$j" $VARIANT "$TREE" >> "$RES" || true
      fi
      if [ -n "${BASE:-}" ]; then
        measure base "$j" "$BASE" scan --format jsonl -q -j "$j" "$TREE" >> "$RES" || true
      fi
    done
  done
  echo
  echo "## $TREE"
  python3 - "$RES" "$BYTES" "$FILES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
mb = int(sys.argv[2]) / 1e6
med = {}
for tool in ("rg", "piiscan", "piiscan-no-names", "variant", "base"):
    for j in ("1", "2"):
        ts = [float(r[2]) for r in rows if r[0] == tool and r[1] == j]
        rss = [int(r[3]) for r in rows if r[0] == tool and r[1] == j]
        if ts:
            med[tool, j] = (statistics.median(ts), max(rss) / 1024)
print(f"{mb:.0f} MB in {sys.argv[3]} files, {len([r for r in rows if r[0] == 'rg']) // 2} paired runs per setting")
print("| tool | threads | median s | MB/s | MB/s per core | peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|")
for (tool, j), (t, rss) in sorted(med.items()):
    print(f"| {tool} | {j} | {t:.2f} | {mb / t:.0f} | {mb / t / int(j):.0f} | {rss:.0f} |")
for j in ("1", "2"):
    for tool in ("piiscan", "piiscan-no-names"):
        if ("rg", j) in med and (tool, j) in med:
            print(f"{tool}/rg throughput ratio, {j} thread(s): {med['rg', j][0] / med[tool, j][0]:.2f}")
if ("piiscan", "1") in med and ("piiscan-no-names", "1") in med:
    print(f"cost of names, 1 thread: +{100 * (med['piiscan', '1'][0] / med['piiscan-no-names', '1'][0] - 1):.0f}% time")
for j in ("1", "2"):
    if ("base", j) in med and ("piiscan", j) in med:
        print(f"piiscan against BASE, {j} thread(s): {med['base', j][0] / med['piiscan', j][0]:.2f}x throughput")
for j in ("1", "2"):
    if ("variant", j) in med and ("piiscan", j) in med:
        print(f"piiscan against itself with VARIANT, {j} thread(s): {med['variant', j][0] / med['piiscan', j][0]:.2f}x throughput")
if ("piiscan", "1") in med and ("piiscan", "2") in med:
    print(f"piiscan 2-thread speed-up: {med['piiscan', '1'][0] / med['piiscan', '2'][0]:.2f}x")
PY
  rm -f "$RES"
done
rm -f "$PATS" "$TIMING"
