#!/usr/bin/env bash
# Paired benchmark: piiscan (every validator on, JSONL out) against ripgrep
# running the same regexes (taken from patterns/*.toml, ASCII word
# boundaries via --no-unicode, `rg -c`) over the same tree.
#
#   benches/compare_rg.sh [TREE] [RUNS]      # defaults: bench-data/tree 5
#   BASE=/path/to/older/piiscan benches/compare_rg.sh ...
#
# With BASE, an older build runs (all kinds) in the same rounds, so a change
# is judged on paired runs: this VM's timings drift by +-20% over minutes.
#
# Needs: ripgrep, GNU time (/usr/bin/time), python3 >= 3.11 (tomllib).
# Generates the ~1 GiB tree with benches/gen_tree.py when TREE is missing.
# Prints medians: wall seconds, MB/s, MB/s per core, peak RSS, the
# piiscan/rg throughput ratio (with all kinds, and without names, which rg
# has no equivalent for), the cost of names, and the 2-thread speed-up.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rg > /dev/null || { echo "compare_rg.sh: ripgrep (rg) is not installed (apt-get install ripgrep)" >&2; exit 2; }
TREE=${1:-bench-data/tree}
RUNS=${2:-5}
[ -d "$TREE" ] || python3 benches/gen_tree.py "$TREE" 1024
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
        out.append(re.sub(r"\(\?P<\w+>", "(?:", r))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
BYTES=$(find "$TREE" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
find "$TREE" -type f -exec cat {} + > /dev/null   # warm the page cache
TIMING=$(mktemp)
measure() { # label threads cmd...
  local label=$1 threads=$2; shift 2
  /usr/bin/time -o "$TIMING" -f '%e %M' "$@" > /dev/null 2>&1 || true
  echo "$label $threads $(tail -1 "$TIMING")"
}
RES=$(mktemp)
for j in 1 2; do
  for r in $(seq "$RUNS"); do
    measure rg "$j" rg -c --no-unicode --no-messages -j "$j" -f "$PATS" "$TREE" >> "$RES" || true
    measure piiscan "$j" "$BIN" scan --format jsonl -q -j "$j" "$TREE" >> "$RES" || true
    measure piiscan-no-names "$j" "$BIN" scan --format jsonl -q -j "$j" --exclude-kinds name "$TREE" >> "$RES" || true
    if [ -n "${BASE:-}" ]; then
      measure base "$j" "$BASE" scan --format jsonl -q -j "$j" "$TREE" >> "$RES" || true
    fi
  done
done
python3 - "$RES" "$BYTES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
mb = int(sys.argv[2]) / 1e6
med = {}
for tool in ("rg", "piiscan", "piiscan-no-names", "base"):
    for j in ("1", "2"):
        ts = [float(r[2]) for r in rows if r[0] == tool and r[1] == j]
        rss = [int(r[3]) for r in rows if r[0] == tool and r[1] == j]
        if ts:
            med[tool, j] = (statistics.median(ts), max(rss) / 1024)
print(f"tree: {mb:.0f} MB, {len([r for r in rows if r[0] == 'rg']) // 2} paired runs per setting")
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
if ("piiscan", "1") in med and ("piiscan", "2") in med:
    print(f"piiscan 2-thread speed-up: {med['piiscan', '1'][0] / med['piiscan', '2'][0]:.2f}x")
PY
rm -f "$PATS" "$RES" "$TIMING"
