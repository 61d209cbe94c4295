"""crawl.pin_cpus (aggregator/cpus.py): the split of the CPUs, the worker spawned on its share, crawl()'s wiring."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from aggregator import cpus
from aggregator.config import load_config

MANY = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) >= 2
needs_two = pytest.mark.skipif(not MANY, reason="needs Linux CPU affinity and at least 2 CPUs this process may use")


@pytest.mark.parametrize(("allowed", "expected"), [
    (set(), None),
    ({3}, None),
    ({0, 1}, ({0}, {1})),
    ({2, 5, 7}, ({2}, {5, 7})),
    ({7, 1, 4, 0}, ({0}, {1, 4, 7})),
])
def test_split_gives_the_crawl_the_lowest_cpu_and_the_worker_the_rest(allowed, expected):
    assert cpus.split(allowed) == expected


@needs_two
def test_worker_is_spawned_on_the_cpus_it_is_given():
    from crawlers.handoff import Worker

    target = max(os.sched_getaffinity(0))
    worker = Worker(lambda f, *a: f(*a), [target])
    try:
        assert os.sched_getaffinity(worker.process.pid) == {target}
    finally:
        worker.close(30)
    assert worker.process.exitcode == 0


@needs_two
def test_pin_crawl_pins_this_thread_and_restore_undoes_it():
    # in a child process: pinning the test process itself would slow every later test
    code = ("import os; from aggregator import cpus; before = os.sched_getaffinity(0); got = cpus.pin_crawl(); "
            "pinned = os.sched_getaffinity(0); cpus.restore(got[0]); "
            "print(sorted(before), sorted(pinned), sorted(got[1]), sorted(os.sched_getaffinity(0)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("] ")
    before, pinned, worker, after = (sorted(int(x) for x in part.strip("[]\n ").split(", ")) for part in out)
    assert pinned == [before[0]] and worker == before[1:] and after == before


def test_crawl_pins_only_when_configured_and_restores_after(monkeypatch, tmp_path):
    """crawl() with pin_cpus: this thread pinned before the worker is spawned, the worker given the other CPUs,
    the old affinity back when Scrapy returns; without it nothing is pinned."""
    from aggregator import crawl as crawl_mod
    from crawlers import handoff

    calls = []
    monkeypatch.setattr(cpus, "pin_crawl", lambda: calls.append("pin") or ({0, 1, 2}, {1, 2}))
    monkeypatch.setattr(cpus, "restore", lambda allowed: calls.append(("restore", sorted(allowed))))
    monkeypatch.setattr(handoff, "warm_worker",
                        lambda settings: calls.append(("warm", settings.getlist("STORE_WORKER_CPUS"))))

    class Process:  # Scrapy's CrawlerProcess, without a reactor
        def __init__(self, settings):
            calls.append("process")

        def crawl(self, spider):
            pass

        def start(self):
            calls.append("start")

    monkeypatch.setattr(crawl_mod, "CrawlerProcess", Process)
    monkeypatch.setattr(crawl_mod, "Store", lambda url: type("S", (), {"last_runs": lambda self: {}})())
    config_file = tmp_path / "config.yaml"
    text = open("config.yaml", encoding="utf-8").read()
    for pinned in (True, False):
        calls.clear()
        config_file.write_text(text.replace("pin_cpus: false", f"pin_cpus: {str(pinned).lower()}"), encoding="utf-8")
        config = load_config(str(config_file))
        assert config.crawl.pin_cpus is pinned
        crawl_mod.crawl(config, f"sqlite:///{tmp_path}/x.db", overrides={"STORE_WORKER": True})
        if pinned:
            assert calls == ["pin", ("warm", [1, 2]), "process", "start", ("restore", [0, 1, 2])]
        else:
            assert calls == [("warm", []), "process", "start"]
