"""Summaries of a profiled full crawl: where the crawl process's one core goes, our code vs Scrapy/Twisted.

    .venv/bin/python bench/profile_report.py bench/out/full.prof         # cProfile (deterministic)
    .venv/bin/python bench/profile_report.py bench/out/full.pyspy.txt    # py-spy --format raw (sampling)

cProfile's per-call overhead inflates code that makes many small Python calls (Scrapy/Twisted plumbing and
SQLAlchemy more than lxml or regex in C), so read its shares with py-spy's next to them.
"""
from __future__ import annotations

import pstats
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = (str(ROOT / "aggregator") + "/", str(ROOT / "crawlers") + "/")
PACKAGES = ("scrapy", "twisted", "parsel", "lxml", "cssselect", "w3lib", "sqlalchemy", "dateparser", "nh3",
            "itemadapter", "pydispatch", "protego", "yaml", "OpenSSL", "cryptography", "zope", "regex",
            "tldextract", "feedparser", "apscheduler", "bench")


def category(path: str, func: str = "") -> str:
    """Which code a frame belongs to: ours, a named package, stdlib, or a builtin by its name."""
    if path.startswith(OURS):
        return "ours:" + path[len(str(ROOT)) + 1:].split("/")[0]
    if "/bench/" in path and path.startswith(str(ROOT)):
        return "bench"
    m = re.search(r"site-packages/([^/]+)", path)
    if m:
        name = m.group(1).split(".")[0]
        return name if name in PACKAGES else "other-lib"
    if path in ("~", "") or path.startswith("<"):
        low = func.lower()
        for key, cat in (("lxml", "lxml"), ("nh3", "nh3"), ("sqlite3", "sqlite3"), ("re.pattern", "re"),
                         ("_sre", "re"), ("select.epoll", "epoll"), ("socket", "socket"), ("zlib", "zlib")):
            if key in low:
                return cat
        return "builtin"
    return "stdlib"


def short(path: str) -> str:
    if path.startswith(str(ROOT)):
        return path[len(str(ROOT)) + 1:]
    m = re.search(r"site-packages/(.+)", path)
    if m:
        return m.group(1)
    m = re.search(r"python3\.\d+/(.+)", path)
    return m.group(1) if m else path


def report_cprofile(path: Path, top: int = 18) -> None:
    st = pstats.Stats(str(path))
    entries = st.stats  # (file, line, func) -> (cc, nc, tt, ct, callers)
    total = sum(v[2] for v in entries.values())
    by_cat: Counter[str] = Counter()
    for (file, _line, func), (_cc, _nc, tt, _ct, _callers) in entries.items():
        by_cat[category(file, func)] += tt
    print(f"  cProfile: {total:.1f} s of own time in total; own time by code:")
    for cat, tt in by_cat.most_common(14):
        print(f"    {cat:<18} {tt:7.2f} s  {100 * tt / total:5.1f} %")
    ours_tt = sum(v for k, v in by_cat.items() if k.startswith("ours:"))
    print(f"    (our code's own time {100 * ours_tt / total:.1f} %; what it calls is counted under the callee)")
    print(f"  top {top} of OUR functions by cumulative time (includes what they call):")
    ours = [(k, v) for k, v in entries.items() if k[0].startswith(OURS)]
    for (file, line, func), (_cc, nc, tt, ct, _callers) in sorted(ours, key=lambda kv: -kv[1][3])[:top]:
        print(f"    {ct:7.2f} s cum {100 * ct / total:5.1f} %  {tt:6.2f} s own  {nc:>8} calls  "
              f"{short(file)}:{line} {func}")
    print(f"  top {top} functions overall by own time:")
    for (file, line, func), (_cc, nc, tt, ct, _callers) in sorted(entries.items(), key=lambda kv: -kv[1][2])[:top]:
        print(f"    {tt:7.2f} s own {100 * tt / total:5.1f} %  {ct:7.2f} s cum  {nc:>8} calls  "
              f"{category(file, func):<12} {short(file)}:{line} {func}")


FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*)\)$")


def parse_frame(frame: str) -> tuple[str, str]:
    m = FRAME.match(frame.strip())
    return (m.group("func"), m.group("file")) if m else (frame, "")


def category_rel(file: str) -> str:
    """Like category() for py-spy's module-relative paths (`crawlers/pipelines.py`, `scrapy/crawler.py`)."""
    top = file.split("/", 1)[0] if "/" in file else ""
    if top in ("aggregator", "crawlers"):
        return "ours:" + top
    if top in PACKAGES:
        return top
    if file.startswith("<") or not file:
        return "builtin"
    return "stdlib" if top in ("", "asyncio", "json", "urllib", "email", "sqlite3", "logging", "concurrent",
                               "http", "importlib", "collections", "xml", "encodings") else "other-lib"


def is_ours(file: str) -> bool:
    return file.startswith(("aggregator/", "crawlers/"))


def report_pyspy(path: Path, top: int = 18) -> None:
    """py-spy `--format raw` (collapsed stacks, root first): self and inclusive shares of the main thread.

    Only stacks of the main thread (the reactor's) are counted; Twisted's thread-pool workers idle in
    Condition.wait and would otherwise look busy.
    """
    self_cat: Counter[str] = Counter()
    incl_ours: Counter[str] = Counter()
    self_fn: Counter[str] = Counter()
    entry: Counter[str] = Counter()
    total = under_ours = other_threads = 0
    for raw in path.read_text().splitlines():
        stack, _, count = raw.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [parse_frame(f) for f in stack.split(";")]
        if not frames or frames[0][0] != "<module>":
            other_threads += n
            continue
        total += n
        func, file = frames[-1]
        self_cat[category_rel(file)] += n
        self_fn[f"{category_rel(file):<16} {func} ({file})"] += n
        seen = set()
        first_ours = None
        for func, file in frames[4:]:  # skip runner.py <module>/main/run_full and crawl() itself
            if is_ours(file):
                key = f"{func} ({file})"
                if key not in seen:
                    incl_ours[key] += n
                    seen.add(key)
                first_ours = first_ours or key
        if first_ours:
            under_ours += n
            entry[first_ours] += n
        else:
            entry["(no frame of ours: Scrapy, Twisted, asyncio, start-up ...)"] += n
    if not total:
        print("  py-spy: no main-thread samples")
        return
    pct = lambda n: 100 * n / total  # noqa: E731
    print(f"  py-spy: {total} main-thread samples ({other_threads} in other threads ignored); "
          f"{pct(under_ours):.1f} % are inside our code (aggregator/, crawlers/) or what it calls")
    print("  by outermost frame of ours below crawl():")
    for key, n in entry.most_common(12):
        print(f"    {pct(n):5.1f} %  {key}")
    print("  self time by code (leaf frame):")
    for cat, n in self_cat.most_common(14):
        print(f"    {cat:<18} {pct(n):5.1f} %")
    print(f"  top {top} of OUR functions, inclusive:")
    for key, n in incl_ours.most_common(top):
        print(f"    {pct(n):5.1f} %  {key}")
    print(f"  top {top} leaf functions:")
    for key, n in self_fn.most_common(top):
        print(f"    {pct(n):5.1f} %  {key}")


def main() -> None:
    for arg in sys.argv[1:] or [str(ROOT / "bench" / "out" / "full.prof")]:
        path = Path(arg)
        print(path)
        (report_cprofile if path.suffix == ".prof" else report_pyspy)(path)


if __name__ == "__main__":
    main()
