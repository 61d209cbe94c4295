"""Item language: declared by the page, corrected by the detector only for sources with several languages."""
import pytest

from aggregator.language import item_language

CASES = [
    # text, declared, source languages, expected
    ("Презентация русскоязычной версии публикации ЮНЕСКО о музеях", "en", ("en", "ru"), "ru"),
    ("Regional training for museum specialists of the CIS countries", "en", ("en", "ru"), "en"),
    ("Webinaires : renforcement des capacités des professionnels des musées", "en", ("en", "fr", "es"), "fr"),
    ("Презентация русскоязычной версии публикации ЮНЕСКО о музеях", "en", ("en",), "en"),  # one language: trusted
    ("ICOM", "es", ("en", "es"), "es"),  # too short to judge
]


@pytest.mark.parametrize("text,declared,candidates,expected", CASES)
def test_item_language(text, declared, candidates, expected):
    assert item_language(text, declared, candidates) == expected


WALK_TEXTS = [
    "", " ", "  ", "a", "a  b", " leading space", "trailing space ", "Museums and earthquake response",
    "Séisme : les musées de Kharkiv évaluent les dégâts", "Führungen in Gebärdensprache und Audiodeskription",
    "Презентация русскоязычной версии публикации ЮНЕСКО о музеях", "日本語 の テキスト", "x" * 300,
    "the the the the the the", "tab\tand\nnewline separated words",
]


@pytest.mark.parametrize("text", WALK_TEXTS)
def test_cached_walk_counts_what_py3langid_counts(text):
    from py3langid.langid import visit_counts as stock

    from aggregator.language import model, visit_counts

    ident = model()
    data = ident._encode(text)
    for _ in range(2):  # the second time from the cache
        assert visit_counts(ident, data) == stock(ident.tk_nextmove, ident._rowbase, ident.tk_output, data)
        assert list(visit_counts(ident, data) or ()) == list(stock(ident.tk_nextmove, ident._rowbase,
                                                                    ident.tk_output, data) or ())


@pytest.fixture(scope="module")
def stock_en_fr():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    stock = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    stock.set_languages(["en", "fr"])
    return stock


@pytest.mark.parametrize("text", WALK_TEXTS)
def test_identifier_decides_as_py3langid(text, stock_en_fr):
    from aggregator.language import identifier

    assert identifier(("en", "fr")).rank(text) == stock_en_fr.rank(text)


def test_two_language_classify_agrees_with_py3langid(stock_en_fr):
    """language.classify's two-way path: py3langid's language and, within 2e-5 (py3langid's own float32 rounding),
    its probability, on the walk texts and on 1,600 teaser texts of the benchmark mirror's eight sections (en, fr,
    de); three languages fall back to py3langid itself."""
    from aggregator.language import classify, identifier
    from bench.mirror import MirrorSpec, SectionWriter

    texts = list(WALK_TEXTS)
    spec = MirrorSpec(pages=80, sections=8)
    for section in range(8):
        writer = SectionWriter(spec, section)
        for k in range(200):
            title, summary = writer._texts(k % 3 == 0)
            texts.append(f"{title}. {summary}")
    ident = identifier(("en", "fr"))
    for text in texts:
        found, probability = classify(ident, text)
        want, want_probability = stock_en_fr.classify(text)
        assert found == want and abs(probability - want_probability) < 2e-5, text
    three = identifier(("en", "es", "fr"))
    assert classify(three, texts[-1]) == three.classify(texts[-1])


def test_feature_counts_are_numpys_unique_counts():
    """feature_counts() returns the arrays np.unique(..., return_counts=True) does (values, order and dtypes): the
    score's dot product then adds the same terms in the same order."""
    import random
    from array import array

    import numpy as np

    from aggregator.language import FEATURE, feature_counts

    rng = random.Random(2)
    for size in [*range(1, 40), 215, 600] * 20:
        found = [rng.randrange(rng.choice([3, 50, 100_000])) for _ in range(size)]
        want = np.unique(np.array(found, np.intp), return_counts=True)
        got = feature_counts(array(FEATURE, found))
        for w, g in zip(want, got):
            assert w.dtype == g.dtype and w.tolist() == g.tolist()
