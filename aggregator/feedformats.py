"""Render one feed as Atom 1.0, RSS 2.0 (feedgen) or JSON Feed 1.1; every field set from data, none from the clock."""
from __future__ import annotations

import json
import mimetypes
import uuid
from html import escape
from dataclasses import dataclass
from datetime import datetime, timezone

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from aggregator.models import Item
from aggregator.normalize import html_to_text

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class FeedSpec:
    """One published feed: its path (without extension), title, description and the query behind it."""

    name: str
    title: str
    description: str
    theme: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class FeedContext:
    """What every renderer needs besides the items."""

    base_url: str
    spec: FeedSpec
    source_names: dict[str, str]
    theme_titles: dict[str, str]
    filename: str
    language: str | None = None
    stories: dict[int, list[Item]] | None = None  # story id -> its items, lead first (story feeds only)

    @property
    def self_url(self) -> str:
        return self.base_url + self.filename


class LangFeed(BaseExtension):
    """Feed-level half of the xml:lang extension (nothing to add at feed level)."""


class LangEntry(BaseEntryExtension):
    """Sets `xml:lang` on an Atom entry (feedgen has no field for it)."""

    def __init__(self):
        self.value: str | None = None

    def lang(self, value: str | None) -> None:
        self.value = value

    def extend_atom(self, entry):
        if self.value:
            entry.set(XML_LANG, self.value)
        return entry


def feed_updated(items: list[Item], stories: dict[int, list[Item]] | None = None) -> datetime:
    """The feed's date comes from the data (never now()), so an unchanged store gives identical bytes."""
    return max((entry_updated(story_of(stories, i)) for i in items), default=EPOCH)


def story_of(stories: dict[int, list[Item]] | None, item: Item) -> list[Item]:
    """The items of an entry's story, lead first (just the item in a source feed)."""
    return (stories or {}).get(item.cluster_id) or [item]


def entry_id(story: list[Item]) -> str:
    """A story's entry id is its first item's feed id: it stays when a higher-priority copy becomes the lead."""
    lead = story[0]
    return next((m.feed_id for m in story if m.id == lead.cluster_id), lead.feed_id)


def entry_updated(story: list[Item]) -> datetime:
    """The lead's last substantive edit, or when another copy joined the story (the entry text changed)."""
    return max([story[0].updated] + [m.first_seen for m in story[1:]])


def also_published(story: list[Item], names: dict[str, str]) -> str:
    """`Also published by ICOM Ireland, CIMAM; en, fr, es` for a story of several items, else ''."""
    if len(story) < 2:
        return ""
    lead = story[0]
    others = list(dict.fromkeys(names.get(m.source_id, m.source_id) for m in story if m.source_id != lead.source_id))
    langs = ", ".join(dict.fromkeys(m.language for m in story if m.language))
    if others:
        return f"Also published by {', '.join(others)}" + (f"; {langs}" if langs else "")
    return f"Also in {langs}" if langs else ""


