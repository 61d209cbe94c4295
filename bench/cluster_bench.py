"""Story clustering at 10k, 100k and 1M synthetic items: time per stored item and peak memory at each size.

Usage: python bench/cluster_bench.py [--sizes 10000 100000 1000000] [--timed 5000] [--budget 3600]
       [--out bench/out/cluster]
For each size N, in a fresh process: a SQLite store gets N - timed items of history written in bulk (their
fingerprints, language keys and stories as the store would have them), then the last `timed` items go through
the real path, Store.upsert in batches of 200 (as StorePipeline sends them), which reads the items of their
window from the store and joins or starts stories. Items arrive at a constant rate (60 a day, 20% of the
stories copied by one or two other sources within ten days, with words changed), so the history spans N / 60
days. Reported: time per
upserted item and the process's peak RSS. The window is read through an index, so neither should grow with N.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402

from aggregator import dedup  # noqa: E402
from aggregator.models import Item, ItemKey  # noqa: E402
from aggregator.store import Incoming, Store  # noqa: E402

START = datetime(1990, 1, 1, tzinfo=timezone.utc)
PER_DAY = 60
SOURCES = [f"source-{i}" for i in range(30)]
SYLLABLES = "ka lo mi ne ru sa ti vo be da fe gu hi jo ku la me ni po qu re si tu va we xi yo ze".split()
CHUNK = 5000
BATCH = 200


class Synth:
    """Deterministic synthetic announcements: a Zipf-like vocabulary, stories copied with edits."""

    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.words = ["".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 4))) for _ in range(20000)]
        self.weights = [1 / (r + 1000) for r in range(len(self.words))]

    def items(self, n: int):
        """(index, source, title, summary, published, story index) in publication order."""
        pending, i, story = [], 0, 0
        while i < n:
            when = START + timedelta(days=i / PER_DAY)
            pending.sort()
            if pending and pending[0][0] <= when:
                _, src, title, summary, sid = pending.pop(0)
            else:
                src, title, summary, sid = self.story(story)
                story += 1
                for _ in range(self.rng.choice((0,) * 8 + (1, 2))):
                    pending.append((when + timedelta(days=self.rng.uniform(0, 10)), self.rng.choice(SOURCES),
                                    *self.copy(title, summary), sid))
            yield i, src, title, summary, when, sid
            i += 1

    def story(self, sid: int) -> tuple[str, str, str, int]:
        words = self.rng.choices(self.words, self.weights, k=40)
        number = f" {self.rng.randint(2, 999)} " if self.rng.random() < 0.5 else " "
        return self.rng.choice(SOURCES), " ".join(words[:9]), " ".join(words[9:25]) + number + " ".join(words[25:]), sid

    def copy(self, title: str, summary: str) -> tuple[str, str]:
        def edit(text: str) -> str:
            return " ".join(self.rng.choice(self.words) if self.rng.random() < 0.2 else w for w in text.split())
        return edit(title), edit(summary)


def history(store: Store, rows) -> None:
    """Bulk-write items as the store would hold them: fingerprint, language keys, story id."""
    founders: dict[int, int] = {}
    items, keys = [], []
    for i, src, title, summary, when, sid in rows:
        fp = dedup.fingerprint(title, summary)
        key = f"{src}.example.org/news/{i}"
        founders.setdefault(sid, i + 1)
        items.append({"id": i + 1, "feed_id": f"urn:uuid:bench-{i}", "url_key": key, "url": "https://" + key,
                      "source_id": src, "source_priority": 50, "title": title, "summary": summary, "image": None,
                      "categories": [], "language": "en", "published": when, "first_seen": when, "last_seen": when,
                      "updated": when, "sort_date": when, "content_hash": str(i), "cluster_id": founders[sid],
                      "lead": founders[sid] == i + 1, "cluster_reason": "", "fingerprint": fp.dump(),
                      "alternates": [], "title_key": dedup.title_key(title)})
        for k in dedup.language_keys(key, []):
            keys.append({"key": k, "item_id": i + 1})
        if len(items) >= CHUNK:
            flush(store, items, keys)
            items, keys = [], []
            for old in [s for s in founders if s < sid - 5000]:  # copies come within days: keep memory flat
                del founders[old]
    flush(store, items, keys)


def flush(store: Store, items: list, keys: list) -> None:
    if items:
        with store.engine.begin() as conn:
            conn.execute(insert(Item), items)
            conn.execute(insert(ItemKey), keys)


def incoming(row) -> Incoming:
    i, src, title, summary, when, _ = row
    key = f"{src}.example.org/news/{i}"
    return Incoming(source_id=src, url="https://" + key, url_key=key, title=title, summary=summary,
                    summary_text=summary, image=None, categories=[], language="en", published=when, themes={})


def one(n: int, timed: int, out: Path) -> dict:
    """Build and time one size; returns the figures."""
    path = out / f"store-{n}.db"
    path.unlink(missing_ok=True)
    store = Store(f"sqlite:///{path}")
    rows = Synth().items(n)
    t0 = time.perf_counter()
    history(store, (next(rows) for _ in range(n - timed)))
    built = time.perf_counter() - t0
    joined = new = 0
    t0, c0 = time.perf_counter(), time.process_time()
    batch = []
    for row in rows:
        batch.append(incoming(row))
        if len(batch) == BATCH:
            new += store.upsert(batch, now=batch[-1].published)[0]
            batch = []
    if batch:
        new += store.upsert(batch, now=batch[-1].published)[0]
    spent, cpu = time.perf_counter() - t0, time.process_time() - c0
    with store.session() as s:
        joined = len(s.scalars(select(Item.id).where(Item.id > n - timed, Item.cluster_reason != "")).all())
    return {"size": n, "history_s": round(built, 1), "timed_items": timed, "timed_s": round(spent, 2),
            "ms_per_item": round(1000 * spent / timed, 3), "cpu_ms_per_item": round(1000 * cpu / timed, 3), "joined": joined, "new": new,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "db_mb": round(path.stat().st_size / 2**20, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--timed", type=int, default=5000, help="items upserted through the store and timed")
    parser.add_argument("--budget", type=int, default=3600, help="seconds allowed per size")
    parser.add_argument("--out", default="bench/out/cluster")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.one:
        print(json.dumps(one(args.one, args.timed, out)))
        return 0
    results = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--timed", str(args.timed), "--out", str(out)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.budget)
        except subprocess.TimeoutExpired:
            print(f"{n:>9} items: did not finish within {args.budget} s")
            continue
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"{n:>9} items: history {r['history_s']} s; {r['timed_items']} upserts {r['ms_per_item']} ms/item "
              f"(CPU {r['cpu_ms_per_item']}) "
              f"({r['joined']} joined a story); peak RSS {r['peak_rss_mb']} MB; store {r['db_mb']} MB", flush=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"time per item at {large['size']} / at {small['size']}: "
              f"{large['ms_per_item'] / small['ms_per_item']:.2f} (bar: 1.5); peak RSS at {large['size']}: "
              f"{large['peak_rss_mb']} MB (bar: 500)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
