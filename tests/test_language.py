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
