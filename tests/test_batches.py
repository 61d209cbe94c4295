"""A page's teasers go through the pipelines as one TeaserBatch: each teaser normalised, tagged and counted."""
from datetime import datetime, timezone

from scrapy.utils.test import get_crawler

from aggregator.config import load_config
from crawlers import resources
from crawlers.items import Teaser, TeaserBatch
from crawlers.pipelines import NormalizePipeline, TagPipeline

WHEN = datetime(2024, 5, 1, tzinfo=timezone.utc)


def teaser(title: str, url: str, **kw) -> Teaser:
    return Teaser(source="icom-news", url=url, title=title, published=WHEN, **kw)


def test_batch_keeps_good_teasers_and_drops_bad_ones_alone():
    config = load_config("config.yaml")
    stats = get_crawler().stats
    norm = NormalizePipeline(config.sources, stats)
    batch = TeaserBatch("icom-news", [
        teaser("Museums and earthquake response", "https://icom.museum/en/news/a/?utm_source=x"),
        teaser("   ", "https://icom.museum/en/news/b/"),                   # no title
        teaser("Sign language tours", "javascript:alert(1)"),               # no http(s) link
        teaser("Webinar on digitisation", "https://icom.museum/en/news/c/",
               alternates=["https://icom.museum/fr/news/c/", "mailto:x@y"]),  # hreflang versions (article page)
    ])
    out = norm.process_item(batch)
    assert [i.url for i in out.incoming] == ["https://icom.museum/en/news/a/", "https://icom.museum/en/news/c/"]
    assert out.incoming[1].alternates == ["icom.museum/fr/news/c"]
    assert stats.get_value("item_dropped_count") == 2 and len(out.dropped) == 2
    assert all("icom-news: teaser without title or http(s) link" in why for why in out.dropped)
    tagged = TagPipeline(resources.themes("config.yaml")).process_item(out)
    assert [sorted(i.themes) for i in tagged.incoming] == [["crisis-response"], ["digitisation"]]
