"""`museumfeeds schedule`: the nightly job (crawl, then publish) on the config's cron, one subprocess per run."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress
from datetime import datetime, timezone
from functools import partial
from zoneinfo import ZoneInfo

from aggregator.cli import EXIT_LOCKED, EXIT_SOURCES_FAILED
from aggregator.config import Config
from aggregator.runlock import INHERITED_FD, LockBusy, hold, lock_path
from aggregator.store import Store, make_engine, utcnow

log = logging.getLogger("museumfeeds.schedule")
JOB_ID, JOB_REF = "nightly-crawl", "aggregator.schedule:nightly_job"
KILL_GRACE = 60  # seconds from SIGTERM (Scrapy closes its spiders cleanly) to SIGKILL of the crawl's process group
WAKE_EVERY = 60  # seconds: re-read the clock this often (a monotonic wait stands still while the machine sleeps)
OUTCOMES = {0: "ok", 1: "some sources failed or degraded (museumfeeds status shows why)", 2: "invalid config or usage",
            EXIT_LOCKED: "refused: another run holds the lock"}

_lock = threading.Lock()
_children: set[subprocess.Popen] = set()
_stopping = threading.Event()


def run_command(config_path: str, db_url: str) -> list[str]:
    """The nightly job itself, in a fresh interpreter (a Twisted reactor cannot restart in one process)."""
    return [sys.executable, "-m", "aggregator.cli", "--config", config_path, "--db", db_url, "run"]


def nightly_job(config_path: str, db_url: str, timeout: int, grace: int = KILL_GRACE,
                command: list[str] | None = None) -> int:
    """One run under the run lock and a hard time limit; returns its exit status (EXIT_LOCKED if refused)."""
    try:
        with hold(lock_path(db_url, config_path)) as fd:
            return supervise(command or run_command(config_path, db_url), fd, db_url, timeout, grace)
    except LockBusy as busy:
        log.warning("%s; skipped", busy)
        return EXIT_LOCKED


def supervise(command: list[str], fd: int, db_url: str, timeout: int, grace: int) -> int:
    """Run the command in its own process group; kill the group at the time limit and record the cut runs."""
    since, began = utcnow(), time.monotonic()
    child = spawn(command, fd)
    if child is None:
        log.info("nightly run not started: the scheduler is stopping")
        return EXIT_SOURCES_FAILED
    proc, relays = child
    log.info("nightly run started (pid %d, hard limit %d s)", proc.pid, timeout)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        cut = utcnow()
        log.error("nightly run (pid %d) still going after %d s: killing it (hard time limit)", proc.pid, timeout)
        stop(proc, grace)
        record(db_url, f"killed after {timeout} s (hard time limit)", since, cut)
        return EXIT_SOURCES_FAILED
    finally:
        with _lock:
            _children.discard(proc)
        for relay in relays:
            relay.join(5)
    took = time.monotonic() - began
    if code < 0:
        where = "at scheduler shutdown" if _stopping.is_set() else "from outside"
        record(db_url, f"killed by {signal.Signals(-code).name} {where}", since)
        return EXIT_SOURCES_FAILED
    level = logging.INFO if code == 0 else logging.WARNING if code == 1 else logging.ERROR
    log.log(level, "nightly run ended after %.0f s: %s (exit %d)", took, OUTCOMES.get(code, "unexpected status"), code)
    return code


def spawn(command: list[str], fd: int) -> tuple[subprocess.Popen, list[threading.Thread]] | None:
    """Start the command in a new session, handing it the locked descriptor; relay its output to the log."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", **{INHERITED_FD: str(fd)})
    with _lock:
        if _stopping.is_set():
            return None
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                                env=env, pass_fds=(fd,), start_new_session=True)
        _children.add(proc)
    relays = [threading.Thread(target=relay, args=(stream, level), daemon=True)
              for stream, level in ((proc.stdout, logging.INFO), (proc.stderr, logging.WARNING))]
    for thread in relays:
        thread.start()
    return proc, relays


