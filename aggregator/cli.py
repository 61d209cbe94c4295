"""The `museumfeeds` command: crawl, publish, run, schedule, demo, serve, sources, status, clusters..."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aggregator.config import Config, ConfigError, load_config
from aggregator.runlock import LockBusy
from aggregator.schema import SchemaError

EXIT_OK, EXIT_SOURCES_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
DEMO_DB = "sqlite:///data/demo.db"


def parser() -> argparse.ArgumentParser:
    """The argument parser (global options go before the command)."""
    p = argparse.ArgumentParser(prog="museumfeeds", description="Crawl museum-sector news sites into topic feeds.",
                                epilog="Exit status: 0 success, 1 some sources failed or look broken (degraded), "
                                       "2 invalid config or usage, 3 another run holds the lock (nothing done).")
    p.add_argument("--config", default="config.yaml", help="config file (default: config.yaml)")
    p.add_argument("--db", help="database URL (default: the config's store.url)")
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in (("run", "crawl every source, then publish the feeds (the nightly job)"),
                            ("crawl", "crawl sources into the store without publishing")):
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("sources", nargs="*", metavar="SOURCE", help="source ids (default: all)")
        if name == "run":
            cmd.add_argument("--out", help="feeds folder (default: the config's feeds.out_dir)")
    cmd = sub.add_parser("schedule", help="run the nightly job on the config's cron schedule (docs/operations.md)",
                         description="Run `museumfeeds run` in a subprocess at each time of schedule.crawl, never two "
                                     "at once, killed past schedule.timeout; a run missed while the machine slept is "
                                     "caught up once. Logs to stderr; SIGTERM stops it cleanly.")
    how = cmd.add_mutually_exclusive_group()
    how.add_argument("--once", action="store_true", help="run the job once now, with the same lock and limit, and exit")
    how.add_argument("--print-next", action="store_true", help="show the stored next run and the next fire times")
    cmd = sub.add_parser("publish", help="write the feeds from the store")
    cmd.add_argument("--out", help="feeds folder (default: the config's feeds.out_dir)")
    cmd = sub.add_parser("demo", help="run the pipeline against the bundled snapshot web (no network), then serve",
                         description=f"Serve the snapshot web on 127.0.0.1, crawl it into {DEMO_DB} (unless --db), "
                                     "publish the feeds and serve them.")
    cmd.add_argument("--no-serve", action="store_true", help="stop after writing the feeds")
    cmd.add_argument("--out", help="feeds folder (default: the config's feeds.out_dir)")
    add_server_options(cmd)
    cmd = sub.add_parser("serve", help="serve the feeds folder over HTTP")
    cmd.add_argument("--out", help="feeds folder (default: the config's feeds.out_dir)")
    add_server_options(cmd)
    cmd = sub.add_parser("eval-tags", help="measure the theme rules on a labelled JSONL file",
                         description="Tag each record (title, summary, lang, themes) with the configured rules and "
                                     "print precision, recall and F1 per theme; the last line is micro-F1.")
    cmd.add_argument("file", metavar="FILE.jsonl")
    cmd.add_argument("--split", help="only records whose `split` is this (e.g. dev, held)")
    cmd.add_argument("--errors", action="store_true", help="list the false positives and negatives")
    cmd = sub.add_parser("eval-clusters", help="measure story clustering on a labelled JSONL file",
                         description="Store each record (id, story, source, url, title, summary, published, hreflang) "
                                     "day by day in a scratch store and print pairwise precision and recall of "
                                     "joining; `dev` and `held` are the parts used and not used for tuning.")
    cmd.add_argument("file", metavar="FILE.jsonl")
    cmd.add_argument("--split", choices=("dev", "held"), help="only this part (default: dev, held and all)")
    cmd.add_argument("--errors", action="store_true", help="list the wrongly joined and the missed pairs")
    cmd = sub.add_parser("clusters", help="list the stories published by more than one source or language")
    cmd.add_argument("--json", action="store_true", help="one object per story with its items and sources")
    sub.add_parser("retag", help="re-apply the current theme rules to every stored item")
    cmd = sub.add_parser("explain", help="show an item, its themes and story, and why")
    cmd.add_argument("item", help="feed id (urn:uuid:…), URL or numeric id")
    cmd.add_argument("--json", action="store_true", help="machine-readable output")
    for name, help_text in (("sources", "list the configured sources"),
                            ("status", "show the last crawl of every source")):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def add_server_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    cmd.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"museumfeeds: invalid config: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from aggregator import commands

    handler = getattr(commands, "cmd_" + args.command.replace("-", "_"))
    try:
        return handler(config, args)
    except commands.UsageError as exc:
        print(f"museumfeeds: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SchemaError as exc:
        print(f"museumfeeds: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LockBusy as exc:
        print(f"museumfeeds: {exc}; skipped", file=sys.stderr)
        return EXIT_LOCKED
    except KeyboardInterrupt:
        return 130


def db_url(config: Config, args: argparse.Namespace, default: str | None = None) -> str:
    """The database URL: --db, else the command's default, else the config's."""
    return args.db or default or config.store_url


def out_dir(config: Config, args: argparse.Namespace) -> Path:
    """The feeds folder: --out, else the config's."""
    return Path(getattr(args, "out", None) or config.feeds.out_dir)


def print_json(data) -> None:
    """Pretty JSON on stdout."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    sys.exit(main())
