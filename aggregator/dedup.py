"""Pure deduplication rules: text fingerprints and their similarity, language-version keys, join and edit decisions."""
from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from functools import lru_cache

from aggregator.config import Dedup

# Function words of the crawled languages: they say nothing about which story a text tells.
STOPWORDS = frozenset("""
the and for with from that this will have has are was were its their into about which more than also been other
when such can under over after before new news of in on at to by an a is as be it or not our we you they
des les une pour dans sur avec par aux est sont qui que del las los para con por una como sobre
der die das und den dem ein eine mit von zur zum auf fur sich ist wird werden het een van voor met zijn
dei della delle degli per nel alla sono che
""".split())
# Spelling differences between cognates (colonial/kolonial, digitisation/digitization, theatre/teatro).
COGNATE_FOLDS = (("ph", "f"), ("th", "t"), ("ck", "c"), ("k", "c"), ("qu", "c"), ("y", "i"), ("z", "s"),
                 ("w", "v"))
DOUBLED = re.compile(r"(.)\1+")
WORD = re.compile(r"\w+")
ASCII_WORD = re.compile(r"\w+", re.ASCII)  # the same words in ASCII text, found faster
# Each starts with what it consumes, not with a look-behind, so that `re` skips ahead to candidate characters:
# NUMBER is `(?<![\w-])\d+(?:\.\d+)?`, SEPARATOR `(?<=\d)[.,\u00a0\u202f ](?=\d)` (tests/test_dedup.py).
NUMBER = re.compile(r"\d(?<![\w-]\d)\d*(?:\.\d+)?")
THOUSANDS = re.compile(r"(?<=\d)[.,\u00a0\u202f ](?=\d{3}\b)")
DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
SEPARATOR = re.compile(r"[.,\u00a0\u202f ](?<=\d[.,\u00a0\u202f ])(?=\d)")  # where THOUSANDS or DECIMAL_COMMA apply
DIGIT = re.compile(r"\d")
NONE: frozenset[str] = frozenset()
YEAR = re.compile(r"(19|20)\d\d")
# Language markers in URLs: /en/ path segments, ru.example.org hosts, ?lang=fr.
LANG_SEGMENT = re.compile(r"/(?:[a-z]{2}(?:-[a-z]{2})?)(?=/)")
LANG_HOST = re.compile(r"^(?:[a-z]{2})\.")
LANG_QUERY = re.compile(r"(?:^|&)(?:lang|language|hl)=[a-z-]+")
# (not uk or ca: uk.icom.museum is ICOM UK, not a Ukrainian version)
LANGUAGE_CODES = frozenset("en fr es de it nl ru pt ar zh ja ko pl cs sk sl hr sr bg ro hu el tr sv da fi et lv lt "
                           "eu gl ga cy mt kk ky uz tg".split())
LANG_BAND = 255   # band number of language-version keys (older stores also hold MinHash band keys, unread)
PREFIX = 4  # letters of each word kept: enough to meet cognates and inflections (definition, definizione)


@dataclass(frozen=True)
class Fingerprint:
    """What dedup compares: folded word prefixes (and number tokens), and the distinctive numbers."""

    features: frozenset[str]
    numbers: frozenset[str]

    def dump(self) -> str:
        """Stored form: `feat feat ... | num num`."""
        return " ".join(sorted(self.features)) + " | " + " ".join(sorted(self.numbers))

    @classmethod
    def load(cls, text: str | None) -> Fingerprint:
        """Read the stored form back."""
        feats, _, nums = (text or "").partition(" | ")
        return cls(frozenset(feats.split()), frozenset(nums.split()))


@dataclass(frozen=True)
class Decision:
    """Whether an item joins a story, with the reason in words."""

    join: bool
    score: float
    reason: str


