"""Serve the feeds folder over HTTP with feed media types (a minimal static server for the demo)."""
from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MEDIA_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


class FeedHandler(SimpleHTTPRequestHandler):
    """Static files with the right feed media types."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server API)
        """Quiet."""


def make_server(directory: str | Path, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """A threaded server for `directory`."""
    handler = functools.partial(FeedHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
