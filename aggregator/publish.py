"""Publish every feed (all, per theme, per source) in every format, the OPML list and the home page, atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from aggregator import homepage, opml
from aggregator.stories import members
from aggregator.config import Config
from aggregator.feedformats import EPOCH, RENDERERS, FeedContext, FeedSpec, feed_updated, render_health
from aggregator.store import Store

HOME_ITEMS = 5


def feed_specs(config: Config) -> list[FeedSpec]:
    """Everything, one feed per theme, one per source."""
    site = config.feeds.title
    specs = [FeedSpec("all", f"{site}: all museum-sector news", "Every announcement from every source")]
    for theme in config.themes:
        specs.append(FeedSpec(theme.id, f"{site}: {theme.title}", theme.scope or theme.title, theme=theme.id))
    for src in config.sources:
        specs.append(FeedSpec(f"sources/{src.id}", f"{site}: {src.name}", f"Announcements from {src.name}",
                              source=src.id))
    return specs


def publish(store: Store, config: Config, out_dir: str | Path | None = None) -> list[Path]:
    """Write every feed in every configured format, then the OPML and the home page; returns the paths."""
    out = Path(out_dir or config.feeds.out_dir)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    names = {s.id: s.name for s in config.sources}
    titles = {t.id: t.title for t in config.themes}
    languages = {s.id: s.languages[0] for s in config.sources if len(s.languages) == 1}
    paths, newest, latest = [], EPOCH, {}
    for spec in feed_specs(config):
        # Everything and theme feeds hold one entry per story (its lead); a source feed holds all its items.
        items = store.latest(theme=spec.theme, source=spec.source, limit=config.feeds.max_items,
                             stories=spec.source is None)
        stories = None if spec.source else story_members(store, items)
        newest = max(newest, feed_updated(items, stories))
        if spec.theme:
            latest[spec.theme] = items[:HOME_ITEMS]
        for fmt in config.feeds.formats:
            filename = f"{spec.name}.{fmt}"
            ctx = FeedContext(config.feeds.base_url, spec, names, titles, filename, languages.get(spec.source), stories)
            paths.append(write_atomic(out / filename, RENDERERS[fmt](ctx, items)))
    paths.append(write_atomic(out / "feeds.opml", opml.render(config, newest)))
    health = render_health(config.feeds.base_url, config.feeds.title, store.health_runs(), names)
    paths.append(write_atomic(out / "health.atom", health))
    page = homepage.render(config, homepage.PageData(latest, store.last_runs()))
    paths.append(write_atomic(out / "index.html", page))
    return paths


def story_members(store: Store, items: list) -> dict:
    """The stories of these lead items (story id -> items, lead first)."""
    with store.session() as s:
        return members(s, {i.cluster_id for i in items if i.cluster_id is not None})


def write_atomic(path: Path, data: bytes) -> Path:
    """Replace a file in one step (temp file + os.replace); an unchanged file is not touched."""
    if path.exists() and path.read_bytes() == data:
        return path
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
