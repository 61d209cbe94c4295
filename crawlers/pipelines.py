"""Item pipelines over a page's TeaserBatch, one concern each: normalise, tag, store; wrappers over aggregator/*."""
from __future__ import annotations

import logging
import time
from typing import NamedTuple

from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy.exc import OperationalError

from aggregator.language import item_language, prepare
from aggregator.normalize import clean_text, sanitized, xml_clean
from aggregator.store import Incoming
from aggregator.tagging import tag_batch
from aggregator.urls import clean_url
from crawlers import resources
from crawlers.handoff import worker_enabled
from crawlers.items import Teaser, TeaserBatch

log = logging.getLogger(__name__)


class NormalizePipeline:
    """Teaser -> Incoming: clean text, sanitised summary, canonical link and its identity key."""

    def __init__(self, sources, stats=None, log_drops: bool = True):
        self.stats = stats
        self.log_drops = log_drops  # the store worker's are logged by its parent, HandoffPipeline
        self.priorities = {s.id: s.priority for s in sources}
        self.languages = {s.id: s.languages for s in sources}
        prepare(self.languages.values())

    @classmethod
    def from_crawler(cls, crawler):
        if worker_enabled(crawler.settings):
            raise NotConfigured  # HandoffPipeline runs it, here or in the store worker (crawlers/handoff.py)
        return cls.for_settings(crawler.settings, crawler.stats)

    @classmethod
    def for_settings(cls, settings, stats=None, log_drops: bool = True) -> NormalizePipeline:
        """One for the config these crawl settings name, whatever STORE_WORKER says."""
        return cls(resources.settings_config(settings).sources, stats, log_drops)

    def process_item(self, batch: TeaserBatch) -> TeaserBatch:
        """Every teaser of the batch normalised into `batch.incoming`; one without title or http(s) link, or one
        that makes normalising fail, is dropped (logged, counted), the others go on. The page's teasers take each
        step of normalise together: a step's code and tables stay in the CPU caches (about 15 % less CPU than one
        teaser through every step at a time); the same items and drops, in the same order."""
        work: dict[int, object] = dict(enumerate(batch.teasers))  # teaser, then what each step makes of it
        failed: dict[int, tuple[str, str]] = {}
        for step in (self.prepare, self.detect, self.finish):
            for n, done in list(work.items()):
                try:
                    work[n] = step(done)
                except DropItem as exc:
                    failed[n] = str(exc), "DropItem"
                    del work[n]
                except Exception as exc:  # noqa: BLE001 - one bad teaser loses only itself
                    teaser = batch.teasers[n]
                    failed[n] = f"{teaser.source}: {type(exc).__name__}: {exc} ({teaser.url!r})", type(exc).__name__
                    del work[n]
        for n in range(len(batch.teasers)):
            if n in work:
                batch.incoming.append(work[n])
            else:
                self.drop(batch, *failed[n])
        return batch

    def drop(self, batch: TeaserBatch, reason: str, kind: str) -> None:
        batch.dropped.append(reason)
        if self.log_drops:
            log.warning("Dropped: %s", reason)
        if self.stats is not None:
            self.stats.inc_value("item_dropped_count")
            self.stats.inc_value(f"item_dropped_reasons_count/{kind}")

    def normalise(self, item: Teaser) -> Incoming:
        """One teaser as an Incoming, or DropItem naming the source and the cause."""
        return self.finish(self.detect(self.prepare(item)))

    def prepare(self, item: Teaser) -> Prepared:
        """normalise's first step: the teaser's fields cleaned."""
        title = clean_text(item.title)
        if not title or not item.url.startswith(("http://", "https://")):
            raise DropItem(f"{item.source}: teaser without title or http(s) link: {item.url!r}")
        link, key = resources.identity(item.url)
        summary, text = sanitized(item.summary, link)
        image = clean_url(item.image) if item.image and item.image.startswith(("http://", "https://")) else None
        return Prepared(item, title, link, key, summary, text, image, xml_clean(item.language) or None,
                        [c for c in (clean_text(c) for c in item.categories) if c])

    def detect(self, done: Prepared) -> tuple[Prepared, str | None]:
        """normalise's second step: the item's language (the declared one, or the one its text clearly is in)."""
        candidates = self.languages.get(done.item.source, ())
        return done, item_language(f"{done.title}. {done.text}", done.declared, candidates)

    def finish(self, done: tuple[Prepared, str | None]) -> Incoming:
        """normalise's last step: the Incoming (its keys, hash and fingerprint derived as it is made)."""
        (item, title, link, key, summary, text, image, _, categories), language = done
        return Incoming(
            source_id=item.source, url=link, url_key=key, title=title, summary=summary,
            summary_text=text, image=image, categories=categories, language=language,
            published=item.published, themes={}, priority=self.priorities.get(item.source, 50),
            alternates=sorted({resources.identity(u)[1] for u in item.alternates
                               if u.startswith(("http://", "https://"))}),
        )


