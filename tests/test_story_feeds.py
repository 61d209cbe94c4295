"""Story feeds: one entry per story with its other sources and languages; ids and dates survive edits."""
import json
from datetime import datetime, timedelta, timezone

import feedparser
import pytest
import yaml

from aggregator.config import load_config
from aggregator.publish import publish
from aggregator.store import Incoming, Store
from tests.feedcheck import jing, require_tools

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TITLE = "ICOM expresses its solidarity with Türkiye and Syria following the earthquakes"
TEXT = ("ICOM expresses its deepest sympathy to the people of Türkiye and Syria after the earthquakes of 6 February, "
        "which damaged museums and heritage sites in the region.")
FR_TITLE = "L'ICOM exprime sa solidarité avec la Türkiye et la Syrie après les séismes"
FR_TEXT = ("L'ICOM exprime sa profonde sympathie au peuple de Türkiye et de Syrie après les séismes du 6 février, qui "
           "ont endommagé musées et sites patrimoniaux.")
SOURCES = [("icom", "ICOM", 90), ("icom-ireland", "ICOM Ireland", 60), ("cimam", "CIMAM", 50)]


def inc(source, url, title=TITLE, text=TEXT, lang="en", days=0, alternates=()):
    prio = {s: p for s, _, p in SOURCES}[source]
    return Incoming(source_id=source, url=url, url_key=url.split("://")[1], title=title, summary=text,
                    summary_text=text, image=None, categories=[], language=lang, published=T0 + timedelta(days=days),
                    themes={}, priority=prio, alternates=[a.split("://")[1] for a in alternates])


@pytest.fixture
def setup(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({
        "feeds": {"base_url": "https://feeds.example.org/"},
        "themes": {"wellbeing": {"title": "Wellbeing"}},
        "sources": [{"id": sid, "name": name, "priority": prio, "url": "https://ex.org/",
                     "list": {"item": "li", "title": "a", "link": "a@href"}} for sid, name, prio in SOURCES]}))
    store = Store(f"sqlite:///{tmp_path}/db.sqlite")
    # The affiliate's copy is seen first; ICOM's own (higher priority) and its French version come a day later.
    store.upsert([inc("cimam", "https://cimam.org/news/solidarity")], now=T0)
    store.upsert([inc("icom", "https://icom.museum/en/news/solidarity", days=1,
                      alternates=["https://icom.museum/fr/news/solidarite"]),
                  inc("icom", "https://icom.museum/fr/news/solidarite", FR_TITLE, FR_TEXT, "fr", days=1),
                  inc("icom-ireland", "https://icom-ireland.ie/news/icom-statement", "ICOM Ireland: " + TITLE,
                      TEXT + " Read the statement on icom.museum.", days=2)], now=T0 + timedelta(days=2))
    return load_config(cfg), store, tmp_path / "feeds"


def entries(out, name="all.atom"):
    return feedparser.parse((out / name).read_bytes()).entries


def test_one_entry_per_story_linking_the_most_authoritative_copy(setup):
    config, store, out = setup
    publish(store, config, out)
    [entry] = entries(out)
    assert entry.link == "https://icom.museum/en/news/solidarity" and entry.title == TITLE
    assert "<p><small>Also published by ICOM Ireland, CIMAM; en, fr</small></p>" in entry.summary
    first = store.find("https://cimam.org/news/solidarity")
    assert entry.id == first.feed_id          # the story keeps the id of its first item
    assert [e.link for e in entries(out, "sources/cimam.atom")] == ["https://cimam.org/news/solidarity"]
    [item] = json.loads((out / "all.json").read_text())["items"]
    assert item["id"] == first.feed_id and "Also published by" in item["content_html"]


def test_story_feeds_are_deterministic(setup):
    config, store, out = setup
    first = {p.name: p.read_bytes() for p in publish(store, config, out)}
    assert {p.name: p.read_bytes() for p in publish(store, config, out)} == first


def test_story_feed_is_valid_atom(setup):
    config, store, out = setup
    publish(store, config, out)
    require_tools()
    jing([out / "all.atom"])


def test_trivial_edit_changes_no_byte_and_substantive_one_marks_updated(setup):
    config, store, out = setup
    publish(store, config, out)
    before = (out / "all.atom").read_bytes()
    later = T0 + timedelta(days=3)
    store.upsert([inc("icom", "https://icom.museum/en/news/solidarity", TITLE.replace("its", "it's"), TEXT, days=1,
                      alternates=["https://icom.museum/fr/news/solidarite"])], now=later)
    publish(store, config, out)
    assert (out / "all.atom").read_bytes() == before
    revised = "ICOM opens an emergency fund for museums in Türkiye and Syria: applications until 30 April."
    store.upsert([inc("icom", "https://icom.museum/en/news/solidarity", TITLE, revised, days=1)], now=later)
    publish(store, config, out)
    [entry] = entries(out)
    assert entry.id == store.find("https://cimam.org/news/solidarity").feed_id
    assert entry.updated_parsed[:3] == later.timetuple()[:3] and "Updated 2026-03-05" in entry.summary
    assert entry.published_parsed[:3] == (T0 + timedelta(days=1)).timetuple()[:3]
