"""Publish Atom, RSS 2.0 and JSON Feed files per theme and for everything: deterministic, written atomically."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from feedgen.feed import FeedGenerator

from aggregator.config import Config
from aggregator.models import Item
from aggregator.normalize import html_to_text, xml_clean
from aggregator.store import Store

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
EXTENSIONS = {"atom": "atom", "rss": "rss", "json": "json"}


@dataclass(frozen=True)
class FeedSpec:
    """One published feed: its file stem, title, description and the query behind it."""

    name: str
    title: str
    description: str
    theme: str | None = None
    source: str | None = None


def feed_specs(config: Config) -> list[FeedSpec]:
    """Everything, then one feed per theme."""
    site = config.feeds.title
    specs = [FeedSpec("all", f"{site}: all museum-sector news", "Every announcement from every source")]
    for theme in config.themes:
        specs.append(FeedSpec(theme.id, f"{site}: {theme.title}", theme.scope or theme.title, theme=theme.id))
    return specs


def publish(store: Store, config: Config, out_dir: str | Path | None = None) -> list[Path]:
    """Write every feed in every configured format; returns the files written or left unchanged."""
    out = Path(out_dir or config.feeds.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = {s.id: s.name for s in config.sources}
    theme_titles = {t.id: t.title for t in config.themes}
    paths = []
    for spec in feed_specs(config):
        items = store.latest(theme=spec.theme, source=spec.source, limit=config.feeds.max_items)
        for fmt in config.feeds.formats:
            path = out / f"{spec.name}.{EXTENSIONS[fmt]}"
            ctx = FeedContext(config.feeds.base_url, spec, names, theme_titles, f"{spec.name}.{EXTENSIONS[fmt]}")
            write_atomic(path, RENDERERS[fmt](ctx, items))
            paths.append(path)
    return paths


@dataclass(frozen=True)
class FeedContext:
    """What every renderer needs besides the items."""

    base_url: str
    spec: FeedSpec
    source_names: dict[str, str]
    theme_titles: dict[str, str]
    filename: str

    @property
    def self_url(self) -> str:
        return self.base_url + self.filename


def feed_updated(items: list[Item]) -> datetime:
    """The feed's date comes from the data (never now()), so an unchanged store gives identical bytes."""
    return max((i.updated for i in items), default=EPOCH)


def build_feedgen(ctx: FeedContext, items: list[Item]) -> FeedGenerator:
    """A feedgen document with every field set explicitly (feedgen defaults dates to now())."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)  # RSS <author> must be an e-mail: dc:creator names the source
    fg.id(ctx.self_url)
    fg.title(ctx.spec.title)
    fg.subtitle(ctx.spec.description)
    fg.author({"name": "museumfeeds"})
    fg.link(href=ctx.self_url, rel="self")
    fg.link(href=ctx.base_url, rel="alternate")
    fg.updated(feed_updated(items))
    fg.lastBuildDate(feed_updated(items))
    fg.generator("museumfeeds", uri="https://github.com/museumfeeds/museumfeeds")
    for item in items:
        add_entry(fg, ctx, item)
    return fg


def add_entry(fg: FeedGenerator, ctx: FeedContext, item: Item) -> None:
    """One entry: stable id minted at first sight, dates from the store, themes as categories."""
    fe = fg.add_entry(order="append")
    fe.id(item.feed_id)
    fe.title(item.title)
    fe.link(href=item.url, rel="alternate")
    if item.summary:
        fe.summary(item.summary, type="html")
    fe.published(item.published or item.first_seen)
    fe.updated(item.updated)
    source_name = ctx.source_names.get(item.source_id, item.source_id)
    fe.author({"name": source_name})
    fe.dc.dc_creator(source_name)
    for theme in item.themes:
        fe.category(term=theme.theme, scheme=ctx.base_url + "themes/",
                    label=ctx.theme_titles.get(theme.theme, theme.theme))


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
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def json_item(ctx: FeedContext, item: Item) -> dict:
    """One JSON Feed item."""
    out = {"id": item.feed_id, "url": item.url, "title": item.title,
           "content_html": item.summary or "", "summary": html_to_text(item.summary)[:500],
           "date_published": (item.published or item.first_seen).isoformat(),
           "date_modified": item.updated.isoformat(),
           "authors": [{"name": ctx.source_names.get(item.source_id, item.source_id)}],
           "tags": [t.theme for t in item.themes]}
    if item.image:
        out["image"] = item.image
    if item.language:
        out["language"] = xml_clean(item.language)
    return out


RENDERERS = {"atom": render_atom, "rss": render_rss, "json": render_json}


def write_atomic(path: Path, data: bytes) -> None:
    """Replace a file in one step (temp file + os.replace); an unchanged file is not touched."""
    if path.exists() and path.read_bytes() == data:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
