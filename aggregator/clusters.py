"""Story clusters in the store: a new item joins a language version's story, else the most similar story of
other sources published within the window (scored in bulk), else starts its own; leads by priority."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, not_, select, true, update
from sqlalchemy.orm import Session

from aggregator import dedup
from aggregator import similar as similar_
from aggregator import window
from aggregator.bulk import BulkInsert
from aggregator.config import Dedup
from aggregator.models import Item, ItemKey

CHUNK = 500  # keys or ids per IN (...) list
ITEMS, KEYS = Item.__table__, ItemKey.__table__
INSERT_KEYS = BulkInsert(KEYS, ("key", "item_id"))


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
    text: str = ""  # the stored fingerprint (Fingerprint.dump()): what aggregator/similar.py reads
    priority: int = 50  # its source's priority (the lead of a story has the highest)
    lead: bool = False
    reason: str = ""  # why it joined its story (a new item, once clustered)
    t: float = field(init=False, repr=False)  # `when` in seconds since 1970

    def __post_init__(self):
        self.t = self.when.timestamp()


@dataclass
class Story:
    """The sources and figures of a story so far (a source tells a story once; figures must agree), and its lead
    as stored (`stored_lead`; `leads` counts the members marked lead, normally one) and as it is now."""

    sources: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    leads: int = 0
    stored_lead: int | None = None
    lead: int | None = None
    lead_priority: int = 0

    def add(self, member: Member) -> None:
        self.sources.add(member.source_id)
        self.numbers |= member.fp.numbers

    def stored(self, source_id: str, numbers: frozenset[str], item_id: int, priority: int, lead: bool) -> None:
        """A stored member."""
        self.sources.add(source_id)
        self.numbers |= numbers
        if lead:
            self.leads += 1
            self.stored_lead = self.lead = item_id
            self.lead_priority = priority

    def written(self) -> Story:
        """A copy of this story as the batch wrote it (its lead now the stored one), for a later batch to start from
        (window.Window.remember)."""
        return Story(set(self.sources), set(self.numbers), self.leads, self.lead, self.lead, self.lead_priority)

    def found(self, member: Member) -> None:
        """A new item starts this story: it is the lead (as inserted)."""
        self.add(member)
        self.lead = self.stored_lead = member.id  # inserted with lead true
        self.lead_priority, self.leads = member.priority, 1

    def joined(self, member: Member) -> None:
        """A new item joins: it takes the lead only with a higher priority (it is the last seen, and the lead so
        far ranks first among the others)."""
        self.add(member)
        if self.lead is not None and member.priority > self.lead_priority:
            self.lead, self.lead_priority = member.id, member.priority


def member_of(item: Item) -> Member:
    """An item as a clustering member."""
    return Member(item.id, item.source_id, item.cluster_id, dedup.load_fingerprint(item.fingerprint),
                  item.published or item.first_seen, item.url_key, list(item.alternates or []), item.fingerprint,
                  item.source_priority)


MEMBER_COLUMNS = [ITEMS.c[name] for name in ("id", "source_id", "cluster_id", "fingerprint", "published",
                                              "first_seen", "url_key", "alternates", "source_priority")]


def in_list():
    """An IN list's values, given at execution (`{"ids": [...]}`): one cached statement for every list."""
    return bindparam("ids", expanding=True)


KEYS_OF = select(KEYS.c.key, KEYS.c.item_id).where(KEYS.c.key.in_(in_list()))
ITEMS_AT = select(ITEMS.c.url_key, ITEMS.c.id).where(ITEMS.c.url_key.in_(in_list()))
MEMBERS_BY_ID = select(*MEMBER_COLUMNS).where(ITEMS.c.id.in_(in_list()))
NOT_LEAD = update(ITEMS).where(ITEMS.c.id.in_(in_list())).values(lead=False)


def chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def lookup(s: Session, keys: set[int]) -> dict[int, set[int]]:
    """Stored items per key, for many keys at once."""
    found: dict[int, set[int]] = defaultdict(set)
    conn = s.connection()
    for part in chunks(sorted(keys)):
        for key, item_id in conn.execute(KEYS_OF, {"ids": part}):
            found[key].add(item_id)
    return found


def add_alternates(s: Session, found: dict[int, set[int]], url_keys: set[str]) -> None:
    """Stored items at these URL keys (a batch's hreflang alternates), under each key's language key: the key
    table holds no row for an item's own URL key (items.url_key answers it), only for its alternates and its
    language-neutral key (rows of older stores for their own URL keys are still found)."""
    conn = s.connection()
    for part in chunks(sorted(url_keys)):
        for key, item_id in conn.execute(ITEMS_AT, {"ids": part}):
            found[dedup.url_key_key(key)].add(item_id)


