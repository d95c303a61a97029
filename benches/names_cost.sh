#!/usr/bin/env bash
# The cost of names in instructions, which (unlike wall time on a shared VM)
# does not vary from run to run: callgrind counts the instructions of one
# scan with all kinds and one with `--exclude-kinds name` over a sample of
# the bench tree (up to two files per data store: 9 files, ~31 MB), and
# prints the ratio.
#
#   benches/names_cost.sh [TREE]      # default: bench-data/tree
#
# Needs valgrind (callgrind); takes a few minutes (both runs in parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-bench-data/tree}
[ -d "$TREE" ] || python3 benches/gen_tree.py "$TREE" 1024
cargo build --release --quiet
SAMPLE=$(mktemp -d)
for d in "$TREE"/*/; do
  find "$d" -type f | sort | awk 'NR%25==3' | head -2 | while read -r f; do
    ln -s "$PWD/$f" "$SAMPLE/$(echo "$f" | tr / _)"
  done
done
export PIISCAN_KEY=benchmark-key
count() { # label args...
  local label=$1; shift
  valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/piiscan \
    scan --format jsonl -q -j1 --follow "$@" "$SAMPLE" 2>&1 >/dev/null |
    awk -v l="$label" '/Collected :/ {print l, $4}'
}
ALL=$(mktemp); NO=$(mktemp)
count all > "$ALL" & count no-names --exclude-kinds name > "$NO" & wait
echo "sample: $(du -shL "$SAMPLE" | cut -f1) in $(ls "$SAMPLE" | wc -l) files"
cat "$ALL" "$NO"
awk 'NR==FNR {a=$2; next} {printf "names cost: +%.1f%% instructions\n", 100 * (a / $2 - 1)}' "$ALL" "$NO"
rm -rf "$SAMPLE" "$ALL" "$NO"
