#!/usr/bin/env python3
"""The two benchmark inputs built from others (issue 21's three inputs):

    python3 benches/gen_inputs.py TREE OUT

TREE is the dense many-people tree from benches/gen_tree.py. Writes

- OUT/mixed-100M/mixed.txt: one 100 MiB file of mixed logs, prose and CSV
  exports: whole files of TREE, in a seeded shuffle of their sorted paths,
  concatenated until 100 MiB (one file, so one thread per tool unless the
  tool splits a file).
- OUT/sparse/: a source-and-docs tree with sparse personal data: the
  sources of this project's own dependencies as `cargo vendor --locked`
  writes them (third-party code and docs, the versions Cargo.lock pins),
  plus a seeded 2% (by bytes) of TREE's files under docs/ (letters,
  exports, logs: the personal data).

Deterministic: the same TREE and Cargo.lock give the same bytes. Needs the
crates.io registry (or a filled local cache) for `cargo vendor`.
"""
import pathlib
import random
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
TREE = pathlib.Path(sys.argv[1])
OUT = pathlib.Path(sys.argv[2])
files = sorted(p for p in TREE.rglob("*") if p.is_file())
if not files:
    sys.exit(f"gen_inputs.py: no files under {TREE}")

mixed = OUT / "mixed-100M" / "mixed.txt"
if not mixed.exists():
    mixed.parent.mkdir(parents=True, exist_ok=True)
    order = files[:]
    random.Random(11).shuffle(order)
    target = 100 << 20
    with open(mixed, "wb") as w:
        written = 0
        while written < target:
            for p in order:
                data = p.read_bytes()[: target - written]
                w.write(data)
                written += len(data)
                if written >= target:
                    break
    print(f"wrote {mixed} ({target >> 20} MiB)")

sparse = OUT / "sparse"
if not (sparse / "vendor").exists():
    sparse.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["cargo", "vendor", "--locked", "--versioned-dirs", "--quiet", str((sparse / "vendor").resolve())],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    order = files[:]
    random.Random(12).shuffle(order)
    total = sum(p.stat().st_size for p in files)
    budget, taken = total // 50, 0
    for p in order:
        if taken >= budget:
            break
        dest = sparse / "docs" / p.relative_to(TREE)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dest)
        taken += p.stat().st_size
    print(f"wrote {sparse} (vendored sources + {taken >> 20} MiB of {TREE})")
