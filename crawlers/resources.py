"""Config, compiled themes, the store and URL identities, made once per process and shared by every crawler in it."""
from __future__ import annotations

from functools import lru_cache

from aggregator.config import Config, Dedup, load_config
from aggregator.store import Store
from aggregator.tagging import Compiled, compile_themes
from aggregator.urls import clean_url, url_key


@lru_cache(maxsize=None)
def config(path: str) -> Config:
    """The validated config at this path."""
    return load_config(path)


@lru_cache(maxsize=None)
def themes(path: str) -> Compiled:
    """The config's themes, compiled once."""
    return compile_themes(config(path).themes)


@lru_cache(maxsize=8192)
def identity(url: str) -> tuple[str, str]:
    """A teaser link's published form and identity key, `(clean_url(url), url_key(clean_url(url)))`: the
    spider's known-items check and the normalise pipeline both need them for every teaser."""
    link = clean_url(url)
    return link, url_key(link, cleaned=True)


@lru_cache(maxsize=None)
def store(url: str, dedup: Dedup | None = None) -> Store:
    """One Store (one engine) per database URL and dedup settings."""
    return Store(url, dedup=dedup)


def settings_config(settings) -> Config:
    """The config named by the crawl settings."""
    return config(settings.get("MUSEUMFEEDS_CONFIG", "config.yaml"))


def settings_store(settings) -> Store:
    """The store named by the crawl settings, else by the config."""
    config = settings_config(settings)
    return store(settings.get("MUSEUMFEEDS_DB") or config.store_url, config.dedup)