def build_feedgen(ctx: FeedContext, items: list[Item]) -> FeedGenerator:
    """A feedgen document with every field set explicitly (feedgen defaults dates to now())."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)  # RSS <author> must be an e-mail: dc:creator names the source
    fg.load_extension("media")
    fg.register_extension("xmllang", LangFeed, LangEntry, atom=True, rss=False)
    fg.id(ctx.self_url)
    fg.title(ctx.spec.title)
    fg.subtitle(ctx.spec.description)
    fg.author({"name": "museumfeeds"})
    fg.link(href=ctx.self_url, rel="self")
    fg.link(href=ctx.base_url, rel="alternate")
    if ctx.language:
        fg.language(ctx.language)
    fg.updated(feed_updated(items, ctx.stories))
    fg.lastBuildDate(feed_updated(items, ctx.stories))
    fg.generator("museumfeeds", uri="https://github.com/museumfeeds/museumfeeds")
    for item in items:
        add_entry(fg, ctx, item)
    return fg


def add_entry(fg: FeedGenerator, ctx: FeedContext, item: Item) -> None:
    """One entry: stable id minted at first sight, dates from the store, themes as categories."""
    fe = fg.add_entry(order="append")
    story = story_of(ctx.stories, item)
    fe.id(entry_id(story))
    fe.title(item.title)
    fe.link(href=item.url, rel="alternate")
    summary = entry_html(ctx, item)
    if summary:
        fe.summary(summary, type="html")
    fe.published(item.published or item.first_seen)
    fe.updated(entry_updated(story))
    source_name = ctx.source_names.get(item.source_id, item.source_id)
    fe.author({"name": source_name})
    fe.dc.dc_creator(source_name)
    if item.language:
        fe.xmllang.lang(item.language)
        fe.dc.dc_language(item.language)
    if item.image:
        fe.media.content({"url": item.image, "medium": "image", "type": image_type(item.image)})
    for theme in item.themes:
        fe.category(term=theme.theme, scheme=ctx.base_url + "themes/",
                    label=ctx.theme_titles.get(theme.theme, theme.theme))


def entry_html(ctx: FeedContext, item: Item) -> str:
    """The sanitised summary, then short lines: the story's other sources and languages, a revision, the themes
    the item got and why."""
    lines = [also_published(story_of(ctx.stories, item), ctx.source_names)]
    if item.updated > item.first_seen:
        lines.append(f"Updated {item.updated.date().isoformat()}: the source revised this text")
    if item.themes:
        reasons = "; ".join(f"{ctx.theme_titles.get(t.theme, t.theme)} ({t.reason})" for t in item.themes)
        lines.append(f"Tagged: {reasons}")
    return (item.summary or "") + "".join(f"<p><small>{escape(line, quote=False)}</small></p>" for line in lines if line)


def image_type(url: str) -> str:
    """Media type of an image URL by its extension (image/jpeg when unknown)."""
    guessed = mimetypes.guess_type(url.split("?")[0])[0]
    return guessed if guessed and guessed.startswith("image/") else "image/jpeg"


def render_atom(ctx: FeedContext, items: list[Item]) -> bytes:
    return build_feedgen(ctx, items).atom_str(pretty=True, encoding="UTF-8")


def render_rss(ctx: FeedContext, items: list[Item]) -> bytes:
    return build_feedgen(ctx, items).rss_str(pretty=True, encoding="UTF-8")


def render_json(ctx: FeedContext, items: list[Item]) -> bytes:
    """JSON Feed 1.1."""
    doc = {
        "version": "https://jsonfeed.org/version/1.1", "title": ctx.spec.title,
        "home_page_url": ctx.base_url, "feed_url": ctx.self_url, "description": ctx.spec.description,
        "items": [json_item(ctx, i) for i in items],
    }
    if ctx.language:
        doc["language"] = ctx.language
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def json_item(ctx: FeedContext, item: Item) -> dict:
    """One JSON Feed item."""
    story = story_of(ctx.stories, item)
    out = {"id": entry_id(story), "url": item.url, "title": item.title,
           "content_html": entry_html(ctx, item), "summary": html_to_text(item.summary)[:500],
           "date_published": (item.published or item.first_seen).isoformat(),
           "date_modified": entry_updated(story).isoformat(),
           "authors": [{"name": ctx.source_names.get(item.source_id, item.source_id)}],
           "tags": [ctx.theme_titles.get(t.theme, t.theme) for t in item.themes]}
    if item.image:
        out["image"] = item.image
    if item.language:
        out["language"] = item.language
    return out


def render_health(base_url: str, title: str, runs: list, source_names: dict[str, str]) -> bytes:
    """Atom feed of crawl runs that were not ok (degraded, failed, crashed), newest first, for operators."""
    fg = FeedGenerator()
    url = base_url + "health.atom"
    fg.id(url)
    fg.title(f"{title}: source health")
    fg.subtitle("Crawl runs that failed or look wrong (empty listings, collapsing counts, errors, staleness)")
    fg.author({"name": "museumfeeds"})
    fg.link(href=url, rel="self")
    fg.link(href=base_url, rel="alternate")
    fg.updated(max((r.finished or r.started for r in runs), default=EPOCH))
    for run in runs:
        fe = fg.add_entry(order="append")
        fe.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{url}#run-{run.id}')}")
        name = source_names.get(run.source_id, run.source_id)
        kind = (run.reason.split(":")[0] if run.reason else run.status)
        fe.title(f"{name}: {run.status} ({kind})")
        fe.link(href=base_url + "#sources", rel="alternate")
        when = run.finished or run.started
        fe.published(run.started)
        fe.updated(when)
        fe.summary(f"{run.source_id}: {run.status}: {run.reason or 'no reason recorded'}. Listing pages read: "
                   f"{run.pages}, teasers: {run.teasers}, items seen: {run.items_seen}, new: {run.items_new}, "
                   f"requests: {run.requests}, errors: {run.errors}.", type="text")
    return fg.atom_str(pretty=True, encoding="UTF-8")


RENDERERS = {"atom": render_atom, "rss": render_rss, "json": render_json}
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}