class _Combining(dict):
    """str.translate table deleting combining characters, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        self[code] = None if unicodedata.combining(chr(code)) else code
        return self[code]


STRIP_COMBINING = _Combining()
ASTRAL = re.compile("[^\x00-\uffff]")


@lru_cache(maxsize=1)
def bmp_marks() -> re.Pattern:
    """The characters of the Basic Multilingual Plane that unicodedata.combining() marks, as one character class
    (built on first use, about 10 ms): re deletes them far faster than str.translate looks each character up."""
    marks = "".join(chr(code) for code in range(0x10000) if unicodedata.combining(chr(code)))
    return re.compile("[" + re.escape(marks) + "]")


def fold(text: str) -> str:
    """Lower case without accents."""
    if text.isascii():  # nothing to decompose or strip
        return text.lower()
    text = unicodedata.normalize("NFKD", text.lower())
    if ASTRAL.search(text) is None:  # (emoji and other astral characters: rare, looked up one by one)
        return bmp_marks().sub("", text)
    return text.translate(STRIP_COMBINING)


def cognate(word: str) -> str:
    """A word with spelling differences between related languages folded away (kolonial -> colonial)."""
    for old, new in COGNATE_FOLDS:
        word = word.replace(old, new)
    return DOUBLED.sub(r"\1", word)


def numbers(text: str) -> frozenset[str]:
    """Standalone numbers other than years, written one way (1,000 = 1.000 = 1000; 92,41 = 92.41); not COVID-19."""
    if not DIGIT.search(text):
        return NONE
    text = SEPARATOR.sub(separator, text)
    return frozenset(n for n in NUMBER.findall(text) if not YEAR.fullmatch(n))


def separator(m: re.Match) -> str:
    """A separator between digits: gone before a group of three (thousands), else a decimal comma made a point
    (THOUSANDS then DECIMAL_COMMA, in one pass)."""
    if THOUSANDS.match(m.string, m.start()):
        return ""
    return "." if m.group() == "," else m.group()


def fingerprint(title: str, summary: str) -> Fingerprint:
    """Features of a title and plain-text summary: 4-letter prefixes of folded content words, and number tokens."""
    return text_fingerprint(folded_words(title) + folded_words(summary), f"{title} {summary}")


def keys(title: str, summary: str) -> tuple[str, Fingerprint]:
    """(title_key(title), fingerprint(title, summary)), the title folded once for both."""
    words = folded_words(title)
    return words_key(words), text_fingerprint(words + folded_words(summary), f"{title} {summary}")


def folded_words(text: str) -> list[str]:
    """The words of fold(text). Those of `title summary` are those of the title then those of the summary: fold
    keeps the space, a starter that neither case mapping (final sigma) nor normalisation looks across."""
    folded = fold(text)
    return (ASCII_WORD if folded.isascii() else WORD).findall(folded)


def text_fingerprint(words: list[str], text: str) -> Fingerprint:
    """The fingerprint of a text from its folded words."""
    feats = set(map(FEATURES.__getitem__, words))
    feats.discard(None)
    return Fingerprint(frozenset(feats), numbers(text))


def word_feature(word: str) -> str | None:
    """The feature of one folded word (a number token or a folded prefix), or None for a short or function word."""
    if word.isdigit():
        return "#" + word if len(word) >= 2 else None
    if len(word) >= 4 and word not in STOPWORDS:
        return cognate(word)[:PREFIX]
    return None


class _Features(dict):
    """word -> word_feature(word), filled as words are met and emptied when full: a dict look-up costs a third of
    what an lru_cache hit does."""

    def __missing__(self, word: str) -> str | None:
        if len(self) >= FEATURES_LIMIT:
            self.clear()
        feature = self[word] = word_feature(word)
        return feature


FEATURES_LIMIT = 1 << 17
FEATURES = _Features()


@lru_cache(maxsize=1 << 16)
def load_fingerprint(text: str | None) -> Fingerprint:
    """Fingerprint.load, remembered (stored fingerprints are read again for every batch that meets them)."""
    return Fingerprint.load(text)


def title_key(title: str) -> str:
    """Identity of a title whatever its case, accents and spacing (finds an item again after a URL key change)."""
    return words_key(folded_words(title))


def words_key(words: list[str]) -> str:
    """title_key of a title with these folded words."""
    return hashlib.sha1(" ".join(words).encode()).hexdigest()


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Dice coefficient of the two feature sets (0..1)."""
    return scored_overlap(a, b)[1]


