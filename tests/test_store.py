"""The store: one row per URL key, stable feed ids and first-seen, updates on change, crawl runs; both dialects."""
from datetime import datetime, timedelta, timezone

from aggregator.store import Incoming, Store

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


def incoming(n: int, **changes) -> Incoming:
    base = dict(source_id="src", url=f"https://ex.org/n/{n}", url_key=f"ex.org/n/{n}", title=f"Title {n}",
                summary=f"<p>Summary {n}</p>", summary_text=f"Summary {n}", image=None, categories=["News"],
                language="en", published=T0 - timedelta(days=n), themes={"digitisation": 'term "digital" in title'})
    base.update(changes)
    return Incoming(**base)


def test_p19_upsert_is_idempotent(store_url):
    store = Store(store_url)
    assert store.upsert([incoming(i) for i in range(5)], now=T0) == (5, 0)
    first = {i.url_key: (i.feed_id, i.first_seen, i.updated) for i in store.latest()}
    assert store.upsert([incoming(i) for i in range(5)], now=T0 + timedelta(days=1)) == (0, 5)
    again = {i.url_key: (i.feed_id, i.first_seen, i.updated) for i in store.latest()}
    assert again == first
    assert store.count() == 5
    assert all(i.last_seen == T0 + timedelta(days=1) for i in store.latest())


def test_p19_change_updates_content_but_not_identity(store_url):
    store = Store(store_url)
    store.upsert([incoming(1)], now=T0)
    before = store.latest()[0]
    later = T0 + timedelta(hours=5)
    store.upsert([incoming(1, title="Title 1 (corrected)", themes={})], now=later)
    after = store.latest()[0]
    assert (after.feed_id, after.first_seen) == (before.feed_id, before.first_seen)
    assert after.title == "Title 1 (corrected)" and after.updated == later
    assert after.themes == []


def test_duplicates_inside_one_batch_store_once(store_url):
    store = Store(store_url)
    assert store.upsert([incoming(1), incoming(1, title="dup")], now=T0) == (1, 0)
    assert store.count() == 1


def test_latest_orders_newest_first_and_filters_by_theme(store_url):
    store = Store(store_url)
    store.upsert([incoming(i, themes={} if i % 2 else {"wellbeing": "x"}) for i in range(6)], now=T0)
    assert [i.url_key for i in store.latest(limit=3)] == ["ex.org/n/0", "ex.org/n/1", "ex.org/n/2"]
    assert [i.url_key for i in store.latest(theme="wellbeing")] == ["ex.org/n/0", "ex.org/n/2", "ex.org/n/4"]


def test_undated_items_sort_by_first_seen(store_url):
    store = Store(store_url)
    store.upsert([incoming(1, published=None)], now=T0)
    store.upsert([incoming(2)], now=T0 + timedelta(days=3))
    assert [i.url_key for i in store.latest()] == ["ex.org/n/1", "ex.org/n/2"]


def test_runs_recorded_and_stale_run_marked_crashed(store_url):
    store = Store(store_url)
    stale = store.start_run("src", now=T0)
    run = store.start_run("src", now=T0 + timedelta(days=1))
    store.finish_run(run, status="ok", reason="", items_seen=3, items_new=1)
    from sqlalchemy import select

    from aggregator.models import CrawlRun

    with store.session() as s:
        rows = {r.id: r for r in s.scalars(select(CrawlRun))}
    assert rows[stale].status == "crashed" and "ended before finishing" in rows[stale].reason
    assert store.last_runs()["src"].id == run and store.last_runs()["src"].items_new == 1


def test_same_url_from_two_sources_is_owned_by_priority_not_by_order(store_url):
    """Content comes from the higher-priority source whichever crawl stored it first; later runs change nothing."""
    store = Store(store_url)
    orders = {1: (("low", 10), ("high", 90)), 2: (("high", 90), ("low", 10))}
    for n, order in orders.items():
        for h, (sid, prio) in enumerate(order):
            store.upsert([incoming(n, source_id=sid, priority=prio, title=f"from {sid}")], now=T0 + timedelta(hours=h))
    before = {i.url_key: (i.source_id, i.title, i.updated) for i in store.latest()}
    assert {k: v[:2] for k, v in before.items()} == {"ex.org/n/1": ("high", "from high"),
                                                     "ex.org/n/2": ("high", "from high")}
    for n, order in orders.items():
        for sid, prio in order:
            store.upsert([incoming(n, source_id=sid, priority=prio, title=f"from {sid}")], now=T0 + timedelta(days=2))
    assert {i.url_key: (i.source_id, i.title, i.updated) for i in store.latest()} == before


