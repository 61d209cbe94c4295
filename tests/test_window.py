"""The clustering window kept between batches (aggregator/window.py) changes no decision, and is dropped when
another connection writes."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from aggregator import window
from aggregator.models import Item
from aggregator.store import Store
from tests.test_clusters import STATEMENT, T0, inc

TEMPLATES = ["{m} opens a new gallery of {c} in {p}", "{m} receives a grant to digitise its {c}",
             "Call for papers: {c} and communities in {p}", "{m} returns {c} to {p} after restitution talks"]
FILLS = {"m": ["The National Museum", "City Museum", "Museo Civico"], "c": ["textiles", "ceramics", "maps"],
         "p": ["Lyon", "Gdansk", "Porto"]}


def batches(seed: int):
    """Four sources, 120 items each over 80 days, 40 at a time per source (as a crawl sends them)."""
    rng = random.Random(seed)
    per_source = {}
    for src in ("a-news", "b-news", "c-news", "d-news"):
        items = []
        for k in range(120):
            fill = {key: rng.choice(vals) for key, vals in FILLS.items()}
            title = rng.choice(TEMPLATES).format(**fill)
            items.append(inc(f"https://{src}.example.org/news/{k}", title, title + " Read the announcement.",
                             source=src, days=-(k * 2 // 3), priority=rng.choice((40, 50, 60))))
        per_source[src] = items
    for start in range(0, 120, 40):
        for src, items in per_source.items():
            yield items[start:start + 40]


def outcome(store: Store) -> dict:
    with store.session() as s:
        rows = s.execute(select(Item.url_key, Item.cluster_id, Item.lead, Item.cluster_reason, Item.id)).all()
    key_of = {r.id: r.url_key for r in rows}
    return {r.url_key: (key_of[r.cluster_id], r.lead, r.cluster_reason) for r in rows}


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_window_decides_as_a_window_read_each_time(tmp_path, monkeypatch, seed):
    kept = Store(f"sqlite:///{tmp_path}/kept.db")
    for n, batch in enumerate(batches(seed)):
        kept.upsert(batch, now=T0 + timedelta(minutes=n))
    assert kept.window.days  # it was kept
    monkeypatch.setattr(window, "version", lambda conn: None)  # as on PostgreSQL: read every time
    fresh = Store(f"sqlite:///{tmp_path}/fresh.db")
    for n, batch in enumerate(batches(seed)):
        fresh.upsert(batch, now=T0 + timedelta(minutes=n))
    got, want = outcome(kept), outcome(fresh)
    assert got == want
    assert sum(1 for cluster, _, _ in want.values() if cluster) and sum(bool(r) for _, _, r in want.values()) > 20


def test_a_write_by_another_connection_drops_the_kept_window(tmp_path):
    url = f"sqlite:///{tmp_path}/store.db"
    first, other = Store(url), Store(url)
    first.upsert([inc("https://icom.museum/en/news/other", "Museum week programme announced", "Programme.")],
                 now=T0)
    assert first.window.days
    other.upsert([inc("https://cimam.org/news/statement", *STATEMENT, source="cimam", priority=50)], now=T0)
    first.upsert([inc("https://icom.museum/en/news/statement", *STATEMENT, days=1)], now=T0 + timedelta(days=1))
    with first.session() as s:
        items = {i.url: i for i in s.scalars(select(Item))}
    assert items["https://icom.museum/en/news/statement"].cluster_id == items["https://cimam.org/news/statement"].id


def test_a_failed_batch_drops_the_kept_window(tmp_path, monkeypatch):
    store = Store(f"sqlite:///{tmp_path}/store.db")
    store.upsert([inc("https://icom.museum/en/news/statement", *STATEMENT)], now=T0)
    assert store.window.days

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("aggregator.clusters.write", broken)
    with pytest.raises(RuntimeError):
        store.upsert([inc("https://cimam.org/news/statement", *STATEMENT, source="cimam")], now=T0)
    assert not store.window.days


def test_kept_stories_are_dropped_when_a_member_changes_source(tmp_path):
    """A story remembered with its sources ({icom-news, cimam}) is read again once the cimam copy is re-crawled from
    another source: cimam's next telling of the story may then join it (a stale memory would refuse it)."""
    store = Store(f"sqlite:///{tmp_path}/store.db")
    store.upsert([inc("https://icom.museum/en/news/statement", *STATEMENT)], now=T0)
    store.upsert([inc("https://cimam.org/news/statement", *STATEMENT, source="cimam", priority=50)], now=T0)
    assert store.window.stories  # remembered
    store.upsert([inc("https://cimam.org/news/statement", *STATEMENT, source="ngo-news", priority=95)],
                 now=T0 + timedelta(hours=1))
    assert not store.window.stories
    store.upsert([inc("https://cimam.org/news/statement-2", *STATEMENT, source="cimam", priority=50, days=1)],
                 now=T0 + timedelta(days=1))
    with store.session() as s:
        items = {i.url: i for i in s.scalars(select(Item))}
    story = items["https://icom.museum/en/news/statement"].cluster_id
    assert items["https://cimam.org/news/statement"].source_id == "ngo-news"
    assert items["https://cimam.org/news/statement-2"].cluster_id == story
