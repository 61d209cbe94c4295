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
