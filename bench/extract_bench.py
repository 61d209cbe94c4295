"""Listing-page extraction alone: ms of process CPU per page for parse + page object + every teaser, best of N.

    .venv/bin/python bench/extract_bench.py --repeats 7     # 80 mirror pages (8 sections) and the saved listings

A fresh Scrapy response a page and repeat (its `text` and any tree are built lazily, as in a crawl), so the
figure is what the listing callback pays for extraction; dates, URL joins and dedup of links included.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aggregator.config import load_config  # noqa: E402
from aggregator.snapshot import path_for  # noqa: E402
from bench.pages import mirror_pages  # noqa: E402
from crawlers.pages import listing_page, response_from  # noqa: E402

OUT = ROOT / "bench" / "out" / "extract"
NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)


def snapshot_pages() -> list[tuple[str, bytes, object]]:
    """(url, body, source) of every saved listing page a fixture case names."""
    config = load_config(ROOT / "config.yaml")
    out = []
    for case in sorted((ROOT / "tests" / "fixtures" / "sites").glob("*/listing-*.json")):
        url = json.loads(case.read_text(encoding="utf-8"))["url"]
        out.append((url, path_for(url).read_bytes(), config.source(case.parent.name)))
    return out


def best_ms(pages: list, repeats: int) -> tuple[float, int]:
    """Least ms of CPU per page over `repeats` passes, and the teasers one pass finds."""
    times, found = [], 0
    for _ in range(repeats):
        start, found = time.process_time(), 0
        for url, body, source in pages:
            found += len(listing_page(response_from(url, body), source, NOW).teasers())
        times.append(time.process_time() - start)
    return min(times) * 1000 / len(pages), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pages", type=int, default=80, help="mirror pages (8 sections)")
    args = parser.parse_args()
    for name, pages in (("mirror", mirror_pages(OUT, args.pages)[0]), ("snapshot", snapshot_pages())):
        best_ms(pages, 1)  # warm: imports, selector caches, date parser
        ms, found = best_ms(pages, args.repeats)
        print(f"{name}: {len(pages)} pages, {found} teasers, {ms:.3f} ms a page (best of {args.repeats})")


if __name__ == "__main__":
    main()
