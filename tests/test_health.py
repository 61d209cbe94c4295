"""Source health judged against the source's own history (table-driven, pure)."""
from datetime import datetime, timedelta, timezone

import pytest

from aggregator.health import Rhythm, RunFacts, assess, usual_gap

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)
GOOD = RunFacts(listing_pages=3, teasers=30, items=30, dated=30, summarised=28)
HISTORY = [GOOD, GOOD, RunFacts(listing_pages=1, teasers=10, items=10, dated=10, summarised=10)]

CASES = [
    ("healthy", GOOD, HISTORY, None, ("ok", "")),
    ("nothing read", RunFacts(errors=["DNS lookup failed for x.org (https://x.org/)"]), HISTORY, None,
     ("failed", "DNS lookup failed for x.org (https://x.org/)")),
    ("only cached copies", RunFacts(listing_pages=1, listing_ok=0, teasers=10, errors=["HTTP 503 for https://x.org/"]),
     HISTORY, None, ("failed", "HTTP 503 for https://x.org/ (only cached copies read)")),
    ("redesign", RunFacts(listing_pages=1, listing_empty=1), HISTORY, None,
     ("degraded", "listing_empty: 1 listing page(s) returned 200 with no teaser (redesign?)")),
    ("bot wall", RunFacts(listing_pages=1, listing_empty=1, bot_challenge="https://x.org/news/"), HISTORY, None,
     ("degraded", "bot_challenge: https://x.org/news/ answered with a bot challenge or cookie wall")),
    ("some errors", RunFacts(listing_pages=2, listing_ok=1, teasers=20, errors=["HTTP 500 for a", "HTTP 500 for b"]),
     HISTORY, None, ("degraded", "http_errors: HTTP 500 for a (+1 more)")),
    ("collapse", RunFacts(listing_pages=2, teasers=4, items=4), HISTORY, None,
     ("degraded", "teaser_count_collapse: 2.0 teasers per listing page, usually 10.0")),
    ("collapse needs history", RunFacts(listing_pages=2, teasers=4, items=4), HISTORY[:1], None, ("ok", "")),
    ("dates vanish", RunFacts(listing_pages=3, teasers=30, items=30, dated=3, summarised=30), HISTORY, None,
     ("degraded", "date_coverage_fell: 10% of items, usually 100%")),
    ("stale", GOOD, HISTORY, Rhythm(NOW - timedelta(days=40), timedelta(days=3)),
     ("degraded", "stale: no new item for 40 days (limit 14 days)")),
    ("quiet but usual", GOOD, HISTORY, Rhythm(NOW - timedelta(days=40), timedelta(days=30)), ("ok", "")),
    ("archive", GOOD, HISTORY, Rhythm(NOW - timedelta(days=4000), timedelta(days=3), 0), ("ok", "")),
    ("configured", GOOD, HISTORY, Rhythm(NOW - timedelta(days=8), None, 7),
     ("degraded", "stale: no new item for 8 days (limit 7 days)")),
    ("stopped early", RunFacts(listing_pages=3, teasers=30, finish_reason="closespider_timeout"), HISTORY, None,
     ("degraded", "crawl ended early: closespider_timeout")),
]


@pytest.mark.parametrize("now,history,rhythm,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_assess(now, history, rhythm, expected):
    assert assess(now, history, rhythm, NOW) == expected


def test_usual_gap():
    days = [NOW - timedelta(days=d) for d in (0, 2, 4, 7, 9)]
    assert usual_gap(days) == timedelta(days=2)
    assert usual_gap(days[:3]) is None  # too few to say
