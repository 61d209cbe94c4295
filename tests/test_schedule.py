"""`museumfeeds schedule`: overlap refused, a missed run caught up exactly once, a hung crawl killed at its limit
and recorded failed, runs in a row in one scheduler process, clean SIGTERM (reliability.md P-28)."""
from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from aggregator import schedule
from aggregator.config import ConfigError, load_config
from aggregator.runlock import INHERITED_FD, LockBusy, hold, lock_path
from aggregator.store import Store

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(60)
T0 = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)
MINIMAL = {
    "themes": {"digitisation": {"title": "Digitisation", "terms": {"en": ["digitis*"]}}},
    "sources": [{"id": "a", "url": "https://a.org/news/", "list": {"item": "li", "title": "a", "link": "a@href"}}],
}
# A stand-in for `museumfeeds run`: marks its start and end in a file, may open a crawl run in the store, sleeps.
FAKE_RUN = '''
import os, signal, subprocess, sys, time
marks, db, mode, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def mark(word):
    with open(marks, "a") as f:
        f.write(f"{word} {os.getpid()}\\n")
if mode == "stubborn":  # ignores SIGTERM, as a wedged crawl would
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if mode == "graceful":  # closes cleanly on SIGTERM, as Scrapy does
    signal.signal(signal.SIGTERM, lambda *_: (mark("sigterm"), sys.exit(1)))
if db:
    from aggregator.store import Store
    Store(db).start_run("fake")
if mode == "stubborn":
    mark("grandchild %d" % subprocess.Popen(["sleep", "60"]).pid)
mark("start")
time.sleep(seconds)
mark("end")
'''


@pytest.fixture
def env(tmp_path, caplog):
    """A temp store, the fake run script and helpers to build the job's arguments and read its marks."""
    caplog.set_level(logging.INFO)
    (tmp_path / "fake.py").write_text(FAKE_RUN)

    class Env:
        db = f"sqlite:///{tmp_path}/store.db"
        marks = tmp_path / "marks"
        config = str(tmp_path / "config.yaml")

        def kwargs(self, mode="quick", seconds=0.0, timeout=30, grace=5, store=False) -> dict:
            command = [sys.executable, str(tmp_path / "fake.py"), str(self.marks), self.db if store else "", mode,
                       str(seconds)]
            return {"config_path": self.config, "db_url": self.db, "timeout": timeout, "grace": grace,
                    "command": command}

        def read(self, word: str) -> list[str]:
            text = self.marks.read_text() if self.marks.exists() else ""
            return [line.split()[1] for line in text.splitlines() if line.split()[0] == word]

    return Env()


def wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def messages(caplog, name: str = "museumfeeds.schedule") -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name]


@contextmanager
def running(db: str, trigger, kwargs: dict, misfire_grace: int = 86400, grace: float = 5):
    """`serve` in a thread (as `museumfeeds schedule` runs it), stopped on leaving the block."""
    stopped = threading.Event()
    scheduler = schedule.build(db, "UTC", misfire_grace)
    thread = threading.Thread(target=schedule.serve, args=(scheduler, trigger, kwargs, stopped),
                              kwargs={"wake_every": 0.2, "grace": grace})
    thread.start()
    try:
        yield scheduler
    finally:
        stopped.set()
        thread.join(30)
        assert not thread.is_alive()


def store_missed_job(db: str, kwargs: dict, late: timedelta):
    """The job as a scheduler stopped (or a machine asleep) leaves it: due `late` ago, a daily cron at that time."""
    due = datetime.now(timezone.utc).replace(microsecond=0) - late
    trigger = CronTrigger(hour=due.hour, minute=due.minute, second=due.second, timezone="UTC")
    scheduler = schedule.build(db, "UTC", 3600)
    scheduler.start(paused=True)
    scheduler.add_job(schedule.JOB_REF, trigger, id=schedule.JOB_ID, kwargs=kwargs, next_run_time=due)
    schedule.close(scheduler)
    return trigger


def stored_job(db: str):
    scheduler = schedule.build(db, "UTC", 3600)
    scheduler.start(paused=True)
    try:
        return scheduler.get_job(schedule.JOB_ID)
    finally:
        schedule.close(scheduler)


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for a reaper counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "aggregator.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, **kw)


