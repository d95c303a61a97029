#!/usr/bin/env python3
"""Regenerate patterns/names/given.tsv and surnames.tsv (name, weight, sources).

Sources (see patterns/SOURCES.md):
  * US Census 1990 name files (public domain), as shipped in the PyPI package
    `names` 0.3.0 (MIT): dist.male.first, dist.female.first, dist.all.last,
    with frequencies (per cent of the population). Surnames below 0.0005% are
    dropped: the long tail is mostly one-off spellings and common words.
  * Faker 33.1.0 (MIT) person providers: en_GB (ONS-derived UK names, with
    weights), en_IE, en_IN, en_PK, hi_IN (Latin only), pl_PL, yo_NG, tw_GH;
    and the wider list in WIDER (issue 19: the countries customers come from).
Names are lower-cased and folded to ASCII (diacritics removed); entries with
characters other than letters, apostrophe and hyphen are dropped.

    pip download --no-deps names==0.3.0 -d /tmp/n && tar xzf /tmp/n/names-0.3.0.tar.gz -C /tmp/n
    pip install faker==33.1.0
    apt-get install wamerican   # SCOWL, to drop new names that are English words
    python3 patterns/tools/build_names.py /tmp/n/names-0.3.0/names /usr/share/dict/words
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
# The countries a UK telecom's customers and staff come from (issue 19),
# Latin-script lists only (other scripts fold to nothing and are dropped;
# Chinese and Japanese come from their romanised lists). Names found only in
# these lists are dropped when they are also a lower-case English word in
# SCOWL (`/usr/share/dict/words`, Debian `wamerican`): "Rosa" stays, the
# Vietnamese "Do" or the German "Wolf" alone does not become a name.
WIDER = [
    "de_DE", "de_AT", "de_CH", "fr_FR", "fr_BE", "fr_CH", "fr_CA", "es_ES", "es_MX", "es_AR", "es_CO", "es_CL",
    "pt_PT", "pt_BR", "it_IT", "tr_TR", "ro_RO", "cs_CZ", "sk_SK", "hr_HR", "sl_SI", "hu_HU", "lt_LT", "lv_LV",
    "et_EE", "nl_NL", "nl_BE", "sv_SE", "no_NO", "da_DK", "fi_FI", "az_AZ", "uz_UZ", "vi_VN", "id_ID", "sw",
    "zu_ZA", "ga_IE", "en_NZ", "en_US", "zh_CN", "zh_TW", "ja_JP",
]
DICT = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "/usr/share/dict/words")
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

def is_given(attr):
    return attr.startswith("first_names") or attr.startswith("first_romanized_names")


def is_surname(attr):
    return attr.startswith("last_names") or attr.startswith("last_romanized_names") or attr.endswith("_last_names")


for loc in LOCALES + WIDER:
    mod = importlib.import_module(f"faker.providers.person.{loc}")
    P = mod.Provider
    for attr in dir(P):
        if not (is_given(attr) or is_surname(attr)):
            continue
        if loc in LOCALES and not (attr.startswith("first_names") or attr.startswith("last_names")):
            continue  # the original lists, exactly as before
        val = getattr(P, attr)
        if not isinstance(val, (dict, list, tuple)):
            continue
        table = given if is_given(attr) else surnames
        items = val.items() if isinstance(val, dict) else ((v, None) for v in val)
        total = sum(w for _, w in items) if isinstance(val, dict) else None
        items = val.items() if isinstance(val, dict) else ((v, None) for v in val)
        for name, w in items:
            # Faker weights are relative; scale to per cent when present.
            weight = (100.0 * w / total) if (w is not None and total) else 0.001
            add(table, name, weight, f"faker-{loc}")

# A name only the wider lists give is dropped when it is a lower-case
# English word.
words = {w for w in DICT.read_text(errors="ignore").split() if w.islower()}
wider = {f"faker-{loc}" for loc in WIDER}
for table in (given, surnames):
    for n in [n for n, (_, src) in table.items() if src <= wider and n in words]:
        del table[n]

OUT.mkdir(parents=True, exist_ok=True)
# Names that are also lower-case English words ("alpha", "manual",
# "savannah"): a capital letter mid-sentence is then no evidence of a person
# (names/mod.rs, the mid-sentence rule).
with open(OUT / "wordlike.tsv", "w") as f:
    f.write("# lexicon names that SCOWL also lists as lower-case English words. Regenerate: patterns/tools/build_names.py\n")
    for n in sorted((set(given) | set(surnames)) & words):
        f.write(f"{n}\n")
for fname, table in [("given.tsv", given), ("surnames.tsv", surnames)]:
    with open(OUT / fname, "w") as f:
        f.write("# name\tweight (per cent, max over sources)\tsources. Regenerate: patterns/tools/build_names.py\n")
        for n in sorted(table):
            w, src = table[n]
            f.write(f"{n}\t{w:.4f}\t{','.join(sorted(src))}\n")
    print(f"{fname}: {len(table)} names")
