"""The store worker (crawlers/handoff.py, aggregator/worker.py): same rows as in-process, stats before
spider_closed, SIGTERM ignored with a drain, and a worker killed mid-crawl fails the run clearly without a hang."""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from aggregator.store import Incoming, Store
from crawlers.handoff import Worker
from tests.faultcrawl import crawl, snapshot_rows, source, write_config
from tests.faultserver import FaultServer, listing, two_pages

pytestmark = [pytest.mark.timeout(150)]
VOLATILE = {"id", "feed_id", "first_seen", "last_seen", "updated", "sort_date", "cluster_id"}


def stable_rows(db: str) -> dict:
    return {k: {c: v for c, v in row.items() if c not in VOLATILE} for k, row in snapshot_rows(db).items()}


def museum_stats(path: Path) -> dict:
    stats = json.loads(path.read_text())
    return {k: v for k, v in stats.items() if k.startswith(("museumfeeds/items", "museumfeeds/dated",
                                                            "museumfeeds/summarised", "museumfeeds/status"))}


def test_worker_stores_the_same_rows_and_stats_as_in_process(tmp_path):
    with FaultServer() as server:
        for sid, words in (("wa", "Conservation grant awarded"), ("wb", "Night of festival lights")):
            teasers = [(f"/{sid}/a{n}", f"{words} {n}") for n in range(7)] + [(f"/{sid}/x", "")]
            server.page(f"/{sid}/news/", listing(teasers))
        sources = [source(sid, [f"{server.base}/{sid}/news/"]) for sid in ("wa", "wb")]
        runs = {}
        for mode in (True, False):
            tmp = tmp_path / str(mode)
            tmp.mkdir()
            config = write_config(tmp, sources)
            proc = crawl(tmp, config, {"STORE_WORKER": mode, "STORE_BATCH_SIZE": 3})
            assert proc.returncode == 0, proc.stderr
            runs[mode] = tmp
    on, off = (f"sqlite:///{runs[m]}/db/store.db" for m in (True, False))
    assert len(stable_rows(on)) == 14
    assert stable_rows(on) == stable_rows(off)
    for sid in ("wa", "wb"):
        # the stats file is written in spider_closed: the worker's counts were in by then
        stats = museum_stats(runs[True] / "stats" / f"{sid}.json")
        assert stats == museum_stats(runs[False] / "stats" / f"{sid}.json")
        assert stats["museumfeeds/items_stored"] == stats["museumfeeds/items_new"] == 7
    assert {r.status for r in Store(on).last_runs().values()} == {"ok"}


def teasers(n: int, source_id: str = "wk") -> list[Incoming]:
    """Normalised items, as HandoffPipeline sends them (the crawl process normalises and tags)."""
    return [Incoming(source_id=source_id, url=f"https://w.org/n/{i}", url_key=f"w.org/n/{i}", title=f"Museum item {i}",
                     summary="", summary_text="", image=None, categories=[], language="en", published=None, themes={})
            for i in range(n)]


@pytest.fixture
def worker_settings(tmp_path):
    config = write_config(tmp_path, [source("wk", ["https://w.org/news/"])])
    db = f"sqlite:///{tmp_path}/store.db"
    Store(db)
    return {"MUSEUMFEEDS_CONFIG": str(config), "MUSEUMFEEDS_DB": db, "STORE_LOCKED_ATTEMPTS": 3,
            "STORE_LOCKED_DELAY": 0.1}


def collect(worker: Worker, settings: dict, batches: list[list[Incoming]]) -> tuple[list[dict], threading.Event]:
    results: list[dict] = []
    done = threading.Event()

    def got(result):
        results.append(result)
        if len(results) == len(batches):
            done.set()

    for n, batch in enumerate(batches):
        worker.submit("wk#1", settings, batch, last=n == len(batches) - 1).addCallback(got)
    return results, done


def direct(f, *args):
    f(*args)


def test_worker_ignores_sigterm_and_drains(worker_settings):
    worker = Worker(direct)
    try:
        results, done = collect(worker, worker_settings, [teasers(50)[:25], teasers(50)[25:]])
        os.kill(worker.process.pid, signal.SIGTERM)
        os.kill(worker.process.pid, signal.SIGINT)
        assert done.wait(60)
    finally:
        worker.close(30)
    assert worker.process.exitcode == 0
    assert sum(r["incs"]["museumfeeds/items_new"] for r in results) == 50
    assert Store(worker_settings["MUSEUMFEEDS_DB"]).count() == 50


