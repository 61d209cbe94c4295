"""Garbage-collector policy of the crawl's two processes: the start-up heap frozen, collections rarer."""
from __future__ import annotations

import gc

# gc.set_threshold values. The store worker's heap grows by every item of the clustering window (acyclic
# members, freed by reference counting) and makes next to no cyclic garbage, but every full collection walked
# all of it: 16 of them were 1.4 of its 10.7 CPU seconds in bench/crawl_bench.py. Its young collections too
# walked every member made since the last one (a batch's, all alive in the window): 45 of them took 0.18 s of
# its CPU in a crawl of the mirror at 50,000 allocations; at 1,000,000 there are 3, and its peak memory is the
# same (371-376 MB). Scrapy's process does make cyclic garbage holding response bodies (Deferreds, Failures),
# so it collects more often: a bare spider at the worker's earlier thresholds grew from 140 to 490 MB.
WORKER = (1_000_000, 20, 100)
CRAWL = (5_000, 10, 10)


_settled = False


def settle(thresholds: tuple[int, int, int]) -> None:
    """Once a process has started up: what is alive now (modules, models, settings, compiled rules) is moved out
    of the collector's sight for good (gc.freeze), and the thresholds are set. Only the first call does it."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.freeze()
    gc.set_threshold(*thresholds)
