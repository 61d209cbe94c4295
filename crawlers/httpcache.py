"""SqliteCacheStorage: Scrapy's HTTP cache as one SQLite file per source, one row written per response."""
from __future__ import annotations

import logging
import pickle
import sqlite3
from pathlib import Path
from time import time

from scrapy.utils.project import data_path
from scrapy.utils.response import response_from_dict

log = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE IF NOT EXISTS responses (fingerprint BLOB PRIMARY KEY, stored REAL NOT NULL, data BLOB NOT NULL)"


class SqliteCacheStorage:
    """Same contract as Scrapy's DbmCacheStorage (the policy, e.g. RFC2616Policy, decides freshness), but a
    response is one `INSERT OR REPLACE` in `<HTTPCACHE_DIR>/<spider>.sqlite` instead of a directory of six
    files. WAL journal, synchronous=NORMAL: a crash loses at most the last few rows, never the file."""

    def __init__(self, settings):
        self.cachedir = Path(data_path(settings["HTTPCACHE_DIR"], createdir=True))
        self.expiration_secs = settings.getint("HTTPCACHE_EXPIRATION_SECS")
        self.db: sqlite3.Connection | None = None

    def open_spider(self, spider) -> None:
        path = self.cachedir / f"{spider.name}.sqlite"
        self.db = sqlite3.connect(path, isolation_level=None)  # autocommit: each row is its own transaction
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(SCHEMA)
        self.fingerprinter = spider.crawler.request_fingerprinter
        log.debug("Using SQLite cache storage in %s", path, extra={"spider": spider})

    def close_spider(self, spider) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def retrieve_response(self, spider, request):
        """The stored response for this request, or None when there is none or it has expired."""
        row = self.db.execute("SELECT stored, data FROM responses WHERE fingerprint = ?",
                              (self.fingerprinter.fingerprint(request),)).fetchone()
        if row is None:
            return None
        stored, data = row
        if 0 < self.expiration_secs < time() - stored:
            return None
        request.meta["cache_timestamp"] = stored
        return response_from_dict(pickle.loads(data))  # noqa: S301 (our own cache, as Scrapy's storages)

    def store_response(self, spider, request, response) -> None:
        """Store (or replace) the response for this request."""
        self.db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?)",
                        (self.fingerprinter.fingerprint(request), time(), pickle.dumps(response.to_dict(), protocol=4)))
