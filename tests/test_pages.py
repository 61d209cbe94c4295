"""Page objects against saved snapshot pages: one parametrized test over every case of every configured source."""
from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.config import load_config
from tests.sitecases import cases, normalise_expected, run_case

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config.yaml")
CASES = [(s.id, p) for s in CONFIG.sources for p in cases(s.id)]


@pytest.mark.parametrize("source_id", [s.id for s in CONFIG.sources])
def test_every_source_has_cases(source_id):
    kinds = {p.name.split("-")[0] for p in cases(source_id)}
    assert "listing" in kinds or "feed" in kinds, f"{source_id}: no listing or feed fixture case"


@pytest.mark.parametrize("source_id,case", CASES, ids=[f"{s}/{p.stem}" for s, p in CASES])
def test_page_object(source_id, case):
    expected, actual = run_case(case, CONFIG.source(source_id))
    expected = normalise_expected(expected)
    for key, exp in expected.items():
        got = actual[key]
        if isinstance(exp, list):
            assert [i["url"] for i in got] == [i["url"] for i in exp], f"{key}: teaser links differ"
            for n, (e, a) in enumerate(zip(exp, got)):
                assert a == e, f"{key}[{n}] ({e['url']})"
        else:
            assert got == exp, key


def test_spider_callbacks_return_no_value_from_a_generator():
    """What Scrapy's WARN_ON_GENERATOR_RETURN_VALUE checks at every response (off in crawlers/settings.py)."""
    from scrapy.utils.misc import is_generator_with_return_value

    from crawlers.spiders.site import SiteSpider

    callbacks = [getattr(SiteSpider, name) for name in dir(SiteSpider)
                 if name.startswith(("parse", "start")) or name.endswith("failed")]
    assert len(callbacks) >= 4
    assert not any(is_generator_with_return_value(cb) for cb in callbacks)
