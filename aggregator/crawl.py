"""Run Scrapy over the configured sources in this process (one reactor start per process) and report per source."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from pathlib import Path

from scrapy.crawler import CrawlerProcess
from sqlalchemy.engine import make_url
from scrapy.settings import Settings

from aggregator.config import Config
from aggregator.store import Store


@dataclass(frozen=True)
class SourceResult:
    """How one source's crawl ended."""

    source: str
    status: str
    reason: str
    items_seen: int
    items_new: int


def crawl_settings(config: Config, db_url: str, overrides: dict | None = None, log_level: str = "ERROR") -> Settings:
    """Project settings plus what the config says (identity, timeout, store)."""
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    agent = config.crawl.user_agent + (f" contact: {config.crawl.contact}" if config.crawl.contact else "")
    settings.setdict({"MUSEUMFEEDS_CONFIG": config.path, "MUSEUMFEEDS_DB": db_url, "USER_AGENT": agent,
                      "DOWNLOAD_TIMEOUT": config.crawl.timeout, "LOG_LEVEL": log_level,
                      "HTTPCACHE_DIR": str(cache_dir(db_url)), "PIN_CPUS": config.crawl.pin_cpus},
                     priority="cmdline")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def cache_dir(db_url: str) -> Path:
    """The HTTP cache lives beside a SQLite store (one cache per store), else in data/httpcache."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent / "httpcache"
    return Path("data/httpcache").resolve()


def crawl(config: Config, db_url: str, source_ids: list[str] | None = None, overrides: dict | None = None,
          log_level: str = "ERROR") -> list[SourceResult]:
    """Crawl the sources concurrently; returns each source's run status from the store."""
    from aggregator import cpus, gcpolicy
    from crawlers.handoff import warm_worker, worker_enabled
    from crawlers.loader import ConfigSpiderLoader

    ids = source_ids or [s.id for s in config.sources]
    settings = crawl_settings(config, db_url, overrides, log_level)
    pinned = cpus.pin_crawl() if settings.getbool("PIN_CPUS") and worker_enabled(settings) else None
    if pinned:  # this thread now, and the store worker on the other CPUs (crawlers/handoff.py)
        settings.set("STORE_WORKER_CPUS", sorted(pinned[1]), priority="cmdline")
    warm_worker(settings)  # the store worker starts up (crawlers/handoff.py) while Scrapy does
    process = CrawlerProcess(settings)
    logging.getLogger("scrapy").setLevel(log_level)
    loader = ConfigSpiderLoader(settings)
    for sid in ids:
        process.crawl(loader.load(sid))  # (the first installs Scrapy's reactor)
    gcpolicy.settle(gcpolicy.CRAWL)
    try:
        process.start()
    finally:
        if pinned:
            cpus.restore(pinned[0])  # publishing and serving afterwards may use every CPU again
    runs = Store(db_url).last_runs()
    results = []
    for sid in ids:
        run = runs.get(sid)
        if run is None:
            results.append(SourceResult(sid, "failed", "the crawl did not start", 0, 0))
        else:
            results.append(SourceResult(sid, run.status, run.reason, run.items_seen, run.items_new))
    return results