# --- the store and the lock ------------------------------------------------------------------------------------

def test_fail_running_marks_only_the_runs_a_kill_cut_short(store_url):
    from sqlalchemy import update

    from aggregator.models import CrawlRun

    store = Store(store_url)
    old = store.start_run("old", now=T0 - timedelta(hours=1))  # an earlier job's row: not this kill's business
    done, closed = store.start_run("done", now=T0), store.start_run("closed", now=T0)
    store.start_run("hung", now=T0)
    for run, minutes, status in ((done, 1, "ok"), (closed, 3, "degraded")):  # closed: by Scrapy, after the kill
        with store.session.begin() as s:
            s.execute(update(CrawlRun).where(CrawlRun.id == run)
                      .values(status=status, finished=T0 + timedelta(minutes=minutes)))
    cut = T0 + timedelta(minutes=2)
    assert store.fail_running("killed after 2 s (hard time limit)", T0, cut) == ["closed", "hung"]
    runs = store.last_runs()
    assert (runs["hung"].status, runs["hung"].reason) == ("failed", "killed after 2 s (hard time limit)")
    assert runs["hung"].finished is not None
    assert (runs["closed"].status, runs["closed"].finished) == ("failed", T0 + timedelta(minutes=3))
    assert (runs["done"].status, runs["old"].status, runs["old"].id) == ("ok", "running", old)
    assert store.fail_running("again", T0) == []


def test_lock_refuses_a_second_holder_naming_pid_and_time(tmp_path):
    path = lock_path(f"sqlite:///{tmp_path}/data/museumfeeds.db", "config.yaml")
    assert path == tmp_path / "data" / "museumfeeds.lock"
    assert lock_path("postgresql://x@h/db", str(tmp_path / "config.yaml")) == tmp_path / "museumfeeds.lock"
    with hold(path):
        with pytest.raises(LockBusy) as busy, hold(path):
            pass
        assert busy.value.pid == str(os.getpid())
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", busy.value.since)
        assert "another run holds the lock" in str(busy.value)
    with hold(path):  # released on leaving the block
        pass


def test_child_handed_the_locked_descriptor_may_run_others_may_not(tmp_path):
    path = tmp_path / "museumfeeds.lock"
    probe = (f"from pathlib import Path; from aggregator.runlock import hold, LockBusy\n"
             f"try:\n    with hold(Path({str(path)!r})): print('held')\nexcept LockBusy: print('busy')")
    with hold(path) as fd:
        handed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, pass_fds=(fd,),
                                env=dict(os.environ, **{INHERITED_FD: str(fd)}), timeout=30, check=True)
        other = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True)
        with pytest.raises(LockBusy), hold(path):  # the child closing its copy did not release the parent's lock
            pass
    assert (handed.stdout.strip(), other.stdout.strip()) == ("held", "busy")


# --- (a) overlapping runs refused --------------------------------------------------------------------------------

def test_overlapping_runs_refused_across_processes(env, caplog):
    """A run in another process holds the lock: a scheduled run and a manual `museumfeeds run` are refused."""
    job = f"import sys; from aggregator import schedule; sys.exit(schedule.nightly_job(**{env.kwargs(seconds=40)!r}))"
    first = subprocess.Popen([sys.executable, "-c", job], cwd=ROOT)
    try:
        wait_for(lambda: env.read("start"))
        assert schedule.nightly_job(**env.kwargs()) == schedule.EXIT_LOCKED
        manual = cli("--config", str(ROOT / "config.yaml"), "--db", env.db, "run")
        _, err = manual.communicate(timeout=30)
        os.kill(int(env.read("start")[0]), signal.SIGTERM)  # end the first run's crawl
        assert first.wait(30) == 1
    finally:
        first.kill()
    assert len(env.read("start")) == 1  # only the first run ever started its crawl
    refused = [m for m in messages(caplog) if "another run holds the lock" in m]
    assert len(refused) == 1 and f"(pid {first.pid}); skipped" in refused[0]
    assert manual.returncode == 3
    assert re.fullmatch(r"museumfeeds: another run holds the lock \S+ since [\d: -]+ UTC \(pid \d+\); skipped",
                        err.strip())


