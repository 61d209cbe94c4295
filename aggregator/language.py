"""Item language: the page's declared language, checked by an offline detector (py3langid) for mixed sources."""
from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import lru_cache

MIN_PROBABILITY = 0.9
MIN_LETTERS = 12


@lru_cache(maxsize=1)
def model():
    """py3langid's bundled model, loaded once per process (about half a second)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=None)
def identifier(candidates: tuple[str, ...]):
    """A py3langid identifier restricted to the source's languages (a copy of the one loaded model)."""
    ident = copy.copy(model())  # set_languages rebinds the copy's tables; the full model stays as it is
    ident.set_languages(list(candidates))
    return ident


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
        found, probability = identifier(tuple(sorted(candidates))).classify(text)
    except ValueError:  # a language code the model does not know
        return declared
    return found if probability >= MIN_PROBABILITY else declared
