"""The HTTP cache storage: rows round-trip, the file is never fsynced, and a damaged file or row costs a refetch, not the crawl."""
from __future__ import annotations

import logging
import pickle
import sqlite3
from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.request import RequestFingerprinter

from crawlers.httpcache import RevalidatingPolicy, SqliteCacheStorage, damaged

URL = "https://icom.museum/en/news/page/2/"


def opened(tmp_path, name: str = "icom-news") -> tuple[SqliteCacheStorage, SimpleNamespace]:
    storage = SqliteCacheStorage(Settings({"HTTPCACHE_DIR": str(tmp_path), "HTTPCACHE_EXPIRATION_SECS": 0}))
    spider = SimpleNamespace(name=name, crawler=SimpleNamespace(request_fingerprinter=RequestFingerprinter()))
    storage.open_spider(spider)
    return storage, spider


def page(body: bytes = b"<html><body><h3>Webinar</h3></body></html>") -> tuple[Request, HtmlResponse]:
    request = Request(URL)
    return request, HtmlResponse(URL, body=body, headers={"ETag": '"abc"'}, request=request)


def test_a_stored_response_comes_back_and_the_file_is_never_fsynced(tmp_path):
    storage, spider = opened(tmp_path)
    request, response = page()
    storage.store_response(spider, request, response)
    again = storage.retrieve_response(spider, Request(URL))
    assert again.body == response.body and again.headers[b"ETag"] == b'"abc"'
    assert storage.db.execute("PRAGMA synchronous").fetchone()[0] == 0  # OFF
    assert storage.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert storage.retrieve_response(spider, Request(URL + "?other")) is None
    storage.close_spider(spider)


def test_a_response_stored_by_an_earlier_crawl_comes_back(tmp_path):
    """The fingerprints a cache holds are read when the spider opens (a request it never had is a miss without a
    query): what an earlier crawl stored is found, and so is what this one stores."""
    storage, spider = opened(tmp_path)
    request, response = page()
    storage.store_response(spider, request, response)
    storage.close_spider(spider)
    storage, spider = opened(tmp_path)
    assert storage.stored == {spider.crawler.request_fingerprinter.fingerprint(Request(URL))}
    assert storage.retrieve_response(spider, Request(URL)).body == response.body
    assert storage.retrieve_response(spider, Request(URL + "?other")) is None
    other = Request(URL + "?other")
    storage.store_response(spider, other, HtmlResponse(other.url, body=b"<p>2</p>", request=other))
    assert storage.retrieve_response(spider, Request(URL + "?other")).body == b"<p>2</p>"
    storage.close_spider(spider)


def test_a_damaged_cache_file_is_set_aside_and_a_new_one_started(tmp_path, caplog):
    (tmp_path / "icom-news.sqlite").write_bytes(b"not a database " * 500)  # as a power loss may leave it
    with caplog.at_level(logging.WARNING, logger="crawlers.httpcache"):
        storage, spider = opened(tmp_path)
    assert "icom-news: the HTTP cache" in caplog.text and "damaged" in caplog.text
    assert (tmp_path / "icom-news.sqlite.damaged").read_bytes().startswith(b"not a database")
    assert storage.retrieve_response(spider, Request(URL)) is None  # an empty cache: the page is fetched
    request, response = page()
    storage.store_response(spider, request, response)
    assert storage.retrieve_response(spider, Request(URL)).body == response.body
    storage.close_spider(spider)


def test_a_row_that_does_not_unpickle_is_a_miss_naming_the_source(tmp_path, caplog):
    storage, spider = opened(tmp_path, "nemo-news")
    request, response = page()
    storage.store_response(spider, request, response)
    storage.db.execute("UPDATE responses SET data = ?", (pickle.dumps({"status": 200})[:-3],))  # truncated
    with caplog.at_level(logging.WARNING, logger="crawlers.httpcache"):
        assert storage.retrieve_response(spider, Request(URL)) is None
    assert "nemo-news: unreadable HTTP cache entry for " + URL in caplog.text
    assert not (tmp_path / "nemo-news.sqlite.damaged").exists()  # one bad row: the file stays
    storage.close_spider(spider)


def errors(code: int, cls=sqlite3.DatabaseError):
    exc = cls("as SQLite raised it")
    exc.sqlite_errorcode = code
    return exc


@pytest.mark.parametrize(("exc", "is_damaged"), [
    (errors(11), True),            # SQLITE_CORRUPT: "database disk image is malformed"
    (errors(26), True),            # SQLITE_NOTADB: "file is not a database"
    (errors(11 | 256), True),      # an extended code of SQLITE_CORRUPT (SQLITE_CORRUPT_VTAB)
    (errors(5, sqlite3.OperationalError), False),   # SQLITE_BUSY: another crawl writes it; not set aside
    (errors(8, sqlite3.OperationalError), False),   # SQLITE_READONLY
    (errors(10, sqlite3.OperationalError), False),  # SQLITE_IOERR
    (sqlite3.DatabaseError("no code"), False),
])
def test_only_corruption_sets_a_cache_aside(exc, is_damaged):
    assert damaged(exc) is is_damaged


def test_a_locked_cache_is_not_taken_for_a_damaged_one(tmp_path, monkeypatch):
    path = tmp_path / "icom-news.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    storage = SqliteCacheStorage(Settings({"HTTPCACHE_DIR": str(tmp_path)}))
    spider = SimpleNamespace(name="icom-news", crawler=SimpleNamespace(request_fingerprinter=RequestFingerprinter()))
    original = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: original(*a, **{**k, "timeout": 0.05}))  # no 5 s wait
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        storage.open_spider(spider)
    holder.execute("ROLLBACK")
    holder.close()
    assert path.exists() and not (tmp_path / "icom-news.sqlite.damaged").exists()


@pytest.mark.parametrize(("path", "status", "headers", "kept"), [
    ("/en/news/", 200, {"ETag": '"a1"'}, True),                        # revalidated with If-None-Match
    ("/en/news/", 200, {"Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"}, True),
    ("/en/news/", 200, {"Cache-Control": "max-age=600"}, True),        # fresh for ten minutes
    ("/en/news/", 200, {}, False),                                     # refetched in full anyway
    ("/en/news/", 200, {"ETag": '"a1"', "Cache-Control": "no-store"}, False),
    ("/robots.txt", 404, {}, True),                                    # reused for a day (RobotsCacheMiddleware)
    ("/robots.txt", 200, {}, True),
    ("/robots.txt", 200, {"Cache-Control": "no-store"}, False),
    ("/robots.txt", 304, {}, False),
])
def test_the_cache_keeps_what_can_save_a_request(path, status, headers, kept):
    policy = RevalidatingPolicy(Settings({"HTTPCACHE_ALWAYS_STORE": False}))
    request = Request("https://icom.museum" + path)
    response = HtmlResponse(request.url, status=status, headers=headers, body=b"<html></html>", request=request)
    assert policy.should_cache_response(response, request) is kept
