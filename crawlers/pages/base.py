"""Selector helpers shared by page objects: `css` reads text, `css@attr` an attribute, `@attr` the node's own."""
from __future__ import annotations

from datetime import datetime
from functools import cached_property, lru_cache
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from aggregator.config import Source
from crawlers.pages.guard import bounded

# Text a reader sees: never the code of a <script> or <style> inside a teaser. (<template> content is not in
# lexbor's tree at all; script and style hold text only, so in practice it is <noscript> markup that hides.)
HIDING = frozenset(("script", "style", "noscript", "template"))


def parse(text: str) -> LexborHTMLParser:
    """A page's decoded text as an HTML5 tree (lexbor; scripting off, so <noscript> content is markup), nesting
    bounded (`guard.bounded`)."""
    return LexborHTMLParser(bounded(text), scripting=False)


@lru_cache(maxsize=None)
def split(spec: str) -> tuple[str, str | None]:
    """`'h3 a@href'` -> `('h3 a', 'href')`; `'h3'` -> `('h3', None)`; HTML attribute names are lower case."""
    css, sep, attr = spec.rpartition("@")
    if not sep:
        return spec, None
    return css.strip(), attr.strip().lower()


def root_of(node) -> LexborNode:
    """The `<html>` element of a parsed document; nodes pass through."""
    return node.root if isinstance(node, LexborHTMLParser) else node


def select(node, spec: str) -> list[LexborNode]:
    """The nodes a spec selects, in document order, the node itself included (the node itself for `@attr`).
    As a browser's `element.querySelectorAll`: the match is in the node, the rest of the selector may match its
    ancestors (`body h3` finds a teaser's h3; cssselect's XPath wanted the whole selector inside the node)."""
    css, _ = split(spec)
    root = root_of(node)
    if root is None:
        return []
    return root.css(css) if css else [root]


def text_of(node: LexborNode) -> str:
    """Whitespace-collapsed visible text of a node; a `<br>` separates words (`Practices<br>Webinar`).
    Walked in Python: a lexbor CSS query costs about 5 us of fixed overhead, a step of the walk 0.1-0.3 us."""
    return "" if hidden(node) else shown_text(node)


def shown_text(node: LexborNode) -> str:
    """`text_of` for a node known to be outside every hiding element (`hidden` not walked again)."""
    first = node.first_child
    if first is not None and first.next is None and first.is_text_node:  # an element of text only
        return " ".join((first.text_content or "").split())
    return " ".join("".join(visible_parts(node)).split())


def hidden(node: LexborNode) -> bool:
    """True when the node is a hiding element or inside one."""
    while node is not None:
        if node.tag in HIDING:
            return True
        node = node.parent
    return False


def visible_parts(node: LexborNode) -> list[str]:
    """Text pieces under a node, in order, skipping hiding elements; a space for every `<br>` (even a hidden
    one, as before). Iterative: a page may nest elements thousands deep."""
    parts, stack = [], [node.first_child]
    while stack:
        child = stack.pop()
        if child is None:
            continue
        stack.append(child.next)
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif not child.is_element_node:
            continue
        elif child.tag == "br":
            parts.append(" ")
        elif child.tag in HIDING:
            parts.extend(" " for _ in child.css("br"))
        else:
            stack.append(child.first_child)
    return parts


def read(hit: LexborNode, attr: str | None, hiding: set[int] | None = None) -> str | None:
    """An attribute of a selected node, or its text; `hiding`, when known, holds the mem_ids of the hidden hits."""
    if attr:
        return hit.attrs.get(attr)
    if hiding is None:
        return text_of(hit)
    return "" if hit.mem_id in hiding else shown_text(hit)


def value(node, spec: str | None) -> str | None:
    """First non-empty value a spec reads, or None."""
    if not spec:
        return None
    return first_value(select(node, spec), split(spec)[1])


def first_value(hits: list[LexborNode], attr: str | None, hiding: set[int] | None = None) -> str | None:
    """First non-empty value read from selected nodes (an attribute, or the text), or None."""
    for hit in hits:
        val = read(hit, attr, hiding)
        if val and (not attr or val.strip()):  # a text is collapsed already
            return " ".join(val.split()) if attr else val
    return None


def values(node, spec: str | None) -> list[str]:
    """Every non-empty value a spec reads, in order, without repeats."""
    if not spec:
        return []
    return distinct(select(node, spec), split(spec)[1])


def distinct(hits: list[LexborNode], attr: str | None, hiding: set[int] | None = None) -> list[str]:
    """Every non-empty value read from selected nodes, in order, without repeats."""
    out: list[str] = []
    for hit in hits:
        val = " ".join((read(hit, attr, hiding) or "").split())
        if val and val not in out:
            out.append(val)
    return out


