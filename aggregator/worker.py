"""The store worker: stores the crawl's items (normalising and tagging those sent raw) in a child process."""
from __future__ import annotations

import contextlib
import logging
import signal
import time
import traceback

from scrapy.settings import Settings

log = logging.getLogger(__name__)


class Stats:
    """The slice of Scrapy's stats collector StorePipeline uses, collecting one batch's changes."""

    def __init__(self):
        self.incs: dict[str, int] = {}
        self.sets: dict[str, object] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.incs[key] = self.incs.get(key, 0) + count

    def set_value(self, key: str, value) -> None:
        self.sets[key] = value


class Crawler:
    """What the pipelines' constructors read from a crawler: its settings and stats."""

    def __init__(self, settings: dict):
        self.settings = Settings(settings)
        self.stats = Stats()


class Chain:
    """One spider's pipelines in the worker (the in-process ones, reused): store, and for a batch handed over as
    teasers, normalise and tag first."""

    def __init__(self, settings: dict):
        from crawlers.pipelines import NormalizePipeline, StorePipeline, TagPipeline

        self.crawler = Crawler({**settings, "STORE_WORKER": False})
        self.normalize = NormalizePipeline.for_settings(self.crawler.settings, log_drops=False)
        self.tagger = TagPipeline.for_settings(self.crawler.settings)
        self.store = StorePipeline.from_crawler(self.crawler)
        self.store.batch_size = 1 << 30  # one upsert per handed-over batch, at its end

    def run(self, items: list) -> dict:
        """Store one batch of teasers (normalised and tagged first) or of aggregator.store.Incoming; returns the
        stats changes, the drop reasons, the store error if any and the CPU seconds each part took."""
        from crawlers.items import Teaser, TeaserBatch

        self.crawler.stats = self.normalize.stats = stats = Stats()
        started = time.process_time()
        cpu = {}
        if items and isinstance(items[0], Teaser):
            batch = self.tagger.process_item(self.normalize.process_item(TeaserBatch(items[0].source, list(items))))
            cpu["prepare"] = time.process_time() - started
        else:
            batch = TeaserBatch(items[0].source_id if items else "", [], incoming=list(items))
        if batch.incoming:
            self.store.process_item(batch)
        self.store.flush()
        cpu["store"] = time.process_time() - started - cpu.get("prepare", 0.0)
        return {"incs": stats.incs, "sets": stats.sets, "drops": batch.dropped, "cpu": cpu}


def main(inbox, outbox) -> None:
    """Serve batches `(batch_id, spider_key, settings, items, last)` until the input ends (EOF), answering
    `(batch_id, result)` (batch_id None: warm up, no answer); SIGINT and SIGTERM are ignored: the parent decides
    when the crawl ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s [store worker] %(levelname)s: %(message)s")
    import crawlers.pipelines  # noqa: F401 - imported before the first batch arrives
    from aggregator import gcpolicy

    chains: dict[str, Chain] = {}
    while True:
        try:
            batch_id, key, settings, items, last = inbox.recv()
        except (EOFError, OSError):
            return
        if batch_id is None:  # warm-up: imports, language model, themes, store before the first batch
            with contextlib.suppress(Exception):  # a real batch reports what fails
                Chain(settings)
            gcpolicy.settle(gcpolicy.WORKER)
            continue
        try:
            if settings.get("BENCH_WORKER_ACK_ONLY"):  # bench/crawl_bench.py `extract`: the Scrapy side alone
                result = {"incs": {"museumfeeds/items_acked": len(items)}, "sets": {}, "drops": [],
                          "cpu": {"store": 0.0}}  # no backlog: every batch goes raw, the crawl process only extracts
            else:
                chain = chains.get(key) or chains.setdefault(key, Chain(settings))
                gcpolicy.settle(gcpolicy.WORKER)  # once: here when the worker started without a warm-up
                result = chain.run(items)
        except Exception:  # noqa: BLE001 - reported to the parent, which fails the run
            cause = traceback.format_exc().strip().splitlines()[-1]
            result = {"incs": {"museumfeeds/items_unstored": len(items)}, "drops": [],
                      "sets": {"museumfeeds/store_error": f"store worker: {cause}: {len(items)} items not stored"}}
        if last:
            chains.pop(key, None)
        try:
            outbox.send((batch_id, result))
        except (BrokenPipeError, OSError):
            return
