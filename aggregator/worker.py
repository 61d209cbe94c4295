"""The store worker: stores the crawl's items (normalising and tagging those sent raw) in a child process."""
from __future__ import annotations

import collections
import contextlib
import logging
import signal
import time
import traceback
from typing import NamedTuple

from scrapy.settings import Settings

log = logging.getLogger(__name__)


class Stats:
    """The slice of Scrapy's stats collector StorePipeline uses, collecting one batch's changes."""

    def __init__(self):
        self.incs: dict[str, int] = {}
        self.sets: dict[str, object] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.incs[key] = self.incs.get(key, 0) + count

    def set_value(self, key: str, value) -> None:
        self.sets[key] = value


class Crawler:
    """What the pipelines' constructors read from a crawler: its settings and stats."""

    def __init__(self, settings: dict):
        self.settings = Settings(settings)
        self.stats = Stats()


class Chain:
    """One spider's pipelines in the worker (the in-process ones, reused): store, and for a batch handed over as
    teasers, normalise and tag first."""

    def __init__(self, settings: dict):
        from crawlers.pipelines import NormalizePipeline, StorePipeline, TagPipeline

        self.crawler = Crawler({**settings, "STORE_WORKER": False})
        self.normalize = NormalizePipeline.for_settings(self.crawler.settings, log_drops=False)
        self.tagger = TagPipeline.for_settings(self.crawler.settings)
        self.store = StorePipeline.from_crawler(self.crawler)
        self.store.batch_size = 1 << 30  # one upsert per handed-over batch, at its end

    def run(self, items: list) -> dict:
        """Store one batch of teasers (normalised and tagged first) or of aggregator.store.Incoming; returns the
        stats changes, the drop reasons, the store error if any and the CPU seconds each part took."""
        return self.run_many([items])[0]

    def run_many(self, batches: list[list]) -> list[dict]:
        """`run` of several batches of this spider, stored in one upsert (a transaction and one clustering pass:
        per item about 25 % less than two upserts of 200); a batch holding a URL key of one before it starts
        another upsert, so every sighting is counted and applied as if stored one batch at a time."""
        results, pending, keys = [], [], set()
        for items in batches:
            stats, cpu, batch = self.prepared(items)
            batch_keys = {item.url_key for item in batch.incoming}
            if batch_keys & keys:
                self.store_pending(pending)
                pending, keys = [], set()
            pending.append((stats, cpu, len(batch.incoming)))
            keys |= batch_keys
            if batch.incoming:
                self.store.process_item(batch)
            results.append({"incs": stats.incs, "sets": stats.sets, "drops": batch.dropped, "cpu": cpu})
        self.store_pending(pending)
        return results

    def prepared(self, items: list):
        """A batch's own stats, CPU seconds so far and TeaserBatch (teasers normalised and tagged here)."""
        from crawlers.items import Teaser, TeaserBatch

        self.crawler.stats = self.normalize.stats = stats = Stats()
        started, cpu = time.process_time(), {}
        if items and isinstance(items[0], Teaser):
            batch = self.tagger.process_item(self.normalize.process_item(TeaserBatch(items[0].source, list(items))))
            cpu["prepare"] = time.process_time() - started
        else:
            batch = TeaserBatch(items[0].source_id if items else "", [], incoming=list(items))
        return stats, cpu, batch

    def store_pending(self, pending: list[tuple[Stats, dict, int]]) -> None:
        """One upsert of what the batches in `pending` put in the store pipeline; its counts go to the last one's
        stats, its CPU seconds to each batch by its share of the items."""
        if not pending:
            return
        started = time.process_time()
        self.crawler.stats = pending[-1][0]
        self.store.flush()
        spent, total = time.process_time() - started, sum(n for _, _, n in pending) or 1
        counted = [k for k in ("museumfeeds/items_new", "museumfeeds/items_seen") if k in pending[-1][0].incs]
        for stats, cpu, n in pending:
            cpu["store"] = spent * n / total
            for k in counted:  # every answer names the counts, as when each batch was an upsert of its own
                stats.incs.setdefault(k, 0)


