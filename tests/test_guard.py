"""guard.bounded: hostile nesting cut as libxml2 cut it, ordinary pages (even huge ones) untouched."""
from __future__ import annotations

import time
from pathlib import Path

from crawlers.pages.base import parse, select, value
from crawlers.pages.guard import MANY_TAGS, MAX_DEPTH, bounded, deepest

ROOT = Path(__file__).resolve().parents[1]


def test_ordinary_pages_are_not_touched():
    pages = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((ROOT / "snapshot" / "web").rglob("*.html"))]
    assert all(bounded(text) is text for text in pages)
    huge = "".join(pages)  # ~60 pages in one: far more tags than MANY_TAGS, shallow nesting
    assert bounded(huge) is huge and deepest(huge) < MAX_DEPTH // 10


def test_deep_nesting_is_cut_and_read_quickly():
    page = '<a class="t" href="/x">before</a>' + "<div>" * 2_000_000 + '<a class="t" href="/y">deep</a>'
    start = time.process_time()
    doc = parse(page)
    assert time.process_time() - start < 2  # uncut, lexbor's tree builder takes hours
    assert value(doc, "a.t@href") == "/x" and len(select(doc, "a.t")) == 1
    assert deepest(bounded(page)) == MAX_DEPTH


def test_nesting_within_the_bound_is_kept():
    page = "<div>" * (MAX_DEPTH - 1) + '<b class="x">kept</b>' + "<i></i>" * MANY_TAGS  # scanned: depth 256
    assert bounded(page) is page and value(parse(page), "b.x") == "kept"
    few = "<div>" * 3000 + '<b class="x">kept</b>'  # too few tags to cost much: not scanned
    assert bounded(few) is few and value(parse(few), "b.x") == "kept"


def test_unclosed_optional_tags_do_not_count():
    page = "<table>" + "<tr><td><p><li>x" * 20_000 + "</table>"
    assert bounded(page) is page and deepest(page) == 1
