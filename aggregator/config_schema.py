"""Validate the parsed YAML tree into Config objects, naming each bad key by its path."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aggregator.config import (
    DATE_ORDERS,
    FORMATS,
    SOURCE_ID,
    THEME_ID,
    ArticleSelectors,
    Config,
    ConfigError,
    Crawl,
    Dedup,
    Feeds,
    ListSelectors,
    Schedule,
    Source,
    Theme,
    check_selector,
)

MAX_DOWNLOAD_TIMEOUT = 30
TOP_KEYS = {"store", "feeds", "crawl", "schedule", "dedup", "sources", "themes"}


class Node:
    """A mapping in the YAML tree together with its key path, for precise errors."""

    def __init__(self, file: str, key: str, value: Any, allowed: set[str]):
        self.file, self.key = file, key
        if not isinstance(value, dict):
            self.fail(key, f"must be a mapping, got {type_name(value)}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            self.fail(self.sub(unknown[0]), f"unknown key; allowed: {', '.join(sorted(allowed))}")
        self.value = value

    def sub(self, name: str | int) -> str:
        """Key path of a child."""
        if isinstance(name, int):
            return f"{self.key}[{name}]"
        return f"{self.key}.{name}" if self.key else str(name)

    def fail(self, key: str, message: str) -> None:
        """Raise a ConfigError for this file."""
        raise ConfigError(self.file, key, message)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = False):
        """A child of the given type, or the default."""
        if name not in self.value or self.value[name] is None:
            if required or default is ...:
                self.fail(self.sub(name), f"is required ({kind_name(kind)})")
            return default
        val = self.value[name]
        if isinstance(val, bool) and kind in (int, str):
            self.fail(self.sub(name), f"must be {kind_name(kind)}, got a boolean")
        if not isinstance(val, kind):
            self.fail(self.sub(name), f"must be {kind_name(kind)}, got {type_name(val)}")
        return val

    def child(self, name: str, allowed: set[str], default: Any = None) -> Node | None:
        """A child mapping as a Node."""
        if self.value.get(name) is None:
            return default
        return Node(self.file, self.sub(name), self.value[name], allowed)

    def str_list(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A list of strings (a single string is accepted as a list of one)."""
        val = self.value.get(name)
        if val is None:
            return default
        if isinstance(val, str):
            return (val,)
        if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
            self.fail(self.sub(name), "must be a list of strings")
        return tuple(val)


def type_name(value: Any) -> str:
    """Human name of a YAML value's type."""
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def kind_name(kind: type | tuple[type, ...]) -> str:
    """Human name of an expected type."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({str: "a string", int: "a whole number", bool: "true or false", list: "a list",
                        dict: "a mapping", float: "a number"}[k] for k in kinds)


def build_config(file: str, data: Any) -> Config:
    """Validate the whole tree."""
    root = Node(file, "", data, TOP_KEYS)
    store = root.child("store", {"url"})
    store_url = store.get("url", str, "sqlite:///data/museumfeeds.db") if store else "sqlite:///data/museumfeeds.db"
    themes = build_themes(root)
    sources = build_sources(root)
    return Config(file, store_url, build_feeds(root), build_crawl(root), build_schedule(root), sources, themes,
                  build_dedup(root))


def build_feeds(root: Node) -> Feeds:
    """The `feeds` section."""
    node = root.child("feeds", {"base_url", "out_dir", "formats", "max_items", "title"})
    if node is None:
        return Feeds()
    base = node.get("base_url", str, Feeds.base_url)
    if urlsplit(base).scheme not in ("http", "https"):
        node.fail(node.sub("base_url"), "must be an absolute http(s) URL")
    formats = node.str_list("formats", Feeds.formats)
    for i, fmt in enumerate(formats):
        if fmt not in FORMATS:
            node.fail(f"{node.sub('formats')}[{i}]", f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    max_items = node.get("max_items", int, Feeds.max_items)
    if not 1 <= max_items <= 1000:
        node.fail(node.sub("max_items"), "must be between 1 and 1000")
    return Feeds(base.rstrip("/") + "/", node.get("out_dir", str, Feeds.out_dir), formats, max_items,
                 node.get("title", str, Feeds.title))


def build_crawl(root: Node) -> Crawl:
    """The `crawl` section."""
    node = root.child("crawl", {"user_agent", "contact", "timeout", "pin_cpus"})
    if node is None:
        return Crawl()
    timeout = node.get("timeout", int, Crawl.timeout)
    if not 1 <= timeout <= MAX_DOWNLOAD_TIMEOUT:  # the hardened settings' bound (crawlers/settings.py)
        node.fail(node.sub("timeout"), f"must be between 1 and {MAX_DOWNLOAD_TIMEOUT} seconds")
    return Crawl(node.get("user_agent", str, Crawl.user_agent), node.get("contact", str, ""), timeout,
                 node.get("pin_cpus", bool, Crawl.pin_cpus))


def build_schedule(root: Node) -> Schedule:
    """The `schedule` section; the cron expression is checked by APScheduler's own parser."""
    node = root.child("schedule", {"crawl", "timezone", "timeout", "misfire_grace"})
    if node is None:
        return Schedule()
    crawl = node.get("crawl", str, Schedule.crawl)
    tz = check_timezone(node, "timezone", node.get("timezone", str, Schedule.timezone))
    try:
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(crawl, timezone=tz)
    except ValueError as exc:
        node.fail(node.sub("crawl"), f"not a valid cron expression (minute hour day month weekday): {exc}")
    return Schedule(crawl, tz, seconds(node, "timeout", Schedule.timeout, 86400),
                    seconds(node, "misfire_grace", Schedule.misfire_grace, 7 * 86400))


