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
