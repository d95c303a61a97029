#!/usr/bin/env python3
"""Regenerate patterns/tlds.txt: every top-level domain in the Public Suffix
List, ASCII (IDN TLDs as punycode xn--...), lower case, sorted.

Source: the copy of the PSL shipped in the PyPI package `publicsuffixlist`
(pinned below). PSL data: Mozilla Public License 2.0.

    pip install publicsuffixlist==1.1.2.20261023 && python3 patterns/tools/build_tlds.py
"""
import importlib.resources
import pathlib

import publicsuffixlist

data = importlib.resources.files(publicsuffixlist).joinpath("public_suffix_list.dat").read_text("utf-8")
tlds = set()
for line in data.splitlines():
    line = line.strip()
    if not line or line.startswith("//"):
        continue
    tld = line.lstrip("!*.").split(".")[-1]
    tlds.add(tld.encode("idna").decode("ascii").lower())
out = pathlib.Path(__file__).resolve().parents[1] / "tlds.txt"
out.write_text(
    "# Top-level domains from the Public Suffix List (MPL-2.0), via PyPI publicsuffixlist.\n"
    "# Regenerate with patterns/tools/build_tlds.py. See SOURCES.md.\n"
    + "\n".join(sorted(tlds)) + "\n"
)
print(f"{len(tlds)} TLDs -> {out}")
