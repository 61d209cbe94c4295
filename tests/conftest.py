"""Shared fixtures: stores on SQLite and (when a server answers) PostgreSQL, the snapshot web server."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from aggregator.store import Store

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("MUSEUMFEEDS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3).close()
    except Exception as exc:  # any connection problem means: skip
        return f"no PostgreSQL at {PG_URL}: {str(exc).splitlines()[0]}"
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty store URL on each dialect."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
        return
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    from sqlalchemy import create_engine

    from aggregator.models import Base

    engine = create_engine(PG_URL)
    Base.metadata.drop_all(engine)
    engine.dispose()
    yield PG_URL
    engine = create_engine(PG_URL)
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def snapshot_server():
    """The bundled snapshot web on 127.0.0.1."""
    from aggregator.snapshot import SnapshotServer

    with SnapshotServer() as server:
        yield server


def museumfeeds(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    """The CLI in a fresh process (Twisted's reactor cannot restart within one)."""
    return subprocess.run([sys.executable, "-m", "aggregator.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def feed_files(out: Path) -> dict[str, bytes]:
    """Every feed and the OPML list (the home page shows crawl times, so it changes with each run)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.suffix in (".atom", ".rss", ".json", ".opml")}


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """Two demo runs into one store: the feeds and what each run printed."""
    tmp = tmp_path_factory.mktemp("demo")
    db, out = f"sqlite:///{tmp}/demo.db", tmp / "feeds"
    first = museumfeeds("--db", db, "demo", "--no-serve", "--out", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    snapshot1 = feed_files(out)
    count1 = Store(db).count()
    second = museumfeeds("--db", db, "demo", "--no-serve", "--out", str(out))
    assert second.returncode == 0, second.stdout + second.stderr
    snapshot2 = feed_files(out)
    return {"db": db, "out": out, "runs": (first, second), "files": (snapshot1, snapshot2),
            "counts": (count1, Store(db).count())}


@pytest.fixture(scope="session")
def served(demo):
    """The demo's feeds served over HTTP (newsboat and reader read URLs)."""
    from aggregator.serve import make_server

    server = make_server(demo["out"], "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
