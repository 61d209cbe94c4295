"""Pipelines: a teaser with hreflang alternates goes through NormalizePipeline."""
from __future__ import annotations

from aggregator.urls import url_key
from crawlers import resources
from crawlers.items import Teaser
from crawlers.pipelines import NormalizePipeline


def test_teaser_with_alternates_is_normalised():
    pipeline = NormalizePipeline(resources.config("config.yaml").sources)
    alternates = ["https://icom.museum/fr/news/x/", "https://icom.museum/es/news/x/", "mailto:a@b.c"]
    item = pipeline.process_item(Teaser(source="icom-news", url="https://icom.museum/en/news/x/",
                                        title="Museum news", alternates=alternates))
    assert item.alternates == sorted({url_key(u) for u in alternates[:2]})
    assert item.url_key and item.title == "Museum news"
