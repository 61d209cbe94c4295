"""A stats collector that appends each crawler's final stats as one JSON line to `BENCH_STATS_FILE`.

Used by both benchmark modes (set as STATS_CLASS), so pages and times are read the same way for each.
"""
from __future__ import annotations

import json
import time
from datetime import datetime

from scrapy.statscollectors import MemoryStatsCollector


class DumpStatsCollector(MemoryStatsCollector):
    """MemoryStatsCollector plus a JSON-lines dump when the spider closes (after CoreStats set finish_time), with
    the process's CPU seconds when the spider opened and closed (`bench_cpu_open`, `bench_cpu_close`)
    and the time of its last response (`bench_last_response`)."""

    def open_spider(self, *args, **kwargs) -> None:
        super().open_spider(*args, **kwargs)
        self.cpu_open = time.process_time()
        self.last_response = None

    def inc_value(self, key, *args, **kwargs) -> None:
        super().inc_value(key, *args, **kwargs)
        if key == "response_received_count":
            self.last_response = time.time()

    def _persist_stats(self, stats: dict) -> None:
        super()._persist_stats(stats)
        path = self._crawler.settings.get("BENCH_STATS_FILE")
        if not path:
            return
        row = {k: (v.timestamp() if isinstance(v, datetime) else v) for k, v in stats.items()
               if isinstance(v, (int, float, str, datetime))}
        row["spider"] = self._crawler.spider.name if self._crawler.spider else None
        row["bench_cpu_open"], row["bench_cpu_close"] = getattr(self, "cpu_open", None), time.process_time()
        row["bench_last_response"] = getattr(self, "last_response", None)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
