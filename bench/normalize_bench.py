"""Store-worker cost per item without the store: normalise, tag and Chain.run's per-teaser wrapper (µs/item).

Usage: python bench/normalize_bench.py [--pages 80] [--repeats 5] [--profile]
Teasers come from the crawl benchmark's mirror (bench/mirror.py, 8 sections), parsed once by the project's
listing page objects outside the timing; each stage is timed with time.process_time, best of --repeats, with
the URL-identity and language caches cleared before each repeat (the worker's process never saw the crawl's URLs). The
digest covers every field of the resulting Incoming objects (themes included): equal digests, equal output.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregator import language  # noqa: E402
from aggregator.config import load_config  # noqa: E402
from aggregator.tagging import tag  # noqa: E402
from aggregator.worker import Chain  # noqa: E402
from bench.crawl_bench import write_config  # noqa: E402
from bench.mirror import HOST, MirrorSpec, generate, section_path  # noqa: E402
from crawlers import resources  # noqa: E402
from crawlers.pages import listing_page, response_from  # noqa: E402

OUT = ROOT / "bench" / "out" / "normalize"
NOW = datetime(2025, 7, 1, tzinfo=timezone.utc)
HANDOFF = 200  # teasers per batch handed to the worker (STORE_BATCH_SIZE)


class NoStore:
    """Store.upsert's stand-in: every item new, nothing written, the items kept for the digest."""

    def __init__(self):
        self.stored: list = []

    def upsert(self, batch: list) -> tuple[int, int]:
        self.stored += batch
        return len(batch), 0


def mirror_teasers(pages: int) -> tuple[list, Path]:
    """Teasers of a `pages`-page mirror of 8 sections as the listing page objects make them; the config path."""
    spec = MirrorSpec(pages=pages, sections=8)
    root = OUT / f"mirror-{pages}"
    generate(root, spec)
    config_path = OUT / f"config-{pages}.yaml"
    write_config(config_path, 8000, spec, ROOT / "config.yaml")
    sources = {s.id: s for s in load_config(config_path).sources}
    teasers = []
    for section in range(spec.sections):
        for page in range(1, spec.pages_in(section) + 1):
            path = section_path(section, page)
            body = (root / HOST / path.lstrip("/") / "index.html").read_bytes()
            response = response_from(f"http://127.0.0.1:8000{path}", body)
            teasers += listing_page(response, sources[f"bench-{section}"], NOW).teasers()
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
        h.update(json.dumps(asdict(item), default=str, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def make_chain(config_path: Path, db_dir: str) -> Chain:
    return Chain({"MUSEUMFEEDS_CONFIG": str(config_path), "MUSEUMFEEDS_DB": f"sqlite:///{db_dir}/store.db"})


def run_chain(chain: Chain, teasers: list) -> list:
    """Chain.run over handed-over batches; the Incoming objects it passed to the store."""
    chain.store.store = NoStore()
    for n in range(0, len(teasers), HANDOFF):
        chain.run(teasers[n:n + HANDOFF])
    return chain.store.store.stored


def measure(teasers: list, chain: Chain, repeats: int) -> dict:
    """µs per item of each stage and the digests of normalise + tag and of the chain's output."""
    norm, compiled = chain.normalize, chain.tagger.compiled
    items: list = []

    def normalise():
        items[:] = [norm.normalise(t) for t in teasers]

    def tagging():
        for i in items:
            i.themes = tag(compiled, i.title, i.summary_text, i.categories, i.language)

    t_norm = best_of(repeats, normalise)
    t_tag = best_of(repeats, tagging)
    t_chain = best_of(repeats, lambda: run_chain(chain, teasers))
    n = len(teasers) / 1e6
    return {"items": len(teasers), "normalise": t_norm / n, "tag": t_tag / n,
            "wrapper": (t_chain - t_norm - t_tag) / n, "chain": t_chain / n,
            "digest": digest(items), "chain_digest": digest(run_chain(chain, teasers))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=80)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="then a cProfile of one Chain pass")
    parser.add_argument("--warm-words", action="store_true", help="keep the language word cache between repeats")
    args = parser.parse_args()
    global WARM_WORDS
    WARM_WORDS = args.warm_words
    teasers, config_path = mirror_teasers(args.pages)
    with tempfile.TemporaryDirectory() as db_dir:
        chain = make_chain(config_path, db_dir)
        result = measure(teasers, chain, args.repeats)
        print(f"{result['items']} teasers, best of {args.repeats}, µs/item: normalise {result['normalise']:.1f}, "
              f"tag {result['tag']:.1f}, Chain.run wrapper {result['wrapper']:.1f}, "
              f"Chain.run without the store {result['chain']:.1f}")
        print(f"digest {result['digest']}\nchain digest {result['chain_digest']}")
        if args.profile:
            resources.identity.cache_clear()
            profile = cProfile.Profile()
            profile.runcall(run_chain, chain, teasers)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
