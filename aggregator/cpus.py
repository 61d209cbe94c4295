"""CPU affinity for a crawl on a machine of its own (`crawl.pin_cpus`): Scrapy's process on one CPU, the store
worker on the others, so neither is moved between CPUs (and their caches) by the kernel's load balancing."""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def split(allowed) -> tuple[set[int], set[int]] | None:
    """(the crawl process's CPU, the store worker's CPUs) from the CPUs this process may use: the lowest for the
    crawl, every other for the worker; None with fewer than two."""
    cpus = sorted(allowed)
    if len(cpus) < 2:
        return None
    return {cpus[0]}, set(cpus[1:])


def available() -> set[int] | None:
    """The CPUs this thread may run on, or None where the platform cannot say (or pin)."""
    if not hasattr(os, "sched_getaffinity") or not hasattr(os, "sched_setaffinity"):
        return None
    return set(os.sched_getaffinity(0))


def pin_crawl() -> tuple[set[int], set[int]] | None:
    """Pin this thread, and so every thread and process it starts afterwards, to one CPU; returns (the CPUs it may
    use before, the CPUs left for the store worker), or None when nothing was pinned (one CPU, or no affinity)."""
    allowed = available()
    parts = split(allowed) if allowed is not None else None
    if parts is None:
        log.info("crawl.pin_cpus: %s, nothing pinned", "one CPU" if allowed else "no CPU affinity on this platform")
        return None
    os.sched_setaffinity(0, parts[0])
    return allowed, parts[1]


def pin(pid: int, cpus) -> None:
    """Pin a process (its main thread, and the threads it starts afterwards) to these CPUs; nothing if it is gone."""
    try:
        os.sched_setaffinity(pid, set(cpus))
    except (ProcessLookupError, PermissionError) as exc:
        log.warning("could not pin process %d to CPUs %s: %s", pid, sorted(cpus), exc)


def restore(allowed) -> None:
    """This thread back on the CPUs it had before `pin_crawl`."""
    os.sched_setaffinity(0, set(allowed))
