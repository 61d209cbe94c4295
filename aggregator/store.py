"""The store: engine set-up (SQLite WAL or PostgreSQL), batched idempotent upserts, runs, feed queries."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, bindparam, create_engine, event, func, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from aggregator import dedup
from aggregator.config import Dedup
from aggregator.migrate import ensure_indexes, upgrade
from aggregator.models import Base, CrawlRun, Item, ItemTheme
from aggregator.schema import check_schema
from aggregator.storewrite import NewItems, apply_content, rekeyed, set_themes
from aggregator.window import Window


def utcnow() -> datetime:
    """Now, aware, in UTC, to the second (stored times compare cleanly)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def make_engine(url: str) -> Engine:
    """An engine; for SQLite the folder is created and every connection gets WAL, a busy timeout and FKs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    busy = float(parsed.query.get("timeout", 30))  # seconds a writer waits for another (`?timeout=` in the URL)
    engine = create_engine(parsed.difference_update_query(["timeout"]), connect_args={"timeout": busy})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # noqa: ANN001 (DB-API connection)
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"busy_timeout={int(busy * 1000)}", "foreign_keys=ON"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    return engine


@dataclass
class Incoming:
    """A normalised, tagged item ready to store."""

    source_id: str
    url: str
    url_key: str
    title: str
    summary: str
    summary_text: str
    image: str | None
    categories: list[str]
    language: str | None
    published: datetime | None
    themes: dict[str, str]
    priority: int = 50
    alternates: list[str] = field(default_factory=list)  # URL keys of its language versions (hreflang)
    # Derived from the fields above when the item is made, i.e. by the normalise pipeline, in whichever process
    # has CPU to spare (crawlers/balance.py), instead of in the store worker's batch.
    content_hash: str = field(init=False, repr=False)  # hash of what readers see; a change marks the entry updated
    title_key: str = field(init=False, repr=False)  # dedup.title_key(title)
    fingerprint: dedup.Fingerprint = field(init=False, repr=False)  # of title and summary_text (story clustering)

    def __post_init__(self) -> None:
        text = "\x1f".join([self.title, self.summary_text, self.image or "",
                            self.published.isoformat() if self.published else ""])
        self.content_hash = hashlib.sha256(text.encode()).hexdigest()
        self.title_key, self.fingerprint = dedup.keys(self.title, self.summary_text)

    def outranks(self, item: Item) -> bool:
        """Whether this sighting may set the item's content: the higher-priority source (then the lower id) owns it."""
        if item.source_id is None or item.source_id == self.source_id:
            return True
        return (self.priority, item.source_id) > (item.source_priority, self.source_id)


