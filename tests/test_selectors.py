"""lexbor selects and reads what parsel/lxml did on every saved page; selector-helper edge cases, table-driven."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from parsel import Selector

from aggregator.config import load_config
from crawlers.pages.base import html_of, parse, select, split, text_of, value, values, visible_parts
from crawlers.pages.listing import ArticlePage

ROOT = Path(__file__).resolve().parents[1]
PAGES = [p for p in sorted((ROOT / "snapshot" / "web").rglob("*.html")) if not p.read_bytes().startswith(b"<?xml")]
IDS = [str(p.relative_to(ROOT / "snapshot" / "web")) for p in PAGES]
SYNTHETIC = [".a.b", "a.x:first-child", ":not(.x)", "li.x:nth-child(2)", ".x > .y", ".x + .y", ".x ~ p", "p:has(.x)",
             ".x, .y", "[class~=x]", "a[href].x", "*.x *.y", ".x .x", ":is(.x, .y)", ":where(.x)", "div:has(> .x)",
             "p:not(.x)", 'a[href^="/"]', "[data-x='a b']", "main article h3 a", "#main-content a"]
# The old engine's visible text: lxml text nodes outside script/style/noscript/template, a space for a <br>.
HIDDEN = " or ".join(f"ancestor::{tag}" for tag in ("script", "style", "noscript", "template"))
LXML_TEXT = etree.XPath(f".//text()[not({HIDDEN})] | .//br", smart_strings=False)


def config_selectors() -> list[str]:
    """Every CSS selector the configured sources use, and the article page's metadata selectors."""
    specs = set(ArticlePage.META_DATE)
    for source in load_config(ROOT / "config.yaml").sources:
        for group in filter(None, (source.list, source.article)):
            specs.update(v for v in vars(group).values() if isinstance(v, str))
        specs.add(source.next_page or "")
    return sorted({split(s)[0] for s in specs if split(s)[0]})


def attrs(pairs) -> list:
    """Attributes, a valueless one (`<input checked>`: libxml2 reads "checked" or "", lexbor None) as ""."""
    return sorted((k, "" if v is None or v == k else v) for k, v in pairs)


def old_read(el) -> tuple:
    """What the lxml engine read of an element: tag, attributes, visible text."""
    text = " ".join("".join(n if isinstance(n, str) else " " for n in LXML_TEXT(el)).split())
    return el.tag, attrs(el.attrib.items()), text


def new_read(node) -> tuple:
    return node.tag, attrs(node.attributes.items()), text_of(node)


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_config_selectors_read_what_parsel_read(page):
    text = page.read_bytes().decode("utf-8", "replace")
    sel, doc = Selector(text=text), parse(text)
    for css in config_selectors() + SYNTHETIC:
        assert [new_read(n) for n in select(doc, css)] == [old_read(s.root) for s in sel.css(css)], css


@pytest.mark.parametrize("page", PAGES[::3], ids=IDS[::3])
def test_text_of_shortcut_agrees_with_the_walk_on_every_node(page):
    """text_of's lexbor `text()` shortcut gives what the visible-text walk gives, for every element."""
    for node in parse(page.read_bytes().decode("utf-8", "replace")).root.traverse():
        walked = " ".join("".join(visible_parts(node)).split())
        assert text_of(node) == ("" if node.tag in ("script", "style", "noscript") else walked), node


TEASER = ('<!DOCTYPE html><html lang="fr-CA"><head><base href="/news/"></head><body><div class="t" data-id="7"'
          ' data-q="a &amp; b &quot;c&quot;"><h3><a href="/a?x=1&amp;y=2" class="k">Practices<br>Webinar</a></h3>'
          '<p class="s">One <script>var x = 1;</script><style>p{}</style><b>two</b> <!-- note -->three'
          '<noscript><img src="ns.png">no script</noscript><template><i>tpl</i></template></p>'
          '<p class="s"><span class="s">inner</span></p><p class="e"> </p><p class="e">  later </p>'
          '<noscript><p class="n">hidden <b>bold</b></p><img class="n" src="lazy.png"></noscript>'
          '<a class="tag" href="#1">Art</a><a class="tag" href="#2"> Art </a><a class="tag" href="#3">Science</a>'
          '</div></body></html>')
