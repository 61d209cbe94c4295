"""Item language: the page's declared language, checked by an offline detector (py3langid) for mixed sources."""
from __future__ import annotations

import copy
import math
from array import array
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import numpy as np


MIN_PROBABILITY = 0.9
MIN_LETTERS = 12
MEMO_LIMIT = 200_000  # (state, word) walks kept; cleared when full
FEATURE = np.dtype(np.intp).char  # features as machine integers: an array of them extends by a copy, and numpy
# reads it without converting each one
WALKS: dict[tuple[int, bytes], tuple[int, array]] = {}


def walk_word(ident, state: int, word: bytes) -> tuple[int, array]:
    """py3langid's DFA walk (langid.visit_counts) over one word's bytes from `state`: the end state and the
    features it passed, in order."""
    nextmove, rowbase, output, found = ident.tk_nextmove, ident._rowbase, ident.tk_output, array(FEATURE)
    for byte in word:
        state = nextmove[rowbase[state] + byte]
        if output[state] >= 0:
            found.append(output[state])
    return state, found


def visited(ident, text: bytes) -> array:
    """The features langid's walk over the text passes, in order, the walk cached per (state, word and its space)."""
    if len(WALKS) > MEMO_LIMIT:
        WALKS.clear()
    get, found = WALKS.get, array(FEATURE)
    extend, state = found.extend, 0
    *words, tail = text.split(b" ")
    for word in words:
        hit = get((state, word))
        if hit is None:
            hit = WALKS[state, word] = walk_word(ident, state, word + b" ")
        state = hit[0]
        extend(hit[1])
    extend(walk_word(ident, state, tail)[1])
    return found


def visit_counts(ident, text: bytes) -> Counter | None:
    """langid.visit_counts(text) from the cached walk: the same counts, same order."""
    found = visited(ident, text)
    return Counter(found) if found else None


def raw_score(ident, text: bytes):
    """py3langid's LanguageIdentifier._raw_score with the cached walk; the scores are py3langid's own."""
    visits = visit_counts(ident, text)
    if visits is None:  # no features: py3langid's own fill
        return type(ident).__base__._raw_score(ident, text)
    return ident._sparse_score(visits, ident.nb_ptc)


@lru_cache(maxsize=1)
def model():
    """py3langid's bundled model, loaded once per process (about half a second; py3langid imported only then),
    as an identifier whose raw scores use the cached walk."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    cls = type("Identifier", (LanguageIdentifier,), {"__slots__": (), "_raw_score": raw_score})
    return cls.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=None)
def identifier(candidates: tuple[str, ...]):
    """A py3langid identifier restricted to the source's languages (a copy of the one loaded model)."""
    ident = copy.copy(model())  # set_languages rebinds the copy's tables; the full model stays as it is
    ident.set_languages(list(candidates))
    return ident


@lru_cache(maxsize=None)
def two_way(ident) -> tuple[np.ndarray, float] | None:
    """For an identifier of exactly two languages (probabilities normalised, no aliases): per feature the second
    language's log-probability minus the first's, and the same of the priors, in float64; else None."""
    if len(ident.nb_classes) != 2 or ident._alias_pairs or not ident._norm_probs or ident.min_confidence is not None:
        return None
    diff = ident.nb_ptc[:, 1].astype(np.float64) - ident.nb_ptc[:, 0].astype(np.float64)
    return diff, float(ident.nb_pc[1]) - float(ident.nb_pc[0])


def classify(ident, text: str) -> tuple[str, float]:
    """ident.classify(text). Between two languages, py3langid's naive-Bayes score difference and its softmax of
    two (scaled by the square root of the byte length) in float64 and Python floats instead of numpy's float32 on
    arrays of two, the feature counts as np.unique gives them (feature_counts): 44 -> 28 us a text, the same
    language, and a probability within py3langid's own float32 rounding of its (1e-5 at most over the mirror's
    texts; tests/test_language.py)."""
    pair = two_way(ident)
    if pair is None:
        return ident.classify(text)
    data = ident._encode(text)
    found = visited(ident, data)
    if not found:  # no features: py3langid's own fill
        return ident.classify(text)
    diff, prior = pair
    idx, counts = feature_counts(found)
    gap = (float(np.log1p(counts) @ diff[idx]) + prior) / math.sqrt(len(data) or 1)  # > 0: the second language
    return ident.nb_classes[1 if gap > 0 else 0], 1.0 / (1.0 + math.exp(-abs(gap)))


def feature_counts(found: array) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(np.array(found, np.intp), return_counts=True) of a non-empty array, the same arrays: the distinct
    features in order and their counts, from one sort and its run edges (np.unique costs three times as much)."""
    features = np.sort(np.frombuffer(found, np.intp))
    edges = np.empty(features.size + 1, bool)
    edges[0] = edges[-1] = True
    np.not_equal(features[1:], features[:-1], out=edges[1:-1])
    starts = edges.nonzero()[0]
    return features[starts[:-1]], starts[1:] - starts[:-1]


def prepare(sources_languages: Iterable[tuple[str, ...]]) -> None:
    """Load the detector up front for every source with several languages (crawl start-up, not mid-crawl)."""
    for candidates in sources_languages:
        if len(candidates) >= 2:
            try:
                identifier(tuple(sorted(candidates)))
            except ValueError:  # a language code the model does not know: item_language falls back
                pass


def enough_letters(text: str) -> bool:
    """At least MIN_LETTERS letters (stops counting there: titles alone usually reach it)."""
    count = 0
    for char in text:
        if char.isalpha():
            count += 1
            if count >= MIN_LETTERS:
                return True
    return False


def item_language(text: str, declared: str | None, candidates: tuple[str, ...]) -> str | None:
    """The declared language, unless the source has several and the text clearly is another of them."""
    if len(candidates) < 2 or not enough_letters(text):
        return declared
    try:
        found, probability = classify(identifier(tuple(sorted(candidates))), text)
    except ValueError:  # a language code the model does not know
        return declared
    return found if probability >= MIN_PROBABILITY else declared
