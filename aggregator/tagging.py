"""Pure theme tagging: config terms compiled once into whole-word matchers; every tag carries its reason.

A theme is given when an item's score reaches 2: a strong term counts 2 wherever it stands, a weak term
counts 2 in the title and 1 in the summary (each distinct term once), a mapped source category counts 2.
Excluded phrases are blanked out for their theme, so "open access" never reads as accessibility. Matching
ignores case and accents, except for terms written in capitals (AI, VR, LSF): those are acronyms and match
only in capitals, so Italian "ai" is not "AI". Items are matched with the terms of their language plus
English, or of every language when the language is unknown or has no terms.

Speed: all themes' terms of one language form one trie-shaped regex (one scan per field), and each matched
span is mapped back to its themes and terms through a cache.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from aggregator.config import Theme
from aggregator.trie import SEP_RE, trie_regex, units

COMBINING = re.compile(r"[\u0300-\u036f]")
THRESHOLD = 2
ANY = "*"
FIELD_BREAK = "\n|\n"
FEW_STARTS = 24  # terms starting with at most this many characters (acronyms): the scan skips to those
AFTER_START = r"(?<!\w(?s:.))"  # after a term's first character: no word character before that one


def fold(text: str, keep_case: bool = False) -> str:
    """Accent-insensitive and (unless keep_case) case-insensitive form: `Numérisation` -> `numerisation`."""
    text = text if keep_case else text.casefold()
    if text.isascii():
        return text
    return COMBINING.sub("", unicodedata.normalize("NFD", text)).replace("’", "'")


def is_acronym(term: str) -> bool:
    """`AI`, `VR`, `3D`, `LSF`: capitals (and digits), at least one capital letter, one word."""
    return term.upper() == term and any(c.isalpha() for c in term) and " " not in term.strip()


def words(term: str, keep_case: bool) -> list[tuple[str, bool]]:
    """A term's words, folded, each with whether it ends in the `*` wildcard."""
    return [(w.rstrip("*"), w.endswith("*")) for w in fold(term, keep_case).split()]


def term_regex(term: str, keep_case: bool) -> re.Pattern:
    """One term alone, as a whole-word regex (used to map a matched span back to its terms)."""
    body = SEP_RE.join(re.escape(w) + (r"\w*" if wild else "") for w, wild in words(term, keep_case))
    return re.compile(rf"(?<!\w){body}(?!\w)")


@dataclass(frozen=True)
class Term:
    """One configured term: its theme, its points (strong 2, weak 1 or 2 by field), its text and regex.

    An exclusion is a Term too (`exclude=True`): it blocks its theme wherever it overlaps a match.
    """

    theme: str
    strong: bool
    text: str
    regex: re.Pattern
    exclude: bool = False


@dataclass
class Matcher:
    """All themes' terms of one language (words or acronyms): one scan, then cached span -> terms."""

    terms: list[Term]
    regex: re.Pattern | None = None
    cache: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.terms:
            seqs = [units(words(t.text, is_acronym(t.text))) for t in self.terms]
            starts = {seq[0] if seq else "" for seq in seqs}
            if len(starts) <= FEW_STARTS and all(len(unit) == 1 for unit in starts):
                self.regex = re.compile(trie_regex(seqs, head=AFTER_START) + r"(?!\w)")
            else:
                self.regex = re.compile(r"(?<!\w)(?:" + trie_regex(seqs) + r")(?!\w)")

    def spans(self, text: str) -> list[tuple[int, int, Hit]]:
        """Every matched span with what it means (cached per distinct span text)."""
        if self.regex is None:
            return []
        out = []
        for m in self.regex.finditer(text):
            hit = m.group(0)
            found = self.cache.get(hit)
            if found is None:
                found = self.cache[hit] = Hit.of(hit, [t for t in self.terms if t.regex.search(hit)])
            out.append((m.start(), m.end(), found))
        return out


