"""The baseline: a bare Scrapy spider that only follows the pager's next link. No items, no pipelines."""
from __future__ import annotations

import scrapy


class BarePagerSpider(scrapy.Spider):
    """Fetches each start URL, then every `next_css` link after it; yields nothing else."""

    name = "bare"

    def __init__(self, start_urls: list[str], next_css: str, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = list(start_urls)
        self.next_css = next_css

    def parse(self, response):
        href = response.css(self.next_css).attrib.get("href")
        if href:
            yield response.follow(href, callback=self.parse)
