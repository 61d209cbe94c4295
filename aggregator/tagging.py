"""Pure theme tagging: config terms compiled once into whole-word matchers; every tag carries its reason.

A theme is given when an item's score reaches 2: a strong term counts 2 wherever it stands, a weak term
counts 2 in the title and 1 in the summary (each distinct term once), a mapped source category counts 2.
Excluded phrases are blanked out for their theme, so "open access" never reads as accessibility. Matching
ignores case and accents, except for terms written in capitals (AI, VR, LSF): those are acronyms and match
only in capitals, so Italian "ai" is not "AI". Items are matched with the terms of their language plus
English, or of every language when the language is unknown or has no terms.

Speed: all themes' terms of one language form one trie-shaped regex (one scan per field), and each matched
span is mapped back to its themes and terms, with its reason per field, through a cache. tag_batch tags many
items step by step (fold all, scan all, weigh all): each step's code and tables stay in the CPU caches.
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
LEAD = " "  # before every scanned text: each word then follows a non-word character (see Matcher)
FEW_STARTS = 24  # terms starting with at most this many characters (acronyms): the scan skips to those
AFTER_START = r"(?<!\w(?s:.))"  # after a term's first character: no word character before that one
MEMO = 4096  # language tags, and source categories, remembered with what they map to


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
    r"""All themes' terms of one language (words or acronyms): one scan, then cached span -> terms.

    The scan finds what `(?<!\w)(?:trie)(?!\w)` finds. Few first characters: the regex starts with them (re
    skips ahead to them). Else, when every term starts with a word character and the text starts with LEAD, as
    `\W(trie)(?!\w)`: re skips ahead to the non-word characters, not trying the trie inside words.
    """

    terms: list[Term]
    regex: re.Pattern | None = None
    group: int = 0  # the regex group that is the term
    cache: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.terms:
            seqs = [units(words(t.text, is_acronym(t.text))) for t in self.terms]
            starts = {seq[0] if seq else "" for seq in seqs}
            if len(starts) <= FEW_STARTS and all(len(unit) == 1 for unit in starts):
                self.regex = re.compile(trie_regex(seqs, head=AFTER_START) + r"(?!\w)")
            elif all(re.fullmatch(r"\w", unit) for unit in starts):
                self.regex, self.group = re.compile(r"\W(" + trie_regex(seqs) + r")(?!\w)"), 1
            else:
                self.regex = re.compile(r"(?<!\w)(?:" + trie_regex(seqs) + r")(?!\w)")

    def spans(self, text: str) -> list[tuple[int, int, Hit]]:
        """Every matched span with what it means (cached per distinct span text); text starts with LEAD."""
        if self.regex is None:
            return []
        out = []
        group, cache = self.group, self.cache
        for m in self.regex.finditer(text):
            hit = m.group(group)
            found = cache.get(hit)
            if found is None:
                found = cache[hit] = Hit.of(hit, [t for t in self.terms if t.regex.search(hit)])
            out.append((m.start(group), m.end(group), found))
        return out


@dataclass(frozen=True)
class Hit:
    """What one matched span means: per theme its best term (strong first), and what that gives in the title
    and in the summary: (theme, points, reason); the themes it excludes."""

    best: tuple[tuple[str, bool, str], ...]  # (theme, strong, label)
    excludes: frozenset[str]
    title: tuple[tuple[str, int, str], ...] = ()
    summary: tuple[tuple[str, int, str], ...] = ()

    @classmethod
    def of(cls, hit: str, terms: list[Term]) -> Hit:
        best: dict[str, Term] = {}
        for term in terms:
            if not term.exclude and (term.theme not in best or term.strong > best[term.theme].strong):
                best[term.theme] = term
        labels = tuple((th, t.strong, " ".join(t.regex.search(hit).group(0).split())) for th, t in best.items())
        return cls(labels, frozenset(t.theme for t in terms if t.exclude), reasons(labels, "title"),
                   reasons(labels, "summary"))


def reasons(labels: tuple[tuple[str, bool, str], ...], where: str) -> tuple[tuple[str, int, str], ...]:
    """(theme, points, reason) of a span's best terms in one field: strong 2, weak 2 in the title, else 1."""
    return tuple((theme, 2 if strong or where == "title" else 1, f'"{label}" in {where}{"" if strong else " (weak)"}')
                 for theme, strong, label in labels)


