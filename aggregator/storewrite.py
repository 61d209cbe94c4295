"""The store's row writes: new items and their themes in bulk (aggregator/bulk.py), re-keying, content, themes."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session, selectinload

from aggregator.bulk import BulkInsert
from aggregator.clusters import Member
from aggregator.models import Item, ItemTheme

if TYPE_CHECKING:
    from aggregator.store import Incoming

ITEMS, THEMES = Item.__table__, ItemTheme.__table__


def sort_date(published: datetime | None, first_seen: datetime) -> datetime:
    """The date an item sorts by: its publication date, unless missing or more than a day after first seen."""
    return published if published and published <= first_seen + timedelta(days=1) else first_seen


_last_id = [0, -1]  # (unix milliseconds, counter) of the last feed id made in this process


def feed_ids(n: int, prefix: str, rand: bytes | None = None, now_ms: int | None = None) -> list[str]:
    """n new feed ids: time-ordered (version 7, RFC 9562) UUIDs, 48 bits of Unix milliseconds, a 12-bit counter
    that keeps one process's ids in increasing order, 62 random bits; from one read of the system's random source.
    In order, a batch's ids go side by side into the unique index on feed_id (random version-4 ids each
    landed on another page of it: a few hundred pages written per batch). Formatted as str(uuid.UUID) does."""
    ms = max(int(time.time() * 1000) if now_ms is None else now_ms, _last_id[0])
    first = _last_id[1] + 1 if ms == _last_id[0] else 0
    count = np.arange(first, first + n, dtype=np.int64)
    stamps, count = ms + count // 4096, count % 4096  # the counter's overflow carries into the milliseconds
    if n:
        _last_id[:] = [int(stamps[-1]), int(count[-1])]
    buf = np.frombuffer(bytearray(os.urandom(16 * n) if rand is None else rand), np.uint8).reshape(n, 16)
    buf[:, :6] = (stamps[:, None] >> np.arange(40, -1, -8)) & 0xFF  # big-endian milliseconds
    buf[:, 6] = 0x70 | count >> 8  # the version, then the counter's high bits
    buf[:, 7] = count & 0xFF
    buf[:, 8] = buf[:, 8] & 0x3F | 0x80  # the RFC 9562 variant
    h = buf.tobytes().hex()
    return [f"{prefix}{h[k:k + 8]}-{h[k + 8:k + 12]}-{h[k + 12:k + 16]}-{h[k + 16:k + 20]}-{h[k + 20:k + 32]}"
            for k in range(0, 32 * n, 32)]


NEW_COLUMNS = ("id", "feed_id", "url_key", "url", "source_id", "source_priority", "title", "summary", "image",
               "categories", "language", "published", "first_seen", "last_seen", "updated", "sort_date",
               "content_hash", "cluster_id", "lead", "cluster_reason", "fingerprint", "alternates", "title_key")
INSERT_ITEMS = BulkInsert(ITEMS, NEW_COLUMNS)
INSERT_THEMES = BulkInsert(THEMES, ("item_id", "theme", "reason", "sort_date"))
SORT_DATE = NEW_COLUMNS.index("sort_date")
NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('items', 'id')) FROM generate_series(1, :n)")


def new_row(item_id: int | None, key: str, inc: Incoming, fp_text: str, alternates: list[str], now: datetime,
            feed_id: str, story: int | None = None, lead: bool = True, reason: str = "") -> tuple:
    """A new item's row in NEW_COLUMNS order, as the ORM wrote it: id, feed id, dates, content, source, and what
    clustering reads and decides (its story, lead and reason)."""
    return (item_id, feed_id, key, inc.url, inc.source_id, inc.priority, inc.title, inc.summary, inc.image,
            inc.categories, inc.language, inc.published, now, now, now, sort_date(inc.published, now),
            inc.content_hash, story, lead, reason, fp_text, alternates, inc.title_key)


def new_ids(conn, n: int) -> list[int]:
    """Ids for n new items, increasing: on PostgreSQL from the id sequence; on SQLite the next rowids (a writer
    that inserted meanwhile makes the INSERT fail, and Store.upsert tries the batch again)."""
    if not n:
        return []
    if conn.dialect.name == "postgresql":
        return sorted(conn.execute(NEXT_IDS, {"n": n}).scalars())
    top = conn.execute(select(func.max(ITEMS.c.id))).scalar() or 0
    return list(range(top + 1, top + n + 1))


class NewItems:
    """A batch's new items, given their ids first so that clustering decides before they are written: each row
    goes in once, with its story, lead and reason (no UPDATE of every new row after its INSERT)."""

    def __init__(self, s: Session, fresh: list[tuple[str, Incoming]], now: datetime, prefix: str):
        conn = s.connection()
        fps = [inc.fingerprint for _, inc in fresh]  # derived when the item was made (aggregator/store.py Incoming)
        dumps = [fp.dump() for fp in fps]
        alts = [sorted(set(inc.alternates) - {key}) for key, inc in fresh]
        self.conn, self.fresh, self.now, self.feed_ids = conn, fresh, now, feed_ids(len(fresh), prefix)
        self.members = [Member(i, inc.source_id, None, fp, inc.published or now, key, alt, dump, inc.priority)
                        for i, (key, inc), fp, dump, alt in zip(new_ids(conn, len(fresh)), fresh, fps, dumps, alts)]

    def insert(self) -> None:
        """Write the items (one multi-row INSERT a page of rows) with what clustering set on their members, then
        their themes (one executemany)."""
        rows = [new_row(m.id, key, inc, m.text, m.alternates, self.now, feed_id, m.cluster_id, m.lead, m.reason)
                for m, (key, inc), feed_id in zip(self.members, self.fresh, self.feed_ids)]
        INSERT_ITEMS.run(self.conn, rows)
        INSERT_THEMES.run(self.conn, [(row[0], name, reason, row[SORT_DATE]) for row, (_, inc) in
                                      zip(rows, self.fresh) for name, reason in inc.themes.items()])


REKEY_QUIET = timedelta(minutes=30)  # longer than one source's crawl, shorter than the gap between crawls
# Stored items of these sources and titles published within these dates, through ix_items_rekey_dated: one range
# of dates a source, its titles checked in the index (an IN list of the batch's dates made SQLite seek every pair).
REKEY = (select(ITEMS.c.id, ITEMS.c.source_id, ITEMS.c.title_key, ITEMS.c.published, ITEMS.c.url_key,
                ITEMS.c.last_seen)
         .where(ITEMS.c.title_key.in_(bindparam("titles", expanding=True)),
                ITEMS.c.source_id.in_(bindparam("sources", expanding=True)),
                ITEMS.c.published.between(bindparam("first"), bindparam("last"))).order_by(ITEMS.c.id))


def rekeyed(s: Session, unknown: dict[str, Incoming], batch: set[str], now: datetime) -> dict[str, Item]:
    """Stored items an unknown URL key belongs to: same source, same title and date under an older key (a new
    canonicalisation rule, a changed slug). The item takes the new key and keeps its feed id and first-seen.
    An item seen less than REKEY_QUIET ago is not taken over: it is another item of this same crawl that
    shares title and date (two "Press release" teasers of one day), not an older copy."""
    if not unknown:
        return {}
    wanted = {(inc.source_id, inc.title_key, inc.published): key for key, inc in unknown.items()
              if inc.published is not None}
    if not wanted:
        return {}
    taken = {}  # new key -> id of the item taking it
    days = [day for _, _, day in wanted]
    for r in s.connection().execute(REKEY, {"titles": sorted({t for _, t, _ in wanted}),
                                            "sources": sorted({src for src, _, _ in wanted}),
                                            "first": min(days), "last": max(days)}):
        key = wanted.get((r.source_id, r.title_key, r.published))
        if key and key not in taken and r.url_key not in batch and r.last_seen <= now - REKEY_QUIET:
            taken[key] = r.id
    if not taken:
        return {}
    items = {i.id: i for i in s.scalars(select(Item).where(Item.id.in_(list(taken.values())))
                                        .options(selectinload(Item.themes)))}
    found = {}
    for key, item_id in taken.items():
        items[item_id].url_key = key
        found[key] = items[item_id]
    return found


def apply_content(item: Item, inc: Incoming) -> None:
    """Copy what readers see from an incoming item."""
    item.url, item.title, item.summary = inc.url, inc.title, inc.summary
    item.image, item.categories, item.language = inc.image, inc.categories, inc.language
    item.published, item.content_hash = inc.published, inc.content_hash
    item.sort_date = sort_date(inc.published, item.first_seen)


def set_themes(item: Item, themes: dict[str, str]) -> None:
    """Make the item's themes exactly these, keeping rows that did not change."""
    current = {t.theme: t for t in item.themes}
    for name in set(current) - set(themes):
        item.themes.remove(current[name])
    for name, reason in themes.items():
        row = current.get(name)
        if row is None:
            item.themes.append(ItemTheme(theme=name, reason=reason, sort_date=item.sort_date))
        else:
            row.reason, row.sort_date = reason, item.sort_date