CASES = [  # (helper, spec, expected)
    (value, "h3 a", "Practices Webinar"),  # a <br> separates words
    (value, "h3 a@href", "/a?x=1&y=2"),  # entities in attributes decoded
    (value, "@data-id", "7"),  # the node's own attribute
    (value, "@DATA-ID", "7"),  # attribute names are case-insensitive in HTML
    (value, "@data-q", 'a & b "c"'),
    (value, "p.s", "One two three"),  # no script, style, noscript, template text; comments are not text
    (value, "p.n", None),  # inside a <noscript>: not visible
    (value, "p.n b", None),
    (value, "noscript img@src", "ns.png"),  # an image inside <noscript> is still read
    (value, "img.n@src", "lazy.png"),
    (value, "p.e", "later"),  # the first non-empty match
    (value, '[data-q="a & b \\"c\\""]@data-id', "7"),  # quoted attribute selector
    (value, "[data-q='a & b \"c\"'] h3 a@class", "k"),
    (value, "h3 a@title", None),
    (value, "body h3 a", "Practices Webinar"),  # the selector's context may be outside the node (a browser's)
    (value, "body > h3", None),
    (value, "", None),
    (values, "a.tag", ["Art", "Science"]),  # in order, whitespace collapsed, no repeats
    (values, ".s", ["One two three", "inner"]),  # nested matches: both, outer first (an empty one dropped)
    (values, "a.tag@href", ["#1", "#2", "#3"]),
    (html_of, "p.e", "later"),
    (html_of, "h3", '<a href="/a?x=1&amp;y=2" class="k">Practices<br>Webinar</a>'),
    (html_of, "h3 a@href", "/a?x=1&y=2"),
    (html_of, ".missing", None),
]


@pytest.mark.parametrize("helper,spec,expected", CASES, ids=[f"{h.__name__}:{s}" for h, s, _ in CASES])
def test_helpers_on_one_teaser(helper, spec, expected):
    teaser = select(parse(TEASER), "div.t")[0]
    assert helper(teaser, spec) == expected


@pytest.mark.parametrize("markup,expected", [
    ("<p>a<br>b</p>", "a b"),
    ("<p> a \n\t b </p>", "a b"),
    ("<p>a<script>x</script>b</p>", "ab"),  # nothing but the hidden code between: one word, as before
    ("<p>a<noscript><br></noscript>b</p>", "a b"),  # a hidden <br> still separates words, as before
    ("<p>a<template>t</template>b</p>", "ab"),
    ("<p>é&nbsp;&amp;&lt;x&gt;</p>", "é &<x>"),  # a no-break space is whitespace to collapse
    ("<body><noscript><p>n</p></noscript>", ""),
    ("<p></p>", ""),
])
def test_text_of(markup, expected):
    assert text_of(select(parse(markup), "p")[0] if "<p>" in markup else parse(markup).root) == expected


def test_html_of_keeps_markup_for_the_sanitiser():
    doc = parse('<div class="s"> <p>a&nbsp;<a href="x.html?a=1&amp;b=2">b</a><br><img src="i.png"></p> </div>')
    assert html_of(doc, ".s") == '<p>a&nbsp;<a href="x.html?a=1&amp;b=2">b</a><br><img src="i.png"></p>'


def test_document_level_reads():
    doc = parse(TEASER)
    assert value(doc, "@lang") == "fr-CA" and value(doc, "base@href") == "/news/"
    assert [n.tag for n in select(doc, "div.t > h3 > a")] == ["a"]


def test_quirks_mode_classes_match_as_in_a_browser():
    """Without a doctype a page is in quirks mode: classes and ids match case-insensitively (as a browser's
    devtools show it, where maintainers write selectors); with `<!DOCTYPE html>` they match exactly."""
    assert len(select(parse('<p class="News">x</p>'), ".news")) == 1
    assert len(select(parse('<!DOCTYPE html><p class="News">x</p>'), ".news")) == 0


def test_garbage_is_read_as_an_empty_page():
    assert select(parse("\x00\x89PNG\r\n\x1a\n\ufffe" + "\x00" * 1000), "a") == []
    assert text_of(parse("\x00a\x00<p>b\x00</p>").root) == "ab"  # NUL in text is dropped (HTML5)


