"""Network faults (P-02..P-07, P-09..P-11, P-17): one crawl of many sources, each behind its own fault."""
from __future__ import annotations

import pytest

from tests import feedcheck
from tests.faultcrawl import fault_run, snapshot_rows, source
from tests.faultserver import FaultServer, listing

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(200)]
RETRY_TIMES = 2  # crawlers/settings.py
REDIRECT_MAX_TIMES = 5


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """Every fault at once: each source meets one, `ok` none. Yields the run and the servers' hit counters."""
    tmp = tmp_path_factory.mktemp("faults")
    with FaultServer() as server, FaultServer("127.0.0.2", server.server_address[1]) as offsite:
        b = server.base
        server.page("/robots.txt", "User-agent: *\nDisallow: /private\n", "text/plain")
        for sid in ("ok", "e500", "huge", "bomb"):
            server.page(f"/{sid}/news/", listing([(f"/{sid}/a1", f"Museum news {sid} one"),
                                                  (f"/{sid}/a2", f"Museum news {sid} two")]))
        sources = [
            source("ok", [f"{b}/ok/news/"]),
            source("e500", [f"{b}/e500/news/", f"{b}/e500/500"]),
            source("flaky", [f"{b}/flaky/flaky"]),
            source("slow", [f"{b}/slow/slow?s=30"]),
            source("drip", [f"{b}/drip/slow-body?s=30"]),
            source("reset", [f"{b}/reset/reset"]),
            source("trunc", [f"{b}/trunc/truncated"]),
            source("loop", [f"{b}/rl/loop"]),
            source("offsite", [f"{b}/off/offsite"]),
            source("huge", [f"{b}/huge/huge", f"{b}/huge/huge-noclen", f"{b}/huge/news/"]),
            source("bomb", [f"{b}/bomb/gzipbomb", f"{b}/bomb/news/"]),
            source("dns", ["http://museum.invalid/news/"]),
        ]
        run = fault_run(tmp, sources, b)
        yield run, server.hits, offsite.hits


def test_other_sources_complete_and_nothing_lost(night):
    run, _, _ = night
    assert "Traceback" not in run.proc.stderr, run.proc.stderr
    assert run.proc.returncode == 1, run.proc.stderr
    assert run.run("ok").status == "ok" and len(run.items("ok")) == 3  # its two and the earlier one
    after = snapshot_rows(run.db)
    for key, row in run.seeded.items():
        assert after[key] == row  # earlier items untouched by every fault
    assert len(after) == len(set(r["url"] for r in after.values()))  # nothing duplicated


def test_feeds_still_pass_checks(night):
    run, _, _ = night
    feedcheck.require_tools()
    atom, rss = sorted(run.feeds.rglob("*.atom")), sorted(run.feeds.rglob("*.rss"))
    feedcheck.strict(atom + rss)
    feedcheck.jing(atom)
    feedcheck.jsonfeed(sorted(run.feeds.rglob("*.json")))


def test_p02_5xx_retried_then_reported(night):
    run, hits, _ = night
    assert hits["/e500/500"] == 1 + RETRY_TIMES
    stats = run.stats("e500")
    assert stats["retry/max_reached"] == 1
    assert stats["retry/reason_count/500 Internal Server Error"] == RETRY_TIMES
    r = run.run("e500")
    assert (r.status, r.reason.split(":")[0]) == ("degraded", "http_errors")
    assert "HTTP 500 for http://127.0.0.1" in run.stderr_line("e500")
    assert {i.title for i in run.items("e500")} == {"Earlier item of e500", "Museum news e500 one",
                                                    "Museum news e500 two"}


def test_p03_transient_503_recovers(night):
    run, hits, _ = night
    assert hits["/flaky/flaky"] == 3
    assert run.stats("flaky")["retry/count"] >= 2
    assert run.run("flaky").status == "ok"
    assert [i.title for i in run.items("flaky")].count("Flood salvage training") == 1


def test_p04_slow_server_times_out_within_budget(night):
    run, hits, _ = night
    stats = run.stats("slow")
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"] == 1 + RETRY_TIMES
    assert hits["/slow/slow"] == 1 + RETRY_TIMES
    r = run.run("slow")
    assert r.status == "failed" and r.reason.startswith("timed out for 127.0.0.1"), r.reason
    # The whole night (every source, process start, publishing) within (1 + retries) x 2 s plus generous slack.
    assert run.seconds < (1 + RETRY_TIMES) * 2 + 40


def test_p04_body_dripping_slowly_times_out(night):
    run, hits, _ = night
    assert hits["/drip/slow-body"] == 1 + RETRY_TIMES
    assert run.stats("drip")["downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"] == 3
    r = run.run("drip")
    assert r.status == "failed" and r.reason.startswith("timed out for 127.0.0.1"), r.reason
    assert [i.title for i in run.items("drip")] == ["Earlier item of drip"]


