"""Pairwise precision and recall of story clustering on a labelled file (`eval-clusters`), through the real store."""
from __future__ import annotations

import itertools
import json
import tempfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from aggregator.config import Dedup
from aggregator.evaluate import Counts, LabelError
from aggregator.models import Item
from aggregator.store import Incoming, Store
from aggregator.urls import url_key

SPLITS = ("dev", "held")


@dataclass
class Pairs(Counts):
    """Pair counts of one evaluation (precision and recall as for tags), and the pairs that went wrong."""

    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def split_of(story: str) -> str:
    """A third of the stories (by a hash of the story id) is held back: never looked at while tuning."""
    return "held" if zlib.crc32(story.encode()) % 3 == 0 else "dev"


def read_stories(path: str | Path, split: str | None = None) -> list[dict]:
    """The labelled records (id, story, source, url, title, summary, lang, published, hreflang) of a split."""
    records = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            rec["when"] = datetime.fromisoformat(rec["published"])
            missing = {"id", "story", "source", "url", "title"} - set(rec)
        except (ValueError, KeyError, TypeError) as exc:
            raise LabelError(f"{path}:{n}: not a labelled story record: {exc}") from None
        if missing:
            raise LabelError(f"{path}:{n}: missing {', '.join(sorted(missing))}")
        if split is None or split_of(rec["story"]) == split:
            records.append(rec)
    return records


def incoming(rec: dict, priorities: dict[str, int]) -> Incoming:
    """A labelled record as the pipelines would hand it to the store."""
    return Incoming(source_id=rec["source"], url=rec["url"], url_key=url_key(rec["url"]), title=rec["title"],
                    summary=rec.get("summary", ""), summary_text=rec.get("summary", ""), image=None, categories=[],
                    language=rec.get("lang"), published=rec["when"], themes={},
                    priority=priorities.get(rec["source"], 50),
                    alternates=[url_key(u) for u in (rec.get("hreflang") or {}).values()])


def cluster(records: list[dict], settings: Dedup, priorities: dict[str, int]) -> dict[str, int]:
    """Store the records day by day (as nightly crawls would) in a scratch store; record id -> story id."""
    by_day = defaultdict(list)
    for rec in sorted(records, key=lambda r: (r["when"], r["id"])):
        by_day[rec["when"].date()].append(rec)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/eval.db", dedup=settings)
        for day, recs in sorted(by_day.items()):
            now = max(r["when"] for r in recs) + timedelta(hours=1)
            store.upsert([incoming(r, priorities) for r in recs], now=now)
        with store.session() as s:
            keys = dict(s.execute(select(Item.url_key, Item.cluster_id)).all())
        store.engine.dispose()
    return {r["id"]: keys[url_key(r["url"])] for r in records}


def score(records: list[dict], assigned: dict[str, int]) -> Pairs:
    """Pairwise counts: a pair is predicted when both items got one story, true when the labels say so."""
    pairs = Pairs()
    for a, b in itertools.combinations(records, 2):
        same, joined = a["story"] == b["story"], assigned[a["id"]] == assigned[b["id"]]
        text = f"{a['id']} {a['source']} {a['title'][:60]!r} ~ {b['id']} {b['source']} {b['title'][:60]!r}"
        if same and joined:
            pairs.tp += 1
        elif joined:
            pairs.fp += 1
            pairs.wrong.append(text)
        elif same:
            pairs.fn += 1
            pairs.missed.append(text)
    return pairs


def evaluate(path: str | Path, split: str | None, settings: Dedup, priorities: dict[str, int]) -> tuple[int, Pairs]:
    """Cluster the records of a split on their own and score them; returns (record count, pairs)."""
    records = read_stories(path, split)
    return len(records), score(records, cluster(records, settings, priorities))
