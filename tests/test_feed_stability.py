"""Feed ids and bytes (P-24, P-25): ids minted once and valid, output deterministic, bounded, newest first."""
from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import feedparser
import pytest
import yaml
from lxml import etree

from aggregator.config import load_config
from aggregator.publish import publish
from aggregator.store import Store
from tests.test_publish import T0, incoming

UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def make(tmp_path, max_items: int):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({
        "feeds": {"base_url": "https://feeds.example.org/", "max_items": max_items},
        "themes": {"wellbeing": {"title": "Wellbeing"}},
        "sources": [{"id": "src", "name": "Source", "url": "https://ex.org/",
                     "list": {"item": "li", "title": "a", "link": "a@href"}}]}))
    return load_config(cfg), Store(f"sqlite:///{tmp_path}/db.sqlite"), tmp_path / "feeds"


def ids_of(out, name: str) -> list[str]:
    return [e.id for e in feedparser.parse((out / name).read_bytes()).entries]


def test_p24_feed_ids_stable_and_valid(tmp_path, monkeypatch):
    config, store, out = make(tmp_path, 20)
    store.upsert([incoming(n) for n in range(10)], now=T0)
    publish(store, config, out)
    first = {name: ids_of(out, name) for name in ("all.atom", "all.rss", "wellbeing.atom", "sources/src.rss")}
    assert all(UUID_URN.match(i) for ids in first.values() for i in ids), first
    assert len(set(first["all.atom"])) == 10 and first["all.atom"] == first["all.rss"]
    rss = etree.fromstring((out / "all.rss").read_bytes())
    assert {g.get("isPermaLink") for g in rss.iter("guid")} == {"false"}
    # A moved URL (same identity key), then a canonicaliser that gains a rule, then a re-crawl of everything.
    store.upsert([incoming(3, url="https://www.ex.org/n/3/?utm_source=x")], now=T0 + timedelta(hours=1))
    monkeypatch.setattr("aggregator.urls.TRACKING_NAMES", {"ref", *__import__("aggregator.urls").urls.TRACKING_NAMES})
    store.upsert([incoming(n) for n in range(10)], now=T0 + timedelta(hours=2))
    publish(store, config, out)
    assert {name: ids_of(out, name) for name in first} == first
    assert store.count() == 10


def test_p25_feed_bytes_deterministic_and_bounded(tmp_path):
    config, store, out = make(tmp_path, 50)
    store.upsert([incoming(n, summary=f"<p>{'Long summary text. ' * 50}{n}</p>") for n in range(10_000)], now=T0)
    first = {p.name + str(p.parent): p.read_bytes() for p in publish(store, config, out)}
    time.sleep(1.1)  # a clock-derived date would now differ
    second = {p.name + str(p.parent): p.read_bytes() for p in publish(store, config, out)}
    assert first == second
    for name in ("all.atom", "all.rss", "all.json", "wellbeing.atom"):
        data = (out / name).read_bytes()
        assert len(data) < 1024 * 1024, name
        if name.endswith(".json"):
            dates = [i["date_published"] for i in json.loads(data)["items"]]
            assert len(dates) == 50 and dates == sorted(dates, reverse=True)
            continue
        entries = feedparser.parse(data).entries
        assert 0 < len(entries) <= 50, name
        published = [e.published_parsed for e in entries]
        assert published == sorted(published, reverse=True), name  # newest first
    assert len(feedparser.parse((out / "all.atom").read_bytes()).entries) == 50


@pytest.mark.parametrize("name", ["all.atom", "all.rss"])
def test_p25_feed_date_comes_from_the_data(tmp_path, name):
    config, store, out = make(tmp_path, 5)
    store.upsert([incoming(n) for n in range(3)], now=T0)
    publish(store, config, out)
    feed = feedparser.parse((out / name).read_bytes()).feed
    stamp = feed.get("updated_parsed") or feed.get("published_parsed")
    assert stamp[:6] == T0.timetuple()[:6]
