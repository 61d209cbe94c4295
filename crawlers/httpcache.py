"""Scrapy's HTTP cache: what is kept (RevalidatingPolicy) and where (SqliteCacheStorage, one SQLite file per source)."""
from __future__ import annotations

import logging
import pickle
import sqlite3
from pathlib import Path
from time import time

from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.project import data_path
from scrapy.utils.response import response_from_dict

log = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE IF NOT EXISTS responses (fingerprint BLOB PRIMARY KEY, stored REAL NOT NULL, data BLOB NOT NULL)"


class RevalidatingPolicy(RFC2616Policy):
    """RFC2616Policy keeping what can save a request: a response with a validator (`ETag`, `Last-Modified`: the next
    crawl asks for it conditionally, and a 304 costs a few hundred bytes) or an explicit lifetime, and robots.txt
    whatever its status (crawlers/middlewares.py RobotsCacheMiddleware reuses it for a day). A page with neither is
    fetched in full every night anyway, so its copy would only be read when the site fails, which makes the run
    `failed` all the same; not writing it took 0.3-0.4 s of the crawl process's CPU off 2400 such pages
    (bench/crawl_bench.py's mirror) and keeps a 37 KB page out of the cache file."""

    def should_cache_response(self, response, request) -> bool:
        if urlparse_cached(request).path == "/robots.txt" and response.status != 304 \
                and b"no-store" not in self._parse_cachecontrol(response):
            return True
        return super().should_cache_response(response, request)


class SqliteCacheStorage:
    """Same contract as Scrapy's DbmCacheStorage (the policy, e.g. RFC2616Policy, decides freshness), but a
    response is one `INSERT OR REPLACE` in `<HTTPCACHE_DIR>/<spider>.sqlite` instead of a directory of six
    files. WAL journal, synchronous=OFF: the cache is never fsynced (its checkpoints did, blocking the crawl's
    reactor thread: 145 fsyncs, 0.16 s in a crawl of 2400 pages). A killed crawl loses nothing written; a power
    loss or OS crash may damage the file, and then it is set aside (`<spider>.sqlite.damaged`) and the next crawl
    starts a new cache: it refetches in full, as a first crawl does. A row that cannot be read is a miss. The
    fingerprints stored are read once when the spider opens: a request the cache has never had (all of a first
    crawl's, most of a night's on sites without validators) is a miss without a query."""

    def __init__(self, settings):
        self.cachedir = Path(data_path(settings["HTTPCACHE_DIR"], createdir=True))
        self.expiration_secs = settings.getint("HTTPCACHE_EXPIRATION_SECS")
        self.db: sqlite3.Connection | None = None
        self.stored: set[bytes] = set()  # the fingerprints in the file
        self.path: Path | None = None
        self.source = ""

    def open_spider(self, spider) -> None:
        self.path, self.source = self.cachedir / f"{spider.name}.sqlite", spider.name
        try:
            self.db = connect(self.path)
            self.stored = {fp for (fp,) in self.db.execute("SELECT fingerprint FROM responses")}
        except sqlite3.DatabaseError as exc:
            self.db = self.renewed(exc)
        self.fingerprinter = spider.crawler.request_fingerprinter
        log.debug("Using SQLite cache storage in %s", self.path, extra={"spider": spider})

    def renewed(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """A new, empty cache in place of a damaged one (set aside beside it, its WAL and shared memory deleted);
        `exc` raised again when it says something else (locked, read-only, an I/O error)."""
        if not damaged(exc):
            raise exc
        log.warning("%s: the HTTP cache %s is damaged (%s); it is set aside as %s.damaged and a new one started "
                    "(this crawl fetches every page in full)", self.source, self.path, exc, self.path.name)
        if self.db is not None:
            self.db.close()
        self.path.replace(self.path.with_name(self.path.name + ".damaged"))
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        self.stored = set()
        return connect(self.path)

    def close_spider(self, spider) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def retrieve_response(self, spider, request):
        """The stored response for this request, or None when there is none, it has expired or it cannot be read."""
        fingerprint = self.fingerprinter.fingerprint(request)
        if fingerprint not in self.stored:
            return None
        try:
            row = self.db.execute("SELECT stored, data FROM responses WHERE fingerprint = ?", (fingerprint,)).fetchone()
            if row is None:
                return None
            stored, data = row
            if 0 < self.expiration_secs < time() - stored:
                return None
            response = response_from_dict(pickle.loads(data))  # noqa: S301 (our own cache, as Scrapy's storages)
        except sqlite3.DatabaseError as exc:
            self.db = self.renewed(exc)
            return None
        except Exception as exc:  # noqa: BLE001 - a row that does not unpickle is a miss, as in Scrapy's storages
            log.warning("%s: unreadable HTTP cache entry for %s (%s: %s); fetching it", self.source, request.url,
                        type(exc).__name__, exc)
            return None
        request.meta["cache_timestamp"] = stored
        return response

    def store_response(self, spider, request, response) -> None:
        """Store (or replace) the response for this request (into a new cache if this one turns out damaged)."""
        row = (self.fingerprinter.fingerprint(request), time(), pickle.dumps(response.to_dict(), protocol=4))
        try:
            self.db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?)", row)
        except sqlite3.DatabaseError as exc:
            self.db = self.renewed(exc)
            self.db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?)", row)
        self.stored.add(row[0])


def connect(path: Path) -> sqlite3.Connection:
    """The cache file opened (created if missing), in autocommit (each row its own transaction), never fsynced;
    sqlite3.DatabaseError if it is not a readable cache."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(SCHEMA)
        db.execute("SELECT count(*) FROM (SELECT 1 FROM responses LIMIT 1)").fetchone()
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (not "locked", "readonly" or I/O errors: those are raised)


def damaged(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file is damaged or not a database at all."""
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF in DAMAGED