def test_page_objects_never_build_scrapys_lxml_tree():
    """Scrapy builds `response.selector` (an lxml parse, ~1 ms a listing page) only when asked: no page object asks."""
    from datetime import datetime, timezone

    from crawlers.pages import article_page, listing_page, response_from

    config = load_config(ROOT / "config.yaml")
    source = config.sources[0]
    page = next(p for p in PAGES if source.hosts[0] in str(p))
    response = response_from(f"https://{source.hosts[0]}/", page.read_bytes())
    now = datetime(2026, 11, 21, tzinfo=timezone.utc)
    assert listing_page(response, source, now).teasers() is not None
    article_page(response, source, now).canonical()
    assert response._cached_selector is None


# Scope: one query at the nodes' common ancestor answers what a query at each node would (ListingPage.teasers).
SCOPE_NODES = ["li", "p", "article", "div", "section > *", "a", "h3", "span", "td", "*", "noscript *", "body, main"]


def scope_agrees(nodes, specs) -> None:
    """Scope(nodes) reads, for every spec, what the per-node helpers read at each node."""
    from crawlers.pages.base import Scope, hidden

    scope = Scope(nodes)
    for spec in specs:
        hits, hiding = scope.select(spec, texts=True)
        assert [[h.mem_id for h in found] for found in hits] == \
            [[h.mem_id for h in select(n, spec)] for n in nodes], spec
        if hiding is not None:
            assert hiding == {h.mem_id for found in hits for h in found if hidden(h)}, spec
        assert scope.values(spec) == [value(n, spec) for n in nodes], spec
        assert scope.all_values(spec) == [values(n, spec) for n in nodes], spec
        assert scope.htmls(spec) == [html_of(n, spec) for n in nodes], spec


@pytest.mark.parametrize("page", PAGES[::4], ids=IDS[::4])
def test_scope_reads_what_each_node_reads(page):
    doc = parse(page.read_bytes().decode("utf-8", "replace"))
    specs = config_selectors()[::2] + SYNTHETIC
    specs += [s + "@href" for s in specs[::5]] + ["@href", "@class", ""]
    for css in SCOPE_NODES:
        nodes = select(doc, css)[:40]
        scope_agrees(nodes, specs)
        scope_agrees(nodes[1::3], specs)


@pytest.mark.parametrize("markup,nodes", [
    ("<div><p class=x>a</p><p>b<span class=x>c</span></p></div>", "p"),                    # plain siblings
    ("<div class=x><div class=x><b class=x>1</b></div><div class=x>2</div></div>", ".x"),  # nested: per node
    ("<ul><li><noscript><a class=x href=/n>n</a></noscript><a class=x href=/v>v</a></li><li>"
     "<a class=x href=/w><style>b{}</style>w</a></li></ul>", "li"),                            # hidden hits
    ("<div><noscript><ul><li><b class=x>1</b></li><li><b class=x>2</b></li></ul></noscript></div>", "li"),  # hidden
    ("<table><tr><td class=x>1</td><td><b class=x>2</b></td></tr><tr><td class=x>3</td></tr></table>", "td"),
    ("<section><article><h3 class=x>a</h3></article></section><aside><article><h3 class=x>b</h3></article>"
     "<h3 class=x>c</h3></aside>", "article"),                                                 # far apart, decoys
    ("<p class=x>1</p><p class=y>2</p>", "p, p"),                                              # a selector list
])
def test_scope_edge_cases(markup, nodes):
    doc = parse(markup)
    specs = [".x", ".x, b", "p .x", ".x + .x", "div:has(.x)", ".x@href", "*", "@class", "b", "a@href", "a"]
    found = select(doc, nodes)
    for group in (found, found[::-1], found + found[:1], found[:1], [], found + [doc.root], [doc.root] + found):
        scope_agrees(group, specs)


def test_scope_of_nodes_of_two_trees_or_template_content():
    one, two = parse("<div><p class=x>1</p></div>"), parse("<div><p class=x>2</p></div>")
    scope_agrees(select(one, "p") + select(two, "p"), [".x", "p@class"])
    tpl = parse("<div><template><p class=x>1</p><p class=x>2</p></template><p class=x>3</p></div>")
    content = tpl.css_first("div").template_fragments()
    scope_agrees(content + select(tpl, "p"), [".x", "p", "*"])
    scope_agrees([n for n in content[0].iter()] if content else [], [".x", "p"])