def relay(stream, level: int) -> None:
    """Each line the crawl prints becomes one log line (stdout: info, stderr: warnings)."""
    out = logging.getLogger("museumfeeds.run")
    for line in stream:
        if line.strip():
            out.log(level, "%s", line.rstrip())
    stream.close()


def stop(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the crawl's process group (Scrapy closes its spiders and stores the last batch), then SIGKILL to
    whatever is left of the group: at once if the crawl has exited, after `grace` seconds if it lingers."""
    signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        log.warning("crawl (pid %d) still running %s s after SIGTERM: SIGKILL", proc.pid, grace)
    signal_group(proc, signal.SIGKILL)
    proc.wait()


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Signal the crawl's process group (the child leads it: start_new_session), unless all of it has exited."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def record(db_url: str, reason: str, since: datetime, cut: datetime | None = None) -> None:
    """Mark the runs the kill cut short failed with the reason, and say which they were."""
    sources = Store(db_url).fail_running(reason, since, cut)
    log.error("nightly run %s; recorded failed: %s", reason, ", ".join(sources) or "no source was running")


def stop_children(grace: float) -> None:
    """Refuse new runs, then stop the running one (it gets `grace` seconds to close cleanly)."""
    with _lock:
        _stopping.set()
        children = list(_children)
    for proc in children:
        log.info("stopping the running crawl (pid %d): SIGTERM, SIGKILL after %s s", proc.pid, grace)
        stop(proc, grace)


def build(db_url: str, tz: str, misfire_grace: int):
    """A background scheduler whose job lives in the store DB, so a missed run survives restarts and sleep."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    Store(db_url)  # creates the tables (and a SQLite store's folder)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=make_engine(db_url))}, timezone=tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": misfire_grace})
    scheduler.add_listener(partial(on_event, tz=ZoneInfo(tz)),
                           EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def on_event(event, tz) -> None:
    """One log line for each run APScheduler skipped or that raised."""
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

    if event.code == EVENT_JOB_MISSED:
        late = datetime.now(timezone.utc) - event.scheduled_run_time
        log.warning("run of %s missed by %s, more than schedule.misfire_grace: skipped",
                    when(event.scheduled_run_time, tz), str(late).split(".")[0])
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        log.warning("run of %s skipped: the previous run is still going",
                    ", ".join(when(t, tz) for t in event.scheduled_run_times))
    else:
        log.error("nightly job raised %s: %s", type(event.exception).__name__, event.exception)
        log.debug("%s", event.traceback)


def install_job(scheduler, trigger, kwargs: dict):
    """Add the job, or replace the stored one keeping a missed run: add_job(replace_existing=True) alone sets the
    next run time from now, which would silently drop a run missed while the scheduler was down."""
    old = scheduler.get_job(JOB_ID)
    missed = old.next_run_time if old and old.next_run_time and old.next_run_time <= datetime.now(timezone.utc) \
        else None
    job = scheduler.add_job(JOB_REF, trigger, id=JOB_ID, name="nightly crawl", kwargs=kwargs, replace_existing=True,
                            **({"next_run_time": missed} if missed else {}))
    if missed:
        log.warning("run of %s was missed (machine asleep or scheduler down): catching up once now",
                    when(missed, scheduler.timezone))
    return job


def serve(scheduler, trigger, kwargs: dict, stopped: threading.Event, wake_every: float = WAKE_EVERY,
          grace: float = KILL_GRACE, label: str = "") -> None:
    """Run the schedule until `stopped` is set, then stop the running crawl cleanly and shut down."""
    _stopping.clear()
    scheduler.start(paused=True)
    job = install_job(scheduler, trigger, kwargs)
    scheduler.resume()
    log.info("scheduler started (pid %d): %s, next run %s", os.getpid(), label or trigger,
             when(job.next_run_time, scheduler.timezone))
    while not stopped.wait(wake_every):
        scheduler.wakeup()  # a run due while the machine slept starts now, not a whole wait later
    log.info("shutting down: no new runs")
    scheduler.pause()
    stop_children(grace)
    close(scheduler)
    _stopping.clear()
    log.info("scheduler stopped")


def close(scheduler) -> None:
    """Shut down without touching the stored job. APScheduler 3.11's loop still processes due jobs once after
    shutdown() (even a paused scheduler's): the submission fails, yet the next run time is advanced, so a pending
    catch-up would be lost (agronholm/apscheduler#285, #985). Detaching the job store first prevents that."""
    scheduler.remove_jobstore("default")
    scheduler.shutdown(wait=True)


def run_once(kwargs: dict, stopped: threading.Event, grace: float = KILL_GRACE) -> int:
    """The job once, now, in a worker thread, so a signal can stop its crawl cleanly."""
    _stopping.clear()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(nightly_job(**kwargs)), name="nightly-job")
    worker.start()
    while worker.is_alive():
        if stopped.wait(0.2):
            stop_children(grace)
            break
    worker.join()
    _stopping.clear()
    return result[0] if result else EXIT_SOURCES_FAILED


