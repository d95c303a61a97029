#!/usr/bin/env python3
"""Spoken values of the development set that piiscan misses, by shape.

    cargo build --release && python3 tests/dev_shapes.py [KIND]

The per-class miss report of `tests/dev_set.rs` says which kinds and
layouts lose spoken values; this says *how* they were spoken, without
showing a value: each word of a missed value becomes its class (`N` a
number word, `D` digits, `L` a single letter, `M` a month, `O` an ordinal,
`f` a hesitation, `w` any other word) except the joining words the
normaliser keys on (`at`, `dot`, `colon`, `dash`, `for`, ...), which stay
as they are; repeats collapse (`Nx7`). Beside it, the cue: up to three
words before the value on its line, as classes too except the words in
CUE_WORDS. Rules are then written for a shape, not for a document.
"""
import collections
import json
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DEV = os.path.join(ROOT, "fixtures", "dev")
BIN = os.path.join(ROOT, "target", "release", "piiscan")

NUMBER = set(
    "zero oh nought nil one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "double triple treble".split()
)
MONTHS = set(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
ORDINAL = re.compile(r"^(first|second|third|fifth|eighth|ninth|twelfth|\w+teenth|\w+tieth|\w+th|\d+(st|nd|rd|th))$")
FILLER = set("um uh er erm ah sorry yeah yes so like".split())
JOINERS = set(
    "at dot colon dash hyphen underscore slash plus space for and the of point stop full".split()
)
CUE_WORDS = set(
    "postcode post code mac address number phone mobile card date birth email e mail sort account "
    "imei iccid sim serial long digits is it's its my name spell spelled surname dob born".split()
)


def word_class(w, cue=False):
    lw = w.lower()
    if cue and lw in CUE_WORDS:
        return lw
    if lw in JOINERS and not cue:
        return lw
    if lw.isdigit():
        return "D"
    if len(lw) == 1 and lw.isalpha():
        return "L"
    if lw in NUMBER:
        return "N"
    if lw in MONTHS:
        return "M"
    if ORDINAL.match(lw):
        return "O"
    if lw in FILLER:
        return "f"
    if re.fullmatch(r"[0-9a-f]{2}", lw):
        return "H"
    return "w"


def shape(words, cue=False):
    out = []
    for w in words:
        c = word_class(w, cue)
        if out and out[-1][0] == c:
            out[-1][1] += 1
        else:
            out.append([c, 1])
    return " ".join(c if n == 1 else f"{c}x{n}" for c, n in out)


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else None
    globs = ["!*.py", "!/BRIEF.md", "!/README.md", "!/SOURCES.md", "!gold.jsonl", "!third_party/"]
    args = [BIN, "scan", DEV, "--format", "jsonl", "-q"]
    for g in globs:
        args += ["-g", g]
    env = dict(os.environ, PIISCAN_KEY="dev-shapes")
    out = subprocess.run(args, capture_output=True, env=env).stdout.decode()
    found = collections.defaultdict(list)
    for line in out.splitlines():
        f = json.loads(line)
        rel = os.path.relpath(f["path"], DEV)
        spans = [(f["start"], f["end"])] + [tuple(p) for p in f.get("pieces", [])]
        found[(rel, f["kind"])].extend(spans)
    units = collections.OrderedDict()
    for line in open(os.path.join(DEV, "gold.jsonl")):
        g = json.loads(line)
        if not g.get("spoken") or (only and g["kind"] != only):
            continue
        key = (g["path"], g["kind"], g.get("group") or f'{g["start"]}')
        units.setdefault(key, []).append((g["start"], g["end"]))
    counts = collections.Counter()
    for (path, kind, _), spans in units.items():
        hit = any(fs < ge and gs < fe for gs, ge in spans for fs, fe in found.get((path, kind), []))
        if hit:
            continue
        data = open(os.path.join(DEV, path), "rb").read()
        words, cue = [], []
        for gs, ge in spans:
            words += re.findall(r"[A-Za-z0-9']+", data[gs:ge].decode("utf-8", "replace"))
        gs = spans[0][0]
        line_start = data.rfind(b"\n", 0, gs) + 1
        cue = re.findall(r"[A-Za-z0-9']+", data[line_start:gs].decode("utf-8", "replace"))[-3:]
        # The cue words of the turn before (the question), if any.
        prev_start = data.rfind(b"\n", 0, max(line_start - 1, 0)) + 1
        prev = re.findall(r"[A-Za-z0-9']+", data[prev_start:line_start].decode("utf-8", "replace"))
        asked = " ".join(w.lower() for w in prev if w.lower() in CUE_WORDS) or "-"
        layout = path.split("/")[0]
        counts[(kind, layout, len(spans), shape(words), shape(cue, cue=True), asked)] += 1
    print("| kind | layout | pieces | shape of the value | cue before it | cue words of the line before | missed |")
    print("|---|---|---:|---|---|---|---:|")
    for (kind, layout, pieces, s, c, q), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {kind} | {layout} | {pieces} | {s} | {c} | {q} | {n} |")


if __name__ == "__main__":
    main()
