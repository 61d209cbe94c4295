"""Crash safety (P-20, P-21): SIGKILL mid-batch loses only that batch; a locked store fails the run clearly."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import re
import threading
import time

import pytest

from aggregator.store import Store
from tests.conftest import ROOT
from tests.crashwriter import NOW, batch
from tests.faultcrawl import crawl, source, write_config
from tests.faultserver import FaultServer, listing, two_pages

pytestmark = [pytest.mark.timeout(150)]


def runs_of(store: Store, source_id: str):
    """Every run of a source, oldest first."""
    from sqlalchemy import select

    from aggregator.models import CrawlRun

    with store.session() as s:
        return list(s.scalars(select(CrawlRun).where(CrawlRun.source_id == source_id).order_by(CrawlRun.id)))


def wait_for(check, seconds: float, what: str):
    """Poll until check() is truthy (bounded in time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def test_p20_sigkill_inside_a_store_transaction(store_url, tmp_path):
    """The writer dies holding an open transaction: committed batches stay, the open one vanishes, replay is exact."""
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-m", "tests.crashwriter", store_url, str(marker), "3"], cwd=ROOT)
    try:
        wait_for(marker.exists, 60, "the writer to enter its fourth batch")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    if store_url.startswith("sqlite"):
        path = store_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = Store(store_url)
    assert store.count() == 300  # three committed batches, nothing of the fourth
    assert store.known([f"w.org/n/{i}" for i in range(300, 400)]) == set()
    new = sum(store.upsert(batch(n), now=NOW)[0] for n in range(4))
    assert new == 100 and store.count() == 400
    store.start_run("w")
    assert [r.status for r in runs_of(store, "w")] == ["crashed", "running"]


@pytest.fixture
def kill_site():
    """Page 1 (five items) answers at once; page 2 hangs (bounded) until released."""
    release = threading.Event()
    with FaultServer() as server:
        server.hooks[two_pages(server, "kill", 5)] = lambda: release.wait(20)
        yield server, release
        release.set()


def test_p20_sigkill_mid_crawl_then_next_run_completes(tmp_path, kill_site):
    server, release = kill_site
    config = write_config(tmp_path, [source("kill", [f"{server.base}/kill/news/"], next_page="a.next")])
    db = f"sqlite:///{tmp_path}/db/store.db"
    cmd = [sys.executable, "-m", "tests.crawlrun", str(config), db, str(tmp_path / "feeds"),
           '{"STORE_BATCH_SIZE": 3, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": false}']
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: server.hits["/kill/page2/"], 60, "the crawl to ask for page 2")
        time.sleep(0.5)  # page 1's five items went through the pipeline: one batch of 3 committed, 2 pending
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    with sqlite3.connect(f"{tmp_path}/db/store.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = Store(db)
    wait_for(lambda: store.count() == 3, 10, "the store worker to drain what it had (then it exits: EOF)")
    time.sleep(0.5)
    assert store.count() == 3
    assert store.last_runs()["kill"].status == "running"
    release.set()
    second = crawl(tmp_path, config)
    assert second.returncode == 0, second.stderr
    runs = runs_of(store, "kill")
    assert [r.status for r in runs] == ["crashed", "ok"]
    assert runs[0].reason == "the crawl process ended before finishing"
    titles = sorted(i.title for i in store.latest(limit=100))
    assert titles == sorted([f"Conservation grant {n}" for n in range(5)] + ["Older news 0", "Older news 1"])


def test_p21_concurrent_writer_busy(tmp_path):
    """Another writer holds the store longer than the busy timeout: bounded retries, a clear failure, no lost
    batch (the next run stores it), and readers (the feed builder) are never blocked under WAL."""
    with FaultServer() as server:
        server.page("/locked/news/", listing([(f"/locked/a{n}", f"Museum night {n}") for n in range(3)]))
        path = tmp_path / "db" / "store.db"
        db = f"sqlite:///{path}?timeout=1"
        config = write_config(tmp_path, [source("locked", [f"{server.base}/locked/news/"])])
        Store(db).upsert(batch(0, 2), now=NOW)
        holder, read = hold_lock_on_hit(server, path, db, seconds=12)
        started = time.monotonic()
        first = crawl(tmp_path, config, {"STORE_BATCH_SIZE": 1, "STORE_LOCKED_DELAY": 0.5}, timeout=90, db=db)
        holder.join(20)
        elapsed = time.monotonic() - started
        stored_meanwhile = Store(db).count()
        second = crawl(tmp_path, config, {"STORE_BATCH_SIZE": 1}, db=db)
    assert first.returncode == 1 and "Traceback" not in first.stderr, first.stderr
    (line,) = [ln for ln in first.stderr.splitlines() if ln.startswith("museumfeeds: locked:")]
    # the worker stores the batches queued meanwhile together (aggregator/worker.py: Chain.run_many), so the
    # failing upsert holds 1 to 3 of the 3 items
    assert re.match(r"museumfeeds: locked: failed: store_error: database is locked: [123] items not stored "
                    r"after 3 attempts", line), line
    assert elapsed < 60
    assert read["items"] == 2 and read["seconds"] < 5  # a reader during the lock: not blocked
    assert stored_meanwhile == 2
    assert second.returncode == 0, second.stderr
    store = Store(db)
    assert sorted(i.title for i in store.latest(limit=10) if i.source_id == "locked") == [
        "Museum night 0", "Museum night 1", "Museum night 2"]
    assert [r.status for r in runs_of(store, "locked")] == ["failed", "ok"]


def hold_lock_on_hit(server: FaultServer, path, db: str, seconds: float):
    """When the crawl fetches its listing, take SQLite's write lock (BEGIN IMMEDIATE) for `seconds`, reading
    through the store meanwhile; returns the holder thread and what the read saw."""
    read: dict = {}
    taken = threading.Event()

    def hold():
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        taken.set()
        t0 = time.monotonic()
        read["items"] = len(Store(db).latest(limit=10))
        read["seconds"] = time.monotonic() - t0
        time.sleep(seconds)
        conn.rollback()
        conn.close()

    thread = threading.Thread(target=hold, daemon=True)

    def on_hit():
        if not thread.is_alive() and not taken.is_set():
            thread.start()
            taken.wait(5)

    server.hooks["/locked/news/"] = on_hit
    return thread, read
