"""Crawl throughput benchmark: the full museumfeeds pipeline against a bare Scrapy spider, alternating.

    .venv/bin/python bench/crawl_bench.py                # 2400 pages, 8 sections, 2 rounds (~4-5 min)
    .venv/bin/python bench/crawl_bench.py --profile      # and a cProfile + py-spy profile of one full run

1. Generates (once; reused while the spec is unchanged) a mirror of `--pages` listing pages of ~37 KB with 20
   teasers each, split into `--sections` independent paginated listings (bench/mirror.py).
2. Serves it on 127.0.0.1 from a separate process (bench/server.py), pinned to its own CPU.
3. Alternates full / bare / full / bare ... (`--rounds` pairs), each crawl in a fresh process (bench/runner.py),
   with `crawl.pin_cpus` (`--pin-cpus on`: Scrapy's process on the lowest CPU, the full crawl's store worker on
   the others). `full` is aggregator.crawl.crawl() over a generated config with one source per section (the
   themes copied from config.yaml) and a fresh SQLite file; `bare` (bench/bare_spider.py) only
   follows the same pager links from the same start URLs. Both get the same Scrapy settings.
4. Prints pages per minute of each run (listing pages fetched / crawl window, from Scrapy's own stats), the
   medians and their ratio full/bare, and checks that every full run stored pages x 20 items.
   `--modes extract,bare`: `extract` is the full crawl with a store worker that only acknowledges each batch
   (BENCH_WORKER_ACK_ONLY): the Scrapy process's own cost (extraction, keys, hand-over), with no storing.
5. Before each round, bench/cores.py's probe: how much one CPU slows while the other is busy. The full crawl
   keeps two CPUs busy and the bare spider one, so on a VM whose vCPUs share a core the ratio moves with it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

from aggregator import cpus  # noqa: E402
from bench import cores  # noqa: E402
from bench.mirror import LIST_SELECTORS, NEXT_PAGE, TEASERS_PER_PAGE, MirrorSpec, generate, section_lang  # noqa: E402

PY = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")


def system_busy() -> float:
    """CPU seconds all processes on the machine have used (busy jiffies in /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Server:
    """bench/server.py in a child process."""

    def __init__(self, root: Path, kind: str, cpu: int | None):
        cmd = [PY, str(BENCH / "server.py"), str(root), "--kind", kind]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise SystemExit(f"server did not start: {line!r}")
        self.port = int(line.split()[1])

    def cpu(self) -> float:
        return proc_cpu(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def write_config(path: Path, port: int, spec: MirrorSpec, themes_from: Path, pin_cpus: bool = False) -> None:
    """A museumfeeds config: the real themes, one listing source per mirror section (`crawl.pin_cpus` as given)."""
    themes = yaml.safe_load(themes_from.read_text(encoding="utf-8"))["themes"]
    sources = []
    for section in range(spec.sections):
        lang = section_lang(section)
        sources.append({
            "id": f"bench-{section}", "name": f"Bench section {section}", "org": "Bench",
            "url": f"http://127.0.0.1:{port}/section{section}/",
            "languages": [lang] if lang == "en" else [lang, "en"],
            "list": dict(LIST_SELECTORS), "next_page": NEXT_PAGE, "max_pages": spec.pages_in(section),
            "follow": False, "date_order": "MDY" if lang == "en" else "DMY",
        })
    data = {"store": {"url": "sqlite:///unused.db"}, "crawl": {"timeout": 30, "pin_cpus": pin_cpus}, "themes": themes,
            "sources": sources}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def summarise(stats_file: Path) -> dict:
    """Pages and crawl window over all crawlers of a run: first spider opened .. last spider closed."""
    rows = [json.loads(line) for line in stats_file.read_text().splitlines() if line.strip()]
    start = min(r["start_time"] for r in rows)
    end = max(r["finish_time"] for r in rows)
    get = lambda key: sum(r.get(key, 0) for r in rows)  # noqa: E731
    return {"crawlers": len(rows), "pages": get("response_received_count"), "window": end - start,
            "bytes": get("downloader/response_bytes"), "items": get("item_scraped_count"),
            "listing_pages": get("museumfeeds/listing_pages"), "teasers": get("museumfeeds/teasers"),
            "acked": get("museumfeeds/items_acked"),
            "reasons": sorted({r.get("finish_reason") for r in rows})}


def run_once(mode: str, n: int, args, config: Path, server: Server, runs_dir: Path,
             profile: str | None = None, wrap: list[str] | None = None) -> dict:
    """One crawl in a fresh process; its numbers."""
    # A folder per run: a fresh store, and a fresh HTTP cache (aggregator.crawl puts it beside the store).
    run_dir = runs_dir / f"{n:02d}-{mode}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    stats, result, db = run_dir / "stats.jsonl", run_dir / "result.json", run_dir / "store.db"
    cmd = [PY, str(BENCH / "runner.py"), mode, "--config", str(config), "--db", f"sqlite:///{db}",
           "--stats", str(stats), "--result", str(result)]
    if args.crawler_cpu is not None:
        cmd += ["--cpu", str(args.crawler_cpu)]
    elif args.pin_cpus == "on" and mode in ("bare", "items") and (split := cpus.split(os.sched_getaffinity(0))):
        cmd += ["--cpu", str(min(split[0]))]  # the CPU crawl.pin_cpus gives the full crawl's Scrapy process
    if mode in ("bare", "items") and args.bare_per_source:
        cmd.append("--bare-per-source")
    if profile:
        cmd += ["--profile", profile]
    server_cpu0, busy0, t0 = server.cpu(), system_busy(), time.monotonic()
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run((wrap or []) + cmd, cwd=ROOT, capture_output=True, text=True)
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.monotonic() - t0
    server_cpu = server.cpu() - server_cpu0
    busy = system_busy() - busy0
    # the crawl process and anything it started and reaped (a pipeline may use worker processes)
    crawl_cpu = usage1.ru_utime - usage0.ru_utime + usage1.ru_stime - usage0.ru_stime
    if proc.returncode != 0 or not result.exists():
        raise SystemExit(f"{mode} run failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    out = {"mode": mode, **summarise(stats), **json.loads(result.read_text()), "wall": wall,
           "server_cpu": server_cpu, "stderr": proc.stderr.strip()[-2000:]}
    out["ppm"] = out["pages"] / out["window"] * 60
    out["crawl_cpu"] = crawl_cpu
    out["crawler_cpu_pct"] = 100 * crawl_cpu / wall
    out["server_cpu_pct"] = 100 * server_cpu / wall
    # everything else on the machine meanwhile (other jobs skew the figures; py-spy counts here too)
    out["other_cpu_pct"] = max(0.0, 100 * (busy - crawl_cpu - server_cpu) / wall)
    out["disk_mb"] = sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file()) / 2**20
    if not args.keep_db:
        for p in run_dir.iterdir():
            if p.name not in ("stats.jsonl", "result.json"):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    return out


def check(run: dict, spec: MirrorSpec) -> list[str]:
    """What is wrong with a run (empty when all pages were fetched and, for full, every item stored)."""
    problems = []
    if run["pages"] != spec.pages:
        problems.append(f"fetched {run['pages']} pages, expected {spec.pages}")
    if run["mode"] == "full":
        want = spec.pages * TEASERS_PER_PAGE
        if run["stored_items"] != want:
            problems.append(f"stored {run['stored_items']} items, expected {want}")
        if run["listing_pages"] != spec.pages:
            problems.append(f"read {run['listing_pages']} listing pages, expected {spec.pages}")
        bad = [s for s in run["sources"] if s["status"] != "ok"]
        if bad:
            problems.append(f"source runs not ok: {bad[:2]}")
    if run["mode"] == "extract":
        want = spec.pages * TEASERS_PER_PAGE
        if run["acked"] != want or run["teasers"] != want:
            problems.append(f"handed over {run['acked']} of {run['teasers']} teasers, expected {want}")
    if run["mode"] == "items" and run["items"] != spec.pages * TEASERS_PER_PAGE:
        problems.append(f"scraped {run['items']} items, expected {spec.pages * TEASERS_PER_PAGE}")
    if run["reasons"] != ["finished"]:
        problems.append(f"finish reasons {run['reasons']}")
    return problems


def warnings(run: dict) -> list[str]:
    """Conditions that skew the figures without making the run wrong."""
    out = []
    if run["other_cpu_pct"] > 15:
        out.append(f"other processes used {run['other_cpu_pct']:.0f} % of a CPU meanwhile: figures skewed")
    if run["server_cpu_pct"] > 70:
        out.append(f"the server used {run['server_cpu_pct']:.0f} % of its CPU: it may be the bottleneck")
    return out


def line(run: dict) -> str:
    extra = f"  stored {run['stored_items']:>6}, wrote {run['disk_mb']:.0f} MB" if run["mode"] == "full" else ""
    return (f"  {run['mode']:<7}  {run['pages']:>5} pages in {run['window']:6.2f} s  = {run['ppm']:8.0f} pages/min"
            f"  (CPU: crawler {run['crawler_cpu_pct']:3.0f} %, server {run['server_cpu_pct']:2.0f} %,"
            f" other {run['other_cpu_pct']:2.0f} %; process {run['process_wall']:5.1f} s){extra}")


LABELS = {"full": "full pipeline", "bare": "bare spider", "items": "bare + items", "extract": "extract only"}


def report(runs: list[dict]) -> dict[str, list[float]]:
    """Each mode's median pages/min printed (items and extract also against bare); the runs' figures by mode."""
    ppm = {mode: [r["ppm"] for r in runs if r["mode"] == mode] for mode in LABELS}
    bare = ppm["bare"]
    for mode, xs in ppm.items():
        if xs:
            vs = f"; {mode}/bare = {statistics.median(xs) / statistics.median(bare):.2f}" \
                if bare and mode in ("items", "extract") else ""
            print(f"  {LABELS[mode]:<14} median {statistics.median(xs):8.0f} pages/min"
                  f"  (runs: {', '.join(f'{x:.0f}' for x in xs)}){vs}")
    return ppm


def main() -> None:
    ap = argparse.ArgumentParser(description="Full pipeline vs bare Scrapy spider, pages per minute.")
    ap.add_argument("--pages", type=int, default=2400, help="total listing pages in the mirror (default 2400)")
    ap.add_argument("--sections", type=int, default=8, help="independent paginated listings (default 8)")
    ap.add_argument("--rounds", type=int, default=2, help="full/bare alternations (default 2)")
    ap.add_argument("--out", type=Path, default=BENCH / "out", help="work folder (default bench/out/)")
    ap.add_argument("--server", choices=("asyncio", "snapshot"), default="asyncio",
                    help="asyncio: in-memory stdlib server (default); snapshot: aggregator.snapshot.SnapshotServer")
    ap.add_argument("--server-cpu", type=int, default=1, help="CPU the server is pinned to (default 1; -1: none)")
    ap.add_argument("--crawler-cpu", type=int, default=-1,
                    help="CPU the crawl processes are pinned to (default -1: not pinned, so work the pipeline "
                         "moves into another process may use the other core)")
    ap.add_argument("--pin-cpus", choices=("on", "off"), default="on",
                    help="on (default): the generated config sets crawl.pin_cpus, so the full crawl's Scrapy process "
                         "runs on the lowest CPU and its store worker on the others, and the bare spider's process "
                         "is pinned to that same CPU; off: the kernel places them")
    ap.add_argument("--bare-per-source", action="store_true",
                    help="run the bare spider as one crawler per section, as crawl() runs one per source")
    ap.add_argument("--modes", default="full,bare",
                    help="modes to alternate, comma-separated: full, bare, items (bare + one trivial item per teaser "
                         "through 3 no-op pipelines: Scrapy's own per-item cost), extract (full with a worker "
                         "that only acknowledges: the Scrapy process alone); default full,bare")
    ap.add_argument("--themes-from", type=Path, default=ROOT / "config.yaml", help="config whose themes to use")
    ap.add_argument("--profile", action="store_true",
                    help="after the rounds, profile one full run with cProfile (and py-spy when installed)")
    ap.add_argument("--keep-db", action="store_true",
                    help="keep each full run's SQLite store and HTTP cache (in bench/out/runs/NN-full/)")
    args = ap.parse_args()
    allowed = os.sched_getaffinity(0)
    args.crawler_cpu = args.crawler_cpu if args.crawler_cpu in allowed else None
    args.server_cpu = args.server_cpu if args.server_cpu in allowed and len(allowed) > 1 else None
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - {"full", "extract", "bare", "items"}:
        ap.error("--modes takes full, extract, bare and/or items")
    spec = MirrorSpec(args.pages, args.sections)
    if not 1 <= spec.pages_in(0) <= 1000:
        ap.error("pages per section must be 1..1000 (a source's max_pages is at most 1000)")

    out = args.out.resolve()
    runs_dir = out / "runs"
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(runs_dir, ignore_errors=True)
    runs_dir.mkdir()
    t0 = time.monotonic()
    manifest = generate(out / "mirror", spec)
    print(f"mirror: {spec.pages} pages x {TEASERS_PER_PAGE} teasers in {spec.sections} sections, "
          f"{manifest['bytes'] / spec.pages / 1024:.1f} KB/page avg ({time.monotonic() - t0:.1f} s)")
    server = Server(out / "mirror", args.server, args.server_cpu)
    pin = (f"server pinned to CPU {args.server_cpu}" if args.server_cpu is not None else "server not pinned") + \
        (f", crawler to CPU {args.crawler_cpu}" if args.crawler_cpu is not None else
         ", crawl.pin_cpus on" if args.pin_cpus == "on" else ", crawler not pinned")
    print(f"server: {args.server} on 127.0.0.1:{server.port} ({pin}); Python {sys.version.split()[0]}")
    config = out / "bench-config.yaml"
    write_config(config, server.port, spec, args.themes_from, args.pin_cpus == "on")
    runs: list[dict] = []
    probe_cpus = cores.crawl_cpus()
    scalings: list[float] = []
    try:
        n = 0
        for rnd in range(1, args.rounds + 1):
            print(f"round {rnd}/{args.rounds}")
            if probe_cpus:  # the machine's state this round: the full crawl needs both CPUs, bare one
                probe = cores.scaling(probe_cpus, rounds=2)
                scalings.append(probe["scaling"])
                print(f"  {cores.line(probe)}")
            for mode in modes:
                n += 1
                run = run_once(mode, n, args, config, server, runs_dir)
                runs.append(run)
                print(line(run), flush=True)
                for problem in check(run, spec):
                    print(f"    !! {problem}")
                for warning in warnings(run):
                    print(f"    warning: {warning}")
        print("result")
        ppm = report(runs)
        full, bare, med = ppm["full"], ppm["bare"], lambda xs: statistics.median(xs) if xs else None  # noqa: E731
        ratio = med(full) / med(bare) if full and bare else None
        if ratio is not None:
            pairs = [f / b for f, b in zip(full, bare)]
            print(f"  ratio full/bare = {ratio:.2f}   (per round: {', '.join(f'{x:.2f}' for x in pairs)};"
                  " goal >= 0.5)")
        if scalings:
            print(f"  two-core scaling median {statistics.median(scalings):.2f} (per round: "
                  f"{', '.join(f'{x:.2f}' for x in scalings)}; bench/cores.py)")
        ok = all(not check(r, spec) for r in runs)
        print(f"  sanity: {'every run fetched all pages; every full run stored pages x 20 items' if ok else 'FAILED'}")
        summary = {"pages": spec.pages, "sections": spec.sections, "server": args.server,
                   "server_cpu": args.server_cpu, "crawler_cpu": args.crawler_cpu, "pin_cpus": args.pin_cpus,
                   **{f"{mode}_ppm": xs for mode, xs in ppm.items()}, "full_median": med(full),
                   "bare_median": med(bare), "ratio": ratio, "sanity_ok": ok, "two_core_scaling": scalings,
                   "runs": [{k: v for k, v in r.items() if k != "stderr"} for r in runs]}
        (out / "results.json").write_text(json.dumps(summary, indent=1, default=str))
        if args.profile:
            profile_run(args, config, server, runs_dir, out, n + 1)
    finally:
        server.stop()
    if not ok:
        sys.exit(1)


def profile_run(args, config: Path, server: Server, runs_dir: Path, out: Path, n: int) -> None:
    """One full (or, with --modes extract,..., extract) run under cProfile, and one under py-spy (sampling;
    little overhead) if it is installed."""
    from bench.profile_report import report_cprofile, report_pyspy

    mode = "full" if "full" in args.modes or "extract" not in args.modes else "extract"

    prof = out / "full.prof"
    run = run_once(mode, n, args, config, server, runs_dir, profile=str(prof))
    print(f"profile (cProfile; its overhead slows the run to {run['ppm']:.0f} pages/min): {prof}")
    report_cprofile(prof)
    pyspy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
    if Path(pyspy).exists():
        raw = out / "full.pyspy.txt"
        wrap = [pyspy, "record", "--rate", "200", "--format", "raw", "--nolineno", "-o", str(raw), "--"]
        run = run_once(mode, n + 1, args, config, server, runs_dir, wrap=wrap)
        print(f"profile (py-spy at 200 Hz; run at {run['ppm']:.0f} pages/min): {raw}")
        report_pyspy(raw)
    else:
        print("py-spy not installed (.venv/bin/pip install py-spy): sampling profile skipped")


if __name__ == "__main__":
    main()