def main(inbox, outbox) -> None:
    """Serve batches `(batch_id, spider_key, settings, items, last)` until the input ends (EOF), answering
    `(batch_id, result)` (batch_id None: warm up, no answer); SIGINT and SIGTERM are ignored: the parent decides
    when the crawl ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s [store worker] %(levelname)s: %(message)s")
    import crawlers.pipelines  # noqa: F401 - imported before the first batch arrives
    from aggregator import gcpolicy

    chains: dict[str, Chain] = {}
    queue: collections.deque = collections.deque()
    ended = False
    while queue or not ended:
        ended = ended or read_waiting(inbox, queue)
        if not queue:
            return
        batch_id, key, settings, items, last = queue.popleft()
        if batch_id is None:  # warm-up: imports, language model, themes, store before the first batch
            with contextlib.suppress(Exception):  # a real batch reports what fails
                Chain(settings)
            gcpolicy.settle(gcpolicy.WORKER)
            continue
        if key == RUN_KEY:  # a crawl run to close (crawlers/extensions.py), after its spider's batches
            answers = [(batch_id, record_run(settings, items[0]))]
        else:
            group = [(batch_id, items, last)] + (taken(queue, key, MERGE_ITEMS - len(items)) if not last else [])
            answers = serve(chains, key, settings, group)
        for answer in answers:
            try:
                outbox.send(answer)
            except (BrokenPipeError, OSError):
                return


MERGE_ITEMS = 1000  # at most this many items of one spider stored in one upsert (Chain.run_many)
RUN_KEY = "crawl-run"  # the key of a message closing a crawl run: `items` is [RunRecord]


class RunRecord(NamedTuple):
    """A crawl run to close in the store, with what `Store.finish_run` takes."""

    run_id: int
    fields: dict


def record_run(settings: dict, record: RunRecord) -> dict:
    """Close a crawl run with this process's connection: the store then has one writer during a crawl, and the
    clustering window survives (another connection's commit clears it: 77 ms of freeing and a reload of its days,
    when the first spiders closed while the worker still had the others' batches). {"recorded": True}, or the
    error for the crawl process, which then writes the run itself."""
    from crawlers import resources
    from crawlers.extensions import retry_locked

    try:
        store = resources.settings_store(Settings(settings))
        retry_locked(lambda: store.finish_run(record.run_id, **record.fields))
    except Exception as exc:  # noqa: BLE001 - the crawl process records it instead
        return {"recorded": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"recorded": True}


def read_waiting(inbox, queue: collections.deque) -> bool:
    """Wait for a message if none is queued, then take every message already sent; True once the input ended."""
    try:
        if not queue:
            queue.append(inbox.recv())
        while inbox.poll():
            queue.append(inbox.recv())
    except (EOFError, OSError):
        return True
    return False


def taken(queue: collections.deque, key: str, room: int) -> list[tuple]:
    """The queued batches of this spider, in order, while they fit in `room` items (up to and including its last
    batch), removed from the queue; other spiders' batches keep their places."""
    out, kept = [], collections.deque()
    while queue:
        msg = queue.popleft()
        batch_id, msg_key, _, items, last = msg
        if batch_id is not None and msg_key == key and len(items) <= room and not (out and out[-1][2]):
            out.append((batch_id, items, last))
            room -= len(items)
        else:
            kept.append(msg)
            if batch_id is not None and msg_key == key:  # never a later batch of this spider before an earlier one
                room = -1
    queue.extend(kept)
    return out


def serve(chains: dict, key: str, settings: dict, group: list[tuple]) -> list[tuple[int, dict]]:
    """Store a spider's batches (`(batch_id, items, last)`, in order) in one upsert; each batch's answer."""
    from aggregator import gcpolicy

    try:
        if settings.get("BENCH_WORKER_ACK_ONLY"):  # bench/crawl_bench.py `extract`: the Scrapy side alone
            results = [{"incs": {"museumfeeds/items_acked": len(items)}, "sets": {}, "drops": [],
                        "cpu": {"store": 0.0}} for _, items, _ in group]  # no backlog: every batch goes raw
        else:
            chain = chains.get(key) or chains.setdefault(key, Chain(settings))
            gcpolicy.settle(gcpolicy.WORKER)  # once: here when the worker started without a warm-up
            results = chain.run_many([items for _, items, _ in group])
    except Exception:  # noqa: BLE001 - reported to the parent, which fails the run
        cause = traceback.format_exc().strip().splitlines()[-1]
        total = sum(len(items) for _, items, _ in group)
        results = [{"incs": {"museumfeeds/items_unstored": len(items)}, "drops": [],
                    "sets": {"museumfeeds/store_error": f"store worker: {cause}: {total} items not stored"}}
                   for _, items, _ in group]
    if group[-1][2]:
        chains.pop(key, None)
    return [(batch_id, result) for (batch_id, _, _), result in zip(group, results)]