class Store:
    """All reads and writes of items, themes and crawl runs."""

    def __init__(self, url: str, feed_id_prefix: str = "urn:uuid:", dedup: Dedup | None = None):
        self.url = url
        self.dedup = dedup or Dedup()
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)  # adds missing tables; never alters an existing one, so:
        upgrade(self.engine)                   # the story columns (the one migration), then
        check_schema(self.engine, Base.metadata)  # anything else missing is refused
        ensure_indexes(self.engine)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self.window = Window()  # the days clustering read, kept between batches while nobody else writes
        self.feed_id_prefix = feed_id_prefix

    def upsert(self, batch: Iterable[Incoming], now: datetime | None = None) -> tuple[int, int]:
        """Store a batch in one transaction; returns (new, seen). Re-crawls update, never duplicate."""
        now = now or utcnow()
        unique = {inc.url_key: inc for inc in batch}
        for attempt in range(3):
            try:
                with self.session.begin() as s:
                    return self._upsert(s, unique, now)
            except IntegrityError:  # another writer inserted the same key meanwhile: re-read and retry
                self.window.clear()
                if attempt == 2:
                    raise
            except BaseException:
                self.window.clear()  # it may hold what the rolled-back transaction wrote
                raise
        raise AssertionError("unreachable")

    def _upsert(self, s: Session, unique: dict[str, Incoming], now: datetime) -> tuple[int, int]:
        from aggregator.clusters import assign

        existing = {i.url_key: i for i in s.scalars(EXISTING, {"keys": list(unique)})}
        existing |= rekeyed(s, {k: inc for k, inc in unique.items() if k not in existing}, set(unique), now)
        fresh = [(key, inc) for key, inc in unique.items() if key not in existing]
        changed: list[Item] = []  # existing items whose date or source changed (clustering reads them by date)
        for key, item in existing.items():
            inc = unique[key]
            item.last_seen = now
            if not inc.outranks(item):
                continue
            if item.content_hash != inc.content_hash and self.edited(item, inc):
                if item.content_hash:
                    item.updated = now
                apply_content(item, inc)
                changed.append(item)
            if (item.source_id, item.source_priority) != (inc.source_id, inc.priority):
                item.source_id, item.source_priority = inc.source_id, inc.priority
                changed.append(item)
            set_themes(item, inc.themes)
        self.window.forget([i.id for i in changed], [i.published or i.first_seen for i in changed])
        if fresh:
            s.flush()  # the re-crawled items' changes first, as one unit of work did before
            new = NewItems(s, fresh, now, self.feed_id_prefix)
            assign(s, new.members, self.dedup, new.insert, self.window)
        return len(fresh), len(unique) - len(fresh)

    def edited(self, item: Item, inc: Incoming) -> bool:
        """Whether a changed sighting is applied: always for a new item, else only for a substantive edit (text
        beyond `dedup.edit_threshold`, or another publication date); a typo-sized one changes nothing."""
        from aggregator.dedup import edit_kind
        from aggregator.normalize import html_to_text

        if not item.content_hash or item.source_id != inc.source_id or item.published != inc.published:
            return True
        old = f"{item.title}\n{html_to_text(item.summary)}"
        return edit_kind(old, f"{inc.title}\n{inc.summary_text}", self.dedup.edit_threshold) == "substantive"

    def start_run(self, source_id: str, now: datetime | None = None) -> int:
        """Record a run as running; an earlier run of this source still `running` is marked crashed."""
        now = now or utcnow()
        with self.session.begin() as s:
            s.execute(update(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.status == "running")
                      .values(status="crashed", finished=now, reason="the crawl process ended before finishing"))
            run = CrawlRun(source_id=source_id, started=now, status="running")
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, **fields) -> None:
        """Close a run with its status, reason and counters."""
        with self.session.begin() as s:
            s.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(finished=utcnow(), **fields))

    def fail_running(self, reason: str, since: datetime, cut: datetime | None = None) -> list[str]:
        """Mark failed with this reason the runs started since `since` that a kill cut short: still running,
        or (with `cut`, when the kill began) closed at or after it; returns their source ids."""
        cut_short = CrawlRun.status == "running"
        if cut is not None:
            cut_short = or_(cut_short, CrawlRun.finished >= cut)
        with self.session.begin() as s:
            runs = list(s.scalars(select(CrawlRun).where(CrawlRun.started >= since, cut_short)))
            for run in runs:
                run.status, run.reason, run.finished = "failed", reason, run.finished or utcnow()
        return sorted({run.source_id for run in runs})

    def history(self, source_id: str, before: int, limit: int = 10) -> list[CrawlRun]:
        """The source's latest finished runs (ok or degraded) before run `before`, newest first."""
        q = (select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.id < before,
                                    CrawlRun.status.in_(("ok", "degraded")))
             .order_by(CrawlRun.id.desc()).limit(limit))
        with self.session() as s:
            return list(s.scalars(q))

    def rhythm(self, source_id: str, sample: int = 20, new_at: datetime | None = None) \
            -> tuple[datetime | None, list[datetime]]:
        """When the source last gave a new item (`new_at`, when the caller has just stored one: the look-up reads
        every item of the source, no index has its first-seen times: 13 ms for 6,000 items, in the crawl), and the
        publication dates of its latest items."""
        with self.session() as s:
            last_new = new_at or s.scalar(select(func.max(Item.first_seen)).where(Item.source_id == source_id))
            dates = list(s.scalars(select(Item.sort_date).where(Item.source_id == source_id)
                                   .order_by(Item.sort_date.desc()).limit(sample)))
        return last_new, dates

    def known(self, keys: Iterable[str]) -> set[str]:
        """Which of these URL keys are stored already."""
        keys = list(keys)
        if not keys:
            return set()
        with self.engine.connect() as conn:  # Core, one cached statement: called for every listing page
            return set(conn.execute(KNOWN, {"keys": keys}).scalars())

    def health_runs(self, limit: int = 50) -> list[CrawlRun]:
        """The latest runs that were not ok (for the health feed), newest first."""
        q = select(CrawlRun).where(CrawlRun.status.in_(("degraded", "failed", "crashed"))) \
            .order_by(CrawlRun.id.desc()).limit(limit)
        with self.session() as s:
            return list(s.scalars(q))

    def last_runs(self) -> dict[str, CrawlRun]:
        """The latest run of every source."""
        latest = select(CrawlRun.source_id, func.max(CrawlRun.id).label("id")).group_by(CrawlRun.source_id)
        sub = latest.subquery()
        with self.session() as s:
            runs = s.scalars(select(CrawlRun).join(sub, CrawlRun.id == sub.c.id)).all()
        return {r.source_id: r for r in runs}

    def latest(self, theme: str | None = None, source: str | None = None, limit: int = 100,
               stories: bool = False) -> list[Item]:
        """The newest items (by publication, else first-seen), of a theme or source if given; with `stories`,
        only the lead copy of each story."""
        q = select(Item).options(selectinload(Item.themes))
        if stories:
            q = q.where(Item.lead.is_(True))
        if theme:
            q = q.join(ItemTheme).where(ItemTheme.theme == theme).order_by(ItemTheme.sort_date.desc(),
                                                                          ItemTheme.item_id.desc())
        else:
            q = q.order_by(Item.sort_date.desc(), Item.id.desc())
        if source:
            q = q.where(Item.source_id == source)
        with self.session() as s:
            return list(s.scalars(q.limit(limit)))

    def find(self, ref: str) -> Item | None:
        """An item by feed id, URL (any variant with the same identity key) or numeric id."""
        from aggregator.urls import url_key

        with self.session() as s:
            q = select(Item).options(selectinload(Item.themes))
            if ref.isdigit():
                return s.scalar(q.where(Item.id == int(ref)))
            found = s.scalar(q.where(Item.feed_id == ref))
            if found is None and ref.startswith(("http://", "https://")):
                found = s.scalar(q.where(Item.url_key == url_key(ref)))
            return found

    def retag(self, tagger, chunk: int = 2000) -> tuple[int, int, int]:
        """Apply `tagger(item) -> {theme: reason}` to every item; returns (items changed, tags added, removed)."""
        changed = added = removed = 0
        last_id = 0
        while True:
            with self.session.begin() as s:
                items = list(s.scalars(select(Item).where(Item.id > last_id).order_by(Item.id).limit(chunk)
                                       .options(selectinload(Item.themes))))
                for item in items:
                    before = {t.theme: t.reason for t in item.themes}
                    after = tagger(item)
                    if after != before:
                        changed += 1
                        added += len(set(after) - set(before))
                        removed += len(set(before) - set(after))
                        set_themes(item, after)
            if len(items) < chunk:
                return changed, added, removed
            last_id = items[-1].id

    def empty(self) -> bool:
        """Whether the store holds no item (one row read, whatever its size)."""
        with self.session() as s:
            return s.scalar(select(Item.id).limit(1)) is None

    def count(self) -> int:
        """Number of stored items."""
        with self.session() as s:
            return s.scalar(select(func.count(Item.id))) or 0


KNOWN = select(Item.url_key).where(Item.url_key.in_(bindparam("keys", expanding=True)))
# One cached statement for every batch (a literal IN list of 200 keys is built and compiled anew each time).
EXISTING = (select(Item).where(Item.url_key.in_(bindparam("keys", expanding=True)))
            .options(selectinload(Item.themes)))
