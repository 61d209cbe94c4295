"""Text cleaning and summary sanitising (table-driven)."""
import pytest

from aggregator.normalize import MAX_SUMMARY, clean_text, sanitize_html, xml_clean

TEXT = [
    ("  Mus&eacute;e\n\t &amp; co  ", "Musée & co"),
    ("<b>Bold</b> title", "Bold title"),
    ("ctrl\x00\x0b\x1b chars\ufffe\x85", "ctrl chars"),
    ("It&#8217;s", "It’s"),
    ("", ""),
    (None, ""),
]


@pytest.mark.parametrize("raw,expected", TEXT)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


HOSTILE = [
    '<script>alert(1)</script>', 'onerror=', 'onclick', 'javascript:', '<iframe', '<style', 'data:',
]


def test_sanitize_removes_script_and_keeps_links_absolute():
    raw = ('<p onclick="x()">Hi <a href="/n/1">rel</a><script>alert(1)</script><img src=x onerror=alert(1)>'
           '<a href="javascript:alert(1)">js</a><iframe src="//evil"></iframe><style>p{}</style>'
           '<img src="data:image/png;base64,AAA"></p>')
    out = sanitize_html(raw, "https://icom.museum/en/news/x/")
    for bad in HOSTILE:
        assert bad not in out
    assert '<a href="https://icom.museum/n/1" rel="noopener noreferrer">rel</a>' in out


def test_sanitize_is_xml_clean_and_bounded():
    out = sanitize_html("<p>a\x0bb</p>" + "word " * 2000, "https://x.org/")
    assert xml_clean(out) == out
    assert len(out) <= MAX_SUMMARY + 10


BOILERPLATE = [
    ('<p>Museums face the season. […]</p><p>The post <a href="https://www.aam-us.org/x/">Museums and X</a> appeared '
     'first on <a href="https://www.aam-us.org">American Alliance of Museums</a>.</p>',
     "<p>Museums face the season. […]</p>"),
    ('Excerpt… <a class="more-link" href="https://www.aam-us.org/x/">Read More<span class="screen-reader-text"> '
     '&#8220;Museums&#8221;</span></a>', "Excerpt…"),
    ('Text <a href="/a">Weiterlesen</a>', "Text"),
    ('A post about <a href="/a">reading more books</a>', 'A post about <a href="https://x.org/a" '
     'rel="noopener noreferrer">reading more books</a>'),
]


@pytest.mark.parametrize("raw,expected", BOILERPLATE)
def test_boilerplate_stripped(raw, expected):
    assert sanitize_html(raw, "https://x.org/") == expected


