"""Serve the feeds folder over HTTP: feed media types, content ETags, 304s, gzip, caching (Starlette on uvicorn)."""
from __future__ import annotations

# Why this stack: Starlette's StaticFiles already does the risky parts of a static server (safe path resolution
# that stays inside the folder, directory index with slash redirects, 404/405, no directory listings) and its
# GZipMiddleware adds gzip with `Vary: Accept-Encoding`; uvicorn is the reference ASGI server and accepts a socket
# we bind ourselves, so the port is known before serving starts. Both are small, pure Python and well kept. We add
# only what StaticFiles gets wrong for feeds rewritten in place: ETags from the content (its ETag is mtime+size, so
# a same-size rewrite within a clock tick keeps the old one), feed media types, Cache-Control, and dotfiles refused.
import hashlib
import os
import socket
import stat
import threading
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path, PurePath

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

MEDIA_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
}
DEFAULT_MAX_AGE = 3600
GZIP_MIN_SIZE = 500  # GZipMiddleware leaves smaller bodies as they are; the ETag form below must agree


def media_type(path: str) -> str:
    """The Content-Type for a served file, by extension."""
    return MEDIA_TYPES.get(PurePath(path).suffix.lower(), "application/octet-stream")


class ContentHashes:
    """Content hash of each file, kept while its (device, inode, mtime_ns, ctime_ns, size) stays the same."""

    def __init__(self) -> None:
        self._by_path: dict[str, tuple[tuple, str]] = {}

    @staticmethod
    def key(st: os.stat_result) -> tuple:
        return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size

    def get(self, path: str, st: os.stat_result) -> str | None:
        known = self._by_path.get(path)
        return known[1] if known and known[0] == self.key(st) else None

    def put(self, path: str, st: os.stat_result, body: bytes) -> str:
        digest = hashlib.sha256(body).hexdigest()[:32]
        self._by_path[path] = (self.key(st), digest)
        return digest


def etag_matches(etag: str, if_none_match: str) -> bool:
    """Weak comparison, as RFC 9110 asks for If-None-Match."""
    if if_none_match.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag.removeprefix("W/") in tags


def not_modified(headers: Headers, etag: str, mtime: float) -> bool:
    """Whether a conditional GET/HEAD may get 304; If-None-Match wins over If-Modified-Since."""
    if "if-none-match" in headers:
        return etag_matches(etag, headers["if-none-match"])
    try:
        since = parsedate_to_datetime(headers["if-modified-since"])
    except (KeyError, TypeError, ValueError, IndexError):
        return False
    return int(mtime) <= since.replace(tzinfo=since.tzinfo or timezone.utc).timestamp()


def will_gzip(headers: Headers, size: int) -> bool:
    """Whether GZipMiddleware will encode the 200 (its own test), which makes the ETag weak, as nginx does."""
    return "gzip" in headers.get("accept-encoding", "") and size >= GZIP_MIN_SIZE


class FeedFiles(StaticFiles):
    """StaticFiles for the feeds folder: per-request stat and open, content ETags, no dotfiles."""

    def __init__(self, directory: str | Path, max_age: int = DEFAULT_MAX_AGE) -> None:
        super().__init__(directory=directory, html=True)
        self.hashes = ContentHashes()
        self.cache_control = f"public, max-age={max_age}"

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """Refuse dotfiles (the atomic writer's `.name.XXXX` temp files) and any `..` left in the path."""
        if any(part.startswith(".") for part in PurePath(path).parts):
            return "", None
        return super().lookup_path(path)

    def file_response(self, full_path, stat_result, scope, status_code: int = 200):
        """The response is built in a worker thread when sent (file reads must not block the event loop)."""
        return FileVersionResponse(self, str(full_path), status_code)

    def respond(self, path: str, headers: Headers, status_code: int) -> Response:
        """Stat, hash and read through one open file, so the body, ETag and length always belong together."""
        try:
            with open(path, "rb") as file:
                st = os.fstat(file.fileno())
                if not stat.S_ISREG(st.st_mode):
                    return PlainTextResponse("Not Found", status_code=404)
                return self.versioned(path, file, st, headers, status_code)
        except OSError:  # removed or replaced by a directory since the lookup
            return PlainTextResponse("Not Found", status_code=404)

    def versioned(self, path: str, file, st: os.stat_result, headers: Headers, status_code: int) -> Response:
        body = None
        digest = self.hashes.get(path, st)
        if digest is None:
            body = file.read()
            digest = self.hashes.put(path, st, body)
        etag = f'W/"{digest}"' if will_gzip(headers, st.st_size) else f'"{digest}"'
        common = {"etag": etag, "cache-control": self.cache_control}
        if status_code == 200 and not_modified(headers, etag, st.st_mtime):
            vary = {"vary": "Accept-Encoding"} if st.st_size >= GZIP_MIN_SIZE else {}
            return Response(status_code=304, headers=common | vary)
        common["last-modified"] = formatdate(st.st_mtime, usegmt=True)
        # HEAD gets the body too: uvicorn drops it, and the headers (length, encoding) match the GET's
        return Response(file.read() if body is None else body, status_code, common, media_type(path))


class FileVersionResponse:
    """An ASGI response that builds the real one in a worker thread once the request headers are known."""

    def __init__(self, files: FeedFiles, path: str, status_code: int) -> None:
        self.files, self.path, self.status_code = files, path, status_code

    async def __call__(self, scope, receive, send) -> None:
        headers = Headers(scope=scope)
        response = await anyio.to_thread.run_sync(self.files.respond, self.path, headers, self.status_code)
        await response(scope, receive, send)


def make_app(directory: str | Path, max_age: int = DEFAULT_MAX_AGE) -> Starlette:
    """The ASGI app serving `directory` (Starlette turns StaticFiles' 404/405 exceptions into responses)."""
    return Starlette(routes=[Mount("/", app=FeedFiles(directory, max_age))],
                     middleware=[Middleware(GZipMiddleware, minimum_size=GZIP_MIN_SIZE, compresslevel=6)])


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


class FeedServer:
    """uvicorn on a socket bound up front, with the socketserver-like calls commands.py and the tests use."""

    def __init__(self, app, host: str, port: int) -> None:
        self.socket = bind(host, port)
        self.server_address = self.socket.getsockname()
        config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=5)
        self._server = uvicorn.Server(config)
        self._serving = threading.Event()
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        """Serve until shutdown() or Ctrl-C (in the main thread uvicorn stops gracefully, then re-raises it)."""
        self._serving.set()
        try:
            self._server.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self, timeout: float = 30) -> None:
        """Stop serve_forever from another thread and wait until it has returned."""
        self._server.should_exit = True
        if self._serving.is_set():
            self._stopped.wait(timeout)

    def server_close(self) -> None:
        self.socket.close()


def make_server(directory: str | Path, host: str = "127.0.0.1", port: int = 8080,
                max_age: int = DEFAULT_MAX_AGE) -> FeedServer:
    """A server for `directory`, already bound: `server_address` holds the real port before serving starts."""
    return FeedServer(make_app(directory, max_age), host, port)
