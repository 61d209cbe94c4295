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


def test_feed_ids_are_distinct_version_4_uuids():
    import uuid

    from aggregator.storewrite import feed_ids

    ids = feed_ids(500, "urn:uuid:")
    assert len(set(ids)) == 500 and all(i.startswith("urn:uuid:") for i in ids)
    assert {uuid.UUID(i[9:]).version for i in ids} == {4}
    rand = bytes(range(256)) * 2  # 32 ids, each byte position taking 32 values
    want = ["x:" + str(uuid.UUID(bytes=rand[k:k + 16], version=4)) for k in range(0, 512, 16)]
    assert feed_ids(32, "x:", rand) == want
    assert feed_ids(0, "x:") == []


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
