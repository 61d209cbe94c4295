"""Load config.yaml once into frozen, typed objects; errors name the file, key path and what is allowed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

THEME_ID = re.compile(r"^[a-z][a-z0-9-]*$")
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FORMATS = ("atom", "rss", "json")
DATE_ORDERS = ("DMY", "MDY", "YMD")


class ConfigError(Exception):
    """An invalid config: names the file, the key path and what is allowed."""

    def __init__(self, path: str, key: str, message: str):
        self.path, self.key, self.message = path, key, message
        super().__init__(f"{path}: {key}: {message}")


@dataclass(frozen=True)
class ListSelectors:
    """CSS selectors for teasers on a listing page; `sel@attr` reads an attribute, `@attr` the item's own."""

    item: str
    title: str
    link: str
    date: str | None = None
    summary: str | None = None
    image: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class ArticleSelectors:
    """Selectors on an article page, used when `follow` is on or a teaser lacks a date."""

    date: str | None = None
    summary: str | None = None
    image: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Source:
    """One crawled site section."""

    id: str
    name: str
    org: str
    urls: tuple[str, ...]
    languages: tuple[str, ...]
    list: ListSelectors | None = None
    feed: str | None = None
    next_page: str | None = None
    max_pages: int = 3
    follow: bool = False
    article: ArticleSelectors | None = None
    date_order: str = "DMY"
    timezone: str = "UTC"
    priority: int = 50
    page: str | None = None
    stale_after_days: int | None = None

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every host this source fetches from."""
        urls = self.urls + ((self.feed,) if self.feed else ())
        return tuple(sorted({urlsplit(u).hostname or "" for u in urls}))


@dataclass(frozen=True)
class Theme:
    """A theme: strong and weak terms per language, exclusions, and source categories that imply it."""

    id: str
    title: str
    scope: str = ""
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    weak: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feeds:
    """Where and how feeds are published."""

    base_url: str = "http://127.0.0.1:8080/"
    out_dir: str = "feeds"
    formats: tuple[str, ...] = ("atom", "rss", "json")
    max_items: int = 100
    title: str = "museumfeeds"


@dataclass(frozen=True)
class Crawl:
    """Crawler politeness and identity."""

    user_agent: str = "museumfeeds/0.1 (+https://github.com/museumfeeds/museumfeeds)"
    contact: str = ""
    timeout: int = 30
    pin_cpus: bool = False  # Scrapy's process on one CPU, the store worker on the others (aggregator/cpus.py)


@dataclass(frozen=True)
class Schedule:
    """When the nightly job runs."""

    crawl: str = "0 2 * * *"
    timezone: str = "UTC"
    timeout: int = 3 * 3600  # seconds: hard limit of one run; the crawl process group is killed past it
    misfire_grace: int = 24 * 3600  # seconds: a run missed (machine asleep or off) is caught up this late


@dataclass(frozen=True)
class Dedup:
    """How alike two items of different sources must be to be one story, and what counts as an edit."""

    window_days: int = 15        # never join items published further apart
    threshold: float = 0.26      # text similarity needed on the same day...
    per_day: float = 0.01        # ...plus this much per day between the two publication dates
    edit_threshold: float = 0.9  # a re-crawled text at least this similar to the stored one is a trivial edit


@dataclass(frozen=True)
class Config:
    """The whole validated config."""

    path: str
    store_url: str
    feeds: Feeds
    crawl: Crawl
    schedule: Schedule
    sources: tuple[Source, ...]
    themes: tuple[Theme, ...]
    dedup: Dedup = Dedup()

    def source(self, source_id: str) -> Source:
        """The source with this id, or KeyError."""
        for src in self.sources:
            if src.id == source_id:
                return src
        raise KeyError(source_id)


def load_config(path: str | Path = "config.yaml") -> Config:
    """Read and validate a config file; raise ConfigError on the first problem."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, "(file)", f"cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise ConfigError(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    from aggregator.config_schema import build_config

    return build_config(path, data if data is not None else {})


# Quoted strings in a selector (attribute values), blanked before the checks below look at its syntax.
QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
# A namespace prefix (`svg|rect`, `*|a`, `[xlink|href]`): lexbor parses it and ignores it, so it would match
# elements of every namespace; `|=` is the attribute operator.
NAMESPACE = re.compile(r"\|(?!=)")
# User-action and history states: no saved or fetched page is ever in them, so such a selector never matches.
DYNAMIC = re.compile(r":(hover|active|focus|focus-visible|focus-within|visited|target|target-within)\b", re.I)
ATTR_NAME = re.compile(r"^[^\s\"'<>/=\[\]@]*$")


def check_selector(spec: str) -> None:
    """Raise ValueError unless lexbor (the page objects' engine) can evaluate a `css@attr` spec as written."""
    css, sep, attr = spec.rpartition("@")
    if not sep:
        css, attr = spec, ""
    if not ATTR_NAME.match(attr.strip()):
        raise ValueError(f"{attr.strip()!r} is not an attribute name")
    if not css.strip():
        return
    bare = QUOTED.sub('""', css)
    if NAMESPACE.search(bare):
        raise ValueError("namespace prefixes (`ns|tag`) are not supported")
    if found := DYNAMIC.search(bare):
        raise ValueError(f"{found[0]} never matches a fetched page")
    try:
        LexborHTMLParser("<html></html>").css(css)
    except SelectolaxError:
        hint = " (text is `css`, an attribute `css@attr`: no ::text or ::attr())" if "::" in bare else ""
        raise ValueError(f"lexbor cannot parse it{hint}") from None
