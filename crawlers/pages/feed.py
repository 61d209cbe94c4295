"""Upstream RSS/Atom page object: feedparser reads the feed (it never expands entities nor fetches DTDs)."""
from __future__ import annotations

from datetime import datetime, timezone

import feedparser

from aggregator.dates import parse_date
from aggregator.config import Source
from crawlers.items import Teaser


class FeedError(ValueError):
    """The bytes are not a usable feed."""


class FeedPage:
    """Teasers from an upstream RSS or Atom document."""

    def __init__(self, url: str, body: bytes, source: Source, now: datetime):
        self.url, self.source, self.now = url, source, now
        self.parsed = feedparser.parse(body, response_headers={"content-location": url})

    def teasers(self) -> list[Teaser]:
        """Every entry with a title and an http(s) link; FeedError if this is no feed at all."""
        if not self.parsed.entries and not self.parsed.feed.get("title"):
            cause = self.parsed.get("bozo_exception") or "no feed entries"
            raise FeedError(f"not a feed: {cause}")
        lang = (self.parsed.feed.get("language") or "").split("-")[0].lower()
        lang = lang if lang in self.source.languages else self.source.languages[0]
        out, seen = [], set()
        for entry in self.parsed.entries:
            link = entry.get("link", "")
            if not entry.get("title") or not link.startswith(("http://", "https://")) or link in seen:
                continue
            seen.add(link)
            out.append(Teaser(
                source=self.source.id, url=link, title=" ".join(entry.title.split()),
                published=self.published(entry), summary=entry.get("summary", ""),
                image=self.image(entry), categories=[t.term for t in entry.get("tags", []) if t.get("term")],
                language=lang,
            ))
        return out

    def published(self, entry) -> datetime | None:
        """The entry's date: feedparser's parsed struct first, the raw string through our parser second."""
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        if parsed:
            return datetime(*parsed[:6], tzinfo=timezone.utc)
        raw = entry.get("published") or entry.get("updated")
        return parse_date(raw, self.source.languages, self.source.date_order, self.source.timezone, self.now)

    @staticmethod
    def image(entry) -> str | None:
        """An enclosure or media:content image, if any."""
        for link in entry.get("links", []):
            if link.get("rel") == "enclosure" and link.get("type", "").startswith("image/"):
                return link.get("href")
        media = entry.get("media_content") or entry.get("media_thumbnail") or []
        return media[0].get("url") if media else None
