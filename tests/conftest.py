"""Shared fixtures: stores on SQLite and (when a server answers) PostgreSQL, the snapshot web server."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

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
