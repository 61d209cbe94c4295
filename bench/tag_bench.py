"""Tagging throughput on one core: items per second at 10k and 1M items (realistic teasers, seven languages).

Usage: python bench/tag_bench.py [--sizes 10000 1000000]
Items are the labelled teasers of tests/data/themes.jsonl, each copy varied by a number so that no cache helps.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregator.config import load_config  # noqa: E402
from aggregator.tagging import compile_themes, tag  # noqa: E402


def items(n: int) -> list[tuple[str, str, str]]:
    """n (title, summary, language) triples."""
    base = [json.loads(line) for line in (ROOT / "tests/data/themes.jsonl").read_text().splitlines() if line]
    return [(f"{r['title']} ({i})", r["summary"], r["lang"]) for i, r in
            ((i, base[i % len(base)]) for i in range(n))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    args = parser.parse_args()
    compiled = compile_themes(load_config(ROOT / "config.yaml").themes)
    for n in args.sizes:
        batch = items(n)
        t0 = time.perf_counter()
        tagged = sum(1 for title, summary, lang in batch if tag(compiled, title, summary, (), lang))
        elapsed = time.perf_counter() - t0
        print(f"{n:>9} items: {elapsed:7.2f} s, {n / elapsed:9,.0f} items/s on one core ({tagged / n:.0%} tagged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