def build_dedup(root: Node) -> Dedup:
    """The `dedup` section: similarity thresholds as fractions, the window in whole days. `bands` (MinHash keys,
    before similarity was exact) is still accepted, so that older configs load, and has no effect."""
    node = root.child("dedup", {"window_days", "threshold", "per_day", "bands", "edit_threshold"})
    if node is None:
        return Dedup()
    window = bounded(node, "window_days", int, Dedup.window_days, 1, 60)
    fractions = {name: float(bounded(node, name, (int, float), getattr(Dedup, name), 0, 1))
                 for name in ("threshold", "per_day", "edit_threshold")}
    return Dedup(window_days=window, **fractions)


def bounded(node: Node, name: str, kind, default, low, high):
    """A number between low and high (inclusive)."""
    value = node.get(name, kind, default)
    if isinstance(value, bool) or not low <= value <= high:
        node.fail(node.sub(name), f"must be a number between {low} and {high}")
    return value


def seconds(node: Node, name: str, default: int, most: int) -> int:
    """A duration in whole seconds, from one minute up to `most`."""
    value = node.get(name, int, default)
    if not 60 <= value <= most:
        node.fail(node.sub(name), f"must be between 60 and {most} seconds")
    return value


def check_timezone(node: Node, name: str, tz: str) -> str:
    """An IANA timezone name."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        node.fail(node.sub(name), f"unknown timezone {tz!r}; use an IANA name such as Europe/Paris or UTC")
    return tz


SOURCE_KEYS = {"id", "name", "org", "url", "urls", "languages", "list", "feed", "next_page", "max_pages",
               "follow", "article", "date_order", "timezone", "priority", "page", "stale_after_days"}
LIST_KEYS = {"item", "title", "link", "date", "summary", "image", "category"}
ARTICLE_KEYS = {"date", "summary", "image", "title"}


def build_sources(root: Node) -> tuple[Source, ...]:
    """The `sources` list."""
    raw = root.get("sources", list, required=True)
    seen: set[str] = set()
    out = []
    for i, item in enumerate(raw):
        src = build_source(Node(root.file, f"sources[{i}]", item, SOURCE_KEYS))
        if src.id in seen:
            root.fail(f"sources[{i}].id", f"duplicate source id {src.id!r}; ids must be unique")
        seen.add(src.id)
        out.append(src)
    if not out:
        root.fail("sources", "must list at least one source")
    return tuple(out)


def build_source(node: Node) -> Source:
    """One source entry."""
    sid = node.get("id", str, required=True)
    if not SOURCE_ID.match(sid):
        node.fail(node.sub("id"), "must be lower-case letters, digits and dashes")
    urls = node.str_list("urls") or node.str_list("url")
    feed = node.get("feed", str, None)
    for key, url in [("urls", u) for u in urls] + ([("feed", feed)] if feed else []):
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            node.fail(node.sub(key), f"{url!r} is not an absolute http(s) URL")
    listing = build_selectors(node, "list", LIST_KEYS, ListSelectors, ("item", "title", "link"))
    if not urls and not feed:
        node.fail(node.sub("url"), "is required: a listing URL (url/urls) or a feed")
    if urls and listing is None:
        node.fail(node.sub("list"), "is required with url: selectors item, title and link")
    max_pages = node.get("max_pages", int, 3)
    if not 1 <= max_pages <= 1000:
        node.fail(node.sub("max_pages"), "must be between 1 and 1000")
    order = node.get("date_order", str, "DMY")
    if order not in DATE_ORDERS:
        node.fail(node.sub("date_order"), f"must be one of {', '.join(DATE_ORDERS)}")
    next_page = node.get("next_page", str, None)
    if next_page:
        check_css(node, "next_page", next_page)
    langs = node.str_list("languages", ("en",))
    return Source(
        id=sid, name=node.get("name", str, sid), org=node.get("org", str, ""), urls=urls, languages=langs,
        list=listing, feed=feed, next_page=next_page, max_pages=max_pages,
        follow=node.get("follow", bool, False),
        article=build_selectors(node, "article", ARTICLE_KEYS, ArticleSelectors, ()),
        date_order=order, timezone=check_timezone(node, "timezone", node.get("timezone", str, "UTC")),
        priority=node.get("priority", int, 50), page=node.get("page", str, None),
        stale_after_days=check_days(node, node.get("stale_after_days", int, None)),
    )


def check_days(node: Node, days: int | None) -> int | None:
    """Days without a new item before a source counts as stale (0: never, e.g. an archive)."""
    if days is not None and days < 0:
        node.fail(node.sub("stale_after_days"), "must be 0 (never stale) or a number of days")
    return days


def build_selectors(node: Node, name: str, keys: set[str], cls: type, required: tuple[str, ...]):
    """A mapping of CSS selectors, each compiled once to catch typos."""
    sub = node.child(name, keys)
    if sub is None:
        return None
    values = {}
    for key in keys:
        val = sub.get(key, str, None, required=key in required)
        if val is not None:
            check_css(sub, key, val)
            values[key] = val
    return cls(**values)


def check_css(node: Node, key: str, css: str) -> None:
    """Fail with the key path when a selector does not compile."""
    try:
        check_selector(css)
    except Exception as exc:  # noqa: BLE001 - ValueError from our checks, SelectolaxError from lexbor
        node.fail(node.sub(key), f"invalid CSS selector {css!r}: {exc}")


THEME_KEYS = {"title", "scope", "terms", "weak", "exclude", "categories"}


def build_themes(root: Node) -> tuple[Theme, ...]:
    """The `themes` mapping."""
    raw = root.get("themes", dict, required=True)
    out = []
    for tid, body in raw.items():
        if not isinstance(tid, str) or not THEME_ID.match(tid):
            root.fail(f"themes.{tid}", "theme ids must be lower-case letters, digits and dashes")
        node = Node(root.file, f"themes.{tid}", body, THEME_KEYS)
        out.append(Theme(tid, node.get("title", str, tid), node.get("scope", str, ""), lang_terms(node, "terms"),
                         lang_terms(node, "weak"), lang_terms(node, "exclude"), node.str_list("categories")))
    return tuple(out)


def lang_terms(node: Node, name: str) -> dict[str, tuple[str, ...]]:
    """A mapping language -> list of terms."""
    val = node.value.get(name)
    if val is None:
        return {}
    if not isinstance(val, dict):
        node.fail(node.sub(name), "must map a language code (en, fr...) to a list of terms")
    sub = Node(node.file, node.sub(name), val, set(val))
    return {lang: sub.str_list(lang) for lang in val}