def test_p28a_overlapping_run_skipped_in_one_scheduler(env, caplog):
    """A run longer than the interval: APScheduler's max_instances skips the next one, logged by our listener."""
    with running(env.db, IntervalTrigger(seconds=1), env.kwargs(seconds=2.5)):
        wait_for(lambda: any("skipped: the previous run is still going" in m for m in messages(caplog)))
        wait_for(lambda: env.read("end"), 10)
    text = env.marks.read_text().split()
    words = [w for w in text if w in ("start", "end")]
    assert words[:2] == ["start", "end"] and "start start" not in " ".join(words)  # never two at once


# --- (b) a missed run caught up exactly once -------------------------------------------------------------------

def test_p28b_missed_run_caught_up_exactly_once_after_restart(env, caplog):
    trigger = store_missed_job(env.db, env.kwargs(), late=timedelta(hours=3))
    with running(env.db, trigger, env.kwargs()):
        wait_for(lambda: env.read("end"))
        time.sleep(1.5)  # several scheduler wake-ups: no second catch-up
    assert len(env.read("start")) == 1
    assert any("was missed (machine asleep or scheduler down): catching up once now" in m for m in messages(caplog))
    job = stored_job(env.db)
    assert job.id == "nightly-crawl" and job.func_ref == "aggregator.schedule:nightly_job"
    assert job.next_run_time > datetime.now(timezone.utc) + timedelta(hours=20)  # tomorrow's regular run
    with running(env.db, trigger, env.kwargs()):  # a further restart: nothing left to catch up
        time.sleep(1)
    assert len(env.read("start")) == 1


def test_run_missed_beyond_the_grace_is_skipped_and_logged(env, caplog):
    trigger = store_missed_job(env.db, env.kwargs(), late=timedelta(hours=3))
    with running(env.db, trigger, env.kwargs(), misfire_grace=3600):
        wait_for(lambda: any("more than schedule.misfire_grace: skipped" in m for m in messages(caplog)), 10)
    assert env.read("start") == []
    assert stored_job(env.db).next_run_time > datetime.now(timezone.utc)


def test_plain_replace_existing_would_drop_the_missed_run(env):
    """Why install_job reads the stored job first: APScheduler 3.x's add_job(replace_existing=True) recomputes
    next_run_time from now, so the missed run would be lost on every restart."""
    trigger = store_missed_job(env.db, env.kwargs(), late=timedelta(hours=3))
    scheduler = schedule.build(env.db, "UTC", 3600)
    scheduler.start(paused=True)
    scheduler.add_job(schedule.JOB_REF, trigger, id=schedule.JOB_ID, kwargs=env.kwargs(), replace_existing=True)
    schedule.close(scheduler)
    assert stored_job(env.db).next_run_time > datetime.now(timezone.utc)


def test_run_due_while_asleep_starts_at_the_next_wake_up(env, caplog):
    """A running scheduler waits on a monotonic clock, which stops while the machine sleeps: it re-reads the
    wall clock every wake_every seconds. Simulated: the stored run becomes due behind the scheduler's back."""
    trigger = CronTrigger(hour=(datetime.now(timezone.utc).hour + 12) % 24, timezone="UTC")
    with running(env.db, trigger, env.kwargs()):
        time.sleep(0.5)  # the scheduler now waits ~12 h
        other = schedule.build(env.db, "UTC", 3600)
        other.start(paused=True)
        other.modify_job(schedule.JOB_ID, next_run_time=datetime.now(timezone.utc) - timedelta(seconds=1))
        schedule.close(other)
        wait_for(lambda: env.read("end"), 5)
        time.sleep(0.5)
    assert len(env.read("start")) == 1


# --- (c) a hung crawl killed at its limit and recorded failed --------------------------------------------------

