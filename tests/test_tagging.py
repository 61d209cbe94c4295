"""Theme rules: whole words, case and accents, strong/weak scoring, language, exclusions, categories (tables)."""
from pathlib import Path

import pytest

from aggregator.config import Theme, load_config
from aggregator.evaluate import evaluate, micro_f1, read_labelled
from aggregator.tagging import compile_themes, tag

ROOT = Path(__file__).resolve().parents[1]
THEMES = compile_themes((
    Theme("crisis-response", "Crisis", terms={"en": ("earthquake*", "burnout"), "fr": ("séisme*",), "nl": ("ramp",)},
          weak={"en": ("war", "damage")}, exclude={"en": ("world war",)}, categories=("COVID-19",)),
    Theme("wellbeing", "Wellbeing", terms={"en": ("mental health", "wellbeing")},
          exclude={"en": ("health of the collection",)}),
    Theme("digitisation", "Digitisation", terms={"en": ("digitis*", "digitiz*", "AI"), "de": ("digitalisierung",)},
          weak={"en": ("digital", "online")}),
    Theme("accessibility", "Accessibility", terms={"en": ("sign language",), "fr": ("rampe*",)},
          exclude={"en": ("open access",)}),
))

CASES = [
    # title, summary, categories, language, expected {theme: reason}
    ("Earthquakes in Türkiye", "", (), "en", {"crisis-response": '"earthquakes" in title'}),
    ("Le séisme de 2023", "", (), "fr", {"crisis-response": '"seisme" in title'}),
    ("LE SÉISME", "", (), None, {"crisis-response": '"seisme" in title'}),
    ("Awards", "A warm welcome", (), "en", {}),  # "war" is not a word inside "warm"
    ("War museum reopens", "", (), "en", {"crisis-response": '"war" in title (weak)'}),  # weak in title: 2 points
    ("Museum reopens", "Damage from the war is still visible.", (), "en",
     {"crisis-response": '"damage" in summary (weak); "war" in summary (weak)'}),  # two weak in summary
    ("Museum reopens", "The building escaped damage.", (), "en", {}),  # one weak in summary: 1 point
    ("A First World War exhibition", "", (), "en", {}),  # excluded phrase
    ("Closure", "", ("COVID-19",), "en", {"crisis-response": 'source category "COVID-19"'}),
    ("Webinar", "On mental health in museums", (), "en", {"wellbeing": '"mental health" in summary'}),
    ("The health of the collection", "", (), "en", {}),
    ("Digitization grants", "", (), "en", {"digitisation": '"digitization" in title'}),
    ("Digitalisierung im Museum", "", (), "de", {"digitisation": '"digitalisierung" in title'}),
    ("AI policy for museums", "", (), "en", {"digitisation": '"AI" in title'}),
    ("Guida ai musei", "", (), "it", {}),  # acronyms match in capitals only
    ("Sign-language tours", "", (), "en", {"accessibility": '"sign-language" in title'}),
    ("Open access images released", "", (), "en", {}),
    ("Nieuwe ramp in het depot", "", (), "nl", {"crisis-response": '"ramp" in title'}),  # Dutch terms
    ("Une rampe remplace les marches", "", (), "fr", {"accessibility": '"rampe" in title'}),  # French terms
    ("A ramp on the stage", "", (), "en", {}),  # Dutch terms do not apply to English items
    ("Burnout nach dem Krieg", "", (), "de", {"crisis-response": '"burnout" in title'}),  # English applies to all
    ("Mental health and the war", "", (), "en",
     {"crisis-response": '"war" in title (weak)', "wellbeing": '"mental health" in title'}),
]


@pytest.mark.parametrize("title,summary,cats,lang,expected", CASES)
def test_tag(title, summary, cats, lang, expected):
    assert tag(THEMES, title, summary, cats, lang) == expected


def test_unknown_or_unconfigured_language_uses_every_language():
    assert tag(THEMES, "Ramp", "", (), None) == {"crisis-response": '"ramp" in title'}
    assert tag(THEMES, "Ramp", "", (), "it") == {"crisis-response": '"ramp" in title'}  # no Italian terms


@pytest.fixture(scope="module")
def shipped():
    return compile_themes(load_config(ROOT / "config.yaml").themes)


@pytest.mark.parametrize("split", ["dev", "held"])
def test_shipped_rules_meet_the_bar(shipped, split):
    """The labelled set: micro-F1 >= 0.90 and each theme >= 0.85 (the held part was never used to write rules)."""
    counts = evaluate(shipped, read_labelled(ROOT / "tests" / "data" / "themes.jsonl", split))
    assert micro_f1(counts) >= 0.90
    for theme, c in counts.items():
        assert c.f1 >= 0.85, (theme, c.errors)


def test_labelled_set_shape():
    records = read_labelled(ROOT / "tests" / "data" / "themes.jsonl")
    assert len(records) >= 200
    assert len({r["lang"] for r in records}) >= 7
    assert sum(1 for r in records if not r["themes"]) >= len(records) / 3
    held = sum(1 for r in records if r["split"] == "held")
    assert 0.38 <= held / len(records) <= 0.42


SCAN_TEXTS = [
    "AI", "AI and VR", "xAI", "AIs", "_AI", "1AI", "(AI)", "AI-based", "«VR»", "3D-Druck", "3-D scans", "ADHD\nAI",
    "é AI é", "ÀI", "the ai guide", "LSF/AI", "CC0 images", "ARASL", "AR ASL", "WCAG 2.1 and IIIF",
]


@pytest.mark.parametrize("text", SCAN_TEXTS)
def test_acronym_scan_matches_the_lookbehind_form(text):
    """A matcher with few first characters starts its regex with them; it finds what `(?<!\\w)(?:trie)(?!\\w)`
    finds, span for span."""
    import re

    from aggregator.tagging import AFTER_START, is_acronym, words
    from aggregator.trie import trie_regex, units

    matcher = load_themes().matchers("en")[1]
    seqs = [units(words(t.text, is_acronym(t.text))) for t in matcher.terms]
    assert AFTER_START in matcher.regex.pattern
    reference = re.compile(r"(?<!\w)(?:" + trie_regex(seqs) + r")(?!\w)")
    assert [m.span() for m in matcher.regex.finditer(text)] == [m.span() for m in reference.finditer(text)]


def load_themes():
    from crawlers import resources

    return resources.themes("config.yaml")
