#!/bin/bash
# One agent per file server with GNU parallel over ssh: each server scans
# its own share next to the data (into a database it keeps between runs,
# so weekly rescans read only what changed), the databases are copied
# back and merged.
#
#   export PIISCAN_KEY=...   # the same key for every server
#   SERVERS="fs01 fs02 fs03" SHARE=/srv/share ./parallel-ssh.sh
#
# Each server scans its share through a link named after the server, so
# paths in the merged inventory say which server holds a file
# (fs01/HR/cv.docx) and two servers' identical paths do not collide. The
# key goes to each server on ssh's standard input, never on a command line.
set -euo pipefail
SERVERS="${SERVERS:?list the file servers}"
SHARE="${SHARE:-/srv/share}"
OUT="${OUT:-./inventory}"
: "${PIISCAN_KEY:?set PIISCAN_KEY}"
mkdir -p "$OUT/shards"

scan_one() {
  local host=$1
  printf '%s\n' "$PIISCAN_KEY" | ssh "$host" "read -r PIISCAN_KEY && export PIISCAN_KEY &&
    mkdir -p ~/.piiscan/root && ln -sfn '$SHARE' ~/.piiscan/root/$host && cd ~/.piiscan/root &&
    piiscan scan $host --db ~/.piiscan/$host.db --summary --exit-code 0"
  scp -q "$host:.piiscan/$host.db" "$OUT/shards/$host.db"
}
export -f scan_one
export SHARE OUT PIISCAN_KEY

# shellcheck disable=SC2086
parallel --tag --jobs 0 scan_one ::: $SERVERS
piiscan merge "$OUT/inventory.db" "$OUT"/shards/*.db
piiscan report "$OUT/inventory.db" --html "$OUT/report.html"
