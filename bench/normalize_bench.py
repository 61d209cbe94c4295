"""Cost per item of normalise and tag (run in the crawl process), alone and as the pipelines over page batches.

Usage: python bench/normalize_bench.py [--pages 80] [--repeats 5] [--profile]
Teasers come from the crawl benchmark's mirror (bench/mirror.py, 8 sections), parsed once by the project's
listing page objects outside the timing; each stage is timed with time.process_time, best of --repeats, with
the URL-identity and language caches cleared before each repeat (a crawl process starts without them). The
digest covers every field of the resulting Incoming objects (themes included): equal digests, equal output.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregator import language  # noqa: E402
from aggregator.tagging import tag  # noqa: E402
from bench.pages import mirror_pages  # noqa: E402
from crawlers import resources  # noqa: E402
from crawlers.items import TeaserBatch  # noqa: E402
from crawlers.pages import listing_page, response_from  # noqa: E402
from crawlers.pipelines import NormalizePipeline, TagPipeline  # noqa: E402

OUT = ROOT / "bench" / "out" / "normalize"
NOW = datetime(2025, 7, 1, tzinfo=timezone.utc)
PAGE = 20  # teasers per TeaserBatch (one listing page)


def mirror_teasers(pages: int) -> tuple[list, Path]:
    """Teasers of a `pages`-page mirror of 8 sections as the listing page objects make them; the config path."""
    found, config_path = mirror_pages(OUT, pages)
    teasers = []
    for url, body, source in found:
        teasers += listing_page(response_from(url, body), source, NOW).teasers()
    return teasers, config_path


WARM_WORDS = False  # --warm-words: keep the language word cache between repeats (a long crawl's steady state)


def best_of(repeats: int, work) -> float:
    """Least process CPU seconds of `repeats` runs of work() (identity and word-walk caches cleared before each)."""
    times = []
    for _ in range(repeats):
        resources.identity.cache_clear()
        if not WARM_WORDS:
            getattr(language, "WALKS", {}).clear()
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def digest(items: list) -> str:
    """sha256 over every field of every Incoming, in order."""
    h = hashlib.sha256()
    for item in items:
        h.update(json.dumps(asdict(item), default=plain, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def plain(value) -> object:
    """A value JSON cannot write, in a form that does not depend on the run: sets sorted (the fingerprint's
    features; a set's order follows the string hash seed), anything else as its str."""
    return sorted(value) if isinstance(value, (set, frozenset)) else str(value)


def make_pipelines(config_path: Path):
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(settings_dict={"MUSEUMFEEDS_CONFIG": str(config_path)})
    return NormalizePipeline.for_settings(crawler.settings, crawler.stats), TagPipeline.for_settings(crawler.settings)


def run_pipelines(norm, tagger, teasers: list) -> list:
    """NormalizePipeline then TagPipeline over one TeaserBatch a page, as the crawl runs them; their items."""
    out: list = []
    for n in range(0, len(teasers), PAGE):
        batch = TeaserBatch(teasers[n].source, teasers[n:n + PAGE])
        out += tagger.process_item(norm.process_item(batch)).incoming
    return out


def measure(teasers: list, norm, tagger, repeats: int) -> dict:
    """µs per item of each stage, of the two pipelines, and the digests of both outputs."""
    items: list = []

    def normalise():
        items[:] = [norm.normalise(t) for t in teasers]

    def tagging():
        for i in items:
            i.themes = tag(tagger.compiled, i.title, i.summary_text, i.categories, i.language)

    t_norm = best_of(repeats, normalise)
    t_tag = best_of(repeats, tagging)
    t_pipes = best_of(repeats, lambda: run_pipelines(norm, tagger, teasers))
    n = len(teasers) / 1e6
    return {"items": len(teasers), "normalise": t_norm / n, "tag": t_tag / n, "pipelines": t_pipes / n,
            "digest": digest(items), "pipelines_digest": digest(run_pipelines(norm, tagger, teasers))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=80)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="then a cProfile of one pass of the pipelines")
    parser.add_argument("--warm-words", action="store_true", help="keep the language word cache between repeats")
    args = parser.parse_args()
    global WARM_WORDS
    WARM_WORDS = args.warm_words
    teasers, config_path = mirror_teasers(args.pages)
    norm, tagger = make_pipelines(config_path)
    result = measure(teasers, norm, tagger, args.repeats)
    print(f"{result['items']} teasers, best of {args.repeats}, µs/item: normalise {result['normalise']:.1f}, "
          f"tag {result['tag']:.1f}, both pipelines over page batches {result['pipelines']:.1f}")
    print(f"digest {result['digest']}\npipelines digest {result['pipelines_digest']}")
    if args.profile:
        resources.identity.cache_clear()
        profile = cProfile.Profile()
        profile.runcall(run_pipelines, norm, tagger, teasers)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
