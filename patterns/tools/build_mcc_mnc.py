#!/usr/bin/env python3
"""Build patterns/mcc_mnc.txt: the mobile network codes (MCC + MNC, E.212)
that an IMSI starts with, one per line, sorted.

Source: the npm package `mcc-mnc-list` 1.1.11 (MIT; its data is compiled from
Wikipedia's "Mobile Network Codes" lists, which cite ITU-T E.212 and national
regulators). Test networks (MCC 001, 999) are left out.

    npm pack mcc-mnc-list@1.1.11 && tar xzf mcc-mnc-list-1.1.11.tgz
    python3 patterns/tools/build_mcc_mnc.py package/mcc-mnc-list.json > patterns/mcc_mnc.txt
"""
import json
import sys

codes = set()
for e in json.load(open(sys.argv[1])):
    mcc, mnc = (e.get("mcc") or "").strip(), (e.get("mnc") or "").strip()
    if len(mcc) == 3 and mcc.isdigit() and 2 <= len(mnc) <= 3 and mnc.isdigit() and mcc not in ("001", "999"):
        codes.add(mcc + mnc)
print("# MCC+MNC of mobile networks (E.212), built by tools/build_mcc_mnc.py; see SOURCES.md")
for c in sorted(codes):
    print(c)
