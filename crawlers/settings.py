"""Scrapy settings: polite and hardened defaults (see ../shared/docs/reliability.md §10); config.yaml sets the rest."""

BOT_NAME = "museumfeeds"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"
# One spider per source in config.yaml: `scrapy list` shows the source ids.
SPIDER_LOADER_CLASS = "crawlers.loader.ConfigSpiderLoader"
# The config and store the crawl uses (the CLI's --config / --db set these).
MUSEUMFEEDS_CONFIG = "config.yaml"
MUSEUMFEEDS_DB = ""

# Politeness
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Outputs of one callback processed at once (Scrapy's default 100 starts 100 asyncio tasks for every response
# in Scrapy 2.19); the pipelines are synchronous, so more buys nothing. bench/crawl_bench.py: bare spider
# 12,714 -> 20,034 pages/min with 2.
CONCURRENT_ITEMS = 2
# Scrapy checks every callback for a generator `return value` with inspect.getsource and ast.parse; its cache
# is keyed weakly by the callable, and a bound method dies at once, so that ran for every response (about 5 % of
# the crawl process). tests/test_pages.py checks the spider's callbacks once instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
USER_AGENT = "museumfeeds/0.1 (+https://github.com/museumfeeds/museumfeeds)"

# Hardening: bounded downloads and redirects, no remote consoles, no local-file schemes.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
DOWNLOAD_VERIFY_CERTIFICATES = True
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 1024
CLOSESPIDER_TIMEOUT = 3600

# robots.txt obeyed under concurrency (Scrapy 2.14-2.19 bug, reliability.md §7-A), and a record of what
# really crossed the network, below the HTTP cache (which serves stored copies on 5xx and network errors).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.SafeRobotsTxtMiddleware": 100,
    "crawlers.middlewares.CharsetRepairMiddleware": 585,  # after decompression (590), before MetaRefresh (580)
    "crawlers.middlewares.RobotsCacheMiddleware": 890,
    "crawlers.middlewares.NetworkFactsMiddleware": 950,
}

# Incremental crawling: pages and feeds are revalidated with If-None-Match / If-Modified-Since (a 304
# costs a few hundred bytes); HTTPCACHE_DIR is set per store by aggregator/crawl.py. No JOBDIR: it would
# filter out the listing pages the next night.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawlers.httpcache.RevalidatingPolicy"  # RFC2616Policy; keeps robots.txt (its 404s too)
HTTPCACHE_ALWAYS_STORE = False  # a page without a validator or lifetime is not kept: it is refetched anyway
HTTPCACHE_DIR = "data/httpcache"
# One SQLite file per source, one row per response (Scrapy's filesystem storage writes six files a response),
# never fsynced: a damaged file is set aside and rebuilt (crawlers/httpcache.py).
HTTPCACHE_STORAGE = "crawlers.httpcache.SqliteCacheStorage"

# Pipelines: one concern each. With STORE_WORKER on (None: when os.cpu_count() > 1) HandoffPipeline hands the
# teasers to one worker process per crawl process, which runs the other three (crawlers/handoff.py); off: in-process.
STORE_WORKER = None
ITEM_PIPELINES = {  # with STORE_WORKER, HandoffPipeline alone: it normalises and tags here or in the worker
    "crawlers.handoff.HandoffPipeline": 50,
    "crawlers.pipelines.NormalizePipeline": 100,
    "crawlers.pipelines.TagPipeline": 200,
    "crawlers.pipelines.StorePipeline": 300,
}
EXTENSIONS = {"crawlers.extensions.RunRecorder": 100}
# Teasers a batch (one store transaction; with the store worker, one hand-over). Each upsert pays for reading
# the clustering pool of the days its items span, so 400 costs less per item than 200 (bench/crawl_bench.py:
# window -5.5 %, 9 alternating pairs); larger ones lengthen the crawl's tail.
STORE_BATCH_SIZE = 400
# A batch SQLite refuses as locked (another writer) is tried this often, waiting DELAY x attempt seconds between
# tries, on top of the store's busy timeout; then the run fails with store_error (crawlers/pipelines.py).
STORE_LOCKED_ATTEMPTS = 3
STORE_LOCKED_DELAY = 2.0

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