def test_worker_killed_fails_pending_batches_clearly(worker_settings):
    worker = Worker(direct)
    try:
        first, done = collect(worker, worker_settings, [teasers(5)])
        assert done.wait(60)
        os.kill(worker.process.pid, signal.SIGKILL)
        started = time.monotonic()
        results, done = collect(worker, worker_settings, [teasers(300)])
        assert done.wait(20) and time.monotonic() - started < 20
    finally:
        worker.close(5)
    (result,) = results
    assert "died (killed by signal 9): 300 items not stored" in result["sets"]["museumfeeds/store_error"]
    assert result["incs"] == {"museumfeeds/items_unstored": 300}
    assert first[0]["incs"]["museumfeeds/items_new"] == 5
    assert Store(worker_settings["MUSEUMFEEDS_DB"]).count() == 5  # what was stored stays


def recorded(worker: Worker, settings: dict, run_id: int, fields: dict) -> dict:
    answers, done = [], threading.Event()
    worker.record(settings, run_id, fields).addCallback(lambda answer: (answers.append(answer), done.set()))
    assert done.wait(60)
    return answers[0]


def test_worker_closes_a_crawl_run_after_the_batches_before_it(worker_settings):
    """RunRecorder hands the run's close to the worker: the store has one writer during the crawl, and it is
    written after the spider's batches queued before it."""
    db = worker_settings["MUSEUMFEEDS_DB"]
    run_id = Store(db).start_run("wk")
    worker = Worker(direct)
    try:
        results, done = collect(worker, worker_settings, [teasers(30)])
        answer = recorded(worker, worker_settings, run_id, {"status": "ok", "reason": "", "items_new": 30})
        assert done.is_set() and results[0]["incs"]["museumfeeds/items_new"] == 30
    finally:
        worker.close(30)
    assert answer == {"recorded": True}
    run = Store(db).last_runs()["wk"]
    assert (run.status, run.items_new) == ("ok", 30) and run.finished is not None


def test_a_run_the_worker_cannot_write_is_answered_with_the_cause(worker_settings, tmp_path):
    worker = Worker(direct)
    try:
        answer = recorded(worker, {**worker_settings, "MUSEUMFEEDS_DB": f"sqlite:///{tmp_path}"}, 1,
                          {"status": "ok"})  # the store's path is a folder
        dead = Worker(direct)
        os.kill(dead.process.pid, signal.SIGKILL)
        dead.process.join(10)
        dead_answer = recorded(dead, worker_settings, 1, {"status": "ok"})
    finally:
        worker.close(30)
        dead.close(5)
    assert answer["recorded"] is False and "unable to open database file" in answer["error"]
    assert "recorded" not in dead_answer  # the crawl process writes the run itself (RunRecorder.finish)


def test_worker_killed_mid_crawl_fails_the_run_without_a_hang(tmp_path):
    release = threading.Event()
    with FaultServer() as server:
        page2 = two_pages(server, "wk", 3)
        db_path = tmp_path / "db" / "store.db"

        def kill_worker():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not (db_path.exists() and Store(f"sqlite:///{db_path}").count()):
                time.sleep(0.1)
            for pid in os.listdir("/proc"):
                if pid.isdigit() and pid != str(os.getpid()):
                    try:
                        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                        ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
                        parent = Path(f"/proc/{ppid}/cmdline").read_bytes()
                    except OSError:
                        continue
                    if b"spawn_main" in cmd and str(tmp_path).encode() in parent:
                        os.kill(int(pid), signal.SIGKILL)
            release.wait(20)

        server.hooks[page2] = kill_worker
        config = write_config(tmp_path, [source("wk", [f"{server.base}/wk/news/"], next_page="a.next")])
        started = time.monotonic()
        proc = crawl(tmp_path, config, {"STORE_BATCH_SIZE": 3}, timeout=90)
        release.set()
    assert time.monotonic() - started < 80
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "store worker" in proc.stderr and "killed by signal 9" in proc.stderr, proc.stderr
    store = Store(f"sqlite:///{db_path}")
    assert store.last_runs()["wk"].status == "failed"
    assert sorted(i.title for i in store.latest(limit=10)) == [f"Conservation grant {n}" for n in range(3)]


