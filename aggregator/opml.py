"""OPML 2.0 subscription list of every published feed, grouped: everything, by theme, by source."""
from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime

from lxml import etree

from aggregator.config import Config


def render(config: Config, updated: datetime) -> bytes:
    """One OPML file; each feed once, in the first configured format (dates from the data)."""
    fmt = config.feeds.formats[0] if "atom" not in config.feeds.formats else "atom"
    base = config.feeds.base_url
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{config.feeds.title}: all feeds"
    etree.SubElement(head, "dateModified").text = format_datetime(updated)
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    feed(body, "All museum-sector news", base + f"all.{fmt}", base)
    themes = etree.SubElement(body, "outline", text="Themes", title="Themes")
    for theme in config.themes:
        feed(themes, theme.title, base + f"{theme.id}.{fmt}", base + f"#feed-{theme.id}")
    sources = etree.SubElement(body, "outline", text="Sources", title="Sources")
    for src in config.sources:
        feed(sources, src.name, base + f"sources/{src.id}.{fmt}", src.urls[0] if src.urls else src.feed)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def feed(parent: etree._Element, title: str, xml_url: str, html_url: str | None) -> None:
    """One subscription outline (`type="rss"` is OPML's word for any feed)."""
    attrs = {"type": "rss", "text": title, "title": title, "xmlUrl": xml_url}
    if html_url:
        attrs["htmlUrl"] = html_url
    etree.SubElement(parent, "outline", **attrs)
