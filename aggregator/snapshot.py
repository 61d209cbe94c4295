"""The snapshot web: saved pages of every configured site, served on 127.0.0.1 by their real host names."""
from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "snapshot" / "web"


def path_for(url: str, root: Path = SNAPSHOT_DIR) -> Path:
    """The file holding a URL: `<host>/<path>` (`index.html` for a folder), `@<query>` appended when there is one."""
    parts = urlsplit(url)
    rel = unquote(parts.path).lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index.html"
    elif (root / (parts.hostname or "") / rel).is_dir():
        rel += "/index.html"
    if parts.query:
        rel += "@" + unquote(parts.query)
    target = (root / (parts.hostname or "") / rel).resolve()
    if root.resolve() not in target.parents:
        raise ValueError(f"path escapes the snapshot: {url}")
    return target


def media_type(body: bytes) -> str:
    """Media type by content: RSS, Atom, or HTML."""
    head = body[:500].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed"):
        if b"<rss" in head:
            return "application/rss+xml; charset=utf-8"
        if b"<feed" in head:
            return "application/atom+xml; charset=utf-8"
        return "application/xml; charset=utf-8"
    if head.startswith(b"user-agent") or head.startswith(b"#"):
        return "text/plain; charset=utf-8"
    return "text/html; charset=utf-8"


class SnapshotHandler(BaseHTTPRequestHandler):
    """Serves `root/<Host>/<path>` with an ETag (304 when it matches); a sidecar `<file>.headers.json`
    may set the status and headers."""

    protocol_version = "HTTP/1.1"
    root: Path = SNAPSHOT_DIR
    hits: dict[str, int]
    not_modified: dict[str, int]

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        host = (self.headers.get("Host") or "").split(":")[0]
        url = f"http://{host}{self.path}"
        self.hits[url] = self.hits.get(url, 0) + 1
        try:
            path = path_for(url, self.root)
            body = path.read_bytes()
        except (OSError, ValueError):
            return self.reply(404, b"<html><body><h1>Not found</h1></body></html>", {})
        sidecar = path.with_name(path.name + ".headers.json")
        extra = json.loads(sidecar.read_text()) if sidecar.exists() else {}
        status = extra.pop("status", 200)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        if status == 200 and etag in (self.headers.get("If-None-Match") or ""):
            self.not_modified[url] = self.not_modified.get(url, 0) + 1
            return self.reply(304, b"", {"ETag": etag})
        self.reply(status, body, {"Content-Type": media_type(body), "ETag": etag, **extra})

    def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Send a complete response."""
        self.send_response(status)
        if status != 304:
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
        for key, val in headers.items():
            self.send_header(key, val)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server API)
        """Quiet: the crawl's own log says what was fetched."""


class SnapshotServer:
    """A threaded snapshot server on a loopback address; use as a context manager."""

    def __init__(self, root: Path = SNAPSHOT_DIR, host: str = "127.0.0.1", port: int = 0):
        if not host.startswith("127."):
            raise ValueError("the snapshot web is served on loopback only")
        handler = type("Handler", (SnapshotHandler,), {"root": root, "hits": {}, "not_modified": {}})
        self.hits, self.not_modified = handler.hits, handler.not_modified
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        """`host:port` the server listens on."""
        host, port = self.httpd.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self) -> SnapshotServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
