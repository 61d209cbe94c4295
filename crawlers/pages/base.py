"""Selector helpers shared by page objects: `css` reads text, `css@attr` an attribute, `@attr` the node's own."""
from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property, lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from aggregator.config import Source

NAMESPACES = {"re": "http://exslt.org/regular-expressions"}  # as parsel's Selector has them
# Text a reader sees: never the code of a <script> or <style> inside a teaser.
HIDING = ("script", "style", "noscript", "template")
VISIBLE_TEXT = etree.XPath(
    f".//text()[not({' or '.join(f'ancestor::{tag}' for tag in HIDING)})] | .//br", smart_strings=False)
CHILDREN = etree.XPath("node()", smart_strings=False)
LANG = etree.XPath("/html/@lang", smart_strings=False)
TRANSLATOR = HTMLTranslator()
# cssselect's test for one class, `*[@class and contains(@class, 'x') and contains(concat(' ',
# normalize-space(@class), ' '), ' x ')]`, reads @class three times an element; the same test as a step through
# the attribute, `*/@class[contains(., 'x') and ...]/..`, selects the same elements in about 0.55 of the time.
CLASS_TEST = re.compile(r"\[@class and contains\(@class, '([^']*)'\) and "
                        r"contains\(concat\(' ', normalize-space\(@class\), ' '\), ' \1 '\)\]")


@lru_cache(maxsize=None)
def split(spec: str) -> tuple[str, str | None]:
    """`'h3 a@href'` -> `('h3 a', 'href')`; `'h3'` -> `('h3', None)`."""
    css, sep, attr = spec.rpartition("@")
    if not sep:
        return spec, None
    return css.strip(), attr.strip()


@lru_cache(maxsize=None)
def compiled(css: str) -> etree.XPath:
    """A CSS selector translated to XPath and compiled once; it selects what parsel's `Selector.css` selects."""
    return etree.XPath(class_steps(TRANSLATOR.css_to_xpath(css)), namespaces=NAMESPACES, smart_strings=False)


def class_steps(xpath: str) -> str:
    """Every step whose one predicate is cssselect's class test made a step through `@class` and back (`..`):
    the same node-set (no positional predicate follows: cssselect joins conditions into one bracket)."""
    return CLASS_TEST.sub(lambda m: f"/@class[contains(., '{m[1]}') and contains(concat(' ', normalize-space(.), ' '),"
                                    f" ' {m[1]} ')]/..", xpath)


def root_of(node) -> object:
    """The lxml node (or string) under a parsel Selector; lxml nodes pass through."""
    return node.root if isinstance(node, Selector) else node


def select(node, spec: str) -> list:
    """The lxml nodes a spec selects (the node itself for `@attr`); `node` is a Selector or an lxml node."""
    css, _ = split(spec)
    root = root_of(node)
    if not css:
        return [root]
    return compiled(css)(root) if hasattr(root, "xpath") else []


def text_of(node) -> str:
    """Whitespace-collapsed text content of a node; a `<br>` separates words (`Practices<br>Webinar`)."""
    root = root_of(node)
    if isinstance(root, str):
        return " ".join(root.split())
    if not len(root) and root.tag not in HIDING and isinstance(root.tag, str) and \
            next(root.iterancestors(*HIDING), None) is None:  # an element of text only: what VISIBLE_TEXT gives
        return " ".join((root.text or "").split())
    parts = [n if isinstance(n, str) else " " for n in VISIBLE_TEXT(root)]
    return " ".join("".join(parts).split())


def read(hit, attr: str | None) -> str | None:
    """An attribute of a selected node, or its text."""
    if not attr:
        return text_of(hit)
    return hit.get(attr) if hasattr(hit, "get") else None


def value(node, spec: str | None) -> str | None:
    """First non-empty value a spec reads, or None."""
    if not spec:
        return None
    _, attr = split(spec)
    for hit in select(node, spec):
        val = read(hit, attr)
        if val and val.strip():
            return " ".join(val.split())
    return None


def values(node, spec: str | None) -> list[str]:
    """Every non-empty value a spec reads, in order, without repeats."""
    if not spec:
        return []
    _, attr = split(spec)
    out: list[str] = []
    for hit in select(node, spec):
        val = " ".join((read(hit, attr) or "").split())
        if val and val not in out:
            out.append(val)
    return out


def serialize(node) -> str:
    """A node as parsel's `get()` serialises it (HTML, without its tail)."""
    if isinstance(node, str):
        return node
    return etree.tostring(node, method="html", encoding="unicode", with_tail=False)


def html_of(node, spec: str | None) -> str | None:
    """Inner HTML of the first match (summaries keep their markup until the sanitiser sees them)."""
    if not spec:
        return None
    css, attr = split(spec)
    if attr:
        return value(node, spec)
    for hit in select(node, css):
        inner = "".join(serialize(child) for child in CHILDREN(hit)).strip() if hasattr(hit, "xpath") else ""
        if inner:
            return inner
    return None


class Page:
    """A fetched or saved page of one source: its URL, parsed tree, language and clock."""

    def __init__(self, url: str, selector: Selector, source: Source, now: datetime):
        self.url, self.sel, self.source, self.now = url, selector, source, now
        base = next(iter(select(selector, "base::attr(href)")), None)  # parsel's css().get(), compiled once
        self.base_url = urljoin(url, base) if base else url
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None

    def absolute(self, link: str | None) -> str | None:
        """An absolute http(s) URL, or None for anything else (javascript:, mailto:, data:...)."""
        if not link:
            return None
        link = link.strip()
        if "/." not in link and " " not in link and link.isprintable():  # no dot segments: urljoin's answer is plain
            if link.startswith(("http://", "https://")):
                return link
            if self.origin and link.startswith("/") and not link.startswith("//"):
                return self.origin + link
        full = urljoin(self.base_url, link)
        return full if full.startswith(("http://", "https://")) else None

    @cached_property
    def language(self) -> str:
        """The page's declared language when the source lists it, else the source's first language."""
        declared = (next(iter(LANG(root_of(self.sel))), None) or "").split("-")[0].lower()
        if declared and declared in self.source.languages:
            return declared
        return self.source.languages[0]
