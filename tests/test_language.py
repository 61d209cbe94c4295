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
