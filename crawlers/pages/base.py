"""Selector helpers shared by page objects: `css` reads text, `css@attr` an attribute, `@attr` the node's own."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from aggregator.config import Source


def split(spec: str) -> tuple[str, str | None]:
    """`'h3 a@href'` -> `('h3 a', 'href')`; `'h3'` -> `('h3', None)`."""
    css, sep, attr = spec.rpartition("@")
    if not sep:
        return spec, None
    return css.strip(), attr.strip()


def select(node: Selector, spec: str) -> SelectorList | list[Selector]:
    """The nodes a spec selects (the node itself for `@attr`)."""
    css, _ = split(spec)
    return node.css(css) if css else [node]


# Text a reader sees: never the code of a <script> or <style> inside a teaser.
VISIBLE_TEXT = ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)] | .//br"


def text_of(node: Selector) -> str:
    """Whitespace-collapsed text content of a node; a `<br>` separates words (`Practices<br>Webinar`)."""
    root = node.root
    if isinstance(root, str):
        return " ".join(root.split())
    parts = [n if isinstance(n, str) else " " for n in root.xpath(VISIBLE_TEXT)]
    return " ".join("".join(parts).split())


def value(node: Selector, spec: str | None) -> str | None:
    """First non-empty value a spec reads, or None."""
    if not spec:
        return None
    _, attr = split(spec)
    for hit in select(node, spec):
        val = hit.attrib.get(attr) if attr else text_of(hit)
        if val and val.strip():
            return " ".join(val.split())
    return None


def values(node: Selector, spec: str | None) -> list[str]:
    """Every non-empty value a spec reads, in order, without repeats."""
    if not spec:
        return []
    _, attr = split(spec)
    out: list[str] = []
    for hit in select(node, spec):
        val = hit.attrib.get(attr) if attr else text_of(hit)
        val = " ".join((val or "").split())
        if val and val not in out:
            out.append(val)
    return out


def html_of(node: Selector, spec: str | None) -> str | None:
    """Inner HTML of the first match (summaries keep their markup until the sanitiser sees them)."""
    if not spec:
        return None
    css, attr = split(spec)
    if attr:
        return value(node, spec)
    for hit in node.css(css):
        inner = "".join(hit.xpath("node()").getall()).strip()
        if inner:
            return inner
    return None


class Page:
    """A fetched or saved page of one source: its URL, parsed tree, language and clock."""

    def __init__(self, url: str, selector: Selector, source: Source, now: datetime):
        self.url, self.sel, self.source, self.now = url, selector, source, now
        base = selector.css("base::attr(href)").get()
        self.base_url = urljoin(url, base) if base else url

    def absolute(self, link: str | None) -> str | None:
        """An absolute http(s) URL, or None for anything else (javascript:, mailto:, data:...)."""
        if not link:
            return None
        full = urljoin(self.base_url, link.strip())
        return full if full.startswith(("http://", "https://")) else None

    @property
    def language(self) -> str:
        """The page's declared language when the source lists it, else the source's first language."""
        declared = (self.sel.xpath("/html/@lang").get() or "").split("-")[0].lower()
        if declared and declared in self.source.languages:
            return declared
        return self.source.languages[0]
