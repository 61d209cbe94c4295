"""Where a batch of teasers is normalised and tagged: in the crawl process, or raw to the store worker, by its backlog."""
from __future__ import annotations

# Seconds of the worker's CPU already queued beyond which the crawl process prepares (normalises and tags) a
# batch itself. Short enough that the worker's queue is nearly empty when the crawl ends (the tail is waited
# for), long enough to cover the gap between flushes, which come in bursts (every spider fills its batch at
# about the same page).
HORIZON = 0.2
SMOOTHING = 0.3  # weight of the newest measurement in the running per-item costs


class Balance:
    """The store worker's queued work in seconds of its CPU, estimated from what it reports for each batch: its
    cost per item for storing and for preparing a raw batch (the crawl process's own cost until it reports)."""

    def __init__(self, horizon: float = HORIZON, store: float = 5e-4, prepare: float = 2e-4):
        self.horizon = horizon
        self.cost = {"store": store, "prepare": prepare}  # seconds per item
        self.queued: dict[int, float] = {}  # batch id -> its estimated cost

    def backlog(self) -> float:
        """Estimated worker CPU seconds for the batches sent and not yet answered."""
        return sum(self.queued.values())

    def prepare_here(self) -> bool:
        """True when the worker has more than HORIZON seconds queued: this process prepares the next batch."""
        return self.backlog() > self.horizon

    def sent(self, batch_id: int, count: int, raw: bool) -> None:
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
