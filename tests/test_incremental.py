"""Nightly crawls over loopback: the second night is cheap, and silent breakage is caught and reported."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import feedparser
import pytest

from aggregator.snapshot import SnapshotServer
from aggregator.store import Store
from tests import feedcheck
from tests.minisite import MiniSite

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
ITEMS = [(f"/news/{n}", f"Flood salvage training {n}", f"{10 + n} March 2026") for n in range(1, 4)]


@contextmanager
def first_night(tmp_path):
    """A mini site listing ITEMS, served on loopback meanwhile, crawled once: (site, config)."""
    site = MiniSite(tmp_path)
    site.listing("/news/", ITEMS)
    with SnapshotServer(root=site.web) as server:
        config = site.config(server.address, ["/news/"])
        assert site.run(config).returncode == 0
        yield site, config


def test_second_night_is_cheap_on_the_snapshot_web(demo):
    """Nothing changed between the two demo runs: few requests, almost no bytes, no article page again."""
    from sqlalchemy import select

    from aggregator.models import CrawlRun

    with Store(demo["db"]).session() as s:
        runs = list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    half = len(runs) // 2
    first, second = runs[:half], runs[half:]
    assert {r.status for r in runs} == {"ok"}
    assert sum(r.bytes for r in second) <= 0.05 * sum(r.bytes for r in first)
    assert sum(r.requests for r in second) <= 0.25 * sum(r.requests for r in first)
    nemo = {r.source_id: r for r in second}["nemo-news"]
    assert nemo.requests <= 2 and nemo.items_new == 0  # listing page 1 (a 304), no article page


def test_p15_redesign_is_degraded_and_feeds_keep_their_items(tmp_path):
    with first_night(tmp_path) as (site, config):
        before = (tmp_path / "feeds" / "all.atom").read_bytes()
        # Same URL, new markup: the selectors match nothing any more.
        site.page("/news/", "<html><body><div class='cards'>" + "".join(
            f"<div class='card'><h3><a href='{h}'>{t}</a></h3></div>" for h, t, _ in ITEMS) + "</div></body></html>")
        proc = site.run(config)
    assert proc.returncode == 1
    assert "museumfeeds: mini: degraded: listing_empty: 1 listing page(s) returned 200 with no teaser" in proc.stderr
    assert (tmp_path / "feeds" / "all.atom").read_bytes() == before  # subscribers keep their items
    health = feedparser.parse((tmp_path / "feeds" / "health.atom").read_bytes())
    assert [e.title for e in health.entries] == ["Mini museum: degraded (listing_empty)"]
    feedcheck.require_tools()
    feedcheck.strict([tmp_path / "feeds" / "health.atom", tmp_path / "feeds" / "all.atom"])
    feedcheck.jing([tmp_path / "feeds" / "health.atom"])
    assert site.status(config)["mini"]["status"] == "degraded"


def test_dead_site_is_failed_even_when_the_cache_has_a_copy(tmp_path):
    with first_night(tmp_path) as (site, config):
        pass  # the server stops after the first night
    proc = site.run(config)  # the server is gone: connection refused
    assert proc.returncode == 1
    assert "museumfeeds: mini: failed: connection refused for 127.0.0.1" in proc.stderr
    assert "(only cached copies read)" in proc.stderr
    assert Store(f"sqlite:///{tmp_path}/db/store.db").count() == 3


@pytest.mark.parametrize("status", [200, 403])
def test_bot_challenge_is_named(tmp_path, status):
    site = MiniSite(tmp_path)
    site.page("/news/", "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
                        "<div id='cf-chl-widget'>Checking your browser</div></body></html>", status=status)
    with SnapshotServer(root=site.web) as server:
        proc = site.run(site.config(server.address, ["/news/"]))
    assert proc.returncode == 1
    assert "bot_challenge: " in proc.stderr and "answered with a bot challenge or cookie wall" in proc.stderr


def test_pagination_stops_at_a_page_of_known_items(tmp_path):
    site = MiniSite(tmp_path)
    site.listing("/news/", ITEMS[2:], next_href="/news/page/2/")
    site.listing("/news/page/2/", ITEMS[:2], next_href="/news/page/3/")
    site.listing("/news/page/3/", [("/news/0", "Older item", "1 March 2026")])
    with SnapshotServer(root=site.web) as server:
        config = site.config(server.address, ["/news/"], max_pages=5)
        assert site.run(config).returncode == 0
        server.hits.clear()
        # One new item pushes the newest known one to page 2; page 2 then holds only known items.
        site.listing("/news/", [("/news/4", "Earthquake relief fund opens", "20 March 2026")], next_href="/news/page/2/")
        site.listing("/news/page/2/", ITEMS[::-1], next_href="/news/page/3/")
        assert site.run(config).returncode == 0
        second = dict(server.hits)
    assert second == {"http://127.0.0.1/news/": 1, "http://127.0.0.1/news/page/2/": 1}  # page 3 not fetched
    titles = [e.title for e in feedparser.parse((tmp_path / "feeds" / "all.atom").read_bytes()).entries]
    assert titles[0] == "Earthquake relief fund opens" and len(titles) == 5


def test_p08_robots_txt_obeyed_under_concurrency(tmp_path):
    """P-08: many requests wait for robots.txt at once; the disallowed one must never be fetched."""
    site = MiniSite(tmp_path)
    site.page("/robots.txt", "User-agent: *\nDisallow: /private\n")
    paths = [f"/section{n}/" for n in range(8)]
    for n, path in enumerate(paths):
        site.listing(path, [(f"{path}item", f"Item {n}", "1 March 2026")])
    site.listing("/private/x/", [("/private/y", "Secret", "1 March 2026")])
    with SnapshotServer(root=site.web) as server:
        proc = site.run(site.config(server.address, paths + ["/private/x/"]))
        hits = dict(server.hits)
    assert not [url for url in hits if "/private" in url], hits
    assert hits["http://127.0.0.1/robots.txt"] == 1
    assert sum(1 for url in hits if "/section" in url) == 8  # the allowed ones were all read
    assert proc.returncode == 1  # a configured listing that robots.txt forbids is worth an operator's look
    assert "degraded: http_errors: Forbidden by robots.txt: http://" in proc.stderr


def test_a_damaged_http_cache_costs_one_full_fetch_not_the_run(tmp_path):
    """A power loss can damage the (never fsynced) cache: the next night warns, sets it aside, fetches in full."""
    with first_night(tmp_path) as (site, config):
        cache = tmp_path / "db" / "httpcache" / "mini.sqlite"
        cache.write_bytes(b"\x00" * 4096 + cache.read_bytes()[4096:])  # its header page lost
        for suffix in ("-wal", "-shm"):
            cache.with_name(cache.name + suffix).unlink(missing_ok=True)
        proc = site.run(config)
    assert proc.returncode == 0, proc.stderr  # (the warning is in the log: `museumfeeds -v run`)
    assert cache.with_name("mini.sqlite.damaged").exists()
    with sqlite3.connect(cache) as db:  # a new cache, filled by this night's fetches
        assert db.execute("SELECT count(*) FROM responses").fetchone()[0] >= 1
    assert site.status(config)["mini"]["status"] == "ok"
    assert Store(f"sqlite:///{tmp_path}/db/store.db").count() == 3
