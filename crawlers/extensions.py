"""RunRecorder: records every crawl of a source in the store (start, end, counters, status and reason)."""
from __future__ import annotations

from scrapy import signals

from crawlers import resources


class RunRecorder:
    """Opens a run row when the spider opens and closes it with ok / degraded / failed and why."""

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
        status, why = judge(stats, spider.errors, reason)
        spider.run_status = (status, why)
        self.store.finish_run(
            self.run_id, status=status, reason=why,
            pages=stats.get("museumfeeds/listing_pages", 0), requests=stats.get("downloader/request_count", 0),
            bytes=stats.get("downloader/response_bytes", 0), items_seen=stats.get("museumfeeds/items_seen", 0),
            items_new=stats.get("museumfeeds/items_new", 0), errors=len(spider.errors),
        )


def judge(stats: dict, errors: list[str], finish_reason: str) -> tuple[str, str]:
    """A run's status from its stats: failed (no listing read), degraded (empty listing, errors), or ok."""
    pages = stats.get("museumfeeds/listing_pages", 0)
    if pages == 0:
        return "failed", errors[0] if errors else f"no listing page was read ({finish_reason})"
    if stats.get("museumfeeds/listing_empty", 0):
        return "degraded", f"listing_empty: {stats['museumfeeds/listing_empty']} listing page(s) had no teaser"
    if errors:
        return "degraded", errors[0]
    if finish_reason != "finished":
        return "degraded", f"crawl ended early: {finish_reason}"
    return "ok", ""
