"""Serve the benchmark mirror on 127.0.0.1 from its own process; prints `PORT <n>` once listening.

Two servers, both routing `root/<Host>/<path>` (a path ending in / maps to index.html) like
aggregator/snapshot.py:

* `asyncio` (default): a single-threaded asyncio Protocol, HTTP/1.1 keep-alive, every file preloaded into
  memory. Only the standard library; one core easily serves several thousand 37 KB pages a second.
* `snapshot`: the project's own `aggregator.snapshot.SnapshotServer` (stdlib ThreadingHTTPServer, one thread
  per connection, reads the file, stats a `.headers.json` sidecar and resolves the path on every request).

Usage: python bench/server.py ROOT [--kind asyncio|snapshot] [--cpu N]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_files(root: Path) -> dict[tuple[bytes, bytes], bytes]:
    """Every file under root keyed by (host, url path); `.../index.html` also under `.../`."""
    files: dict[tuple[bytes, bytes], bytes] = {}
    for host_dir in root.iterdir():
        if not host_dir.is_dir():
            continue
        for path in host_dir.rglob("*"):
            if path.is_file():
                rel = "/" + path.relative_to(host_dir).as_posix()
                body = path.read_bytes()
                files[(host_dir.name.encode(), rel.encode())] = body
                if rel.endswith("/index.html"):
                    files[(host_dir.name.encode(), rel[: -len("index.html")].encode())] = body
    return files


NOT_FOUND = b"<html><body><h1>Not found</h1></body></html>"


class MirrorProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 for GET requests without a body; pipelining-safe, keep-alive by default."""

    files: dict[tuple[bytes, bytes], bytes] = {}

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            lines = head.split(b"\r\n")
            try:
                _method, target, _version = lines[0].split(b" ", 2)
            except ValueError:
                self.transport.close()
                return
            host, close = b"", False
            for line in lines[1:]:
                name, _, val = line.partition(b":")
                name = name.strip().lower()
                if name == b"host":
                    host = val.strip().split(b":")[0]
                elif name == b"connection" and val.strip().lower() == b"close":
                    close = True
            path = target.split(b"?", 1)[0]
            body = self.files.get((host, path))
            status = b"200 OK"
            if body is None:
                body, status = NOT_FOUND, b"404 Not Found"
            self.transport.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                                 b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                                 + (b"Connection: close\r\n" if close else b"") + b"\r\n" + body)
            if close:
                self.transport.close()
                return


def serve_asyncio(root: Path, port: int) -> None:
    MirrorProtocol.files = load_files(root)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(MirrorProtocol, "127.0.0.1", port, backlog=512)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        await stop.wait()
        server.close()

    asyncio.run(main())


def serve_snapshot(root: Path, port: int) -> None:
    sys.path.insert(0, str(ROOT))
    from aggregator.snapshot import SnapshotServer

    srv = SnapshotServer(root=root, port=port)
    print(f"PORT {srv.httpd.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        srv.httpd.serve_forever()
    finally:
        srv.httpd.server_close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--kind", choices=("asyncio", "snapshot"), default="asyncio")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    args = ap.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    (serve_asyncio if args.kind == "asyncio" else serve_snapshot)(args.root, args.port)


if __name__ == "__main__":
    main()
