"""Teaser-scoped selection (crawlers/pages/scope.py) gives what base.select gives one teaser node at a time."""
from __future__ import annotations

import pytest
from parsel import Selector

from crawlers.pages.base import select
from crawlers.pages.scope import Scope, scoped

PAGE = """<html><body><main>
<div class="t"><h3><a href="/a">A</a></h3><p class="s">one <b>b</b></p><span class="d">1 May</span></div>
<div class="t"><h3><a href="/b">B</a><a href="/b2">B2</a></h3><noscript><span class="d">x</span></noscript></div>
<div class="t"><p class="s">no title</p></div>
<div class="t"><div class="t"><h3><a href="/inner">I</a></h3></div></div>
<div class="u"><h3><a href="/c">C</a></h3><p class="s">c</p></div>
</main></body></html>"""
SPECS = ["h3 a", "h3 a@href", "a", ".s", "p.s b", ".d", "@class", "h3 > a", "h3 + p", "a, .s", "h3 a::text", "*"]


def nodes(item_css: str) -> list:
    return select(Selector(text=PAGE), item_css)


@pytest.mark.parametrize("item_css", ["div.t", "div.u", "main > div", "h3"])
def test_scope_answers_what_select_answers(item_css):
    items = nodes(item_css)
    scope = Scope(items)
    for spec in SPECS:
        for node in items:
            assert scope.select(node, spec) == select(node, spec), (item_css, spec)


def test_one_pass_only_where_it_is_exact():
    assert Scope(nodes("main > div")).table("h3 a") is not None
    assert Scope(nodes("div.t")).table("h3 a") is None  # one teaser node inside another
    for css in ("h3 + p", "h3 ~ p", "a, .s", "h3 a::text", "a[title='x|y']"):
        assert scoped(css) is None, css
    assert Scope([]).table("h3 a") is None
