"""The stored items of the days around a batch, and the stories met, for clustering: read by date through
ix_items_when, and kept between batches on SQLite while no other connection has written (PRAGMA data_version);
always read on PostgreSQL."""
from __future__ import annotations

import bisect
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from aggregator import dedup
from aggregator.models import Item

if TYPE_CHECKING:
    from aggregator.clusters import Member, Story

ITEMS = Item.__table__
WHEN = func.coalesce(ITEMS.c.published, ITEMS.c.first_seen)  # as Member.when; indexed (ix_items_when)
COLUMNS = [ITEMS.c.id, ITEMS.c.source_id, ITEMS.c.cluster_id, ITEMS.c.fingerprint, WHEN.label("when"),
           ITEMS.c.source_priority, ITEMS.c.lead]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def day_spans(whens: list[datetime], days: int) -> list[tuple[int, int]]:
    """The whole days within `days` (and a day's rounding) of any of these dates, as few [first, last] spans."""
    centres = {dedup.day_number(w) for w in whens}
    return runs(sorted({d for c in centres for d in range(c - days - 1, c + days + 2)}))


@lru_cache(maxsize=64)
def within(count: int):
    """SQL: the item's date falls on one of `count` spans of days, bound at execution as `span_values` gives them
    (one expression, and so one compiled statement, per count: building and compiling it was 0.5-1 ms a batch)."""
    return or_(*(and_(WHEN >= bindparam(f"lo{k}"), WHEN < bindparam(f"hi{k}")) for k in range(count)))


def span_values(spans: list[tuple[int, int]]) -> dict[str, datetime]:
    """The bound values of `within(len(spans))`: each span's first moment and the moment after it."""
    out = {}
    for k, (a, b) in enumerate(spans):
        out[f"lo{k}"], out[f"hi{k}"] = EPOCH + timedelta(days=a), EPOCH + timedelta(days=b + 1)
    return out


class Window:
    """Members by day, each loaded day complete (every stored item of that day, its story and lead as stored)."""

    def __init__(self, limit: int = 60_000):  # members (about 2 KB each, most of it the fingerprint sets)
        self.days: dict[int, list[Member]] = {}
        self.where: dict[int, int] = {}  # item id -> its day
        self.stories: dict[int, Story] = {}  # story id -> the story as stored (`remember`)
        self.token: tuple | None = None
        self.limit = limit

    def pool(self, s: Session, spans: list[tuple[int, int]], exclude: set[int]) -> list[Member]:
        """The stored items of these days but `exclude`, by date."""
        conn = s.connection()
        token = version(conn)
        if token is None or token != self.token or len(self.where) > self.limit or len(self.stories) > self.limit:
            self.clear()
            self.token = token
        wanted = [d for a, b in spans for d in range(a, b + 1)]
        missing = [d for d in wanted if d not in self.days]
        if missing:
            self.load(conn, runs(missing), exclude)
        return [m for d in wanted for m in self.days[d]]

    def load(self, conn, spans: list[tuple[int, int]], exclude: set[int]) -> None:
        from aggregator.clusters import Member

        for a, b in spans:
            for d in range(a, b + 1):
                self.days[d] = []
        load = dedup.load_fingerprint
        rows = conn.execute(select(*COLUMNS).where(within(len(spans))), span_values(spans))
        for i, source, cluster, fp, when, priority, lead in rows:
            if i not in exclude:
                self.put(Member(i, source, cluster, load(fp), when, "", [], fp, priority, lead))

    def put(self, m: Member) -> None:
        day = dedup.day_number(m.when)
        if day in self.days:
            bisect.insort(self.days[day], m, key=lambda x: x.t)
            self.where[m.id] = day

    def add(self, members: list[Member]) -> None:
        """New items, with their story and lead, once they are written."""
        for m in members:
            self.put(m)

    def set_lead(self, item_id: int, lead: bool) -> None:
        for m in self.days.get(self.where.get(item_id, -1 << 40), ()):
            if m.id == item_id:
                m.lead = lead

    def remember(self, stories: dict[int, Story]) -> None:
        """Stories as written (each complete: every member's source and figures, its lead): a later batch meeting
        one again needs no read of its members."""
        for cluster_id, story in stories.items():
            self.stories[cluster_id] = story.written()

    def forget(self, item_ids: list[int], whens: list[datetime]) -> None:
        """Items changed in the store (date, source): the days they were and are on are read again when needed,
        and so is every story (theirs changed sources or figures)."""
        if item_ids:
            self.stories.clear()
        days = {self.where.get(i) for i in item_ids} | {dedup.day_number(w) for w in whens}
        for day in days - {None}:
            for m in self.days.pop(day, ()):
                self.where.pop(m.id, None)

    def clear(self) -> None:
        self.days.clear()
        self.where.clear()
        self.stories.clear()


def runs(days: list[int]) -> list[tuple[int, int]]:
    """Sorted day numbers as [first, last] runs."""
    out: list[list[int]] = []
    for d in days:
        if out and d == out[-1][1] + 1:
            out[-1][1] = d
        else:
            out.append([d, d])
    return [(a, b) for a, b in out]


def version(conn) -> tuple | None:
    """What says the store is unchanged by others since we last looked: the SQLite connection and its
    data_version (which changes when another connection commits); None where there is none (PostgreSQL)."""
    if conn.dialect.name != "sqlite":
        return None
    raw = conn.connection.dbapi_connection
    return id(raw), conn.execute(text("PRAGMA data_version")).scalar()