def load_members(s: Session, ids: set[int]) -> dict[int, Member]:
    """Stored candidates by id."""
    out = {}
    conn = s.connection()
    for part in chunks(sorted(ids)):
        for item in conn.execute(MEMBERS_BY_ID, {"ids": part}):
            out[item.id] = member_of(item)
    return out


class Stories(dict):
    """Story id -> Story, each made when first asked for (most stories a batch could meet, it never reads): as an
    earlier batch left it (`known`, window.Window.remember), else from its stored members: those in the pool, then
    those read from the store (in that order, as stored)."""

    def __init__(self, in_pool: dict[int, list[Member]], outside: dict[int, list[tuple]],
                 known: dict[int, Story] | None = None):
        super().__init__()
        self.in_pool, self.outside, self.known = in_pool, outside, known or {}

    def __missing__(self, cluster_id: int) -> Story:
        kept = self.known.get(cluster_id)
        if kept is not None:
            story = self[cluster_id] = kept.written()  # (a copy: this batch changes it)
            return story
        story = self[cluster_id] = Story()
        for m in self.in_pool.get(cluster_id, ()):
            story.stored(m.source_id, m.fp.numbers, m.id, m.priority, m.lead)
        for source_id, fp, item_id, priority, lead in self.outside.get(cluster_id, ()):
            story.stored(source_id, dedup.load_fingerprint(fp).numbers, item_id, priority, lead)
        return story


def load_stories(s: Session, cluster_ids: set[int], pool: list[Member], spans: list[tuple[int, int]],
                 known: dict[int, Story] | None = None) -> Stories:
    """Sources, figures and leads of these stories: as `known` (stories written by earlier batches), else from
    their members in the pool (every stored item of the `spans` of dates) and the others read from the store."""
    known = known or {}
    cluster_ids = {c for c in cluster_ids if c not in known}
    if not cluster_ids:  # (every one met before: no walk of the pool, no query)
        return Stories({}, {}, known)
    in_pool: dict[int, list[Member]] = defaultdict(list)
    for m in pool:
        if m.cluster_id in cluster_ids:
            in_pool[m.cluster_id].append(m)
    outside: dict[int, list[tuple]] = defaultdict(list)
    conn, bounds = s.connection(), window.span_values(spans)
    for part in chunks(sorted(cluster_ids)):
        for cid, *row in conn.execute(outside_query(len(spans)), {"ids": part, **bounds}).all():
            outside[cid].append(row)
    return Stories(in_pool, outside, known)


@lru_cache(maxsize=64)
def outside_query(count: int):
    """The members of some stories (`ids`) dated outside `count` spans of days (`window.span_values`)."""
    c = ITEMS.c
    beyond = not_(window.within(count)) if count else true()
    return select(c.cluster_id, c.source_id, c.fingerprint, c.id, c.source_priority, c.lead) \
        .where(c.cluster_id.in_(in_list()), beyond)


def choose(me: Member, versions: list[Member], candidates: Iterable[tuple[float, Member]], stories: Stories,
           settings: Dedup) -> tuple[int | None, str]:
    """The story this item joins and why: a language version's (found by language keys), else the most similar
    story of another source that `dedup.decide` lets it join (ties: the lowest id); (None, '') if none.
    `candidates` come with their `dedup.similarity` score, best first (then the lowest id)."""
    for c in versions:
        why = dedup.language_link(me.url_key, me.alternates, c.url_key, c.alternates)
        if why:
            return c.cluster_id, f"language version of item {c.id} ({c.source_id}): {why}"
    for score, c in candidates:  # best first: the first that may join wins
        story = stories[c.cluster_id]
        if c.source_id == me.source_id or me.source_id in story.sources:
            continue  # a source tells a story once (its other languages are joined above)
        gap = abs((me.when - c.when).total_seconds()) // 86400
        if gap > settings.window_days or score < settings.threshold:
            continue
        d = dedup.decide(me.fp, c.fp, gap, frozenset(story.numbers), settings)
        if d.join:
            return c.cluster_id, f"joined item {c.id} ({c.source_id}): {d.reason}"
    return None, ""


def near(keys: list[int], index: dict[int, set[int]], members: dict[int, Member]) -> list[Member]:
    """The stored and batch items sharing any of these keys, by id."""
    ids: set[int] = set()
    for k in keys:
        ids.update(index.get(k, ()))
    return sorted((members[i] for i in ids if i in members), key=lambda m: m.id)


