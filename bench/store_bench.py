"""Store.upsert of fresh crawl-shaped items (bench/mirror.py texts, 8 sources, 3 a day each) in batches of 200.

Usage: python bench/store_bench.py [--items 8000] [--per-source 200] [--url sqlite:////tmp/store_bench.db]
       [--profile out.prof]
"""
from __future__ import annotations

import argparse
import cProfile
import sys
import time
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.mirror import MirrorSpec, SectionWriter, section_lang, slugify  # noqa: E402
from aggregator.store import Incoming, Store  # noqa: E402
from sqlalchemy import text  # noqa: E402

SOURCES = 8
BATCH = int(__import__("os").environ.get("BENCH_BATCH", 200))


def rows(n: int, per_source: int = BATCH):
    """Incoming items as the crawl stores them: each source's newest first, `per_source` of one source at a time
    (the crawl's StorePipeline batches one spider's items), the sources taking turns."""
    spec = MirrorSpec(pages=n // 20, sections=SOURCES)
    writers = [SectionWriter(spec, s) for s in range(SOURCES)]
    made = [0] * SOURCES
    while sum(made) < n // SOURCES * SOURCES:
        for w in writers:
            for k in range(made[w.section], min(made[w.section] + per_source, n // SOURCES)):
                yield item(w, k)
            made[w.section] = min(made[w.section] + per_source, n // SOURCES)


def item(w: SectionWriter, k: int) -> Incoming:
    """The k-th newest item of a section."""
    day = w.newest - timedelta(days=k // 3)
    themed = w.rng.random() < 0.4
    title, summary = w._texts(themed)
    key = f"127.0.0.1/section{w.section}/news/{day.year}/{day.month:02d}/{slugify(title)}-{k}"
    return Incoming(source_id=f"section{w.section}", url="http://" + key, url_key=key, title=title,
                    summary=f"<p>{summary}</p>", summary_text=summary, image=None, categories=["News"],
                    language=section_lang(w.section), published=datetime.combine(day, dtime(), tzinfo=timezone.utc),
                    themes={"restitution": "keyword"} if themed else {})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8000)
    parser.add_argument("--url", default="sqlite:////tmp/store_bench.db")
    parser.add_argument("--profile")
    parser.add_argument("--per-source", type=int, default=BATCH,
                        help="items of one source in a row (default 200, as a crawl; 1: sources interleaved)")
    args = parser.parse_args()
    if args.url.startswith("sqlite:///"):
        Path(args.url[len("sqlite:///"):]).unlink(missing_ok=True)
    store = Store(args.url)
    items = list(rows(args.items, args.per_source))
    now = datetime(2025, 7, 1, tzinfo=timezone.utc)
    prof = cProfile.Profile() if args.profile else None
    new = 0
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    for i in range(0, len(items), BATCH):
        new += store.upsert(items[i:i + BATCH], now=now)[0]
    if prof:
        prof.disable()
        prof.dump_stats(args.profile)
    spent, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{len(items)} items, {new} new: {1000 * spent / len(items):.3f} ms/item, "
          f"CPU {1000 * cpu / len(items):.3f} ms/item")
    with store.engine.connect() as conn:  # sanity: one lead per story
        bad = conn.execute(text("SELECT count(*) FROM (SELECT cluster_id FROM items GROUP BY cluster_id "
                                "HAVING sum(CASE WHEN lead THEN 1 ELSE 0 END) != 1) AS wrong")).scalar()
    if bad:
        print(f"error: {bad} stories without exactly one lead")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
