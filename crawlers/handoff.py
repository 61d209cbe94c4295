"""HandoffPipeline: teasers go in batches to the process's store worker (aggregator/worker.py), normalised here
or there by its backlog (crawlers/balance.py); its counts come back."""
from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time

from scrapy.exceptions import NotConfigured
from twisted.internet import defer

from aggregator import worker as worker_main
from aggregator.cpus import pin
from aggregator.store import Incoming
from crawlers.balance import Balance
from crawlers.items import Teaser, TeaserBatch

log = logging.getLogger(__name__)
# BENCH_WORKER_ACK_ONLY (benchmarks only): the worker acknowledges each batch without storing it (aggregator/worker.py).
SETTINGS = ("MUSEUMFEEDS_CONFIG", "MUSEUMFEEDS_DB", "STORE_LOCKED_ATTEMPTS", "STORE_LOCKED_DELAY",
            "BENCH_WORKER_ACK_ONLY")


def worker_settings(settings) -> dict:
    """The crawl settings the store worker needs (SETTINGS), as a plain dict for the pipe."""
    return {k: settings.get(k) for k in SETTINGS}


def worker_enabled(settings) -> bool:
    """STORE_WORKER: True / False, or unset (None): on when there is more than one core."""
    value = settings.get("STORE_WORKER")
    if value is None or value == "":
        return (os.cpu_count() or 1) > 1
    return settings.getbool("STORE_WORKER")


class Worker:
    """The child process (spawned, never forked) and two pipes: a sender thread writes batches, a reader thread
    hands each answer to `call` (the reactor's callFromThread) so the reactor never blocks on the child."""

    def __init__(self, call, cpus=None):
        self.call = call
        ctx = multiprocessing.get_context("spawn")
        child_in, self.to_child = ctx.Pipe(duplex=False)
        self.from_child, child_out = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=worker_main.main, args=(child_in, child_out), name="store-worker")
        with signals_ignored():  # inherited through exec: the child ignores them from its first instruction
            self.process.start()
        if cpus:  # crawl.pin_cpus: the CPUs the crawl process left it (aggregator/cpus.py)
            pin(self.process.pid, cpus)
        child_in.close()
        child_out.close()
        self.pending: dict[int, tuple[defer.Deferred, int]] = {}
        self.balance = Balance()
        self.ids = itertools.count()
        self.outgoing: queue.Queue = queue.Queue()
        self.dead: str | None = None
        self.closing = False
        self.reaping = threading.Lock()
        threading.Thread(target=self.send_loop, name="store-worker-send", daemon=True).start()
        threading.Thread(target=self.read_loop, name="store-worker-read", daemon=True).start()

    def submit(self, key: str, settings: dict, items: list[Teaser | Incoming], last: bool,
               raw: bool = True) -> defer.Deferred:
        """A Deferred firing with the batch's result dict (from the child, or a failure result if it died);
        `raw`: the items are teasers the worker normalises and tags."""
        d = defer.Deferred()
        if self.dead:
            d.callback(died(self.dead, len(items)))
            return d
        batch_id = next(self.ids)
        self.pending[batch_id] = (d, len(items))
        self.balance.sent(batch_id, len(items), raw)
        self.outgoing.put((batch_id, key, settings, items, last))
        return d

    def record(self, settings: dict, run_id: int, fields: dict) -> defer.Deferred:
        """A Deferred firing with the worker's answer once it has closed this crawl run (`{"recorded": True}`), or
        with a failure result (no `recorded`) if it is dead or dies first: a message of one item, queued as a batch."""
        return self.submit(worker_main.RUN_KEY, settings, [worker_main.RunRecord(run_id, fields)], False, raw=False)

    def warm(self, settings: dict) -> None:
        """Have the child import and build its pipelines now, while Scrapy starts (no answer comes back)."""
        self.outgoing.put((None, "", settings, [], False))

    def send_loop(self) -> None:
        while (msg := self.outgoing.get()) is not None:
            try:
                self.to_child.send(msg)
            except (BrokenPipeError, OSError):
                return
        self.to_child.close()

    def read_loop(self) -> None:
        while True:
            try:
                batch_id, result = self.from_child.recv()
            except (EOFError, OSError):
                break
            self.call(self.answered, batch_id, result)
        self.join(5)
        code = self.process.exitcode
        cause = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        self.call(self.ended, f"the store worker (pid {self.process.pid}) died ({cause})")

    def answered(self, batch_id: int, result: dict) -> None:
        d, count = self.pending.pop(batch_id)
        self.balance.answered(batch_id, count, result.pop("cpu", None))
        d.callback(result)

    def ended(self, cause: str) -> None:
        """The child's output ended: every batch still pending is failed, and so is every later one."""
        if self.closing and not self.pending:
            return
        self.dead = cause
        if self.pending:
            log.error("%s: %d batches not stored", cause, len(self.pending))
        pending, self.pending = self.pending, {}
        self.balance.forget()
        for d, count in pending.values():
            d.callback(died(cause, count))

    def close(self, timeout: float = 60) -> None:
        """End the input (the child drains what it has, then exits) and wait for it, bounded."""
        if not self.closing:
            self.closing = True
            self.outgoing.put(None)
            self.join(timeout)

    def join(self, timeout: float) -> None:
        """Wait for the child, one thread at a time: two threads reaping one child at once can leave it
        unreaped for both (the loser's waitpid fails with ECHILD before the winner records the exit code)."""
        with self.reaping:
            self.process.join(timeout)


