"""The items: a teaser (one announcement of one source, as page objects make it) and a page's teasers as a batch."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass
class Teaser:
    """One announcement as a listing, feed or article page shows it."""

    source: str
    url: str
    title: str
    published: datetime | None = None
    summary: str = ""
    image: str | None = None
    categories: list[str] = field(default_factory=list)
    language: str | None = None
    themes: dict[str, str] = field(default_factory=dict)
    alternates: list[str] = field(default_factory=list)  # hreflang language versions of its article page

    def to_json(self) -> dict:
        """A JSON-ready dict (dates as ISO 8601), as fixture expectations are written."""
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        data.pop("themes")
        if not data["alternates"]:
            data.pop("alternates")
        return data


@dataclass
class TeaserBatch:
    """The teasers of one page, passed through the pipelines as one Scrapy item: Scrapy's per-item machinery
    (about 0.1 ms an item in Scrapy 2.19) is paid once a page, not once a teaser; the store writes batches anyway.
    NormalizePipeline fills `incoming` from `teasers`; the tag and store pipelines work on `incoming`."""

    source: str
    teasers: list[Teaser]
    incoming: list = field(default_factory=list)  # aggregator.store.Incoming, one per teaser that passed
    dropped: list[str] = field(default_factory=list)  # why the others were dropped
