"""Where a batch of teasers is normalised and tagged: in the crawl process, or raw to the store worker, by its backlog."""
from __future__ import annotations

# Raw batches of work (the largest batch sent so far, at the current cost estimates) the worker may have queued;
# beyond that the crawl process prepares (normalises and tags) a batch itself. With staggered flushes
# (crawlers/handoff.py) batches arrive one at a time, so two cover the gap between them; more only lengthens
# the end of the crawl, which waits for the queue: a fixed 0.2 s (about eight batches here) left 10-15 batches
# queued when the spiders closed and a tail of 0.39-0.48 s, two batches 7-8 and 0.29 s (bench/runner.py full).
BATCHES = 2
SMOOTHING = 0.3  # weight of the newest measurement in the running per-item costs


class Balance:
    """The store worker's queued work in seconds of its CPU, estimated from what it reports for each batch: its
    cost per item for storing and for preparing a raw batch (the crawl process's own cost until it reports)."""

    def __init__(self, batches: float = BATCHES, store: float = 5e-4, prepare: float = 2e-4):
        self.batches = batches
        self.cost = {"store": store, "prepare": prepare}  # seconds per item
        self.queued: dict[int, float] = {}  # batch id -> its estimated cost
        self.largest = 0  # items in the largest batch sent so far

    def backlog(self) -> float:
        """Estimated worker CPU seconds for the batches sent and not yet answered."""
        return sum(self.queued.values())

    def horizon(self) -> float:
        """Seconds of the worker's CPU it may have queued: `batches` raw batches of the largest size sent."""
        return self.batches * self.largest * (self.cost["store"] + self.cost["prepare"])

    def prepare_here(self) -> bool:
        """True when the worker has more than `horizon()` queued: this process prepares the next batch."""
        return self.backlog() > self.horizon()

    def sent(self, batch_id: int, count: int, raw: bool) -> None:
        self.largest = max(self.largest, count)
        self.queued[batch_id] = count * (self.cost["store"] + (self.cost["prepare"] if raw else 0.0))

    def answered(self, batch_id: int, count: int, cpu: dict[str, float] | None) -> None:
        """A batch's answer, with the worker's CPU seconds by part (`store`, and `prepare` for a raw batch)."""
        self.queued.pop(batch_id, None)
        for part, seconds in (cpu or {}).items():
            self.measured(part, count, seconds)

    def forget(self) -> None:
        """Nothing is queued any more (the worker died: its pending batches were failed)."""
        self.queued.clear()

    def prepared(self, count: int, seconds: float) -> None:
        """The crawl process prepared `count` teasers in `seconds` of its CPU."""
        self.measured("prepare", count, seconds)

    def measured(self, part: str, count: int, seconds: float) -> None:
        if count > 0 and part in self.cost:
            self.cost[part] += SMOOTHING * (seconds / count - self.cost[part])
