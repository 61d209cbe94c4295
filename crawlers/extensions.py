"""RunRecorder: records every crawl of a source in the store, with its health judged against its history."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from scrapy import signals
from sqlalchemy.exc import OperationalError

from aggregator.health import RunFacts, Rhythm, assess, usual_gap
from aggregator.store import utcnow
from crawlers import handoff, resources

log = logging.getLogger(__name__)


class RunRecorder:
    """Opens a run row when the spider opens and closes it with ok / degraded / failed and why (written by the store
    worker when the crawl has one, after the spider's last batch; by this process if the worker cannot)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = resources.settings_store(crawler.settings)
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        # spider_closed fires after the pipelines' close_spider, so the last batch is counted.
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider) -> None:
        self.run_id = self.store.start_run(spider.source.id)

    def closed(self, spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        facts = run_facts(stats, spider.errors, reason)
        source = spider.source
        history = [stored_facts(r) for r in self.store.history(source.id, self.run_id)]
        now = utcnow()
        last_new, dates = self.store.rhythm(source.id, new_at=now if stats.get("museumfeeds/items_new") else None)
        rhythm = Rhythm(last_new, usual_gap(dates), source.stale_after_days)
        status, why = assess(facts, history, rhythm, now)
        spider.run_status = (status, why)
        self.dump_stats(source.id, {**stats, "museumfeeds/status": status, "museumfeeds/reason": why,
                                    "museumfeeds/peak_rss": peak_rss()})
        fields = dict(
            status=status, reason=why, pages=facts.listing_pages,
            requests=stats.get("museumfeeds/net/requests", 0), bytes=stats.get("museumfeeds/net/bytes", 0),
            items_seen=stats.get("museumfeeds/items_seen", 0) + stats.get("museumfeeds/known_skipped", 0),
            items_new=stats.get("museumfeeds/items_new", 0), errors=len(facts.errors), teasers=facts.teasers,
            stored=facts.items, listing_empty=facts.listing_empty, dated=facts.dated, summarised=facts.summarised,
        )
        if not handoff.worker_enabled(self.crawler.settings):
            return self.finish(fields)
        # The store worker writes it (one writer during the crawl; aggregator/worker.py record_run), else this process.
        return handoff.shared_worker().record(handoff.worker_settings(self.crawler.settings), self.run_id,
                                              fields).addCallback(self.answered, fields)

    def answered(self, answer: dict, fields: dict) -> None:
        """The worker's answer: recorded, or this process writes the run (the worker died or failed to)."""
        if not answer.get("recorded"):
            if answer.get("error"):
                log.warning("the store worker could not record the run (%s); recording it here", answer["error"])
            self.finish(fields)

    def finish(self, fields: dict) -> None:
        retry_locked(lambda: self.store.finish_run(self.run_id, **fields))

    def dump_stats(self, source_id: str, stats: dict) -> None:
        """With MUSEUMFEEDS_STATS_DIR set, the run's Scrapy stats as `<dir>/<source>.json` (for operators, tests)."""
        folder = self.crawler.settings.get("MUSEUMFEEDS_STATS_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"{source_id}.json").write_text(json.dumps(stats, indent=1, default=str, sort_keys=True))


def retry_locked(write, attempts: int = 10):
    """Record the run even when another writer holds the store for a while (bounded: then the next run finds this
    one still `running` and marks it crashed)."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts:
                raise
            time.sleep(1)


def run_facts(stats: dict, spider_errors: list[str], finish_reason: str) -> RunFacts:
    """What this crawl saw, from its stats."""
    errors = list(dict.fromkeys(stats.get("museumfeeds/net/error_list", []) + spider_errors))
    return RunFacts(
        listing_pages=stats.get("museumfeeds/listing_pages", 0), listing_ok=stats.get("museumfeeds/net/listing_ok", 0),
        listing_empty=stats.get("museumfeeds/listing_empty", 0),
        teasers=stats.get("museumfeeds/teasers", 0), items=stats.get("museumfeeds/items_stored", 0),
        dated=stats.get("museumfeeds/dated", 0), summarised=stats.get("museumfeeds/summarised", 0),
        bot_challenge=stats.get("museumfeeds/bot_challenge_url"), errors=errors, finish_reason=finish_reason,
        store_error=stats.get("museumfeeds/store_error"),
    )


def stored_facts(run) -> RunFacts:
    """The facts of an earlier run, from its row."""
    return RunFacts(listing_pages=run.pages, listing_empty=run.listing_empty, teasers=run.teasers,
                    items=run.stored, dated=run.dated, summarised=run.summarised)


def peak_rss() -> int | None:
    """This process's own peak resident size in bytes (Linux VmHWM: reset by exec, unlike ru_maxrss, which a
    child started by a big parent inherits), or None where /proc does not say."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
