"""Publishing: deterministic bytes, stable ids, newest first, themes as categories, valid for readers."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from aggregator.config import load_config
from aggregator.publish import publish, write_atomic
from aggregator.store import Incoming, Store

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


def incoming(n, **kw):
    data = dict(source_id="src", url=f"https://ex.org/n/{n}", url_key=f"ex.org/n/{n}", title=f"Title {n} & co",
                summary=f'<p>Summary <a href="https://ex.org/x" rel="noopener noreferrer">{n}</a></p>',
                summary_text=f"Summary {n}", image=None, categories=[], language="en",
                published=T0 - timedelta(days=n), themes={"wellbeing": 'term "wellbeing" in title'} if n % 2 else {})
    data.update(kw)
    return Incoming(**data)


@pytest.fixture
def setup(tmp_path):
    import yaml

    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({
        "feeds": {"base_url": "https://feeds.example.org/", "max_items": 5},
        "themes": {"wellbeing": {"title": "Wellbeing"}, "digitisation": {"title": "Digitisation"}},
        "sources": [{"id": "src", "name": "Source & Co", "url": "https://ex.org/",
                     "list": {"item": "li", "title": "a", "link": "a@href"}}]}))
    config = load_config(cfg)
    store = Store(f"sqlite:///{tmp_path}/db.sqlite")
    store.upsert([incoming(i) for i in range(8)], now=T0)
    return config, store, tmp_path / "feeds"


def test_rebuild_is_byte_identical(setup):
    config, store, out = setup
    first = {str(p.relative_to(out)): p.read_bytes() for p in publish(store, config, out)}
    second = {str(p.relative_to(out)): p.read_bytes() for p in publish(store, config, out)}
    assert first == second
    names = ("all", "wellbeing", "digitisation", "sources/src")
    assert set(first) == {f"{n}.{x}" for n in names for x in ("atom", "rss", "json")} | {"feeds.opml", "index.html",
                                                                                     "health.atom"}


def test_feed_contents(setup):
    config, store, out = setup
    publish(store, config, out)
    atom = feedparser.parse((out / "all.atom").read_bytes())
    assert not atom.bozo
    assert [e.title for e in atom.entries] == [f"Title {n} & co" for n in range(5)]  # newest first, max_items
    assert atom.feed.updated == T0.isoformat()  # from the data, not the clock
    ids = [e.id for e in atom.entries]
    assert len(set(ids)) == 5 and all(i.startswith("urn:uuid:") for i in ids)
    well = feedparser.parse((out / "wellbeing.rss").read_bytes())
    assert [e.title for e in well.entries] == [f"Title {n} & co" for n in (1, 3, 5, 7)]
    assert well.entries[0].tags[0].term == "Wellbeing"  # RSS shows the label; its domain is the scheme
    atom_well = feedparser.parse((out / "wellbeing.atom").read_bytes())
    assert (atom_well.entries[0].tags[0].term, atom_well.entries[0].tags[0].label) == ("wellbeing", "Wellbeing")
    assert well.entries[0].guidislink is False
    assert well.entries[0].author == "Source & Co"
    root = etree.fromstring((out / "all.atom").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:link[@rel='self']", ns).get("href") == "https://feeds.example.org/all.atom"
    assert root.find("a:entry/a:summary", ns).get("type") == "html"


def test_ids_survive_url_change(setup):
    config, store, out = setup
    publish(store, config, out)
    before = [e.id for e in feedparser.parse((out / "all.atom").read_bytes()).entries]
    store.upsert([incoming(0, url="https://ex.org/n/0?moved=1")], now=T0 + timedelta(hours=1))
    publish(store, config, out)
    after = [e.id for e in feedparser.parse((out / "all.atom").read_bytes()).entries]
    assert after == before


def test_p26_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "all.atom"
    write_atomic(path, b"old")

    def boom(*_a):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["all.atom"]


def test_entry_says_why_it_was_tagged(setup):
    config, store, out = setup
    publish(store, config, out)
    entry = feedparser.parse((out / "wellbeing.atom").read_bytes()).entries[0]
    assert entry.summary.endswith('<p><small>Tagged: Wellbeing (term "wellbeing" in title)</small></p>')


def test_retag_moves_items_between_theme_feeds_and_nothing_else(setup, tmp_path):
    """A rule change reaches the feeds at the next publish; entries keep their ids and dates."""
    import yaml

    from aggregator.tagging import compile_themes, tag

    config, store, out = setup
    publish(store, config, out)
    before = {p.name: feedparser.parse(p.read_bytes()) for p in out.glob("*.atom")}
    data = yaml.safe_load(open(config.path))
    data["themes"]["digitisation"]["terms"] = {"en": ["title 2"]}  # a new rule: item 2 is digitisation
    data["themes"]["wellbeing"]["terms"] = {"en": ["title 1", "title 3", "title 5"]}  # item 7 leaves wellbeing
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(data))
    compiled = compile_themes(load_config(tmp_path / "new.yaml").themes)
    # items 1, 3, 5 change reason, 2 gains digitisation, 7 loses wellbeing
    assert store.retag(lambda i: tag(compiled, i.title, "", [], "en")) == (5, 1, 1)
    assert store.retag(lambda i: tag(compiled, i.title, "", [], "en")) == (0, 0, 0)  # idempotent
    publish(store, load_config(tmp_path / "new.yaml"), out)
    after = {p.name: feedparser.parse(p.read_bytes()) for p in out.glob("*.atom")}
    titles = {name: [e.title for e in f.entries] for name, f in after.items()}
    assert titles["digitisation.atom"] == ["Title 2 & co"]
    assert titles["wellbeing.atom"] == ["Title 1 & co", "Title 3 & co", "Title 5 & co"]
    old = {e.id: (e.title, e.published, e.updated) for e in before["all.atom"].entries}
    assert {e.id: (e.title, e.published, e.updated) for e in after["all.atom"].entries} == old
