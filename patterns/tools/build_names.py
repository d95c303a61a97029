#!/usr/bin/env python3
"""Regenerate patterns/names/given.tsv and surnames.tsv (name, weight, sources).

Sources (see patterns/SOURCES.md):
  * US Census 1990 name files (public domain), as shipped in the PyPI package
    `names` 0.3.0 (MIT): dist.male.first, dist.female.first, dist.all.last,
    with frequencies (per cent of the population). Surnames below 0.0005% are
    dropped: the long tail is mostly one-off spellings and common words.
  * Faker 33.1.0 (MIT) person providers: en_GB (ONS-derived UK names, with
    weights), en_IE, en_IN, en_PK, hi_IN (Latin only), pl_PL, yo_NG, tw_GH.
Names are lower-cased and folded to ASCII (diacritics removed); entries with
characters other than letters, apostrophe and hyphen are dropped.

    pip download --no-deps names==0.3.0 -d /tmp/n && tar xzf /tmp/n/names-0.3.0.tar.gz -C /tmp/n
    pip install faker==33.1.0
    python3 patterns/tools/build_names.py /tmp/n/names-0.3.0/names
"""
import collections
import importlib
import pathlib
import re
import sys
import unicodedata

OUT = pathlib.Path(__file__).resolve().parents[1] / "names"
CENSUS = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path("/tmp/n/names-0.3.0/names")
LOCALES = ["en_GB", "en_IE", "en_IN", "en_PK", "hi_IN", "pl_PL", "yo_NG", "tw_GH"]
VALID = re.compile(r"^[a-z][a-z'\-]{1,30}$")


def fold(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii").lower().strip()
    s = s.replace("\u2019", "'")
    return s if VALID.match(s) else None


given = collections.defaultdict(lambda: [0.0, set()])
surnames = collections.defaultdict(lambda: [0.0, set()])


def add(table, name, weight, source):
    n = fold(name)
    if n:
        table[n][0] = max(table[n][0], weight)
        table[n][1].add(source)


for fname, table in [("dist.male.first", given), ("dist.female.first", given), ("dist.all.last", surnames)]:
    for line in (CENSUS / fname).read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            freq = float(parts[1])
            if table is surnames and freq < 0.0005:
                continue
            add(table, parts[0], freq, "census1990")

for loc in LOCALES:
    mod = importlib.import_module(f"faker.providers.person.{loc}")
    P = mod.Provider
    for attr in dir(P):
        if not (attr.startswith("first_names") or attr.startswith("last_names")):
            continue
        val = getattr(P, attr)
        table = given if attr.startswith("first_names") else surnames
        items = val.items() if isinstance(val, dict) else ((v, None) for v in val)
        total = sum(w for _, w in items) if isinstance(val, dict) else None
        items = val.items() if isinstance(val, dict) else ((v, None) for v in val)
        for name, w in items:
            # Faker weights are relative; scale to per cent when present.
            weight = (100.0 * w / total) if (w is not None and total) else 0.001
            add(table, name, weight, f"faker-{loc}")

OUT.mkdir(parents=True, exist_ok=True)
for fname, table in [("given.tsv", given), ("surnames.tsv", surnames)]:
    with open(OUT / fname, "w") as f:
        f.write("# name\tweight (per cent, max over sources)\tsources. Regenerate: patterns/tools/build_names.py\n")
        for n in sorted(table):
            w, src = table[n]
            f.write(f"{n}\t{w:.4f}\t{','.join(sorted(src))}\n")
    print(f"{fname}: {len(table)} names")