@dataclass(frozen=True)
class Compiled:
    """Every theme compiled: (words + exclusions, acronyms) matchers per language; categories per theme."""

    themes: tuple[str, ...]
    by_lang: dict[str, tuple[Matcher, Matcher]]
    categories: dict[str, str]
    by_tag: dict = field(default_factory=dict, compare=False, repr=False)  # language tag -> matchers
    by_category: dict = field(default_factory=dict, compare=False, repr=False)  # category as written -> theme

    def matchers(self, language: str | None) -> tuple[Matcher, Matcher]:
        """The matchers of a language tag (`fr-CA`: French), every language's when it has none of its own."""
        found = self.by_tag.get(language)
        if found is None:
            found = self.by_lang.get((language or "").split("-")[0].lower(), self.by_lang[ANY])
            if len(self.by_tag) < MEMO:
                self.by_tag[language] = found
        return found

    def category(self, raw: str) -> str:
        """The theme a source category (as written) maps to, or ""."""
        theme = self.by_category.get(raw)
        if theme is None:
            theme = self.categories.get(fold(raw), "")
            if len(self.by_category) < MEMO:
                self.by_category[raw] = theme
        return theme


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
    text = LEAD + title + FIELD_BREAK + summary  # one scan for both fields; no term can cross the break
    folded = fold(text)
    plain, acronyms = compiled.matchers(language)
    return themes(compiled, evidence(compiled, categories, folded, plain.spans(folded), text, acronyms.spans(text)))


def tag_batch(compiled: Compiled, items: list[tuple[str, str, list[str] | tuple[str, ...], str | None]]) \
        -> list[dict[str, str]]:
    """tag() of each (title, summary, categories, language), each step over all items before the next."""
    texts = [LEAD + title + FIELD_BREAK + summary for title, summary, _, _ in items]  # no term crosses the break
    folded = [fold(text) for text in texts]
    pairs = [compiled.matchers(language) for _, _, _, language in items]
    plain = [matcher.spans(text) for (matcher, _), text in zip(pairs, folded)]
    caps = [matcher.spans(text) for (_, matcher), text in zip(pairs, texts)]  # acronyms as written
    return [themes(compiled, evidence(compiled, item[2], *found))
            for item, found in zip(items, zip(folded, plain, texts, caps))]


def evidence(compiled: Compiled, categories, folded: str, spans: list, text: str, caps: list) -> dict:
    """Per theme, each reason and its points: mapped source categories, then word and acronym matches."""
    found: dict[str, dict[str, int]] = {}
    for raw in categories:
        theme = compiled.category(raw)
        if theme:
            found.setdefault(theme, {})[f'source category "{raw}"'] = 2
    if spans:
        blocked = [(s, e, h.excludes) for s, e, h in spans if h.excludes]
        boundary = folded.index(FIELD_BREAK)
        for start, end, hit in spans:
            add_span(found, hit.title if start < boundary else hit.summary,
                     excluded(blocked, start, end) if blocked else ())
    if caps:
        boundary = text.index(FIELD_BREAK)
        for start, _, hit in caps:
            add_span(found, hit.title if start < boundary else hit.summary, ())
    return found


def themes(compiled: Compiled, scored: dict[str, dict[str, int]]) -> dict[str, str]:
    """The themes whose points reach the threshold, in the config's order, each with its three best reasons."""
    found = {}
    if scored:
        for theme in compiled.themes:
            points = scored.get(theme)
            if points and sum(points.values()) >= THRESHOLD:
                found[theme] = "; ".join(sorted(points, key=points.get, reverse=True)[:3]) if len(points) > 1 \
                    else next(iter(points))
    return found


def excluded(blocked: list[tuple[int, int, set[str]]], start: int, end: int) -> set[str]:
    """Themes for which this span lies inside an excluded phrase."""
    return {theme for s, e, themes in blocked if s < end and start < e for theme in themes}


def add_span(evidence: dict, reasons: tuple[tuple[str, int, str], ...], blocked) -> None:
    """Per theme, the best term inside one matched span counts once (its points for the field it is in)."""
    for theme, points, why in reasons:
        if theme in blocked:
            continue
        bucket = evidence.setdefault(theme, {})
        if bucket.get(why, 0) < points:
            bucket[why] = points
