"""The reporting commands on the demo store: sources, status, explain, retag, eval-tags (output and exit codes)."""
from __future__ import annotations

import json

import feedparser
import pytest

from tests.conftest import ROOT, museumfeeds

pytestmark = pytest.mark.e2e


def test_sources_json():
    proc = museumfeeds("sources", "--json")
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    assert [r["id"] for r in rows][:2] == ["icom-news", "icom-webinars"]
    assert {"id", "name", "org", "languages", "feed", "urls", "max_pages", "follow"} <= set(rows[0])


def test_status_json_after_demo(demo):
    rows = json.loads(museumfeeds("--db", demo["db"], "status", "--json").stdout)
    assert {r["status"] for r in rows} == {"ok"}
    assert all(r["requests"] > 0 and r["items_seen"] > 0 for r in rows)


def test_explain_by_feed_id_and_url(demo):
    entry = feedparser.parse((demo["out"] / "crisis-response.atom").read_bytes()).entries[0]
    """The entry id names its story's first item, the link its lead copy: both show the same story."""
    by_id = json.loads(museumfeeds("--db", demo["db"], "explain", entry.id, "--json").stdout)
    by_url = json.loads(museumfeeds("--db", demo["db"], "explain", entry.link + "?utm_source=x", "--json").stdout)
    assert by_id["story"] == by_url["story"] and by_id["feed_id"] == entry.id
    assert by_url["title"] == entry.title and "crisis-response" in by_url["themes"]
    assert " in title" in by_url["themes"]["crisis-response"] or " in summary" in by_url["themes"]["crisis-response"]
    text = museumfeeds("--db", demo["db"], "explain", entry.link).stdout
    assert f"title:      {entry.title}" in text and "crisis-response:" in text and "story:" in text


def test_clusters_lists_stories_echoed_across_sources(demo):
    rows = json.loads(museumfeeds("--db", demo["db"], "clusters", "--json").stdout)
    multi = [r for r in rows if len(r["sources"]) > 1]
    assert multi and all(len(r["items"]) > 1 and r["items"][0]["lead"] for r in rows)
    pakistan = [r for r in multi if "Pakistan" in r["title"]]
    assert pakistan and {"NEMO: news"} <= set(pakistan[0]["sources"])
    joined = [i for i in pakistan[0]["items"] if not i["lead"]]
    assert all("similar text" in i["why"] or "language version" in i["why"] for i in joined)
    text = museumfeeds("--db", demo["db"], "clusters").stdout
    assert "why: " in text and text.rstrip().endswith("stories with more than one item")
    # the everything feed has one entry per story, naming the other copies
    entries = feedparser.parse((demo["out"] / "all.atom").read_bytes()).entries
    links = {e.link for e in entries}
    assert all(len(links & {i["url"] for i in r["items"]}) <= 1 for r in rows)
    echoed = [e for e in entries for r in multi if e.link == r["url"]]
    assert echoed and all("Also published by" in e.summary for e in echoed)


def test_explain_unknown_item_is_a_usage_error(demo):
    proc = museumfeeds("--db", demo["db"], "explain", "urn:uuid:nope")
    assert proc.returncode == 2 and "no stored item matches" in proc.stderr


def test_retag_is_idempotent_on_the_demo_store(demo, tmp_path):
    import shutil

    db_file = demo["db"].removeprefix("sqlite:///")
    copy = tmp_path / "copy.db"
    shutil.copy(db_file, copy)
    proc = museumfeeds("--db", f"sqlite:///{copy}", "retag")
    assert proc.returncode == 0 and proc.stdout.strip() == "retagged: 0 items changed, 0 tags added, 0 removed"


def test_eval_tags_last_line_is_micro_f1():
    proc = museumfeeds("eval-tags", str(ROOT / "tests/data/themes.jsonl"), "--split", "held")
    assert proc.returncode == 0
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("micro-F1 0.") and len(last) == len("micro-F1 0.915")


def test_eval_tags_bad_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x", "themes": []}\nnot json\n')
    proc = museumfeeds("eval-tags", str(bad))
    assert proc.returncode == 2 and "line 2: not JSON" in proc.stderr
