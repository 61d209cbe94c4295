"""End to end: `museumfeeds demo --no-serve` crawls the snapshot web over 127.0.0.1 with the real Scrapy engine."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import yaml

from aggregator.config import load_config
from aggregator.store import Store
from tests import feedcheck
from tests.conftest import museumfeeds
from tests.sitecases import SITES

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config.yaml")
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def expected_items(source_id: str) -> dict[str, dict]:
    """Every teaser a source's fixture cases state, by URL (the article case wins: it has the completed item)."""
    out: dict[str, dict] = {}
    for case in sorted(SITES.glob(f"{source_id}/*.json")):
        data = json.loads(case.read_text())
        for item in data.get("items", []):
            out.setdefault(item["url"], item)
        if "item" in data:
            out[data["item"]["url"]] = data["item"]
    return out


def test_every_source_reached_and_stored(demo):
    runs = Store(demo["db"]).last_runs()
    assert {s.id for s in CONFIG.sources} == set(runs)
    for sid, run in runs.items():
        assert run.status == "ok", f"{sid}: {run.status} {run.reason}"
        assert run.items_seen > 0, sid


@pytest.mark.parametrize("org", ["ICOM", "UNESCO", "NEMO"])
def test_all_feed_has_correct_items_of(demo, org):
    from aggregator.urls import clean_url

    by_name = {s.name: s.id for s in CONFIG.sources if s.org == org}
    feed = feedparser.parse((demo["out"] / "all.atom").read_bytes())
    mine = [e for e in feed.entries if e.author in by_name]
    assert mine, f"no {org} item in the all feed"
    expected = {sid: {clean_url(u): i for u, i in expected_items(sid).items()} for sid in by_name.values()}
    checked = 0
    for entry in mine:
        exp = expected[by_name[entry.author]].get(entry.link)
        if exp is None:
            continue
        checked += 1
        assert entry.title == exp["title"]
        if exp["published"]:
            from datetime import datetime

            assert datetime.fromisoformat(entry.published) == datetime.fromisoformat(exp["published"])
    assert checked, f"none of the {org} entries is stated in a fixture case"


def test_each_theme_feed_has_items(demo):
    for theme in CONFIG.themes:
        feed = feedparser.parse((demo["out"] / f"{theme.id}.atom").read_bytes())
        assert feed.entries, theme.id
        assert all(theme.id in [t.term for t in e.tags] for e in feed.entries)


def test_second_run_changes_nothing(demo):
    assert demo["counts"][0] == demo["counts"][1] > 0
    assert demo["files"][0] == demo["files"][1]
    assert "0 new" in demo["runs"][1].stdout


def test_feeds_pass_validators(demo):
    feedcheck.require_tools()
    out = demo["out"]
    atom, rss, js = sorted(out.rglob("*.atom")), sorted(out.rglob("*.rss")), sorted(out.rglob("*.json"))
    assert len(rss) == len(js) == 1 + len(CONFIG.themes) + len(CONFIG.sources)
    assert len(atom) == len(rss) + 1  # and the health feed
    feedcheck.strict(atom + rss)
    feedcheck.jsonfeed(js)
    feedcheck.feedparser_check([str(p) for p in atom + rss])
    feedcheck.jing(atom)
    feedcheck.opml([out / "feeds.opml"])


@pytest.mark.parametrize("name", ["all.atom", "all.rss", "crisis-response.atom", "digitisation.rss"])
def test_newsboat_reads_every_item(demo, served, name):
    feedcheck.require_tools()
    entries = feedparser.parse((demo["out"] / name).read_bytes()).entries
    items = feedcheck.newsboat_items(served + name)
    assert len(items) == len(entries) > 0
    assert {e.id for e in entries} == {line.split(" | ")[1] for line in items}


def test_reader_library_reads_feeds(demo, served):
    feedcheck.require_tools()
    feedcheck.reader_check([served + "all.atom", served + "all.rss", served + "wellbeing.atom"])


def test_run_offline_reports_each_source_and_exits_1(tmp_path):
    """Sources that cannot be reached each get one line naming the source and the cause; the others go on."""
    from aggregator.snapshot import SnapshotServer

    site = tmp_path / "web" / "127.0.0.1" / "news"
    site.mkdir(parents=True)
    (site / "index.html").write_text('<html lang="en"><body><ul><li><a href="/news/1">Flood response '
                                     'training</a> <span>3 March 2026</span></li></ul></body></html>')
    with SnapshotServer(root=tmp_path / "web") as server:
        config = yaml.safe_load((ROOT / "config.yaml").read_text())
        listing = {"item": "li", "title": "a", "link": "a@href", "date": "span"}
        config["sources"] = [
            {"id": "dead-dns", "url": "https://museums.invalid/news/", "list": listing},
            {"id": "refused", "url": "http://127.0.0.1:9/news/", "list": listing},
            {"id": "alive", "url": f"http://{server.address}/news/", "list": listing},
        ]
        config["crawl"] = {"timeout": 5}
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        proc = museumfeeds("--config", str(path), "--db", f"sqlite:///{tmp_path}/db.sqlite", "run",
                           "--out", str(tmp_path / "feeds"), timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in proc.stderr
    assert lines[0].startswith("museumfeeds: dead-dns: failed: DNS lookup failed for museums.invalid")
    assert lines[1].startswith("museumfeeds: refused: failed: connection refused for 127.0.0.1")
    assert "1 reached, 2 failed" in proc.stdout
    titles = [e.title for e in feedparser.parse((tmp_path / "feeds" / "all.atom").read_bytes()).entries]
    assert titles == ["Flood response training"]


def test_scrapy_list_and_crawl_from_project_root(tmp_path, snapshot_server):
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert sorted(listed.stdout.split()) == sorted(s.id for s in CONFIG.sources)
    handler = "crawlers.snapshot.SnapshotDownloadHandler"
    db = f"sqlite:///{tmp_path}/db.sqlite"
    crawl = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "nemo-news", "-s", f"MUSEUMFEEDS_DB={db}",
         "-s", f"SNAPSHOT_ADDRESS={snapshot_server.address}",
         "-s", "DOWNLOAD_HANDLERS=" + json.dumps({"http": handler, "https": handler}),
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=WARNING"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert crawl.returncode == 0, crawl.stderr
    store = Store(db)
    assert store.count() > 0 and store.last_runs()["nemo-news"].status == "ok"


def test_feed_html_is_safe_and_links_absolute(demo):
    """Every summary in every feed parsed with a tolerant HTML parser: no script, handlers or relative links."""
    from bs4 import BeautifulSoup

    for path in sorted(demo["out"].rglob("*.atom")):
        for entry in feedparser.parse(path.read_bytes(), sanitize_html=False).entries:
            assert entry.link.startswith(("http://", "https://")), entry.link
            soup = BeautifulSoup(entry.get("summary", ""), "html.parser")
            assert not soup.find(["script", "style", "iframe", "object", "embed", "form"]), entry.link
            for tag in soup.find_all(True):
                assert not [a for a in tag.attrs if a.lower().startswith("on")], (entry.link, tag)
                if tag.name == "a" and tag.get("href"):
                    assert tag["href"].startswith(("http://", "https://", "mailto:")), (entry.link, tag)
