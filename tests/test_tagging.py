"""Theme rules: whole words, case and accents, exclusions, categories, and the reason given (table-driven)."""
import pytest

from aggregator.config import Theme
from aggregator.tagging import compile_themes, tag

THEMES = compile_themes((
    Theme("crisis-response", "Crisis", terms={"en": ("earthquake*", "war"), "fr": ("séisme*",)},
          categories=("COVID-19",)),
    Theme("wellbeing", "Wellbeing", terms={"en": ("mental health", "wellbeing")},
          exclude={"en": ("health of the collection",)}),
    Theme("digitisation", "Digitisation", terms={"en": ("digitis*", "digitiz*"), "de": ("digitalisierung",)}),
    Theme("accessibility", "Accessibility", terms={"en": ("sign language",)}, exclude={"en": ("open access",)}),
))

CASES = [
    # title, summary, categories, expected {theme: reason}
    ("Earthquakes in Türkiye", "", (), {"crisis-response": 'term "earthquakes" in title'}),
    ("Le séisme de 2023", "", (), {"crisis-response": 'term "seisme" in title'}),
    ("LE SÉISME", "", (), {"crisis-response": 'term "seisme" in title'}),
    ("Awards", "A warm welcome", (), {}),  # "war" is not a word inside "warm"
    ("Software release", "", (), {}),
    ("Closure", "", ("COVID-19",), {"crisis-response": 'source category "COVID-19"'}),
    ("Webinar", "On mental health in museums", (), {"wellbeing": 'term "mental health" in summary'}),
    ("The health of the collection", "", (), {}),
    ("Digitization grants", "", (), {"digitisation": 'term "digitization" in title'}),
    ("Digitalisierung im Museum", "", (), {"digitisation": 'term "digitalisierung" in title'}),
    ("Sign-language tours", "", (), {"accessibility": 'term "sign-language" in title'}),
    ("Mental health and the war", "", (),
     {"crisis-response": 'term "war" in title', "wellbeing": 'term "mental health" in title'}),
]


@pytest.mark.parametrize("title,summary,cats,expected", CASES)
def test_tag(title, summary, cats, expected):
    assert tag(THEMES, title, summary, cats) == expected


def test_title_is_preferred_as_reason():
    got = tag(THEMES, "War damage", "earthquake too", ())
    assert got == {"crisis-response": 'term "war" in title'}
