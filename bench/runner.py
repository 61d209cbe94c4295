"""One benchmark crawl in a fresh process (Twisted's reactor cannot restart): `full`, `extract`, `bare` or `items`.

    python bench/runner.py full --config CFG --db sqlite:///x.db --stats stats.jsonl --result result.json
    python bench/runner.py bare --config CFG --stats stats.jsonl --result result.json [--bare-per-source]

`full` is the project's own entry point, `aggregator.crawl.crawl()` (one SiteSpider crawler per source, page
objects, normalise -> tag -> store pipelines, RunRecorder). `bare` crawls the same start URLs with
bench/bare_spider.py, which only follows the `next_page` link. Both get the same COMMON settings and the
same stats collector. `extract` is `full` with a store worker that only acknowledges each batch
(BENCH_WORKER_ACK_ONLY): the Scrapy process's own cost. The crawl window (first spider opened .. last spider
closed) comes from Scrapy's CoreStats in each crawler's stats.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from pathlib import Path

T0 = time.monotonic()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Settings given to both modes alike (cmdline priority, so they win over crawlers/settings.py).
COMMON = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "ERROR",
    "TELNETCONSOLE_ENABLED": False,
    "STATS_CLASS": "bench.statsdump.DumpStatsCollector",
}
# The project's own settings, given to the bare spider too (it changes Scrapy's cost per response, not the pipeline's).
from crawlers import settings as project  # noqa: E402

COMMON["CONCURRENT_ITEMS"] = project.CONCURRENT_ITEMS
COMMON["WARN_ON_GENERATOR_RETURN_VALUE"] = project.WARN_ON_GENERATOR_RETURN_VALUE


def run_full(args, overrides: dict) -> dict:
    from aggregator.config import load_config
    from aggregator.crawl import crawl
    from aggregator.store import Store

    config = load_config(args.config)
    results = crawl(config, args.db, None, overrides, "ERROR")
    return {"sources": [r.__dict__ for r in results], "stored_items": Store(args.db).count()}


def run_bare(args, overrides: dict) -> dict:
    import yaml
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from bench.bare_spider import BarePagerSpider, ItemsPagerSpider

    data = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    urls = [u for src in data["sources"] for u in (src.get("urls") or [src["url"]])]
    first = data["sources"][0]
    next_css = first["next_page"]
    extra = {}
    spider = BarePagerSpider
    if args.mode == "items":
        spider = ItemsPagerSpider
        link = first["list"]["link"].rpartition("@")
        extra["item_css"] = f"{first['list']['item']} {link[0]}::attr({link[2]})"
    settings = Settings()
    settings.setdict(overrides, priority="cmdline")
    process = CrawlerProcess(settings)  # installs the root log handler, as crawl() does
    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))  # as crawl() does: no DEBUG records made
    groups = [[u] for u in urls] if args.bare_per_source else [urls]
    for i, group in enumerate(groups):
        process.crawl(spider, start_urls=group, next_css=next_css, name=f"{args.mode}{i}", **extra)
    process.start()
    return {}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("full", "extract", "bare", "items"))
    ap.add_argument("--config", required=True)
    ap.add_argument("--db", default="")
    ap.add_argument("--stats", required=True, help="JSON lines: one row of final stats per crawler")
    ap.add_argument("--result", required=True)
    ap.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    ap.add_argument("--bare-per-source", action="store_true", help="bare: one crawler per start URL")
    ap.add_argument("--profile", default=None, help="write a cProfile of the crawl here")
    args = ap.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    overrides = dict(COMMON, BENCH_STATS_FILE=args.stats)
    if args.mode == "extract":
        overrides.update(BENCH_WORKER_ACK_ONLY=True, STORE_WORKER=True)
    runner = run_full if args.mode in ("full", "extract") else run_bare  # run_bare runs `items` too
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    extra = runner(args, overrides)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {"mode": args.mode, "process_wall": time.monotonic() - T0, "cpu_user": usage.ru_utime,
              "cpu_sys": usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024, **extra}
    Path(args.result).write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
