"""Spiders: one config-driven SiteSpider, one run per configured source."""
