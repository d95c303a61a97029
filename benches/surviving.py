#!/usr/bin/env python3
"""Share of labelled personal values that survive `piiscan redact --verify`.

Usage: benches/surviving.py [FIXTURE_DIR] [PIISCAN]   (default: fixtures/dev,
target/release/piiscan)

The gold file (FIXTURE_DIR/gold.jsonl) gives each value's path and byte span
in the original file. The tree is redacted into a temporary directory with
`--verify`; a value survives when its exact bytes are still in the written
file (or the file was not written at all: refused or failed). Values of
under 4 bytes are left out (a short number can appear anywhere by chance).
Reported per kind and per top-level folder (the layout class), as counts,
never values.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else "fixtures/dev"
    exe = sys.argv[2] if len(sys.argv) > 2 else "target/release/piiscan"
    gold = [json.loads(line) for line in open(os.path.join(root, "gold.jsonl"), encoding="utf-8")]
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run(
            [exe, "redact", root, "--out", out, "--verify", "-q", "-g", "!gold.jsonl", "-g", "!/README.md", "-g", "!/BRIEF.md", "-g", "!/SOURCES.md", "-g", "!/*.py"],
            capture_output=True,
        )
        last = r.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["(no summary)"]
        by_kind = collections.Counter()
        left_kind = collections.Counter()
        by_dir = collections.Counter()
        left_dir = collections.Counter()
        unwritten = 0
        cache = {}
        for g in gold:
            src = os.path.join(root, g["path"])
            if src not in cache:
                with open(src, "rb") as f:
                    cache[src] = f.read()
            value = cache[src][g["start"] : g["end"]]
            if len(value) < 4:
                continue
            dst = os.path.join(out, g["path"])
            if dst not in cache:
                cache[dst] = open(dst, "rb").read() if os.path.exists(dst) else None
            written = cache[dst]
            survived = written is None or value in written
            unwritten += written is None
            kind, folder = g["kind"], g["path"].split("/")[0]
            by_kind[kind] += 1
            by_dir[folder] += 1
            left_kind[kind] += survived
            left_dir[folder] += survived
    total, left = sum(by_kind.values()), sum(left_kind.values())
    print(f"redact --verify exit {r.returncode}; {last[0]}")
    print(f"values: {total}, surviving: {left} ({left / max(total, 1):.3f}); in files not written: {unwritten}")
    for name, counts, lefts in (("kind", by_kind, left_kind), ("folder", by_dir, left_dir)):
        print(f"\n| {name} | values | surviving | share |\n|---|---|---|---|")
        for k in sorted(counts):
            print(f"| {k} | {counts[k]} | {lefts[k]} | {lefts[k] / counts[k]:.3f} |")


if __name__ == "__main__":
    main()
