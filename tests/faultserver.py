"""A fault-injecting HTTP server on loopback (stdlib): 5xx, slowness, resets, short bodies, hostile bytes."""
from __future__ import annotations

import argparse
import socket
import struct
import threading
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_SLEEP = 10.0  # no request ever sleeps longer than this
MB = 1024 * 1024
TEASER = '<li class="teaser"><a href="{href}">{title}</a> <span class="date">{date}</span><p>{summary}</p></li>'


def listing(teasers: list[tuple[str, str]], head: str = "", summary: str = "About it.") -> str:
    """A listing page of (href, title) teasers, dated 1 March 2026, in the layout the test sources read."""
    items = "".join(TEASER.format(href=h, title=t, date="1 March 2026", summary=summary) for h, t in teasers)
    return f'<!DOCTYPE html><html lang="en"><head>{head}<title>News</title></head><body><ul class="news">{items}' \
           f'</ul></body></html>'


def two_pages(server: "FaultServer", prefix: str, first: int) -> str:
    """A listing of two pages under `/<prefix>/`: `first` "Conservation grant N" teasers and a `a.next` link to
    page 2 (two "Older news N"); returns page 2's path, for a hook that holds it."""
    pager = f'<a class="next" href="/{prefix}/page2/">Next</a></body>'
    page1 = listing([(f"/{prefix}/a{n}", f"Conservation grant {n}") for n in range(first)]).replace("</body>", pager)
    server.page(f"/{prefix}/news/", page1)
    server.page(f"/{prefix}/page2/", listing([(f"/{prefix}/b{n}", f"Older news {n}") for n in range(2)]))
    return f"/{prefix}/page2/"


class FaultHandler(BaseHTTPRequestHandler):
    """Every path is either a page registered on the server or one of the fault endpoints below."""

    protocol_version = "HTTP/1.1"
    server: FaultServer

    def log_message(self, *_args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        parts = urlsplit(self.path)
        self.server.count(parts.path)
        hook = self.server.hooks.get(parts.path)
        if hook:
            hook()
        page = self.server.pages.get(parts.path)
        if page is not None:
            return self.send(200, *page)
        name = parts.path.strip("/").split("/")[-1]
        handler = getattr(self, "fault_" + name.replace("-", "_"), None)
        if handler is None:
            return self.send(404, b"not found", "text/plain")
        handler(parse_qs(parts.query), parts.path)

    def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def fault_500(self, _q, _path):
        self.send(500, b"<html><body>Internal error</body></html>")

    def fault_flaky(self, _q, path):
        """503 on the first two hits of this path, then a listing."""
        if self.server.hits[path] <= 2:
            return self.send(503, b"busy", "text/plain", {"Retry-After": "0"})
        self.send(200, listing([(f"{path}item", "Flood salvage training")]).encode())

    def fault_slow(self, q, _path):
        """Sleep before the headers (capped, and cut short when the server stops)."""
        self.server.stopping.wait(min(float(q.get("s", ["5"])[0]), MAX_SLEEP))
        self.send(200, listing([("/late", "Too late")]).encode())

    def fault_slow_body(self, q, _path):
        """Headers at once, then one byte per second (capped): the download timeout covers the whole body."""
        body = listing([("/drip", "Dripped item")]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for n in range(int(min(float(q.get("s", ["5"])[0]), MAX_SLEEP))):
                self.wfile.write(body[n:n + 1])
                self.wfile.flush()
                if self.server.stopping.wait(1):
                    return
        except (BrokenPipeError, ConnectionResetError):
            pass

    def fault_reset(self, _q, _path):
        """TCP RST instead of a response."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def fault_truncated(self, _q, path):
        """A complete-looking listing, but Content-Length promises more than is sent."""
        body = listing([(f"{path}item", "Partial item")]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body) + 1000))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def fault_loop(self, _q, path):
        self.redirect(path.replace("/loop", "/loop2"))

    def fault_loop2(self, _q, path):
        self.redirect(path.replace("/loop2", "/loop"))

    def fault_offsite(self, _q, _path):
        self.redirect(f"http://127.0.0.2:{self.server.server_address[1]}/offsite-target/")

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def fault_huge(self, _q, _path):
        """50 MB announced by Content-Length."""
        self.stream(50 * MB, {"Content-Length": str(50 * MB)})

    def fault_huge_noclen(self, _q, _path):
        """50 MB streamed without Content-Length (ends when the connection closes)."""
        self.close_connection = True
        self.stream(50 * MB, {"Connection": "close"})

    def stream(self, size: int, headers: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        try:
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def fault_gzipbomb(self, _q, _path):
        """200 MB of zeros, gzip-encoded (about 200 KB on the wire)."""
        self.send(200, self.server.gzip_bomb(), headers={"Content-Encoding": "gzip"})


class FaultServer(ThreadingHTTPServer):
    """Serves registered pages and fault endpoints; counts hits per path; lives at most `lifetime` seconds."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, lifetime: float = 600):
        if not host.startswith("127."):
            raise ValueError(f"the fault server binds loopback addresses only, not {host}")
        super().__init__((host, port), FaultHandler)
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.hooks: dict[str, object] = {}
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._bomb: bytes | None = None
        self.timer = threading.Timer(lifetime, self.stop)
        self.timer.daemon = True

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def count(self, path: str) -> None:
        with self.lock:
            self.hits[path] += 1

    def page(self, path: str, body: bytes | str, ctype: str = "text/html; charset=utf-8") -> None:
        """Serve these bytes (a str is UTF-8 encoded) at a path."""
        self.pages[path] = (body.encode() if isinstance(body, str) else body, ctype)

    def gzip_bomb(self) -> bytes:
        if self._bomb is None:
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
            zeros = bytes(MB)
            self._bomb = b"".join(comp.compress(zeros) for _ in range(200)) + comp.flush()
        return self._bomb

    def start(self) -> FaultServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.timer.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.timer.cancel()
        self.shutdown()
        self.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def main() -> None:
    """By hand: `python tests/faultserver.py --port 8765 --lifetime 300` (exits on its own)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--lifetime", type=float, default=300)
    args = ap.parse_args()
    with FaultServer(args.host, args.port, args.lifetime) as server:
        print(f"fault server on {server.base} for {args.lifetime:.0f} s")
        while not server.stopping.wait(1):
            pass


if __name__ == "__main__":
    main()
