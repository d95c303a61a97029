#!/usr/bin/env python3
"""Generate a mixed benchmark tree (default ~1 GiB) shaped like a file share.

    python3 benches/gen_tree.py [DIR] [SIZE_MB]     # default bench-data/tree 1024
    PEOPLE=fresh python3 benches/gen_tree.py bench-data/tree-people

By default the personal data is the committed fixtures' (about 150 people,
repeated): quick, no third-party packages, and the tree the README's numbers
were measured on. PEOPLE=fresh builds the PII-bearing pieces (letters, mail,
exports, CRM JSON, chats, CVs, transcripts, PII log lines) with the fixture
generator's own functions (fixtures/generate.py, Faker), reseeded: pools of
new pieces holding about 60,000 distinct synthetic people (64,071 distinct
emails in the 1 GiB tree, against ~150 by default), so that nothing
that remembers values (fingerprint sets, caches) looks better than it would
on real data. Needs `pip install faker==33.1.0 phonenumbers==8.13.52`.

Deterministic (seeded). Content is built from the committed fixtures (PII-dense
exports, letters, chats, transcripts) and PII-free material: prose paragraphs,
server logs full of timestamps, ids and versions, CSV of product data. Mix by
bytes: ~35% documents (prose with sparse PII), ~25% exports (dense PII), ~30%
logs (digit-dense, sparse PII), ~10% chats/transcripts. Stores: hr, billing,
crm, it-logs, customer-service, marketing. No third-party packages needed
by default.
"""
import os
import pathlib
import random
import sys

R = random.Random(7)
ROOT = pathlib.Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures"
OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench-data" / "tree"
TOTAL = (int(sys.argv[2]) if len(sys.argv) > 2 else 1024) << 20

WORDS = ("the of and to in is for that on with as by this be are from at or an it was which will have been not "
         "customer network service billing account upgrade contract broadband mobile coverage review quarterly "
         "report region team platform migration outage support engineer policy update meeting agenda minutes "
         "budget forecast roadmap tariff handset signal roaming data plan retention churn complaint resolution").split()


def sentence():
    n = R.randint(8, 24)
    return " ".join(R.choice(WORDS) for _ in range(n)).capitalize() + "."


def paragraph():
    return " ".join(sentence() for _ in range(R.randint(3, 8)))


def fixture_texts(sub):
    out = []
    for p in sorted((FIX / sub).iterdir()):
        b = p.read_bytes()
        if not b.startswith(b"\xff\xfe"):
            out.append(b.decode("utf-8"))
    return out


