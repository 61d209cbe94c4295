"""Teaser-scoped selection: one XPath pass a selector over all teasers of a page, each hit given to its teaser."""
from __future__ import annotations

from functools import lru_cache

from lxml import etree

from crawlers.pages.base import NAMESPACES, TRANSLATOR, select, split


@lru_cache(maxsize=None)
def scoped(css: str) -> etree.XPath | None:
    """`$items/<css as XPath>`, run from every teaser node at once; None for a selector that could reach
    outside its teaser or that this cannot prefix safely (sibling combinators, pseudo-elements, unions)."""
    if any(c in css for c in "+~,|") or "::" in css:
        return None
    xpath = TRANSLATOR.css_to_xpath(css)
    if "|" in xpath or not xpath.startswith("descendant-or-self::"):
        return None
    return etree.XPath("$items/" + xpath, namespaces=NAMESPACES, smart_strings=False)


def nested(nodes: list) -> bool:
    """True when a teaser node lies inside another (then a hit could belong to both)."""
    own = set(nodes)
    return any(up in own for node in nodes for up in node.iterancestors())


class Scope:
    """The teaser nodes of one page; `select(node, spec)` answers what base.select answers for one of them.

    Per selector, one evaluation from all nodes replaces one per node: the selectors only go down the tree
    (`scoped` refuses the others) and no node holds another, so every hit lies in exactly one node's subtree,
    and the hits of one node keep document order. Anything else falls back to base.select."""

    def __init__(self, nodes: list):
        self.nodes = [n for n in nodes if isinstance(n, etree._Element)]
        self.usable = len(self.nodes) == len(nodes) and not nested(self.nodes)
        self.tables: dict[str, dict | None] = {}

    def select(self, node, spec: str) -> list:
        css, _ = split(spec)
        table = self.tables[css] if css in self.tables else self.tables.setdefault(css, self.table(css))
        return select(node, spec) if table is None or node not in table else table[node]

    def table(self, css: str) -> dict | None:
        """Each node's hits of `css`, or None when it must be evaluated node by node."""
        xpath = scoped(css) if css and self.usable and self.nodes else None
        if xpath is None:
            return None
        table: dict = {node: [] for node in self.nodes}
        for hit in xpath(self.nodes[0], items=self.nodes):
            owner = hit
            while owner is not None and owner not in table:
                owner = owner.getparent()
            table[owner].append(hit)
        return table
