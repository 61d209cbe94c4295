"""Crawl the snapshot web twice with nothing changed: the second crawl's requests and bytes against the first.

Usage: python bench/incremental_bench.py [--out bench/out/incremental]
Requests and bytes are what crossed the network (below the HTTP cache), as `museumfeeds status` reports them.
The issue's goal: the second crawl makes at most 10% of the first crawl's requests and 5% of its bytes.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from aggregator.models import CrawlRun  # noqa: E402
from aggregator.store import Store  # noqa: E402


def run(db: str, out: Path) -> float:
    """One `museumfeeds demo --no-serve` in its own process; returns its wall time."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aggregator.cli", "--db", db, "demo", "--no-serve", "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/out/incremental")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    db = f"sqlite:///{out}/store.db"
    walls = [run(db, out / "feeds"), run(db, out / "feeds")]
    with Store(db).session() as s:
        runs = list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    half = len(runs) // 2
    totals = [(sum(r.requests for r in part), sum(r.bytes for r in part), sum(r.items_new for r in part))
              for part in (runs[:half], runs[half:])]
    for name, (requests, size, new), wall in zip(("first", "second"), totals, walls):
        print(f"{name:>6} crawl: {requests:5d} requests, {size:10,d} bytes, {new:4d} new items, {wall:5.1f} s")
    (r1, b1, _), (r2, b2, _) = totals
    print(f"second/first: requests {r2 / r1:.1%} (goal <= 10%), bytes {b2 / b1:.2%} (goal <= 5%)")
    print("per source, second crawl: " + ", ".join(f"{r.source_id} {r.requests}" for r in runs[half:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
