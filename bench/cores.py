"""Two-core scaling probe: how much one CPU slows down while the other is busy (shared physical cores, host load).

    .venv/bin/python bench/cores.py            # 5 alternations of one CPU alone / both CPUs at once

The full crawl keeps two CPUs busy (Scrapy's process and the store worker); the bare spider keeps one. On a VM
whose two vCPUs share a physical core or a power budget, each runs slower while the other is busy, so the full
crawl's pages/min against the bare spider's is bounded by this machine's scaling, not by the code alone.
`scaling` = work two busy CPUs do in a given time / work one CPU alone does (2.0 = independent cores).
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aggregator import cpus as cpu_split  # noqa: E402

LOOPS = 4_000_000  # about 0.15-0.5 s of pure-Python work on this kind of machine


def spin(loops: int) -> float:
    """Seconds a fixed pure-Python loop takes on the calling CPU."""
    t = time.perf_counter()
    s = 0
    for i in range(loops):
        s += i * i
    return time.perf_counter() - t


def _child(cpu: int, loops: int, barrier, out) -> None:  # noqa: ANN001 (multiprocessing objects)
    os.sched_setaffinity(0, {cpu})
    spin(loops // 20)  # warm the interpreter on this CPU
    barrier.wait()
    out.put(spin(loops))


def timed(cpus: list[int], loops: int) -> list[float]:
    """The loop's seconds on each of `cpus`, all started together, one process each."""
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(len(cpus)), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(cpu, loops, barrier, out)) for cpu in cpus]
    for p in procs:
        p.start()
    times = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return times


def crawl_cpus() -> tuple[int, int] | None:
    """The CPUs crawl.pin_cpus gives the full crawl (Scrapy's process, the store worker's first), or None with
    fewer than two."""
    split = cpu_split.split(os.sched_getaffinity(0))
    return (min(split[0]), min(split[1])) if split else None


def scaling(cpus: tuple[int, int], rounds: int = 3, loops: int = LOOPS) -> dict:
    """Median seconds of the loop alone on cpus[0] and on both at once, and the scaling they imply."""
    alone, paired = [], []
    for _ in range(rounds):
        alone += timed([cpus[0]], loops)
        paired.append(max(timed(list(cpus), loops)))
    a, p = statistics.median(alone), statistics.median(paired)
    return {"alone": a, "paired": p, "scaling": 2 * a / p}


def line(result: dict) -> str:
    return (f"two-core scaling {result['scaling']:.2f} (a fixed loop alone {result['alone'] * 1000:.0f} ms, "
            f"on both CPUs at once {result['paired'] * 1000:.0f} ms; 2.00 = independent cores)")


def main() -> None:
    ap = argparse.ArgumentParser(description="How much one CPU slows while another is busy.")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cpus", default="", help="two CPUs, e.g. 0,1 (default: those crawl.pin_cpus gives the crawl)")
    args = ap.parse_args()
    cpus = tuple(int(c) for c in args.cpus.split(",")) if args.cpus else crawl_cpus()
    if cpus is None or len(cpus) != 2:
        raise SystemExit(f"needs two CPUs, this process may use {sorted(os.sched_getaffinity(0))}")
    print(line(scaling(cpus, args.rounds)))


if __name__ == "__main__":
    main()
