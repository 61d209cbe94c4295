"""Item language: the page's declared language, checked by an offline detector (py3langid) for mixed sources."""
from __future__ import annotations

from functools import lru_cache

MIN_PROBABILITY = 0.9
MIN_LETTERS = 12


@lru_cache(maxsize=None)
def identifier(candidates: tuple[str, ...]):
    """A py3langid identifier restricted to the source's languages (model bundled with the package)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(candidates))
    return ident


def item_language(text: str, declared: str | None, candidates: tuple[str, ...]) -> str | None:
    """The declared language, unless the source has several and the text clearly is another of them."""
    if len(candidates) < 2 or sum(c.isalpha() for c in text) < MIN_LETTERS:
        return declared
    try:
        found, probability = identifier(tuple(sorted(candidates))).classify(text)
    except ValueError:  # a language code the model does not know
        return declared
    return found if probability >= MIN_PROBABILITY else declared
