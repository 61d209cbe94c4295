"""Pure theme tagging: config terms compiled once into whole-word matchers; every tag carries its reason."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from aggregator.config import Theme


def fold(text: str) -> str:
    """Case- and accent-insensitive form (`Numérisation` -> `numerisation`), same length classes kept simple."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def term_pattern(term: str) -> str:
    """A term as a regex: whole words, `*` at a word's end allows any ending, spaces match any whitespace/dash."""
    words = fold(term).split()
    parts = []
    for word in words:
        stem = re.escape(word.rstrip("*"))
        parts.append(stem + (r"\w*" if word.endswith("*") else ""))
    return r"[\s\-]+".join(parts)


@dataclass(frozen=True)
class CompiledTheme:
    """One theme's matchers."""

    id: str
    terms: re.Pattern | None
    exclude: re.Pattern | None
    categories: frozenset[str]


def compile_themes(themes: tuple[Theme, ...]) -> tuple[CompiledTheme, ...]:
    """Compile every theme's terms (all languages: sources mix languages) into one regex each."""
    out = []
    for theme in themes:
        out.append(CompiledTheme(theme.id, alternation(theme.terms), alternation(theme.exclude),
                                 frozenset(fold(c) for c in theme.categories)))
    return tuple(out)


def alternation(terms: dict[str, tuple[str, ...]]) -> re.Pattern | None:
    """One whole-word regex over every term of every language, longest first."""
    flat = sorted({t for ts in terms.values() for t in ts if t.strip()}, key=len, reverse=True)
    if not flat:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(term_pattern(t) for t in flat) + r")(?!\w)")


def tag(compiled: tuple[CompiledTheme, ...], title: str, summary: str,
        categories: list[str] | tuple[str, ...] = ()) -> dict[str, str]:
    """Themes of one item, each with why: a source category, else the first term in the title, then the summary."""
    fields = (("title", fold(title)), ("summary", fold(summary)))
    cats = [(c, fold(c)) for c in categories]
    found: dict[str, str] = {}
    for theme in compiled:
        reason = category_reason(theme, cats) or term_reason(theme, fields)
        if reason:
            found[theme.id] = reason
    return found


def category_reason(theme: CompiledTheme, cats: list[tuple[str, str]]) -> str | None:
    """Why a source category implies the theme."""
    for raw, folded in cats:
        if folded in theme.categories:
            return f'source category "{raw}"'
    return None


def term_reason(theme: CompiledTheme, fields: tuple[tuple[str, str], ...]) -> str | None:
    """Why a term in a field gives the theme (excluded phrases blanked out first)."""
    if theme.terms is None:
        return None
    for name, text in fields:
        if theme.exclude is not None:
            text = theme.exclude.sub(" ", text)
        m = theme.terms.search(text)
        if m:
            return f'term "{m.group(1)}" in {name}'
    return None
