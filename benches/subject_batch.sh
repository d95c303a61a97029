#!/usr/bin/env bash
# One pass for a batch of subject requests: `subject find` with 1, 100 and
# 1,000 requests over the same data. The cost per file does not depend on the
# number of subjects (one keyed-digest lookup per candidate), so the three
# times should be close; 1,000 separate runs would cost 1,000 times one.
#
#   benches/subject_batch.sh [DIR] [RUNS]     # default: bench-data/tree/crm, 3 runs
#
# Needs hyperfine and the Python package phonenumbers (see fixtures/generate.py). Requests are made up (no real data); the first is a
# subject of fixtures/subjects so that something is found.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-bench-data/tree/crm}
RUNS=${2:-3}
if [ ! -d "$DIR" ]; then
    echo "no $DIR: generate the benchmark tree with: python3 benches/gen_tree.py" >&2
    exit 2
fi
cargo build --release -q
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 - "$TMP" <<'EOF'
import json, sys
out = sys.argv[1]
real = json.load(open("fixtures/subjects/requests.json"))[0]
import random
import phonenumbers
R = random.Random(7)
def phone():
    while True:
        n = f"+33 6 {R.randint(10 ** 7, 10 ** 8 - 1)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(n)):
            return n
def word():
    return "".join(R.choice("bcdfghklmnprstvz") + R.choice("aeiou") for _ in range(3)).capitalize()
def fake(i):
    first, last = word(), word()
    return {"id": f"X{i:04d}", "names": [f"{first} {last}"], "emails": [f"{first}.{last}{i}@nowhere.example".lower()],
            "phones": [phone()], "dobs": [f"19{40 + i % 60:02d}-0{1 + i % 9}-1{i % 10}"],
            "postcodes": [f"ZE{1 + i % 9} {i % 10}{'ABDEFGHJLN'[i // 10 % 10]}{'PQRSTUWXYZ'[i // 100 % 10]}"],
            "ids": [f"ZZ-{i:06d}"]}
for n in (1, 100, 1000):
    json.dump([real] + [fake(i) for i in range(n - 1)], open(f"{out}/req{n}.json", "w"))
EOF
export PIISCAN_KEY=bench-key
SIZE=$(du -sm "$DIR" | cut -f1)
echo "data: $DIR ($SIZE MB)"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$TMP/h.json" \
    -n "1 request" "target/release/piiscan subject find -q --format jsonl -o /dev/null $DIR --subjects $TMP/req1.json; test \$? -le 1" \
    -n "100 requests" "target/release/piiscan subject find -q --format jsonl -o /dev/null $DIR --subjects $TMP/req100.json; test \$? -le 1" \
    -n "1000 requests" "target/release/piiscan subject find -q --format jsonl -o /dev/null $DIR --subjects $TMP/req1000.json; test \$? -le 1"
python3 - "$TMP/h.json" "$SIZE" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
size = float(sys.argv[2])
base = r[0]["median"]
for x in r:
    print(f'{x["command"]:<14} median {x["median"]:.2f} s  {size / x["median"]:.0f} MB/s  x{x["median"] / base:.2f} of one request')
EOF
/usr/bin/time -v target/release/piiscan subject find -q --format jsonl -o /dev/null "$DIR" --subjects "$TMP/req1000.json" 2>&1 >/dev/null \
    | awk '/Maximum resident/ {print "peak RSS with 1000 requests: " $6/1024 " MB"}' || true