def test_p05_connection_reset_reported(night):
    run, hits, _ = night
    assert hits["/reset/reset"] >= 1 + RETRY_TIMES
    stats = run.stats("reset")
    assert stats["retry/max_reached"] == 1
    assert any(k.startswith("downloader/exception_type_count/") for k in stats)
    r = run.run("reset")
    assert r.status == "failed" and "127.0.0.1" in r.reason and "connection" in r.reason, r.reason


def test_p06_truncated_body_not_parsed(night):
    run, hits, _ = night
    stats = run.stats("trunc")
    assert stats["downloader/exception_type_count/scrapy.exceptions.ResponseDataLossError"] == 1 + RETRY_TIMES
    assert hits["/trunc/truncated"] == 1 + RETRY_TIMES
    assert [i.title for i in run.items("trunc")] == ["Earlier item of trunc"]  # no partial item
    r = run.run("trunc")
    assert r.status == "failed" and r.reason.startswith("truncated response for 127.0.0.1"), r.reason


def test_p07_redirect_loop_capped(night):
    run, hits, _ = night
    assert 2 <= hits["/rl/loop"] + hits["/rl/loop2"] <= REDIRECT_MAX_TIMES + 1
    r = run.run("loop")
    assert r.status == "failed" and r.reason.startswith("redirect loop: http://127.0.0.1"), r.reason


def test_p09_offsite_redirect_dropped(night):
    run, hits, offsite_hits = night
    assert hits["/off/offsite"] == 1
    assert sum(offsite_hits.values()) == 0, offsite_hits
    assert run.stats("offsite")["offsite/filtered"] == 1
    r = run.run("offsite")
    assert r.status == "failed" and r.reason.startswith("redirected off-site to 127.0.0.2"), r.reason
    assert [i.title for i in run.items("offsite")] == ["Earlier item of offsite"]


def test_p09_no_start_request_bypasses_the_offsite_filter(tmp_path):
    import asyncio

    from aggregator.config import load_config
    from crawlers.loader import ConfigSpiderLoader
    from tests.faultcrawl import write_config

    config = write_config(tmp_path, [source("a", ["http://127.0.0.1/x/", "http://127.0.0.1/y/"]),
                                     source("b", ["http://127.0.0.1/z/"], feed="http://127.0.0.1/f.xml")])
    loader = ConfigSpiderLoader({"MUSEUMFEEDS_CONFIG": str(config)})

    async def starts(sid):
        spider = loader.load(sid)()
        extra = list(spider.listing_requests()) if spider.source.feed else []  # the feed's fallback
        return [r async for r in spider.start()] + extra

    requests = [r for sid in ("a", "b") for r in asyncio.run(starts(sid))]
    assert len(requests) == 4 and load_config(config)
    assert not [r.url for r in requests if r.dont_filter or r.meta.get("allow_offsite")]


def peak(stats: dict) -> int:
    """The crawl process's own peak RSS (Scrapy's memusage/max is ru_maxrss, which on Linux starts at the
    parent's peak: pytest's, after hundreds of tests)."""
    return stats["museumfeeds/peak_rss"] or stats["memusage/max"]


@pytest.mark.parametrize("path", ["/huge/huge", "/huge/huge-noclen"])
def test_p10_oversized_page_aborted(night, path):
    run, hits, _ = night
    assert hits[path] >= 1
    stats = run.stats("huge")
    assert peak(stats) < 300 * 1024 * 1024
    r = run.run("huge")
    assert r.status == "degraded" and "download cancelled (response over the size limit)" in r.reason, r.reason
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError"] == 2
    assert any(e.endswith(path + ")") for e in stats["museumfeeds/net/error_list"])
    assert len(run.items("huge")) == 3  # the crawl went on with the source's other listing


def test_p11_gzip_bomb_aborted(night):
    run, hits, _ = night
    assert hits["/bomb/gzipbomb"] >= 1
    stats = run.stats("bomb")
    assert peak(stats) < 300 * 1024 * 1024
    r = run.run("bomb")
    assert r.status == "degraded" and "decompress" in r.reason, r.reason
    assert len(run.items("bomb")) == 3


def test_p17_dns_failure_reported(night):
    run, _, _ = night
    stats = run.stats("dns")
    assert stats["downloader/exception_type_count/scrapy.exceptions.CannotResolveHostError"] >= 1
    r = run.run("dns")
    assert r.status == "failed" and r.reason.startswith("DNS lookup failed for museum.invalid"), r.reason