def assign(s: Session, mine: list[Member], settings: Dedup, insert: Callable[[], None],
           recent: window.Window | None = None) -> None:
    """Give each new item (its id given, not yet stored) its story, reason and lead, then have `insert` write them
    (storewrite.NewItems.insert), store their language keys, and re-elect the touched stories' leads. Similar
    items are every item of another source published within the window (exact, no sampling), scored for the
    whole batch at once (aggregator/similar.py); `recent` keeps the days read."""
    recent = recent or window.Window()
    lang = {m.id: dedup.language_keys(m.url_key, m.alternates) for m in mine}
    found = lookup(s, {k for ks in lang.values() for k in ks})
    add_alternates(s, found, {a for m in mine for a in m.alternates})
    versions = load_members(s, {i for ids in found.values() for i in ids})
    spans = window.day_spans([m.when for m in mine], settings.window_days)
    pool = recent.pool(s, spans, exclude=set(lang))
    alike = similar_.candidates(mine, pool, settings)
    wanted = {m.cluster_id for m in versions.values()} \
        | {c.cluster_id for c in alike.members if c.cluster_id is not None}
    stories = load_stories(s, wanted, pool, spans, recent.stories)
    rows, joined = [], []
    for me, candidates in zip(mine, alike):
        cluster, reason = choose(me, near(lang[me.id], found, versions), candidates, stories, settings)
        me.cluster_id, me.reason = cluster or me.id, reason
        if cluster:
            joined.append((me.id, cluster, reason))
            stories[cluster].joined(me)
        else:
            stories[me.id].found(me)
        versions[me.id] = me
        own = dedup.url_key_key(me.url_key)
        rows += [(k, me.id) for k in lang[me.id] if k != own]  # (its own URL key: items.url_key)
        for k in lang[me.id]:
            found[k].add(me.id)  # later items of the batch find it
    write(s, mine, joined, rows, stories, recent, insert)


def write(s: Session, mine: list[Member], joined: list[tuple[int, int, str]], keys: list[tuple[int, int]],
          stories: dict[int, Story], recent: window.Window, insert: Callable[[], None]) -> None:
    """Store the new items with their stories (`joined`: id, story, reason; the others their own), the language
    keys (key, id) and the leads: a joiner is not the lead unless it outranks the story's; a story whose stored
    leads are not exactly one is elected again in full."""
    conn = s.connection()
    for m in mine:
        m.lead = stories[m.cluster_id].lead == m.id  # (a founder deposed later in the batch is not)
    insert()
    touched = {cluster: stories[cluster] for _, cluster, _ in joined}.values()
    new = {m.id for m in mine}
    deposed = [st.stored_lead for st in touched
               if st.leads == 1 and st.stored_lead not in (None, st.lead) and st.stored_lead not in new]
    for part in chunks(deposed):
        conn.execute(NOT_LEAD, {"ids": part})
    INSERT_KEYS.run(conn, keys)
    recent.add(mine)
    recent.remember(stories)  # (the leads as written: `again` below clears it)
    for item_id in deposed:
        recent.set_lead(item_id, False)
    again = {cluster for _, cluster, _ in joined if stories[cluster].leads != 1}
    if again:
        elect_leads(s, again)
        recent.clear()  # leads changed beyond what it knows


def elect_leads(s: Session, cluster_ids: set[int]) -> None:
    """Mark one lead per story: the highest source priority, then the first seen, then the lowest id."""
    s.flush()
    conn, c = s.connection(), ITEMS.c
    for part in chunks(sorted(cluster_ids)):
        rows = conn.execute(select(c.id, c.cluster_id, c.source_priority, c.first_seen, c.lead)
                            .where(c.cluster_id.in_(part))).all()
        best: dict[int, tuple] = {}
        for r in rows:
            rank = (-r.source_priority, r.first_seen, r.id)
            if r.cluster_id not in best or rank < best[r.cluster_id]:
                best[r.cluster_id] = rank
        leads = {rank[2] for rank in best.values()}
        on = [r.id for r in rows if r.id in leads and not r.lead]
        off = [r.id for r in rows if r.id not in leads and r.lead]
        for ids, value in ((on, True), (off, False)):
            if ids:  # Core: the session holds no item whose lead it will write back (it flushed above)
                conn.execute(update(ITEMS).where(c.id.in_(ids)).values(lead=value))
