"""SiteSpider: navigation only (feed, listings, pager up to max_pages, article pages); page objects extract."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response

from aggregator import dates
from aggregator.config import Source
from aggregator.errors import describe_failure
from aggregator.store import utcnow
from crawlers import resources
from crawlers.items import Teaser, TeaserBatch
from crawlers.known import known_keys
from crawlers.middlewares import note_challenge
from crawlers.pages import article_page, feed_page, listing_page
from crawlers.pages.feed import FeedError

log = logging.getLogger(__name__)


class SiteSpider(Spider):
    """Crawls one configured source; the spider loader makes one subclass per source."""

    name = "site"
    source: Source

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_domains = list(self.source.hosts)
        self.errors: list[str] = []
        self.now = utcnow()
        dates.prepare(self.source.languages)  # the page objects' date tables, before the first response

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = resources.settings_store(crawler.settings)
        # Made before any crawl of this run stores an item: with an empty store, nothing can be known yet, and the
        # per-page look-up (about 0.2 ms a page) is skipped for the whole run (a first crawl).
        spider.nothing_stored = spider.store.empty()
        return spider

    async def start(self):
        """The feed first when the source has one (HTML listing as fallback), else the listings."""
        if self.source.feed:
            yield Request(self.source.feed, callback=self.parse_feed, errback=self.feed_failed)
        else:
            for request in self.listing_requests():
                yield request

    def listing_requests(self) -> Iterator[Request]:
        """First page of every listing URL."""
        for url in self.source.urls:
            yield Request(url, callback=self.parse_listing, errback=self.failed, cb_kwargs={"page_no": 1})

    def parse_feed(self, response: Response):
        """Teasers from the upstream feed; an unusable feed falls back to the HTML listing."""
        try:
            teasers = feed_page(response.url, response.body, self.source, self.now).teasers()
        except FeedError as exc:
            log.warning("%s: feed %s unusable (%s); using the HTML listing", self.source.id, response.url, exc)
            yield from self.listing_requests()
            return
        self.crawler.stats.inc_value("museumfeeds/listing_pages")
        yield from self.emit(teasers, self.known(teasers))

    def feed_failed(self, failure):
        """The feed could not be fetched: say so and use the HTML listing."""
        log.warning("%s: feed unavailable (%s); using the HTML listing", self.source.id, describe_failure(failure))
        if self.source.urls:
            yield from self.listing_requests()
        else:
            self.failed(failure)

    def parse_listing(self, response: Response, page_no: int):
        """Teasers of one listing page, then the next page while under max_pages."""
        try:
            page = listing_page(response, self.source, self.now)
            teasers = page.teasers()
        except Exception as exc:  # a page the page objects cannot read (not HTML, a site module's bug...)
            self.errors.append(self.extract_failed(response, exc))
            note_challenge(self.crawler.stats, response)
            return
        self.crawler.stats.inc_value("museumfeeds/listing_pages")
        if not teasers:
            note_challenge(self.crawler.stats, response)
            self.crawler.stats.inc_value("museumfeeds/listing_empty")
            log.error("%s: listing_empty: %s returned %s but no teaser matched %r", self.source.id, response.url,
                      response.status, self.source.list.item)
        known = self.known(teasers)
        yield from self.emit(teasers, known)
        if teasers and len(known) == len(teasers):
            self.crawler.stats.inc_value("museumfeeds/stopped_at_known")
            return  # everything here is stored already: older pages hold nothing new
        next_url = page.next_page()
        if next_url and page_no < self.source.max_pages and next_url != response.url:
            yield Request(next_url, callback=self.parse_listing, errback=self.failed,
                          cb_kwargs={"page_no": page_no + 1})

    def known(self, teasers: list[Teaser]) -> set[str]:
        """Links of these teasers that the store held before this run (none when it was empty)."""
        if self.nothing_stored:
            return set()
        keys = {t.url: resources.identity(t.url)[1] for t in teasers}
        stored = known_keys(self.store, list(keys.values()))
        return {url for url, key in keys.items() if key in stored}

    def emit(self, teasers: Iterable[Teaser], known: set[str]):
        """The page's teasers as one batch item, except those completed from their article page first (when
        dates/summaries must come from there; article pages are opened for new items only)."""
        teasers = list(teasers)
        if teasers:
            self.crawler.stats.inc_value("museumfeeds/teasers", len(teasers))
        ready = []
        for teaser in teasers:
            if (self.source.follow or teaser.published is None) and self.on_site(teaser.url):
                if teaser.url in known:
                    self.crawler.stats.inc_value("museumfeeds/known_skipped")
                    continue
                yield Request(teaser.url, callback=self.parse_article, errback=self.article_failed,
                              cb_kwargs={"teaser": teaser})
            else:
                ready.append(teaser)
        if ready:
            yield TeaserBatch(self.source.id, ready)

    def on_site(self, url: str) -> bool:
        """True when an article URL is on one of this source's hosts (never follow off-site links)."""
        host = urlsplit(url).hostname or ""
        return any(host == h or host.endswith("." + h) for h in self.source.hosts)

    def parse_article(self, response: Response, teaser: Teaser):
        """The teaser completed from its article page (kept as the listing gave it if that page is unreadable)."""
        try:
            teaser = article_page(response, self.source, self.now).complete(teaser)
        except Exception as exc:  # the teaser is still worth storing
            self.extract_failed(response, exc)
        yield TeaserBatch(self.source.id, [teaser])

    def extract_failed(self, response: Response, exc: Exception) -> str:
        """Count and log a page that could not be read; returns the one-line cause."""
        self.crawler.stats.inc_value("museumfeeds/extract_failed")
        cause = f"extract_failed: {type(exc).__name__}: {str(exc)[:120]} ({response.url})"
        log.error("%s: %s", self.source.id, cause)
        return cause

    def article_failed(self, failure):
        """An article page failed: keep the teaser as the listing gave it."""
        log.warning("%s: article page failed (%s)", self.source.id, describe_failure(failure))
        self.crawler.stats.inc_value("museumfeeds/article_errors")
        yield TeaserBatch(self.source.id, [failure.request.cb_kwargs["teaser"]])

    def failed(self, failure) -> None:
        """A listing or feed request failed for good: one line naming the source and the cause."""
        cause = describe_failure(failure)
        self.errors.append(cause)
        log.error("%s: %s", self.source.id, cause)
