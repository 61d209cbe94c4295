"""tag_batch (the tag pipeline's path: each step over a page's items) gives what tag() gives one item at a time."""
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from aggregator.config import load_config
from aggregator.tagging import LEAD, compile_themes, is_acronym, tag, tag_batch, words
from aggregator.trie import trie_regex, units
from crawlers.items import TeaserBatch
from crawlers.pipelines import TagPipeline
from tests.test_tagging import CASES, THEMES

ROOT = Path(__file__).resolve().parents[1]

ITEMS = [  # title, summary, categories, language
    ("Earthquake damage", "", (), "en"),  # empty summary
    ("", "", (), None),  # nothing at all
    ("A First World War exhibition", "Damage from the war", (), "en"),  # exclusion, weak terms in the summary
    ("The health of the collection", "On mental health and wellbeing", (), "en"),  # exclusion in the title only
    ("AI and VR in the galleries", "ai guide; the AI policy (AI)", (), "it"),  # acronyms in capitals only
    ("Le séisme", "Une rampe d'accès, les séismes", ("Accessibilité",), "fr-CA"),  # accents, language subtag
    ("Closure", "Museums closed", ("COVID-19", "covid-19", "Other"), "en"),  # categories, as written
    ("Digitalisierung im Museum", "Burnout nach dem Krieg", (), "de"),
    ("Nieuwe ramp", "", (), "NL"),  # language tag in capitals
    ("Ramp", "ramp ramp ramp", (), "xx"),  # unconfigured language: every language's terms
    ("\n|\nWar", "war\n|\nwar", (), "en"),  # the field break inside the fields
    ("Sign-language tours", "«sign language» and open access", (), "en"),
    ("Online, digital", "online", [], "en"),
]


@pytest.fixture(scope="module")
def shipped():
    return compile_themes(load_config(ROOT / "config.yaml").themes)


def labelled() -> list[tuple]:
    records = [json.loads(line) for line in (ROOT / "tests/data/themes.jsonl").read_text().splitlines() if line]
    return [(r["title"], r["summary"], r.get("categories", []), r["lang"]) for r in records]


def test_batch_equals_tag_per_item_on_the_test_themes():
    items = ITEMS + [(title, summary, cats, lang) for title, summary, cats, lang, _ in CASES]
    assert tag_batch(THEMES, items) == [tag(THEMES, *item) for item in items]
    assert tag_batch(THEMES, [case[:4] for case in CASES]) == [case[4] for case in CASES]


def test_batch_equals_tag_per_item_on_the_shipped_themes(shipped):
    items = ITEMS + labelled()
    found = tag_batch(shipped, items)
    assert found == [tag(shipped, *item) for item in items]
    assert sum(1 for themes in found if themes) >= 100  # the comparison is not between empty results
    assert tag_batch(shipped, []) == []


def test_tag_pipeline_tags_each_item_as_tag_does(shipped):
    items = ITEMS + labelled()[:40]
    batch = TeaserBatch("src", [])
    batch.incoming = [SimpleNamespace(title=t, summary_text=s, categories=c, language=lang, themes=None)
                      for t, s, c, lang in items]
    TagPipeline(shipped).process_item(batch)
    assert [i.themes for i in batch.incoming] == [tag(shipped, *item) for item in items]


SCAN_TEXTS = [
    "", "museum", "Earthquake", "earthquakes, earthquake", "xearthquake", "earthquakex", "_earthquake", "1earthquake",
    "mental health", "mental  health", "mental-health", "«mental» health", "health of the collection", "360°", "360°c",
    "recorrido 360° 360-degree", "a\n|\nwar", "war\n|\n", "é war é", "ı war", "war’s war's", "digital\tonline",
]


@pytest.mark.parametrize("text", SCAN_TEXTS)
def test_word_scan_matches_the_lookbehind_form(shipped, text):
    """Over LEAD + text, a matcher of many first characters (`\\W(trie)(?!\\w)`) finds what
    `(?<!\\w)(?:trie)(?!\\w)` finds, span for span."""
    for language in ("en", "fr", None):
        matcher = shipped.matchers(language)[0]
        assert matcher.group == 1
        seqs = [units(words(t.text, is_acronym(t.text))) for t in matcher.terms]
        reference = re.compile(r"(?<!\w)(?:" + trie_regex(seqs) + r")(?!\w)")
        scanned = LEAD + text.casefold()
        assert [s[:2] for s in matcher.spans(scanned)] == [m.span() for m in reference.finditer(scanned)]
