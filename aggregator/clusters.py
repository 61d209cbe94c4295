"""Story clusters in the store: a new item joins a language version's story, else the most similar story of
other sources found through the band-key index (batched look-ups), else starts its own; leads by priority."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from aggregator import dedup
from aggregator.config import Dedup
from aggregator.models import Item, ItemKey

CHUNK = 500  # keys or ids per IN (...) list
ITEMS, KEYS = Item.__table__, ItemKey.__table__


@dataclass
class Member:
    """What clustering needs of one stored or incoming item."""

    id: int
    source_id: str
    cluster_id: int | None
    fp: dedup.Fingerprint
    when: datetime
    url_key: str
    alternates: list[str]


@dataclass
class Story:
    """The sources and figures of a story so far (a source tells a story once; figures must agree)."""

    sources: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)

    def add(self, member: Member) -> None:
        self.sources.add(member.source_id)
        self.numbers |= member.fp.numbers


def member_of(item: Item) -> Member:
    """An item as a clustering member."""
    return Member(item.id, item.source_id, item.cluster_id, dedup.load_fingerprint(item.fingerprint),
                  item.published or item.first_seen, item.url_key, list(item.alternates or []))


MEMBER_COLUMNS = [ITEMS.c[name] for name in ("id", "source_id", "cluster_id", "fingerprint", "published",
                                              "first_seen", "url_key", "alternates")]


@dataclass
class Keys:
    """A member's index keys: language-version keys, and band keys of its own period (stored) and of the
    periods around it (looked up); the MinHash is computed once for both."""

    lang: list[int]
    own: list[int]
    around: list[int]


def keys_of(m: Member, bands: int) -> Keys:
    """The member's language-version and band keys."""
    day, values = dedup.day_number(m.when), dedup.minhash_values(m.fp, bands)
    lang = dedup.language_keys(m.url_key, m.alternates)
    return Keys(lang, lang + dedup.period_keys(values, day, 0), lang + dedup.period_keys(values, day, 1))


def chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def lookup(s: Session, keys: set[int]) -> dict[int, set[int]]:
    """Stored items per key, for many keys at once."""
    found: dict[int, set[int]] = defaultdict(set)
    conn, c = s.connection(), KEYS.c
    for part in chunks(sorted(keys)):
        for key, item_id in conn.execute(select(c.key, c.item_id).where(c.key.in_(part))):
            found[key].add(item_id)
    return found


def load_members(s: Session, ids: set[int]) -> dict[int, Member]:
    """Stored candidates by id."""
    out = {}
    conn = s.connection()
    for part in chunks(sorted(ids)):
        for item in conn.execute(select(*MEMBER_COLUMNS).where(ITEMS.c.id.in_(part))):
            out[item.id] = member_of(item)
    return out


def load_stories(s: Session, cluster_ids: set[int]) -> dict[int, Story]:
    """Sources and figures of the candidates' stories."""
    stories: dict[int, Story] = defaultdict(Story)
    conn, c = s.connection(), ITEMS.c
    for part in chunks(sorted(cluster_ids)):
        rows = conn.execute(select(c.cluster_id, c.source_id, c.fingerprint).where(c.cluster_id.in_(part)))
        for cid, source_id, fp in rows:
            stories[cid].sources.add(source_id)
            stories[cid].numbers |= dedup.load_fingerprint(fp).numbers
    return stories


def choose(me: Member, versions: list[Member], candidates: list[Member], stories: dict[int, Story],
           settings: Dedup) -> tuple[int | None, str]:
    """The story this item joins and why: a language version's (found by language keys), else the best similar
    one; (None, '') if none."""
    for c in versions:
        why = dedup.language_link(me.url_key, me.alternates, c.url_key, c.alternates)
        if why:
            return c.cluster_id, f"language version of item {c.id} ({c.source_id}): {why}"
    best: tuple[float, Member, str] | None = None
    for c in candidates:
        story = stories[c.cluster_id]
        if c.source_id == me.source_id or me.source_id in story.sources:
            continue  # a source tells a story once (its other languages are joined above)
        gap = abs((me.when - c.when).total_seconds()) // 86400
        if gap > settings.window_days or dedup.similarity(me.fp, c.fp) < settings.threshold:
            continue  # cannot pass (too far apart, or not alike at any gap): spare the full decision
        d = dedup.decide(me.fp, c.fp, gap, frozenset(story.numbers), settings)
        if d.join and (best is None or (d.score, -c.id) > (best[0], -best[1].id)):
            best = (d.score, c, d.reason)
    if best is None:
        return None, ""
    return best[1].cluster_id, f"joined item {best[1].id} ({best[1].source_id}): {best[2]}"