def test_worker_answers_before_the_reactor_exists_are_handled_directly(monkeypatch):
    """warm_worker starts the worker before Scrapy installs its reactor; a death reported then (nothing is waiting
    on it yet) is recorded at once instead of importing, and so installing, Twisted's default reactor."""
    import sys

    from crawlers import handoff

    monkeypatch.delitem(sys.modules, "twisted.internet.reactor", raising=False)
    calls = []
    handoff.on_reactor(calls.append, "died")
    assert calls == ["died"]
    assert "twisted.internet.reactor" not in sys.modules


def test_batches_of_one_spider_stored_together_count_as_stored_one_by_one(worker_settings):
    """Chain.run_many: three batches, the third repeating an item of the first. The same counts per batch total
    and the same rows as three separate runs; the repeated item is a sighting (seen), not a second row."""
    from aggregator.worker import Chain

    items = teasers(12)
    batches = [items[:5], items[5:10], [items[2]] + items[10:]]
    merged = Chain(worker_settings).run_many(batches)
    other = dict(worker_settings, MUSEUMFEEDS_DB=worker_settings["MUSEUMFEEDS_DB"].replace(".db", "-2.db"))
    chain = Chain(other)
    single = [chain.run(b) for b in batches]
    total = lambda rs, k: sum(r["incs"].get(k, 0) for r in rs)  # noqa: E731
    for key in ("museumfeeds/items_new", "museumfeeds/items_seen", "museumfeeds/items_stored"):
        assert total(merged, key) == total(single, key), key
    assert total(merged, "museumfeeds/items_new") == 12 and total(merged, "museumfeeds/items_seen") == 13
    assert all("museumfeeds/items_new" in r["incs"] and r["cpu"]["store"] >= 0 for r in merged)
    assert stable_rows(worker_settings["MUSEUMFEEDS_DB"]).keys() == stable_rows(other["MUSEUMFEEDS_DB"]).keys()
    assert Store(worker_settings["MUSEUMFEEDS_DB"]).count() == 12


def msg(batch_id, key, n=200, last=False):
    return (batch_id, key, {}, [None] * n, last)


@pytest.mark.parametrize(("queue", "room", "taken_ids", "left_ids"), [
    ([msg(1, "a"), msg(2, "b"), msg(3, "a")], 800, [1, 3], [2]),  # other spiders keep their places
    ([msg(1, "a"), msg(2, "a"), msg(3, "a")], 400, [1, 2], [3]),  # no more than `room` items
    ([msg(1, "a", 500), msg(2, "a", 100)], 400, [], [1, 2]),  # a later batch never before an earlier one
    ([msg(1, "a", last=True), msg(2, "a")], 800, [1], [2]),  # nothing after a spider's last batch
    ([msg(None, "a", 0), msg(1, "a")], 800, [1], [None]),  # a warm-up is not a batch
])
def test_taken_merges_a_spiders_queued_batches_in_order(queue, room, taken_ids, left_ids):
    from collections import deque

    from aggregator.worker import taken

    q = deque(queue)
    assert [batch_id for batch_id, _, _ in taken(q, "a", room)] == taken_ids
    assert [m[0] for m in q] == left_ids


def test_a_run_the_worker_did_not_record_is_recorded_by_the_crawl_process(worker_settings, caplog):
    from scrapy.utils.test import get_crawler

    from crawlers.extensions import RunRecorder

    recorder = RunRecorder(get_crawler(settings_dict=worker_settings))
    recorder.run_id = Store(worker_settings["MUSEUMFEEDS_DB"]).start_run("wk")
    with caplog.at_level("WARNING", logger="crawlers.extensions"):
        recorder.answered({"recorded": False, "error": "OperationalError: disk I/O error"}, {"status": "ok"})
    assert "could not record the run (OperationalError: disk I/O error); recording it here" in caplog.text
    assert Store(worker_settings["MUSEUMFEEDS_DB"]).last_runs()["wk"].status == "ok"
    recorder.run_id = Store(worker_settings["MUSEUMFEEDS_DB"]).start_run("wk")  # recorded by the worker: nothing
    recorder.answered({"recorded": True}, {"status": "degraded"})                # written here
    assert Store(worker_settings["MUSEUMFEEDS_DB"]).last_runs()["wk"].status == "running"
