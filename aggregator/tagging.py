"""Pure theme tagging: config terms compiled once into whole-word matchers; every tag carries its reason.

A theme is given when an item's score reaches 2: a strong term counts 2 wherever it stands, a weak term
counts 2 in the title and 1 in the summary (each distinct term once), a mapped source category counts 2.
Excluded phrases are blanked out before matching, so "open access" never reads as "access". Matching
ignores case and accents, except for terms written in capitals (AI, VR, LSF): those are acronyms and
match only in capitals, so Italian "ai" is not "AI".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from aggregator.config import Theme

COMBINING = re.compile(r"[\u0300-\u036f]")
THRESHOLD = 2


def fold(text: str, keep_case: bool = False) -> str:
    """Accent-insensitive and (unless keep_case) case-insensitive form: `Numérisation` -> `numerisation`."""
    text = text if keep_case else text.casefold()
    return COMBINING.sub("", unicodedata.normalize("NFD", text)).replace("’", "'")


def is_acronym(term: str) -> bool:
    """`AI`, `VR`, `3D`, `LSF`: capitals (and digits), at least one capital letter."""
    return term.upper() == term and any(c.isalpha() for c in term) and " " not in term.strip()


def term_pattern(term: str, keep_case: bool = False) -> str:
    """A term as a regex: whole words, `*` at a word's end allows any ending, spaces match space or dash."""
    parts = []
    for word in fold(term, keep_case).split():
        stem = re.escape(word.rstrip("*"))
        parts.append(stem + (r"\w*" if word.endswith("*") else ""))
    return r"[\s\-«»\"'“”„]+".join(parts)


def alternation(terms: dict[str, tuple[str, ...]], acronyms: bool = False) -> re.Pattern | None:
    """One whole-word regex over every term of every language (or only the acronyms), longest first."""
    flat = sorted({t for ts in terms.values() for t in ts if t.strip() and is_acronym(t) == acronyms},
                  key=len, reverse=True)
    if not flat:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(term_pattern(t, acronyms) for t in flat) + r")(?!\w)")


@dataclass(frozen=True)
class Matchers:
    """Strong and weak term regexes for one language: (words, acronyms) each."""

    strong: tuple[re.Pattern | None, re.Pattern | None]
    weak: tuple[re.Pattern | None, re.Pattern | None]


@dataclass(frozen=True)
class CompiledTheme:
    """One theme's matchers: per item language, and over all languages for items of unknown language."""

    id: str
    by_lang: dict[str, Matchers]
    any_lang: Matchers
    exclude: re.Pattern | None
    categories: frozenset[str]

    def matchers(self, language: str | None) -> Matchers:
        """Terms of the item's language plus English (loanwords travel); every language when unknown or unlisted."""
        return self.by_lang.get((language or "").split("-")[0].lower(), self.any_lang)


def matchers(strong: dict[str, tuple[str, ...]], weak: dict[str, tuple[str, ...]]) -> Matchers:
    return Matchers((alternation(strong), alternation(strong, True)), (alternation(weak), alternation(weak, True)))


def compile_themes(themes: tuple[Theme, ...]) -> tuple[CompiledTheme, ...]:
    """Compile every theme once."""
    out = []
    for t in themes:
        langs = set(t.terms) | set(t.weak)
        by_lang = {lang: matchers(only(t.terms, lang), only(t.weak, lang)) for lang in langs}
        out.append(CompiledTheme(t.id, by_lang, matchers(t.terms, t.weak), alternation(t.exclude),
                                 frozenset(fold(c) for c in t.categories)))
    return tuple(out)


def only(terms: dict[str, tuple[str, ...]], lang: str) -> dict[str, tuple[str, ...]]:
    """The terms of one language and of English."""
    return {k: v for k, v in terms.items() if k in (lang, "en")}


def tag(compiled: tuple[CompiledTheme, ...], title: str, summary: str,
        categories: list[str] | tuple[str, ...] = (), language: str | None = None) -> dict[str, str]:
    """Themes of one item, each with why (the evidence that reached the threshold, strongest first)."""
    fields = (("title", fold(title), fold(title, True)), ("summary", fold(summary), fold(summary, True)))
    cats = [(c, fold(c)) for c in categories]
    found: dict[str, str] = {}
    for theme in compiled:
        evidence = score(theme, theme.matchers(language), fields, cats)
        if sum(points for points, _ in evidence) >= THRESHOLD:
            found[theme.id] = "; ".join(why for _, why in sorted(evidence, key=lambda e: -e[0])[:3])
    return found


def score(theme: CompiledTheme, found: Matchers, fields, cats) -> list[tuple[int, str]]:
    """(points, reason) for every piece of evidence of one theme."""
    evidence = [(2, f'source category "{raw}"') for raw, folded in cats if folded in theme.categories]
    for name, text, cased in fields:
        if theme.exclude is not None:
            text = theme.exclude.sub(" ", text)
        for kind, patterns, points in (("", found.strong, 2), (" (weak)", found.weak, 2 if name == "title" else 1)):
            for pattern, target in zip(patterns, (text, cased)):
                if pattern is not None:
                    evidence += [(points, f'"{t}" in {name}{kind}') for t in distinct(pattern, target)]
    return evidence


def distinct(pattern: re.Pattern, text: str) -> list[str]:
    """Each matched term once, in order."""
    seen: list[str] = []
    for m in pattern.finditer(text):
        term = " ".join(m.group(1).split())
        if term not in seen:
            seen.append(term)
    return seen