def test_feed_ids_are_distinct_time_ordered_version_7_uuids():
    import time
    import uuid

    from aggregator import storewrite
    from aggregator.storewrite import feed_ids

    before = int(time.time() * 1000)
    ids = feed_ids(500, "urn:uuid:") + feed_ids(300, "urn:uuid:")
    uuids = [uuid.UUID(i[9:]) for i in ids]
    assert len(set(ids)) == 800 and all(i.startswith("urn:uuid:") for i in ids)
    assert {u.version for u in uuids} == {7} and {u.variant for u in uuids} == {uuid.RFC_4122}
    assert ids == sorted(ids)  # in order within a call and across calls
    assert before <= uuids[0].int >> 80 <= int(time.time() * 1000) + 1  # 48 bits of Unix milliseconds
    rand = bytes(range(256)) * 2  # 32 ids, each byte position taking 32 values
    storewrite._last_id[:] = [0, -1]
    want = []
    for k in range(32):  # as uuid.UUID builds it: milliseconds, version 7 and counter, variant, random bits
        value = (1_700_000_000_000 << 80) | (0x7 << 76) | (k << 64) | int.from_bytes(rand[16 * k + 8:16 * k + 16])
        want.append("x:" + str(uuid.UUID(int=value & ~(0x3 << 62) | (0x2 << 62))))
    assert feed_ids(32, "x:", rand, now_ms=1_700_000_000_000) == want
    assert feed_ids(0, "x:") == []
    storewrite._last_id[:] = [1_700_000_000_000, 4094]  # the counter's overflow carries into the milliseconds
    over = [uuid.UUID(i) for i in feed_ids(3, "", now_ms=1_700_000_000_000)]
    assert [(u.int >> 80, u.int >> 64 & 0xFFF) for u in over] == [(1_700_000_000_000, 4095), (1_700_000_000_001, 0),
                                                                   (1_700_000_000_001, 1)]


def test_spider_known_keys_agree_with_store_known(store_url):
    """crawlers.known.known_keys (plain SQL on SQLite) answers what Store.known answers."""
    from crawlers.known import MAX_KEYS, known_keys

    store = Store(store_url)
    store.upsert([incoming(i) for i in range(5)], now=T0)
    keys = [f"ex.org/n/{i}" for i in range(3, 8)]
    assert known_keys(store, keys) == store.known(keys) == {"ex.org/n/3", "ex.org/n/4"}
    assert known_keys(store, []) == set()
    many = keys + [f"ex.org/x/{i}" for i in range(MAX_KEYS)]
    assert known_keys(store, many) == {"ex.org/n/3", "ex.org/n/4"}


def test_rhythm_last_new_item_and_latest_dates(store_url):
    """A source's last new item is its latest first-seen time, unless the caller has just stored one (`new_at`:
    a crawl that stored new items, which then needs no scan of the source); the latest dates either way."""
    store = Store(store_url)
    store.upsert([incoming(i) for i in range(3)], now=T0)
    store.upsert([incoming(i) for i in range(3, 5)], now=T0 + timedelta(days=2))
    store.upsert([incoming(9, source_id="other")], now=T0 + timedelta(days=5))
    last_new, dates = store.rhythm("src", sample=3)
    assert last_new.replace(tzinfo=timezone.utc) == T0 + timedelta(days=2)
    assert [d.replace(tzinfo=timezone.utc) for d in dates] == [T0, T0 - timedelta(days=1), T0 - timedelta(days=2)]
    now = T0 + timedelta(days=7)
    assert store.rhythm("src", sample=3, new_at=now) == (now, dates)
