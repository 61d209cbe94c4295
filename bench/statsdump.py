"""A stats collector that appends each crawler's final stats as one JSON line to `BENCH_STATS_FILE`.

Used by both benchmark modes (set as STATS_CLASS), so pages and times are read the same way for each.
"""
from __future__ import annotations

import json
from datetime import datetime

from scrapy.statscollectors import MemoryStatsCollector


class DumpStatsCollector(MemoryStatsCollector):
    """MemoryStatsCollector plus a JSON-lines dump when the spider closes (after CoreStats set finish_time)."""

    def _persist_stats(self, stats: dict) -> None:
        super()._persist_stats(stats)
        path = self._crawler.settings.get("BENCH_STATS_FILE")
        if not path:
            return
        row = {k: (v.timestamp() if isinstance(v, datetime) else v) for k, v in stats.items()
               if isinstance(v, (int, float, str, datetime))}
        row["spider"] = self._crawler.spider.name if self._crawler.spider else None
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
