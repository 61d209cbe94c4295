"""Build one fast regex from many terms: a prefix trie turned into nested alternations (longest match wins)."""
from __future__ import annotations

import re

SEP = "\x00sep"
WILD = "\x00wild"
SEP_RE = r"[\s\-«»\"'“”„]+"


def units(pattern_words: list[tuple[str, bool]]) -> list[str]:
    """A term as trie units: its characters, SEP between words, WILD for a trailing `*`."""
    out: list[str] = []
    for n, (word, wild) in enumerate(pattern_words):
        if n:
            out.append(SEP)
        out.extend(word)
        if wild:
            out.append(WILD)
    return out


def trie_regex(terms: list[list[str]], head: str = "") -> str:
    """Regex source matching any of the unit sequences, preferring the longest at each position; `head`, if
    given, follows every first unit (each sequence must start with a character): a regex that starts with
    plain characters lets re skip ahead to them."""
    root: dict = {}
    for seq in terms:
        node = root
        for unit in seq:
            node = node.setdefault(unit, {})
        node[""] = {}
    if not head:
        return _emit(root)
    return "(?:" + "|".join(_unit_re(unit) + head + _emit(root[unit]) for unit in sorted(root)) + ")"


def _emit(node: dict) -> str:
    final = "" in node
    branches = []
    # A wildcard is tried last: alternation takes the first branch that succeeds, and the literal
    # continuation ("health of the collection") must win over "health*".
    for unit in sorted((k for k in node if k), key=lambda k: (k == WILD, k)):
        rest = _emit(node[unit])
        branches.append(_unit_re(unit) + rest)
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if final:
        return "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
    return body


def _unit_re(unit: str) -> str:
    if unit == SEP:
        return SEP_RE
    if unit == WILD:
        return r"\w*"
    return re.escape(unit)