class Prepared(NamedTuple):
    """A teaser's cleaned fields, between normalise's first step and the next."""

    item: Teaser
    title: str
    link: str
    key: str
    summary: str
    text: str
    image: str | None
    declared: str | None
    categories: list[str]


class TagPipeline:
    """Themes from the config's rules, each with its reason."""

    def __init__(self, compiled):
        self.compiled = compiled

    @classmethod
    def from_crawler(cls, crawler):
        if worker_enabled(crawler.settings):
            raise NotConfigured
        return cls.for_settings(crawler.settings)

    @classmethod
    def for_settings(cls, settings) -> TagPipeline:
        """One for the themes of the config these crawl settings name, whatever STORE_WORKER says."""
        return cls(resources.themes(settings.get("MUSEUMFEEDS_CONFIG", "config.yaml")))

    def process_item(self, batch: TeaserBatch) -> TeaserBatch:
        """Every item of the batch tagged: the page's items take each step of tagging together (tag_batch)."""
        found = tag_batch(self.compiled, [(i.title, i.summary_text, i.categories, i.language) for i in batch.incoming])
        for item, themes in zip(batch.incoming, found):
            item.themes = themes
        return batch


def batch_size(settings) -> int:
    """STORE_BATCH_SIZE: teasers a batch (a store transaction; with the store worker, a hand-over); 0 or less: one."""
    return max(1, settings.getint("STORE_BATCH_SIZE", 400))


class StorePipeline:
    """Batched upserts: one transaction per batch, the rest flushed when the spider closes. A batch the database
    refuses as locked (another writer) is retried a few times; then the run fails naming the cause, and nothing
    more is written in this run (the next run finds those items new again)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = resources.settings_store(crawler.settings)
        self.batch_size = batch_size(crawler.settings)
        self.attempts = crawler.settings.getint("STORE_LOCKED_ATTEMPTS", 3)
        self.delay = crawler.settings.getfloat("STORE_LOCKED_DELAY", 2.0)
        self.batch: list[Incoming] = []
        self.failed: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if worker_enabled(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    def process_item(self, batch: TeaserBatch) -> TeaserBatch:
        stats = self.crawler.stats
        stats.inc_value("museumfeeds/items_stored", len(batch.incoming))
        stats.inc_value("museumfeeds/dated", sum(item.published is not None for item in batch.incoming))
        stats.inc_value("museumfeeds/summarised", sum(bool(item.summary_text) for item in batch.incoming))
        self.batch.extend(batch.incoming)
        while len(self.batch) >= self.batch_size:  # one transaction per STORE_BATCH_SIZE items, the rest waits
            self.flush(self.batch_size)
        return batch

    def close_spider(self) -> None:
        self.flush()

    def flush(self, size: int | None = None) -> None:
        """Write the pending items (the first `size` of them if given) and count new and already-known ones."""
        if not self.batch:
            return
        cut = len(self.batch) if size is None else size
        batch, self.batch = self.batch[:cut], self.batch[cut:]
        stats = self.crawler.stats
        if self.failed:
            stats.inc_value("museumfeeds/items_unstored", len(batch))
            return
        try:
            new, seen = self.upsert_retrying(batch)
        except OperationalError as exc:
            cause = str(exc.orig or exc).splitlines()[0]
            locked = "locked" in cause
            why = f" after {self.attempts} attempts (another process is writing to the store)" if locked else ""
            self.failed = f"{cause}: {len(batch)} items not stored{why}"
            log.error("%s", self.failed)
            stats.set_value("museumfeeds/store_error", self.failed)
            stats.inc_value("museumfeeds/items_unstored", len(batch))
            return
        stats.inc_value("museumfeeds/items_new", new)
        stats.inc_value("museumfeeds/items_seen", new + seen)

    def upsert_retrying(self, batch: list[Incoming]) -> tuple[int, int]:
        """The store's upsert, retried while SQLite says the database is locked; bounded in count and time."""
        for attempt in range(1, self.attempts + 1):
            try:
                return self.store.upsert(batch)
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == self.attempts:
                    raise
                log.warning("store locked (attempt %d of %d); retrying in %.1f s", attempt, self.attempts, self.delay)
                time.sleep(self.delay * attempt)
        raise AssertionError("unreachable")