@dataclass(frozen=True)
class Hit:
    """What one matched span means: per theme its best term (strong first) and label; excluded themes."""

    best: tuple[tuple[str, bool, str], ...]  # (theme, strong, label)
    excludes: frozenset[str]

    @classmethod
    def of(cls, hit: str, terms: list[Term]) -> Hit:
        best: dict[str, Term] = {}
        for term in terms:
            if not term.exclude and (term.theme not in best or term.strong > best[term.theme].strong):
                best[term.theme] = term
        labels = tuple((th, t.strong, " ".join(t.regex.search(hit).group(0).split())) for th, t in best.items())
        return cls(labels, frozenset(t.theme for t in terms if t.exclude))


@dataclass(frozen=True)
class Compiled:
    """Every theme compiled: (words + exclusions, acronyms) matchers per language; categories per theme."""

    themes: tuple[str, ...]
    by_lang: dict[str, tuple[Matcher, Matcher]]
    categories: dict[str, str]

    def matchers(self, language: str | None) -> tuple[Matcher, Matcher]:
        return self.by_lang.get((language or "").split("-")[0].lower(), self.by_lang[ANY])


def compile_themes(themes: tuple[Theme, ...]) -> Compiled:
    """Compile every theme once."""
    langs = {lang for t in themes for lang in (*t.terms, *t.weak)}
    excludes = [Term(t.id, True, x, term_regex(x, False), exclude=True)
                for t in themes for xs in t.exclude.values() for x in xs if x.strip()]
    by_lang = {lang: lang_matchers(themes, excludes, lambda k, lang=lang: k in (lang, "en")) for lang in langs}
    by_lang[ANY] = lang_matchers(themes, excludes, lambda k: True)
    cats = {fold(c): t.id for t in themes for c in t.categories}
    return Compiled(tuple(t.id for t in themes), by_lang, cats)


def lang_matchers(themes: tuple[Theme, ...], excludes: list[Term], wanted) -> tuple[Matcher, Matcher]:
    """(words and exclusions, acronyms) matchers over the terms of the wanted languages."""
    terms = [Term(t.id, strong, x, term_regex(x, is_acronym(x)))
             for t in themes for strong, table in ((True, t.terms), (False, t.weak))
             for lang, xs in table.items() if wanted(lang) for x in xs if x.strip()]
    plain = [t for t in terms if not is_acronym(t.text)] + excludes
    return Matcher(plain), Matcher([t for t in terms if is_acronym(t.text)])


def tag(compiled: Compiled, title: str, summary: str, categories: list[str] | tuple[str, ...] = (),
        language: str | None = None) -> dict[str, str]:
    """Themes of one item, each with why (the evidence that reached the threshold, strongest first)."""
    evidence: dict[str, dict[str, int]] = {}
    for raw in categories:
        theme = compiled.categories.get(fold(raw))
        if theme:
            evidence.setdefault(theme, {})[f'source category "{raw}"'] = 2
    plain, acronyms = compiled.matchers(language)
    text = title + FIELD_BREAK + summary  # one scan for both fields; no term can cross the break
    folded = fold(text)
    spans = plain.spans(folded)
    blocked = [(s, e, h.excludes) for s, e, h in spans if h.excludes]
    for target, found_spans in ((folded, spans), (text, acronyms.spans(text))):  # acronyms as written
        boundary = target.index(FIELD_BREAK)
        for start, end, hit in found_spans:
            skip = excluded(blocked, start, end) if blocked and target is folded else ()
            add_span(evidence, "title" if start < boundary else "summary", hit, skip)
    found = {}
    for theme in compiled.themes:  # in the config's order
        points = evidence.get(theme)
        if points and sum(points.values()) >= THRESHOLD:
            found[theme] = "; ".join(why for why, _ in sorted(points.items(), key=lambda kv: -kv[1])[:3])
    return found


def excluded(blocked: list[tuple[int, int, set[str]]], start: int, end: int) -> set[str]:
    """Themes for which this span lies inside an excluded phrase."""
    return {theme for s, e, themes in blocked if s < end and start < e for theme in themes}


def add_span(evidence: dict, field_name: str, hit: Hit, blocked) -> None:
    """Per theme, the best term inside one matched span counts once."""
    for theme, strong, label in hit.best:
        if theme in blocked:
            continue
        points = 2 if strong or field_name == "title" else 1
        why = f'"{label}" in {field_name}' + ("" if strong else " (weak)")
        bucket = evidence.setdefault(theme, {})
        if bucket.get(why, 0) < points:
            bucket[why] = points