def fresh_nh3(raw: str, base: str) -> str:
    """What sanitize_html's nh3 step gave before the sanitiser was built once: nh3.clean with a closure."""
    import nh3
    from urllib.parse import urljoin

    from aggregator.normalize import SUMMARY_ATTRS, SUMMARY_TAGS

    def absolute(tag, attr, value):
        if attr != "href":
            return value
        full = urljoin(base, value.strip())
        return full if full.startswith(("http://", "https://", "mailto:")) else None

    return nh3.clean(raw, tags=SUMMARY_TAGS, attributes=SUMMARY_ATTRS, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer", attribute_filter=absolute, strip_comments=True)


SAME_AS_NH3 = [
    ('<p>See <a href="/n/1" title="One">one</a> and <a href="../two">two</a></p>', "https://a.org/x/y/"),
    ('<p>See <a href="/n/1" title="One">one</a> and <a href="../two">two</a></p>', "https://b.org/p/"),
    ('<a href="mailto:x@y.org">mail</a> <a href="ftp://f.org/">ftp</a> <a href=" javascript:x">js</a>',
     "https://a.org/"),
    ('<abbr title="International">ICOM</abbr> <span style="x">s</span><!-- c --><em>e</em>', "http://c.org/"),
    ("<p>caf&eacute; &amp; &lt;b&gt; &nbsp;x</p><ul><li>one<li>two</ul>", "https://a.org/"),
]


@pytest.mark.parametrize("raw,base", SAME_AS_NH3)
def test_summary_cleaner_matches_nh3_clean_per_base(raw, base):
    from aggregator.normalize import SUMMARY_CLEANER, BASE

    BASE.url = base
    assert SUMMARY_CLEANER.clean(raw) == fresh_nh3(raw, base)


def test_xml_clean_keeps_every_printable_character_and_drops_the_rest():
    """xml_clean returns printable text as it is: no printable character may be one NOT_XML drops."""
    import sys

    from aggregator.normalize import NOT_XML

    chars = "".join(chr(c) for c in range(sys.maxunicode + 1))
    printable = [c for c in chars if c.isprintable()]
    assert not NOT_XML.search("".join(printable))
    assert xml_clean(chars) == NOT_XML.sub("", chars)


HINTED = [
    "The post X appeared first on Y.", "THE POST X APPEARED FIRST ON Y.", "The poſt X appeared fırst on Y.",
    '<a href="/x">Read more</a>', '<A href="/x">Read more</A>', "<p>The post <a>X</a> appeared first on <a>Y</a>.</p>",
    "No boilerplate here", '<a href="/x">Lire la suite</a> and more', "Kelvin \u212a and \u0130 and ß",
]


@pytest.mark.parametrize("text", HINTED)
def test_boilerplate_hints_never_skip_a_match(text):
    from aggregator.normalize import BOILERPLATE, strip_boilerplate

    assert strip_boilerplate(text) == BOILERPLATE.sub("", text)


SOUP_TAGS = "p br a em strong b i ul ol li blockquote q abbr div span table td script style xmp textarea pre svg".split()
SOUP_ATTRS = ['href="{}"', "title='{}'", "href={}", 'rel="{}"', 'onclick="{}"']
SOUP_VALUES = ["http://x.org/a?b=1&c=2", "/rel", "javascript:x()", "a > b", "<b>x</b>", '"q"', "\n", "é€", "&amp;"]
SOUP_TEXT = ["museum", " ", "\n\t", "&amp;", "&lt;", "&gt;", "&nbsp;", "&#0;", "&#x80;", "&#13;", "&notit;", "&amp",
             "<", ">", "a<b", "café", "Σ", "\u00a0", "\u2028", "\x01", "<!-- c -->", "</p>", "</a>", "</br>", "<br/>",
             "😀", "The post ", " appeared first on ", ".", "<a href='http://x'>Read more about it</a>", "x" * 2100]


def soup(rng, depth: int = 0) -> str:
    """Random tag soup: allowed and other tags, quoted and bare attributes, entities, boilerplate, long text."""
    out = []
    for _ in range(rng.randint(0, 5)):
        if rng.random() < 0.5 or depth > 3:
            out.append(rng.choice(SOUP_TEXT))
            continue
        tag = rng.choice(SOUP_TAGS)
        attrs = "".join(" " + rng.choice(SOUP_ATTRS).format(rng.choice(SOUP_VALUES)) for _ in range(rng.randint(0, 2)))
        out.append(f"<{tag}{attrs}>{soup(rng, depth + 1)}" + (f"</{tag}>" if rng.random() < 0.8 else ""))
    return "".join(out)


def test_sanitized_text_is_clean_text_of_the_summary():
    """sanitized() gives sanitize_html's summary and exactly clean_text of it (what html_to_text gives), though
    it strips the tags of nh3's own serialisation without a second nh3 pass."""
    import random

    from aggregator.normalize import SERIAL_TAG, sanitized

    rng, fast = random.Random(11), 0
    for _ in range(4000):
        raw = soup(rng)
        summary, text = sanitized(raw, "http://example.org/a/b")
        assert summary == sanitize_html(raw, "http://example.org/a/b")
        assert text == clean_text(summary), raw
        fast += "<" in summary and "<" not in SERIAL_TAG.sub("", summary)
    assert fast > 1000  # the regex path is taken, not only the fallback


def test_collapse_is_split_and_join():
    """collapse() returns what `" ".join(text.split())` does: no printable character but the space is whitespace
    to str.split (checked over all of Unicode), and on texts around every kind of space."""
    import sys

    from aggregator.normalize import collapse

    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.isprintable() and c.split() == []] == [" "]
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    for c in [*spaces, "a", "\x01", "\ufffe"]:
        for text in (c, f"a{c}b", f"{c}ab", f"ab{c}", f"a {c}b", f"a{c} b", f"a{c}{c}b"):
            assert collapse(text) == " ".join(text.split()), hex(ord(c))
    for text in ("", " ", "  ", "a  b", " a", "a ", "a b c", "é b"):
        assert collapse(text) == " ".join(text.split()), repr(text)