def scored_overlap(a: Fingerprint, b: Fingerprint) -> tuple[frozenset[str], float]:
    """The features two fingerprints share and their Dice coefficient (0 when either has none)."""
    common = a.features & b.features
    if not a.features or not b.features:
        return common, 0.0
    return common, 2 * len(common) / (len(a.features) + len(b.features))


def day_number(when: datetime) -> int:
    """Days since 1970-01-01 (UTC)."""
    return int(when.timestamp() // 86400)


def band_key(band: int, bucket: int, value: int) -> int:
    """One index key (fits a signed 64-bit integer): band, period and hash value (language keys: LANG_BAND, 0)."""
    return ((band << 16 | bucket & 0xFFFF) << 32) | (int(value) & 0xFFFFFFFF)


def neutral_key(url_key: str) -> str | None:
    """The URL key without its language marker (/en/, ru. host, ?lang=), or None when it has none."""
    host, _, rest = url_key.partition("/")
    path, _, query = rest.partition("?")
    new_host = LANG_HOST.sub("", host) if host.split(".", 1)[0] in LANGUAGE_CODES else host
    new_path = LANG_SEGMENT.sub(lambda m: "/*" if m.group(0)[1:3] in LANGUAGE_CODES else m.group(0), "/" + path + "/")
    new_query = LANG_QUERY.sub("", query).lstrip("&")
    if (new_host, new_path, new_query) == (host, "/" + path + "/", query):
        return None
    return f"{new_host}{new_path}?{new_query}"


def name_key(name: str) -> int:
    """The language key of one name (`u:` + a URL key, `n:` + a language-neutral key)."""
    return band_key(LANG_BAND, 0, zlib.crc32(name.encode()))


def url_key_key(url_key: str) -> int:
    """The language key of one URL key."""
    return name_key("u:" + url_key)


def language_keys(url_key: str, alternates: list[str]) -> list[int]:
    """Keys shared by language versions: every URL key of the item and its hreflang alternates, and its
    language-neutral key."""
    names = {"u:" + k for k in [url_key, *alternates]}
    neutral = neutral_key(url_key)
    if neutral:
        names.add("n:" + neutral)
    return sorted(map(name_key, names))


def language_link(key_a: str, alts_a: list[str], key_b: str, alts_b: list[str]) -> str | None:
    """Why two URLs are language versions of one page (hreflang or a URL pattern), or None."""
    if key_b in alts_a or key_a in alts_b:
        return "hreflang alternate"
    if set(alts_a) & set(alts_b):
        return "hreflang alternates in common"
    neutral = neutral_key(key_a)
    if neutral and neutral == neutral_key(key_b):
        return f"same page in another language ({neutral.replace('?', ' ').strip()})"
    return None


def decide(new: Fingerprint, other: Fingerprint, gap_days: float, story_numbers: frozenset[str],
           settings: Dedup) -> Decision:
    """Whether an item of another source tells the same story as `other` (a member of a story whose numbers
    are `story_numbers`), published `gap_days` apart."""
    if gap_days > settings.window_days:
        return Decision(False, 0.0, f"published {gap_days:.0f} days apart (more than {settings.window_days})")
    if new.numbers and story_numbers and not new.numbers & story_numbers:
        return Decision(False, 0.0, f"different figures ({', '.join(sorted(new.numbers)[:4])} vs "
                                    f"{', '.join(sorted(story_numbers)[:4])})")
    common, score = scored_overlap(new, other)  # (the shared features for the reason too)
    need = settings.threshold + settings.per_day * gap_days
    shared = ", ".join(sorted(common)[:8])
    verdict = ">=" if score >= need else "<"
    return Decision(score >= need, score, f"similar text {score:.2f} {verdict} {need:.2f} needed at "
                                          f"{gap_days:.0f} days apart (shared: {shared})")


def edit_kind(old: str, new: str, threshold: float) -> str:
    """`same`, `trivial` (typo-sized: similarity >= threshold) or `substantive` for a re-crawled text."""
    if old == new:
        return "same"
    ratio = SequenceMatcher(None, old, new, autojunk=False).ratio()
    return "trivial" if ratio >= threshold else "substantive"
