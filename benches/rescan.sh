#!/usr/bin/env bash
# Incremental rescans with the inventory database (issue 22): the time of a
# rescan of an unchanged tree against the first scan of it.
#
#   benches/rescan.sh [TREE] [RUNS]     # default: bench-data/tree (the dense 1 GiB tree), 5 runs
#
# Runs, with the same build and key: a scan without --db (for the cost of
# keeping the database), the first --db scan into a new database, RUNS
# rescans of the unchanged tree (median), and a rescan after 1% of the
# files were touched (their times changed: read again). Peak RSS from GNU
# time. Generate the tree with: python3 benches/gen_tree.py bench-data/tree 1024
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-bench-data/tree}
RUNS=${2:-5}
[ -d "$TREE" ] || { echo "no $TREE (python3 benches/gen_tree.py $TREE 1024)" >&2; exit 2; }
cargo build --release -q
BIN=target/release/piiscan
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export PIISCAN_KEY=bench-rescan-key
run() { # label, args...
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$TMP/t" "$BIN" scan -q --summary --exit-code 0 "$@" "$TREE" > /dev/null
    read -r secs kb < "$TMP/t"
    printf '%-28s %8.2f s %8.0f MB\n' "$label" "$secs" "$((kb / 1024))"
    echo "$secs" >> "$TMP/$label"
}
bytes=$(du -sb "$TREE" | cut -f1)
files=$(find "$TREE" -type f | wc -l)
echo "tree: $TREE, $files files, $((bytes / 1000000)) MB"
run "no --db"
run "first --db scan" --db "$TMP/inv.db"
for _ in $(seq "$RUNS"); do run "rescan, unchanged" --db "$TMP/inv.db"; done
find "$TREE" -type f | sort | awk 'NR % 100 == 1' | xargs touch
run "rescan, 1% touched" --db "$TMP/inv.db"
first=$(cat "$TMP/first --db scan")
median=$(sort -n "$TMP/rescan, unchanged" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "database: $(du -h "$TMP/inv.db" | cut -f1)"
echo "unchanged rescan (median of $RUNS) / first scan: $median / $first = $(echo "scale=4; $median / $first" | bc)"
