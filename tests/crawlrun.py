"""`museumfeeds run` with Scrapy settings overrides, for crawl-level tests (run as `python -m tests.crawlrun`)."""
from __future__ import annotations

import argparse
import json
import sys

from twisted.internet import defer
from twisted.internet.abstract import isIPAddress
from twisted.internet.error import DNSLookupError

from scrapy.resolver import CachingThreadedResolver


class LoopbackOnlyResolver(CachingThreadedResolver):
    """Resolves IP literals only; every name fails at once, so a DNS test sends no query anywhere."""

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's name)
        if isIPAddress(name):
            return defer.succeed(name)
        return defer.fail(DNSLookupError(f"no such host (stub resolver): {name}"))


def main(argv: list[str] | None = None) -> int:
    """CONFIG DB OUT OVERRIDES_JSON: crawl every source, report as the CLI does, publish."""
    from aggregator import commands
    from aggregator.config import ConfigError, load_config

    ap = argparse.ArgumentParser()
    for name in ("config", "db", "out", "overrides"):
        ap.add_argument(name)
    args = ap.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"museumfeeds: invalid config: {exc}", file=sys.stderr)
        return 2
    ns = argparse.Namespace(verbose=False, sources=[])
    status = commands.do_crawl(config, ns, args.db, json.loads(args.overrides))
    commands.do_publish(config, args.db, args.out)
    return status


if __name__ == "__main__":
    sys.exit(main())