def html_of(node, spec: str | None) -> str | None:
    """Inner HTML of the first match (summaries keep their markup until the sanitiser sees them)."""
    if not spec:
        return None
    css, attr = split(spec)
    if attr:
        return value(node, spec)
    return first_html(select(node, css))


def first_html(hits: list[LexborNode]) -> str | None:
    """Inner HTML of the first selected node that has any, stripped, or None."""
    for hit in hits:
        inner = (hit.inner_html or "").strip()
        if inner:
            return inner
    return None


class Scope:
    """Nodes answered together: one lexbor query at their lowest common ancestor, each hit handed to the node it is
    in, gives `select(node, spec)` for every node (a query's fixed cost, about 5 us, paid once, not once a node).
    Per node, as before, when there is no such ancestor to query: fewer than two nodes, a node inside another or
    repeated, nodes of different trees, or a node that is not an element (template content)."""

    def __init__(self, nodes):
        self.nodes = nodes = list(nodes)
        self.top, self.owner, self.hidden = None, {}, []
        if len(nodes) > 1 and all(node.is_element_node for node in nodes):
            self.owner = {node.mem_id: i for i, node in enumerate(nodes)}
            if len(self.owner) == len(nodes):
                self.top = self.common_ancestor()

    def common_ancestor(self) -> LexborNode | None:
        """The nodes' lowest common (strict) ancestor, filling `hidden` (each node's `hidden()`); None if none."""
        chain, node = [], self.nodes[0].parent
        while node is not None:
            chain.append(node)
            node = node.parent
        at = {node.mem_id: i for i, node in enumerate(chain)}
        if not at.keys().isdisjoint(self.owner):  # a node is an ancestor of the first one
            return None
        hiding, up = [False] * len(chain), False
        for i in range(len(chain) - 1, -1, -1):
            up = hiding[i] = up or chain[i].tag in HIDING
        meet = 0
        for node in self.nodes:
            hid, node = node.tag in HIDING, node.parent
            while node is not None and (key := node.mem_id) not in at:
                if key in self.owner:  # a node inside another
                    return None
                hid, node = hid or node.tag in HIDING, node.parent
            if node is None:  # another tree
                return None
            meet = max(meet, at[key])
            self.hidden.append(hid or hiding[at[key]])
        return chain[meet] if chain[meet].is_element_node else None

    def select(self, spec: str, texts: bool = False) -> tuple[list[list[LexborNode]], set[int] | None]:
        """`select(node, spec)` for each node, and with `texts` the mem_ids of the hits `hidden()` (else None)."""
        css, _ = split(spec)
        if self.top is None or not css:
            return [select(node, spec) for node in self.nodes], None
        out, hiding, top = [[] for _ in self.nodes], set() if texts else None, self.top.mem_id
        owner, hidden = self.owner, self.hidden
        for hit in self.top.css(css):
            hid, node = False, hit
            while (key := node.mem_id) not in owner and key != top:
                hid, node = hid or (texts and node.tag in HIDING), node.parent
            if key != top:
                out[owner[key]].append(hit)
                if texts and (hid or hidden[owner[key]]):
                    hiding.add(hit.mem_id)
        return out, hiding

    def values(self, spec: str | None) -> list[str | None]:
        """`value(node, spec)` for each node."""
        if not spec:
            return [None] * len(self.nodes)
        attr = split(spec)[1]
        hits, hiding = self.select(spec, texts=not attr)
        return [first_value(found, attr, hiding) for found in hits]

    def all_values(self, spec: str | None) -> list[list[str]]:
        """`values(node, spec)` for each node."""
        if not spec:
            return [[] for _ in self.nodes]
        attr = split(spec)[1]
        hits, hiding = self.select(spec, texts=not attr)
        return [distinct(found, attr, hiding) for found in hits]

    def htmls(self, spec: str | None) -> list[str | None]:
        """`html_of(node, spec)` for each node."""
        if not spec or split(spec)[1]:
            return self.values(spec)
        return [first_html(found) for found in self.select(split(spec)[0])[0]]


class Page:
    """A fetched or saved page of one source: its URL, parsed tree, language and clock."""

    def __init__(self, url: str, doc: LexborHTMLParser, source: Source, now: datetime):
        self.url, self.doc, self.source, self.now = url, doc, source, now
        base = doc.css_first("base[href]")
        href = base.attrs.get("href") if base is not None else None
        self.base_url = urljoin(url, href) if href else url
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
        root = self.doc.root
        declared = ((root.attrs.get("lang") if root is not None else None) or "").split("-")[0].lower()
        if declared and declared in self.source.languages:
            return declared
        return self.source.languages[0]
