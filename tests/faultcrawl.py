"""Crawl-level fault tests: sources pointing at the fault server, a seeded store, one crawl subprocess, its stats."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml
from sqlalchemy import select

from aggregator.models import Item
from aggregator.store import Incoming, Store
from tests.conftest import ROOT

LIST = {"item": "ul.news li.teaser", "title": "a", "link": "a@href", "date": ".date", "summary": "p"}
SEEDED = datetime(2026, 2, 1, tzinfo=timezone.utc)


def source(sid: str, urls: list[str], **extra) -> dict:
    """A config source reading listing pages laid out as faultserver.listing() writes them."""
    return {"id": sid, "name": f"Source {sid}", "urls": urls, "list": LIST, **extra}


@dataclass
class FaultRun:
    """What one crawl against the fault server left: process, store, stats per source, feeds, duration."""

    tmp: Path
    proc: subprocess.CompletedProcess
    seconds: float
    seeded: dict

    @property
    def db(self) -> str:
        return f"sqlite:///{self.tmp}/db/store.db"

    @property
    def feeds(self) -> Path:
        return self.tmp / "feeds"

    def stats(self, sid: str) -> dict:
        return json.loads((self.tmp / "stats" / f"{sid}.json").read_text())

    def run(self, sid: str):
        return Store(self.db).last_runs()[sid]

    def items(self, sid: str) -> list[Item]:
        with Store(self.db).session() as s:
            return list(s.scalars(select(Item).where(Item.source_id == sid).order_by(Item.id)))

    def stderr_line(self, sid: str) -> str:
        lines = [ln for ln in self.proc.stderr.splitlines() if ln.startswith(f"museumfeeds: {sid}: ")]
        assert len(lines) == 1, self.proc.stderr
        return lines[0]


def write_config(tmp: Path, sources: list[dict], timeout: int = 2) -> Path:
    """The project's themes with these sources; feeds under tmp/feeds."""
    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    data["sources"] = sources
    data["crawl"] = {"timeout": timeout}
    data["feeds"] = {**data["feeds"], "out_dir": str(tmp / "feeds")}
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def seed(db: str, sources: list[dict], base: str) -> dict:
    """One earlier item per source, stored before the faulty night; returns their rows as dicts."""
    store = Store(db)
    store.upsert([Incoming(source_id=s["id"], url=f"{base}/{s['id']}/earlier", url_key=f"seed/{s['id']}",
                           title=f"Earlier item of {s['id']}", summary="<p>Kept.</p>", summary_text="Kept.",
                           image=None, categories=[], language="en", published=SEEDED, themes={})
                  for s in sources], now=SEEDED)
    return snapshot_rows(db)


def snapshot_rows(db: str) -> dict:
    """Every stored item's columns, by URL key."""
    with Store(db).session() as s:
        return {i.url_key: {c.name: getattr(i, c.name) for c in Item.__table__.columns}
                for i in s.scalars(select(Item))}


def crawl(tmp: Path, config: Path, overrides: dict | None = None, timeout: int = 150,
          db: str | None = None) -> subprocess.CompletedProcess:
    """`museumfeeds run` with fast, loopback-only settings on top of the project's (hardened) ones."""
    base = {"MUSEUMFEEDS_STATS_DIR": str(tmp / "stats"), "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
            "TWISTED_DNS_RESOLVER": "tests.crawlrun.LoopbackOnlyResolver"}
    settings = json.dumps({**base, **(overrides or {})})
    args = [str(config), db or f"sqlite:///{tmp}/db/store.db", str(tmp / "feeds"), settings]
    return subprocess.run([sys.executable, "-m", "tests.crawlrun", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def fault_run(tmp: Path, sources: list[dict], base: str, overrides: dict | None = None) -> FaultRun:
    """Seed the store, crawl once, and keep everything the tests look at."""
    config = write_config(tmp, sources)
    seeded = seed(f"sqlite:///{tmp}/db/store.db", sources, base)
    started = time.monotonic()
    proc = crawl(tmp, config, overrides)
    return FaultRun(tmp, proc, time.monotonic() - started, seeded)
