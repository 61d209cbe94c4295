"""The store worker: normalise, tag and store teaser batches in a child process; one per crawl process."""
from __future__ import annotations

import contextlib
import logging
import signal
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
    """One spider's pipelines (the in-process ones, reused): normalise -> tag -> store."""

    def __init__(self, settings: dict):
        from crawlers.pipelines import NormalizePipeline, StorePipeline, TagPipeline

        self.crawler = Crawler({**settings, "STORE_WORKER": False})
        self.normalize = NormalizePipeline.from_crawler(self.crawler)
        self.normalize.log_drops = False  # reported with the batch; HandoffPipeline logs them in the crawl's log
        self.tagger = TagPipeline.from_crawler(self.crawler)
        self.store = StorePipeline.from_crawler(self.crawler)
        self.store.batch_size = 1 << 30  # one upsert per handed-over batch, at its end

    def run(self, teasers: list) -> dict:
        """Store one batch; returns the stats changes, drop reasons and the store error if any. The teasers go
        through the pipelines together; if that raises, again one at a time, so that one bad item loses only itself."""
        kept = len(self.store.batch)
        try:
            stats, drops = self.all_at_once(teasers)
        except Exception:  # noqa: BLE001 - retried one by one below, which reports it
            del self.store.batch[kept:]
            stats, drops = self.one_by_one(teasers)
        self.store.flush()
        return {"incs": stats.incs, "sets": stats.sets, "drops": drops}

    def fresh_stats(self) -> Stats:
        self.crawler.stats = self.normalize.stats = stats = Stats()
        return stats

    def all_at_once(self, teasers: list) -> tuple[Stats, list[str]]:
        """The whole batch through normalise, tag and store as one TeaserBatch."""
        from crawlers.items import TeaserBatch

        stats = self.fresh_stats()
        if not teasers:
            return stats, []
        batch = TeaserBatch(teasers[0].source, list(teasers))
        self.store.process_item(self.tagger.process_item(self.normalize.process_item(batch)))
        return stats, batch.dropped

    def one_by_one(self, teasers: list) -> tuple[Stats, list[str]]:
        """Each teaser alone through the pipelines: one that raises is dropped and reported, the others go on."""
        from crawlers.items import TeaserBatch

        stats, drops = self.fresh_stats(), []
        for teaser in teasers:
            batch = TeaserBatch(teaser.source, [teaser])
            try:
                self.store.process_item(self.tagger.process_item(self.normalize.process_item(batch)))
            except Exception as exc:  # noqa: BLE001
                stats.inc_value("item_dropped_count")
                drops.append(f"{teaser.source}: {type(exc).__name__}: {exc} ({teaser.url!r})")
            drops += batch.dropped
        return stats, drops


def main(inbox, outbox) -> None:
    """Serve batches `(batch_id, spider_key, settings, teasers, last)` until the input ends (EOF), answering
    `(batch_id, result)` (batch_id None: warm up, no answer); SIGINT and SIGTERM are ignored: the parent decides
    when the crawl ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s [store worker] %(levelname)s: %(message)s")
    import crawlers.pipelines  # noqa: F401 - imported before the first batch arrives

    chains: dict[str, Chain] = {}
    while True:
        try:
            batch_id, key, settings, teasers, last = inbox.recv()
        except (EOFError, OSError):
            return
        if batch_id is None:  # warm-up: the imports and caches (language model, themes, store) before batches
            with contextlib.suppress(Exception):  # a real batch reports what fails
                Chain(settings)
            continue
        try:
            if settings.get("BENCH_WORKER_ACK_ONLY"):  # bench/crawl_bench.py `extract`: the Scrapy side alone
                result = {"incs": {"museumfeeds/items_acked": len(teasers)}, "sets": {}, "drops": []}
            else:
                chain = chains.get(key) or chains.setdefault(key, Chain(settings))
                result = chain.run(teasers)
        except Exception:  # noqa: BLE001 - reported to the parent, which fails the run
            cause = traceback.format_exc().strip().splitlines()[-1]
            result = {"incs": {"museumfeeds/items_unstored": len(teasers)}, "drops": [],
                      "sets": {"museumfeeds/store_error": f"store worker: {cause}: {len(teasers)} items not stored"}}
        if last:
            chains.pop(key, None)
        try:
            outbox.send((batch_id, result))
        except (BrokenPipeError, OSError):
            return
