"""Load site fixture cases (saved snapshot page + expected items) and run the page objects on them."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from aggregator.snapshot import path_for
from crawlers.items import Teaser
from crawlers.pages import article_page, feed_page, listing_page, response_from

SITES = Path(__file__).parent / "fixtures" / "sites"
DEFAULT_NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
TAG = re.compile(r"<[^>]+>")


def cases(source_id: str) -> list[Path]:
    """Every case file of a source."""
    return sorted((SITES / source_id).glob("*.json"))


def plain(html: str | None) -> str:
    """Summary compared as text: tags dropped, whitespace collapsed."""
    import html as html_mod

    return " ".join(html_mod.unescape(TAG.sub(" ", html or "")).split())


def comparable(item: dict) -> dict:
    """An item dict as the cases state it."""
    out = dict(item)
    out["summary"] = plain(out.get("summary"))
    return out


def run_case(case_path: Path, source) -> tuple[dict, dict]:
    """(expected, actual) for one case file."""
    case = json.loads(case_path.read_text(encoding="utf-8"))
    now = datetime.fromisoformat(case["now"]) if case.get("now") else DEFAULT_NOW
    body = path_for(case["url"]).read_bytes()
    kind = case.get("kind", "listing")
    if kind == "feed":
        items = feed_page(case["url"], body, source, now).teasers()
        return ({"items": case["items"]}, {"items": [comparable(t.to_json()) for t in items]})
    response = response_from(case["url"], body)
    if kind == "article":
        teaser = Teaser(**{**case["teaser"], "published": None})
        got = article_page(response, source, now).complete(teaser)
        return {"item": case["item"]}, {"item": comparable(got.to_json())}
    page = listing_page(response, source, now)
    actual = {"items": [comparable(t.to_json()) for t in page.teasers()], "next_page": page.next_page()}
    return {"items": case["items"], "next_page": case.get("next_page")}, actual


def normalise_expected(expected: dict) -> dict:
    """Expected dicts with summaries as text."""
    out = dict(expected)
    if "items" in out:
        out["items"] = [comparable(i) for i in out["items"]]
    if "item" in out:
        out["item"] = comparable(out["item"])
    return out
