"""base.compiled (cssselect's XPath, class tests as steps through @class) selects what parsel's Selector.css does."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from parsel import Selector

from aggregator.config import load_config
from crawlers.pages.base import VISIBLE_TEXT, compiled, root_of, split, text_of
from crawlers.pages.listing import ArticlePage

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "snapshot" / "web").rglob("*.html"))
SYNTHETIC = [".a.b", "a.x:first-child", ":not(.x)", "li.x:nth-child(2)", ".x > .y", ".x + .y", ".x ~ p", "p:has(.x)",
             "div.x::text", ".x::attr(href)", ".x, .y", "[class~=x]", "a[href].x", "*.x *.y", ".x .x", ":is(.x, .y)",
             ":where(.x)", "div:has(> .x)", "p:not(.x)"]
MARKUP = """<html><body><div class="x"><p class="y"> y </p><p class="x y z">xyz</p><a href="#" class="x">a</a></div>
<ul><li class="x">1</li><li class=" x\t">2</li><li class="xx">3</li><li class="a b">4</li></ul><p>p</p></body></html>"""


def config_selectors() -> list[str]:
    """Every CSS selector the configured sources use, and the article page's metadata selectors."""
    specs = set(ArticlePage.META_DATE)
    for source in load_config(ROOT / "config.yaml").sources:
        for group in filter(None, (source.list, source.article)):
            specs.update(v for v in vars(group).values() if isinstance(v, str))
        specs.add(source.next_page or "")
    return sorted({split(s)[0] for s in specs if split(s)[0]})


def same(sel: Selector, css: str) -> None:
    assert compiled(css)(root_of(sel)) == [s.root for s in sel.css(css)], css


def test_class_steps_are_used():
    assert "/@class[" in compiled(".x .y").path and "@class and" not in compiled(".x .y").path


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT / "snapshot" / "web")) for p in PAGES])
def test_config_selectors_select_what_parsel_selects(page):
    sel = Selector(text=page.read_bytes().decode("utf-8", "replace"))
    for css in config_selectors() + SYNTHETIC:
        same(sel, css)


def test_awkward_class_attributes():
    sel = Selector(text=MARKUP)
    for css in SYNTHETIC + ["li.x", ".xx", ".a", "li.b"]:
        same(sel, css)


def slow_text(node) -> str:
    parts = [n if isinstance(n, str) else " " for n in VISIBLE_TEXT(node)]
    return " ".join("".join(parts).split())


@pytest.mark.parametrize("page", PAGES[::4], ids=[str(p.relative_to(ROOT / "snapshot" / "web")) for p in PAGES[::4]])
def test_text_of_is_the_visible_text_of_every_node(page):
    """text_of's shortcut for elements of text only gives what the VISIBLE_TEXT query gives, for every node."""
    root = Selector(text=page.read_bytes().decode("utf-8", "replace")).root
    for node in root.iter(etree.Element):
        assert text_of(node) == slow_text(node), node


def test_text_of_hides_scripts_around_a_text_only_element():
    root = Selector(text="<p><noscript><b>hidden</b></noscript><template><i>t</i></template><b>seen</b></p>").root
    assert [text_of(n) for n in root.iter("p", "b", "i")] == ["seen", "", "", "seen"]  # document order
