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


LISTINGS = [(s, p) for s, p in CASES if p.name.startswith("listing-")]


def listing_of(source_id: str, case: Path, cls=None):
    """The listing page object of a saved listing case (`cls`: a site's subclass)."""
    import json

    from aggregator.snapshot import path_for
    from crawlers.pages import listing_page, response_from
    from tests.sitecases import DEFAULT_NOW

    url = json.loads(case.read_text(encoding="utf-8"))["url"]
    page = listing_page(response_from(url, path_for(url).read_bytes()), CONFIG.source(source_id), DEFAULT_NOW)
    if cls is not None:
        page.__class__ = cls
    return page


@pytest.mark.parametrize("source_id,case", LISTINGS, ids=[f"{s}/{p.stem}" for s, p in LISTINGS])
def test_teasers_field_by_field_are_the_teasers_node_by_node(source_id, case):
    from crawlers.pages.listing import once_a_link

    page = listing_of(source_id, case)
    assert page.teasers() == once_a_link(page.teaser(node) for node in page.teaser_nodes())


def test_a_sites_hooks_are_honoured():
    """A subclass's `teaser`, `title_and_link` or `published` is what `teasers` uses."""
    from crawlers.pages.listing import ListingPage

    class OwnTeaser(ListingPage):
        def teaser(self, node):
            found = super().teaser(node)
            if found:
                found.title = "own " + found.title
            return found

    class OwnTitle(ListingPage):
        def title_and_link(self, node):
            title, link = super().title_and_link(node)
            return (title and title.upper()), link

    class OwnDate(ListingPage):
        def published(self, node, url):
            return None

    source_id, case = LISTINGS[0]
    plain = listing_of(source_id, case).teasers()
    assert plain and [t.title for t in listing_of(source_id, case, OwnTeaser).teasers()] == \
        ["own " + t.title for t in plain]
    assert [t.title for t in listing_of(source_id, case, OwnTitle).teasers()] == [t.title.upper() for t in plain]
    assert any(t.published for t in plain)
    assert [t.published for t in listing_of(source_id, case, OwnDate).teasers()] == [None] * len(plain)