@contextlib.contextmanager
def signals_ignored():
    """SIGINT and SIGTERM ignored meanwhile (in the main thread only, where Python allows it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def died(cause: str, count: int) -> dict:
    return {"incs": {"museumfeeds/items_unstored": count}, "drops": [],
            "sets": {"museumfeeds/store_error": f"{cause}: {count} items not stored"}}


def warm_worker(settings) -> None:
    """Start the process's worker first thing, before Scrapy's reactor and crawlers are made, if the settings use
    one: its spawn, imports, language model, themes and the store's schema check (about 1.5 s of its own core)
    then overlap the crawl process's start-up instead of the first second of crawling."""
    if worker_enabled(settings):
        started_worker(settings.getlist("STORE_WORKER_CPUS")).warm(worker_settings(settings))


def on_reactor(f, *args) -> None:
    """Call f(*args) in the reactor's thread. The worker answers only batches, which come from the reactor, so it
    is installed by then; a worker that dies before (nothing waits on it yet) is recorded directly."""
    if "twisted.internet.reactor" not in sys.modules:
        f(*args)
        return
    from twisted.internet import reactor

    reactor.callFromThread(f, *args)


_worker: Worker | None = None
_opened = itertools.count()  # HandoffPipelines opened in this process: each one's place in the stagger
_hooked: Worker | None = None  # the worker whose close is tied to the reactor's shutdown


def started_worker(cpus=None) -> Worker:
    """The one worker of this process, started on first use (on these CPUs, if given) and closed at exit; needs no
    reactor."""
    global _worker
    if _worker is None or _worker.closing:
        _worker = Worker(on_reactor, [int(c) for c in cpus or ()])
        atexit.register(_worker.close)
    return _worker


def shared_worker() -> Worker:
    """The worker, its close also tied to the reactor's shutdown (called from the reactor's side)."""
    global _hooked
    worker = started_worker()
    if _hooked is not worker:
        from twisted.internet import reactor

        reactor.addSystemEventTrigger("after", "shutdown", worker.close)
        _hooked = worker
    return worker


def staggered(index: int, size: int) -> int:
    """The first batch size of the index-th spider opened: spiders crawling at one pace would otherwise all flush
    at the same page, and the worker would get its work in bursts, idle between them while this process prepares
    what it could not take (golden-ratio offsets spread any number of spiders evenly over one batch)."""
    return size - int(size * (index * 0.6180339887 % 1))


class HandoffPipeline:
    """Buffers a spider's teasers and hands them to the worker in batches of STORE_BATCH_SIZE (the first one
    shorter, by the spider's place in `staggered`): as they are while
    the worker's queued work is short (it has CPU to spare), else normalised and tagged here first (the crawl
    process does that share: crawlers/balance.py). close_spider's Deferred fires once the worker has stored and
    acknowledged all of this spider's items, with their counts in the crawler's stats."""

    def __init__(self, crawler):
        from crawlers.pipelines import NormalizePipeline, TagPipeline, batch_size

        self.crawler = crawler
        self.settings = worker_settings(crawler.settings)
        self.batch_size = batch_size(crawler.settings)
        self.normalize = NormalizePipeline.for_settings(crawler.settings, crawler.stats)
        self.tagger = TagPipeline.for_settings(crawler.settings)
        self.buffer: list[Teaser] = []
        self.next_size = self.batch_size
        self.waiting: list[defer.Deferred] = []
        self.key = ""

    @classmethod
    def from_crawler(cls, crawler):
        if not worker_enabled(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        shared_worker()  # started (and warming up) while the first pages download
        self.key = f"{getattr(spider, 'name', 'spider')}#{id(self)}"
        self.next_size = staggered(next(_opened), self.batch_size)

    def process_item(self, item: TeaserBatch) -> TeaserBatch:
        self.buffer.extend(item.teasers)
        while len(self.buffer) >= self.next_size:  # STORE_BATCH_SIZE teasers a batch, as in-process
            self.flush(last=False, size=self.next_size)
            self.next_size = self.batch_size
        return item

    def flush(self, last: bool, size: int | None = None) -> None:
        cut = len(self.buffer) if size is None else size
        batch, self.buffer = self.buffer[:cut], self.buffer[cut:]
        if not batch and not last:
            return
        worker = shared_worker()
        items: list = batch
        # A spider's last batch is prepared here too: this process has nothing left to do for it, while the
        # worker's queue is what the end of the crawl waits for.
        raw = not (batch and (last or worker.balance.prepare_here()))
        if not raw:  # the worker is behind (or this is the end): this process normalises and tags
            started = time.thread_time()
            done = self.tagger.process_item(self.normalize.process_item(TeaserBatch(batch[0].source, batch)))
            worker.balance.prepared(len(batch), time.thread_time() - started)
            items = done.incoming
            self.crawler.stats.inc_value("museumfeeds/normalised_in_crawl", len(batch))
        self.waiting.append(worker.submit(self.key, self.settings, items, last, raw).addCallback(self.count))

    def close_spider(self, spider=None) -> defer.Deferred:
        self.flush(last=True)
        return defer.DeferredList(self.waiting)

    def count(self, result: dict) -> None:
        """The batch's counts into the stats, under StorePipeline's names; drops logged as Scrapy logs them."""
        stats = self.crawler.stats
        for key, value in result["incs"].items():
            stats.inc_value(key, value)
        for key, value in result["sets"].items():
            if key == "museumfeeds/store_error":
                log.error("%s", value)
            stats.set_value(key, value)
        for reason in result["drops"]:
            log.warning("Dropped: %s", reason)  # counted by the worker's NormalizePipeline (or its error path)