def near(keys: list[int], index: dict[int, set[int]], members: dict[int, Member], ordered: bool = True) -> list[Member]:
    """The stored and batch items sharing any of these keys, by id (unordered if not `ordered`)."""
    ids: set[int] = set()
    for k in keys:
        ids.update(index.get(k, ()))
    found = [members[i] for i in ids if i in members]
    return sorted(found, key=lambda m: m.id) if ordered else found


def assign(s: Session, mine: list[Member], settings: Dedup) -> None:
    """Give each new (inserted) item its story and reason, store its keys, and re-elect the touched stories' leads."""
    keys = {m.id: keys_of(m, settings.bands) for m in mine}
    found = lookup(s, {k for ks in keys.values() for k in ks.around})
    members = load_members(s, {i for ids in found.values() for i in ids})
    stories = load_stories(s, {m.cluster_id for m in members.values()})
    rows, chosen = [], []
    for me in mine:
        mk = keys[me.id]
        cluster, reason = choose(me, near(mk.lang, found, members), near(mk.around, found, members, False),
                                 stories, settings)  # the best candidate does not depend on their order
        me.cluster_id = cluster or me.id
        chosen.append({"b_id": me.id, "b_cluster": me.cluster_id, "b_reason": reason})
        stories[me.cluster_id].add(me)
        members[me.id] = me
        own = sorted(set(mk.own))
        rows += [{"key": k, "item_id": me.id} for k in own]
        for k in own:
            found[k].add(me.id)  # later items of the batch find it
    conn = s.connection()
    conn.execute(update(ITEMS).where(ITEMS.c.id == bindparam("b_id"))
                 .values(cluster_id=bindparam("b_cluster"), cluster_reason=bindparam("b_reason")), chosen)
    for part in chunks(rows, 5000):
        conn.execute(insert(KEYS), part)  # Core executemany: no ORM bulk bookkeeping
    elect_leads(s, {m.cluster_id for m in mine})


def elect_leads(s: Session, cluster_ids: set[int]) -> None:
    """Mark one lead per story: the highest source priority, then the first seen, then the lowest id."""
    s.flush()
    for part in chunks(sorted(cluster_ids)):
        rows = s.execute(select(Item.id, Item.cluster_id, Item.source_priority, Item.first_seen, Item.lead)
                         .where(Item.cluster_id.in_(part))).all()
        best: dict[int, tuple] = {}
        for r in rows:
            rank = (-r.source_priority, r.first_seen, r.id)
            if r.cluster_id not in best or rank < best[r.cluster_id]:
                best[r.cluster_id] = rank
        leads = {rank[2] for rank in best.values()}
        on = [r.id for r in rows if r.id in leads and not r.lead]
        off = [r.id for r in rows if r.id not in leads and r.lead]
        for ids, value in ((on, True), (off, False)):
            if ids:
                s.execute(update(Item).where(Item.id.in_(ids)).values(lead=value)
                          .execution_options(synchronize_session="fetch"))


def members(s: Session, cluster_ids: set[int]) -> dict[int, list[Item]]:
    """The items of these stories, lead first, then by source priority, first seen and id."""
    out: dict[int, list[Item]] = defaultdict(list)
    for part in chunks(sorted(cluster_ids)):
        for item in s.scalars(select(Item).where(Item.cluster_id.in_(part))):
            out[item.cluster_id].append(item)
    for items in out.values():
        items.sort(key=lambda i: (not i.lead, -i.source_priority, i.first_seen, i.id))
    return out


def multi_source(s: Session) -> dict[int, list[Item]]:
    """Every story of more than one item (other sources or languages), as `members` gives them."""
    q = select(Item.cluster_id).group_by(Item.cluster_id).having(func.count(Item.id) > 1)
    return members(s, set(s.scalars(q)))
