"""Publish every feed from stores of 10k and 1M synthetic items; the time at 1M should stay near that at 10k.

Usage: python bench/publish_bench.py [--sizes 10000 1000000] [--out bench/out/publish]
Each feed holds the newest N items, read through an index (items by date, by source and date, themes by
theme and date), so publishing should not grow with the store. Stores are built once and reused.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from aggregator.config import load_config  # noqa: E402
from aggregator.models import Item, ItemTheme  # noqa: E402
from aggregator.publish import publish  # noqa: E402
from aggregator.store import Store  # noqa: E402

START = datetime(2020, 1, 1, tzinfo=timezone.utc)
CHUNK = 20_000


def build(path: Path, n: int, sources: list[str], themes: list[str]) -> Store:
    """A store of n synthetic items (about 40% with a theme), built once."""
    url = f"sqlite:///{path}"
    if path.exists():
        return Store(url)
    store = Store(url)
    rng = random.Random(n)
    with store.engine.begin() as conn:
        for lo in range(0, n, CHUNK):
            items, tags = [], []
            for i in range(lo, min(n, lo + CHUNK)):
                when = START + timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 6))
                items.append({"id": i + 1, "feed_id": f"urn:uuid:bench-{i}", "url_key": f"ex.org/n/{i}",
                              "url": f"https://ex.org/n/{i}", "source_id": rng.choice(sources), "source_priority": 50,
                              "title": f"Announcement {i}: museums and heritage", "categories": [],
                              "summary": f"<p>Summary of announcement {i} with some words about museums.</p>",
                              "image": None, "language": "en", "published": when, "first_seen": when,
                              "last_seen": when, "updated": when, "sort_date": when, "content_hash": str(i)})
                if rng.random() < 0.4:
                    tags.append({"item_id": i + 1, "theme": rng.choice(themes), "reason": "bench", "sort_date": when})
            conn.execute(insert(Item), items)
            if tags:
                conn.execute(insert(ItemTheme), tags)
    return store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="bench/out/publish")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = load_config(Path(__file__).resolve().parents[1] / "config.yaml")
    sources, themes = [s.id for s in config.sources], [t.id for t in config.themes]
    results = {}
    for n in args.sizes:
        t0 = time.perf_counter()
        store = build(out / f"store-{n}.db", n, sources, themes)
        built = time.perf_counter() - t0
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            files = publish(store, config, out / f"feeds-{n}")
            times.append(time.perf_counter() - t0)
        results[n] = statistics.median(times)
        print(f"{n:>9} items: store ready in {built:6.1f} s; publish {len(files)} files: "
              f"median {results[n]:.3f} s of {args.repeat} ({', '.join(f'{t:.3f}' for t in times)})")
    if len(results) > 1:
        small, large = min(results), max(results)
        print(f"ratio {large} / {small} items: {results[large] / results[small]:.2f} (goal: at most 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
