"""ArticlePage: what it fills, what it keeps, and which date it trusts (table-driven, inline HTML)."""
from datetime import datetime, timezone

import pytest

from aggregator.config import ArticleSelectors, ListSelectors, Source
from crawlers.items import Teaser
from crawlers.pages import article_page, response_from

NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
SOURCE = Source(id="s", name="S", org="", urls=("https://ex.org/",), languages=("en", "fr"),
                list=ListSelectors(item="li", title="a", link="a@href"),
                article=ArticleSelectors(title="h1", summary=".lead"))
PAGE = """<html lang="fr"><head><meta name="description" content="Meta text"></head><body>
<nav><time datetime="2026-11-26">Next event</time></nav>
<article><h1>Le titre complet de l'article</h1><time datetime="2023-02-09">9 février 2023</time>
<p class="lead">Full lead paragraph.</p></article></body></html>"""

CASES = [
    # listing title, listing summary -> title, summary
    ("Le titre complet…", "", "Le titre complet de l'article", "Full lead paragraph."),
    ("Short title", "Cut teaser text…", "Short title", "Full lead paragraph."),
    ("Short title", "A complete teaser.", "Short title", "A complete teaser."),
]


@pytest.mark.parametrize("title,summary,want_title,want_summary", CASES)
def test_complete(title, summary, want_title, want_summary):
    teaser = Teaser(source="s", url="https://ex.org/a", title=title, summary=summary)
    got = article_page(response_from("https://ex.org/a", PAGE.encode()), SOURCE, NOW).complete(teaser)
    assert (got.title, got.summary) == (want_title, want_summary)
    assert got.published == datetime(2023, 2, 9, tzinfo=timezone.utc)  # the article's <time>, not the menu's
    assert got.language == "fr"


def test_listing_date_is_kept():
    teaser = Teaser(source="s", url="https://ex.org/a", title="T", published=datetime(2020, 1, 1, tzinfo=timezone.utc))
    got = article_page(response_from("https://ex.org/a", PAGE.encode()), SOURCE, NOW).complete(teaser)
    assert got.published.year == 2020


@pytest.mark.parametrize("head, url, alternates", [
    ('<link rel="canonical" href="/a-canonical/">', "https://ex.org/a-canonical/", []),
    ('<meta property="og:url" content="https://ex.org/a-og">', "https://ex.org/a-og", []),
    # a canonical on another site (a repost naming the original) does not take the other site's identity
    ('<link rel="canonical" href="https://icom.museum/en/news/a/">', "https://ex.org/a?utm_source=x", []),
    ('<link rel="alternate" hreflang="en" href="https://ex.org/a?utm_source=x">'
     '<link rel="alternate" hreflang="fr" href="/fr/a">', "https://ex.org/a?utm_source=x", ["https://ex.org/fr/a"]),
])
def test_canonical_url_and_language_versions(head, url, alternates):
    page = f"<html><head>{head}</head><body><h1>T</h1></body></html>"
    teaser = Teaser(source="s", url="https://ex.org/a?utm_source=x", title="T")
    got = article_page(response_from(teaser.url, page.encode()), SOURCE, NOW).complete(teaser)
    assert (got.url, got.alternates) == (url, alternates)