def test_p28d_hung_crawl_killed_at_limit_recorded_failed_next_run_unaffected(env, caplog):
    began = time.monotonic()
    assert schedule.nightly_job(**env.kwargs("stubborn", seconds=60, timeout=2, grace=1, store=True)) == 1
    took = time.monotonic() - began
    assert 2 <= took < 10, took
    run = Store(env.db).last_runs()["fake"]
    assert (run.status, run.reason) == ("failed", "killed after 2 s (hard time limit)")
    logged = messages(caplog)
    assert any("still going after 2 s: killing it (hard time limit)" in m for m in logged)
    assert any("still running 1 s after SIGTERM: SIGKILL" in m for m in logged)
    assert "nightly run killed after 2 s (hard time limit); recorded failed: fake" in logged
    assert gone(int(env.read("grandchild")[0]))  # the whole process group went, not just the direct child
    assert env.read("end") == []
    assert schedule.nightly_job(**env.kwargs(store=True)) == 0  # the lock was released; the next run is normal
    assert any(re.fullmatch(r"nightly run ended after \d+ s: ok \(exit 0\)", m) for m in messages(caplog))


# --- (d) runs in a row in one scheduler process, with the real crawl ------------------------------------------

@pytest.fixture
def tiny_site(tmp_path):
    """A one-source config pointing at a tiny site served on 127.0.0.1."""
    from aggregator.snapshot import SnapshotServer

    page = tmp_path / "web" / "127.0.0.1" / "news"
    page.mkdir(parents=True)
    (page / "index.html").write_text('<html lang="en"><body><ul><li><a href="/news/1">Flood response '
                                     'training</a> <span>3 March 2026</span></li></ul></body></html>')
    with SnapshotServer(root=tmp_path / "web") as server:
        config = yaml.safe_load((ROOT / "config.yaml").read_text())
        config["sources"] = [{"id": "alive", "url": f"http://{server.address}/news/",
                              "list": {"item": "li", "title": "a", "link": "a@href", "date": "span"}}]
        config["crawl"] = {"timeout": 5}
        config["feeds"]["out_dir"] = str(tmp_path / "feeds")
        path = tmp_path / "site.yaml"
        path.write_text(yaml.safe_dump(config))
        yield str(path)


def test_p28c_three_real_runs_in_a_row_in_one_scheduler(env, caplog, tiny_site, tmp_path):
    """Each run is `museumfeeds run` in its own process: no ReactorNotRestartable on the second or third."""
    kwargs = {"config_path": tiny_site, "db_url": env.db, "timeout": 60, "grace": 5}
    with running(env.db, IntervalTrigger(seconds=1), kwargs):
        wait_for(lambda: sum("nightly run ended" in m for m in messages(caplog)) >= 3, 45)
    ended = [m for m in messages(caplog) if "nightly run ended" in m][:3]
    assert all(m.endswith(": ok (exit 0)") for m in ended), ended
    relayed = messages(caplog, "museumfeeds.run")
    assert sum("crawled 1 sources: 1 reached, 0 failed" in m for m in relayed) >= 3
    assert not any("Reactor" in m or "Traceback" in m for m in relayed)
    with Store(env.db).session() as s:
        from sqlalchemy import select

        from aggregator.models import CrawlRun

        statuses = list(s.scalars(select(CrawlRun.status).where(CrawlRun.source_id == "alive")
                                  .order_by(CrawlRun.id)))
    assert statuses[:3] == ["ok", "ok", "ok"]
    assert (tmp_path / "feeds" / "all.atom").exists()


def test_schedule_once_runs_the_real_job_now(env, tiny_site):
    """`museumfeeds schedule --once` (the cron form): the job with its lock and limit, timestamped log lines."""
    proc = cli("--config", tiny_site, "--db", env.db, "schedule", "--once")
    _, err = proc.communicate(timeout=45)
    assert proc.returncode == 0, err
    line = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d museumfeeds\.%s %s %s"
    assert re.search(line % ("schedule", "INFO", r"nightly run started \(pid \d+, hard limit 10800 s\)"), err)
    assert re.search(line % ("run", "INFO", "crawled 1 sources: 1 reached"), err)
    assert re.search(line % ("schedule", "INFO", r"nightly run ended after \d+ s: ok \(exit 0\)"), err)


# --- (e) clean shutdown -------------------------------------------------------------------------------------