def when(moment: datetime | None, tz) -> str:
    """A time as the log shows it, in the schedule's time zone."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "never"


class ZonedFormatter(logging.Formatter):
    """`2026-11-21 02:00:00 museumfeeds.schedule INFO nightly run started (pid 1234)`, in the schedule's zone."""

    def __init__(self, tz: str):
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")
        self.tz = ZoneInfo(tz)

    def formatTime(self, record, datefmt=None) -> str:  # noqa: N802 (logging API)
        return datetime.fromtimestamp(record.created, self.tz).strftime("%Y-%m-%d %H:%M:%S")


def setup_logging(tz: str, verbose: bool) -> None:
    """One line per event on stderr (journald, or the file cron appends to)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ZonedFormatter(tz))
    for name, level in (("museumfeeds", logging.DEBUG if verbose else logging.INFO),
                        ("apscheduler", logging.INFO if verbose else logging.ERROR)):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(level)


def print_next(config: Config, db_url: str, count: int = 5) -> None:
    """The stored job's next run (or the missed run it will catch up) and the cron's next fire times."""
    from apscheduler.triggers.cron import CronTrigger

    scheduler = build(db_url, config.schedule.timezone, config.schedule.misfire_grace)
    scheduler.start(paused=True)
    job = scheduler.get_job(JOB_ID)
    close(scheduler)
    trigger = CronTrigger.from_crontab(config.schedule.crawl, timezone=config.schedule.timezone)
    print(f"schedule {config.schedule.crawl!r} ({config.schedule.timezone}), hard limit "
          f"{config.schedule.timeout} s, catch-up within {config.schedule.misfire_grace} s")
    fire, now = None, datetime.now(trigger.timezone)
    if job is None:
        print("stored job: none yet (added when the scheduler starts)")
    elif job.next_run_time and job.next_run_time <= now:
        print(f"stored job: the run of {when(job.next_run_time, trigger.timezone)} was missed; the scheduler "
              "catches it up when it starts (if within misfire_grace)")
    else:
        print(f"stored job: next run {when(job.next_run_time, trigger.timezone)}")
    print("next fire times:")
    for _ in range(count):
        fire = trigger.get_next_fire_time(fire, fire or now)
        print(f"  {when(fire, trigger.timezone)}")


def main(config: Config, db_url: str, args: argparse.Namespace) -> int:
    """`museumfeeds schedule [--once | --print-next]`."""
    if args.print_next:
        print_next(config, db_url)
        return 0
    setup_logging(config.schedule.timezone, args.verbose)
    kwargs = {"config_path": os.path.abspath(config.path), "db_url": db_url, "timeout": config.schedule.timeout}
    stopped = threading.Event()

    def on_signal(signum, _frame) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        stopped.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    if args.once:
        return run_once(kwargs, stopped)
    from apscheduler.triggers.cron import CronTrigger

    with hold(lock_path(db_url, config.path, ".scheduler.lock"), "scheduler"):
        scheduler = build(db_url, config.schedule.timezone, config.schedule.misfire_grace)
        trigger = CronTrigger.from_crontab(config.schedule.crawl, timezone=config.schedule.timezone)
        label = f"cron {config.schedule.crawl!r} ({config.schedule.timezone})"
        serve(scheduler, trigger, kwargs, stopped, label=label)
    return 0
