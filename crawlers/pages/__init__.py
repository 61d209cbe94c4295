"""Page-object registry: the selector-driven pages, overridden per source by a small module in `sites/`."""
from __future__ import annotations

import importlib
from datetime import datetime
from functools import lru_cache

from scrapy.http import HtmlResponse, TextResponse

from aggregator.config import Source
from crawlers.pages.base import parse
from crawlers.pages.feed import FeedPage
from crawlers.pages.listing import ArticlePage, ListingPage


@lru_cache(maxsize=None)
def page_classes(module: str | None) -> tuple[type[ListingPage], type[ArticlePage]]:
    """Listing and article classes for a source: `sites.<module>` may subclass either."""
    if not module:
        return ListingPage, ArticlePage
    mod = importlib.import_module(f"crawlers.pages.sites.{module}")
    return getattr(mod, "ListingPage", ListingPage), getattr(mod, "ArticlePage", ArticlePage)


def listing_page(response: TextResponse, source: Source, now: datetime) -> ListingPage:
    """The listing page object for a response (its decoded text parsed by lexbor; Scrapy's lxml tree, built lazily
    by `response.selector`, is never made)."""
    return page_classes(source.page)[0](response.url, parse(response.text), source, now)


def article_page(response: TextResponse, source: Source, now: datetime) -> ArticlePage:
    """The article page object for a response."""
    return page_classes(source.page)[1](response.url, parse(response.text), source, now)


def feed_page(url: str, body: bytes, source: Source, now: datetime) -> FeedPage:
    """The upstream-feed page object for raw bytes."""
    return FeedPage(url, body, source, now)


def response_from(url: str, body: bytes) -> HtmlResponse:
    """A Scrapy response from saved bytes (encoding sniffed as for a fetched page)."""
    return HtmlResponse(url=url, body=body)
