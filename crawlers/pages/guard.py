"""A bound on the work one hostile page can make lexbor do: its tree builder is quadratic in nesting depth."""
from __future__ import annotations

import re

# Below this many `<`, the deepest nesting the page could hold costs lexbor about 0.1 s: no scan needed.
MANY_TAGS = 8000
# Deeper than this, the rest of the page is dropped, as libxml2 (the engine before lexbor) dropped the rest of a
# page past depth 2048. The saved pages count at most 12, the bench mirror 11.
MAX_DEPTH = 256
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
# Void elements and those whose end tag may be left out: they do not count as a level.
NOT_A_LEVEL = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param",
    "keygen", "frame", "basefont", "bgsound", "image", "li", "p", "dt", "dd", "option", "optgroup", "tr", "td",
    "th", "tbody", "thead", "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp", "html", "head", "body"))


def levels(text: str):
    """(tag, depth after it) for every tag of the text that counts as a level, in order."""
    depth = 0
    for tag in TAG.finditer(text):
        if tag[2].lower() not in NOT_A_LEVEL:
            depth = max(depth - 1, 0) if tag[1] else depth + 1
            yield tag, depth


def bounded(text: str) -> str:
    """The page's text, cut where its tags nest deeper than MAX_DEPTH; unchanged (and not scanned) when it has
    too few tags for nesting to matter. A 10 MB page of 40,000-deep `<div>`s would cost lexbor hours."""
    if text.count("<") <= MANY_TAGS:
        return text
    for tag, depth in levels(text):
        if depth > MAX_DEPTH:  # only an opening tag goes deeper
            return text[: tag.start()]
    return text


def deepest(text: str) -> int:
    """The deepest nesting `bounded` counts in a text (for tests and measurements)."""
    return max((depth for _, depth in levels(text)), default=0)
