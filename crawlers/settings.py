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

# Pipelines: one concern each.
ITEM_PIPELINES = {
    "crawlers.pipelines.NormalizePipeline": 100,
    "crawlers.pipelines.TagPipeline": 200,
    "crawlers.pipelines.StorePipeline": 300,
}
EXTENSIONS = {"crawlers.extensions.RunRecorder": 100}
STORE_BATCH_SIZE = 200

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