def test_sigterm_stops_the_scheduler_and_a_second_scheduler_is_refused(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(MINIMAL))
    db = f"sqlite:///{tmp_path}/store.db"
    first = cli("--config", str(config), "--db", db, "schedule")
    try:
        started = first.stderr.readline()
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d museumfeeds\.schedule INFO scheduler started \(pid \d+\): "
                        r"cron '0 2 \* \* \*' \(UTC\), next run \d{4}-\d\d-\d\d 02:00:00 UTC$", started), started
        second = cli("--config", str(config), "--db", db, "schedule")
        _, err = second.communicate(timeout=30)
        assert second.returncode == 3
        assert f"another scheduler holds the lock {tmp_path}/store.scheduler.lock" in err
        assert f"(pid {first.pid}); skipped" in err
        began = time.monotonic()
        first.send_signal(signal.SIGTERM)
        _, rest = first.communicate(timeout=10)
    finally:
        first.kill()
    assert first.returncode == 0 and time.monotonic() - began < 5
    lines = [line.split(" ", 4)[-1] for line in rest.splitlines()]
    assert lines == ["SIGTERM received: stopping", "shutting down: no new runs", "scheduler stopped"], rest


@pytest.mark.parametrize("mode", ["graceful", "stubborn"])
def test_shutdown_stops_the_running_crawl(env, caplog, mode):
    """SIGTERM to the crawl's group; one that closes cleanly ends its own way, one that ignores it is killed
    after the grace and its runs are recorded failed."""
    kwargs = env.kwargs(mode, seconds=60, store=True)
    trigger = store_missed_job(env.db, kwargs, late=timedelta(minutes=5))
    began = time.monotonic()
    with running(env.db, trigger, kwargs, grace=1):
        wait_for(lambda: env.read("start"))
    assert time.monotonic() - began < 15
    logged = messages(caplog)
    assert any(m.startswith("stopping the running crawl (pid") for m in logged) and logged[-1] == "scheduler stopped"
    run = Store(env.db).last_runs()["fake"]
    if mode == "graceful":
        assert env.read("sigterm") and any("nightly run ended after" in m and "(exit 1)" in m for m in logged)
    else:
        assert (run.status, run.reason) == ("failed", "killed by SIGKILL at scheduler shutdown")


def test_run_once_stopped_by_a_signal_stops_its_crawl(env):
    stopped = threading.Event()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(schedule.run_once(env.kwargs("graceful", 60), stopped, 5)))
    worker.start()
    wait_for(lambda: env.read("start"))
    stopped.set()  # what the SIGTERM handler of `schedule --once` does
    worker.join(15)
    assert result == [1] and env.read("sigterm")


def test_job_that_raises_is_logged_in_one_line(env, caplog):
    kwargs = dict(env.kwargs(), command=[str(env.marks.parent / "no-such-program")])
    trigger = store_missed_job(env.db, kwargs, late=timedelta(minutes=1))
    with running(env.db, trigger, kwargs):
        wait_for(lambda: any(m.startswith("nightly job raised FileNotFoundError") for m in messages(caplog)), 10)
    with hold(lock_path(env.db, env.config)):  # the lock was released
        pass


# --- config and --print-next ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key,value,message", [
    ("timeout", 5, "must be between 60 and 86400 seconds"),
    ("misfire_grace", "6h", "must be a whole number"),
    ("misfire_grace", 10**7, "must be between 60 and 604800 seconds"),
])
def test_schedule_config_validated(tmp_path, key, value, message):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(dict(MINIMAL, schedule={"crawl": "0 2 * * *", key: value})))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == f"schedule.{key}" and message in err.value.message


def test_shipped_schedule_and_print_next(tmp_path):
    config = load_config(ROOT / "config.yaml")
    assert (config.schedule.timeout, config.schedule.misfire_grace) == (10800, 86400)
    proc = cli("--db", f"sqlite:///{tmp_path}/store.db", "schedule", "--print-next")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.splitlines()[1] == "stored job: none yet (added when the scheduler starts)"
    assert len(re.findall(r"^  \d{4}-\d\d-\d\d 02:00:00 UTC$", out, re.MULTILINE)) == 5
