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


class ItemsPagerSpider(BarePagerSpider):
    """Bare plus Scrapy's per-item machinery: one trivial item per teaser link, through three no-op pipelines.

    Not the baseline: it shows what yielding 20 items a page costs in Scrapy itself, a floor for any
    pipeline that passes one item per teaser.
    """

    name = "items"
    custom_settings = {"ITEM_PIPELINES": {f"bench.bare_spider.NoopPipeline{i}": 100 * i for i in (1, 2, 3)}}

    def __init__(self, start_urls: list[str], next_css: str, item_css: str, **kwargs):
        super().__init__(start_urls, next_css, **kwargs)
        self.item_css = item_css

    def parse(self, response):
        for href in response.css(self.item_css).getall():
            yield {"url": response.urljoin(href)}
        yield from super().parse(response)


class NoopPipeline1:
    def process_item(self, item):
        return item


class NoopPipeline2(NoopPipeline1):
    pass


class NoopPipeline3(NoopPipeline1):
    pass
