"""The Scrapy project: settings, items, the one config-driven spider, page objects and pipelines."""