def fresh_pools(scale):
    """Pools of PII-bearing pieces with new people, made by the fixture
    generator's functions (its Doc.write captured instead of written)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("fixture_generator", FIX / "generate.py")
    g = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(g)
    made = []
    g.Doc.write = lambda self, encoding="utf-8": made.append(self.text())
    seeds = iter(range(1_000_000, 2_000_000))  # one per piece, none reused

    def pool(n, make):
        out = []
        for k in range(n):
            g.reseed(next(seeds))
            made.clear()
            make(k)
            out.extend(made)
        return out

    styles = ["obvious", "obscure", "none"]
    letters = pool(30 * scale, g.letter) + pool(30 * scale, g.email_msg) + pool(10 * scale, g.cv)
    exports = pool(60 * scale, lambda k: g.csv_export("x.csv", styles[k % 3])) + \
        pool(30 * scale, lambda k: g.json_crm(k % 90, lines=k % 2 == 1))
    chats = pool(40 * scale, g.chat_log) + pool(10 * scale, lambda k: (g.vtt_transcript if k % 2 else g.srt_transcript)(k % 90))
    logs = pool(10 * scale, lambda k: g.server_log(k % 28))
    return letters, exports, chats, logs


PROSE = [paragraph() for _ in range(3000)]
if os.environ.get("PEOPLE") == "fresh":
    LETTERS, EXPORTS, CHATS, PII_LOGS = fresh_pools(20)
else:
    LETTERS = fixture_texts("letters") + fixture_texts("hr") + fixture_texts("mail")
    EXPORTS = fixture_texts("exports") + fixture_texts("crm")
    CHATS = fixture_texts("chats") + fixture_texts("transcripts")
    PII_LOGS = fixture_texts("logs")


def log_lines(n, t0):
    lines = []
    for k in range(n):
        t = t0 + k
        ts = f"2024-{1 + t % 12:02d}-{1 + t % 28:02d}T{t % 24:02d}:{t % 60:02d}:{(t * 7) % 60:02d}.{t % 1000:03d}Z"
        r = R.random()
        if r < 0.4:
            lines.append(f"{ts} INFO job={t % 9999} processed {t % 5000} records in {t % 60}s pid={t % 99999}")
        elif r < 0.6:
            lines.append(f"{ts} DEBUG upstream 10.{t % 256}.{(t * 3) % 256}.{1 + t % 254}:8080 ua=\"Mozilla/5.0 Chrome/124.0.0.0\" build=v5.{t % 20}.3.{t % 99}")
        elif r < 0.8:
            lines.append(f"{ts} INFO http GET /api/v2/items/{t % 1000000} 200 {t % 900}ms req={t * 7919 % 10 ** 8}")
        else:
            lines.append(f"{ts} WARN cache miss key=prod:{t % 77777}:{t % 13} ttl=300 shard={t % 16}")
    return "\n".join(lines) + "\n"


def fill(size, piece):
    """Concatenate pieces from `piece()` until `size` characters."""
    parts, n = [], 0
    while n < size:
        s = piece()
        parts.append(s)
        n += len(s)
    return "".join(parts)


def document(size):
    return fill(size, lambda: R.choice(LETTERS) if R.random() < 0.08 else R.choice(PROSE) + "\n\n")


def sku_rows():
    return "sku,description,price,stock\n" + "".join(
        f"SKU{R.randint(10000, 99999)},{R.choice(WORDS)} {R.choice(WORDS)},{R.randint(1, 999)}.{R.randint(0, 99):02d},{R.randint(0, 5000)}\n"
        for _ in range(200))


def export(size):
    return fill(size, lambda: R.choice(EXPORTS) if R.random() < 0.5 else sku_rows())


def logs(size):
    parts, n, t0 = [], 0, R.randint(0, 10 ** 6)
    while n < size:
        s = R.choice(PII_LOGS) if R.random() < 0.05 else log_lines(500, t0)
        t0 += 500
        parts.append(s)
        n += len(s)
    return "".join(parts)


def chats(size):
    return fill(size, lambda: R.choice(CHATS) if R.random() < 0.5 else R.choice(PROSE) + "\n")


KINDS = [  # (share of bytes, store, extension, maker, size range)
    (0.35, ["hr", "customer-service", "marketing"], ".txt", document, (4 << 10, 2 << 20)),
    (0.25, ["billing", "crm"], ".csv", export, (64 << 10, 16 << 20)),
    (0.30, ["it-logs"], ".log", logs, (256 << 10, 32 << 20)),
    (0.10, ["customer-service"], ".log", chats, (8 << 10, 1 << 20)),
]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    written = 0
    for share, stores, ext, make, (lo, hi) in KINDS:
        budget = int(TOTAL * share)
        i = 0
        while budget > 0:
            size = min(budget, int(R.uniform(lo, hi)))
            store = R.choice(stores)
            d = OUT / store / f"{2015 + i % 10}"
            d.mkdir(parents=True, exist_ok=True)
            data = make(size)[:size].encode("utf-8", "ignore")
            (d / f"{make.__name__}_{i:05d}{ext}").write_bytes(data)
            budget -= len(data)
            written += len(data)
            i += 1
    print(f"wrote {written / 2 ** 20:.0f} MiB under {OUT}")


if __name__ == "__main__":
    main()
