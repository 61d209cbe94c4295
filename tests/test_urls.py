"""URL identity: the published link and the dedup key (table-driven)."""
import pytest

from aggregator.urls import clean_url, url_key

CLEAN = [
    ("https://www.unesco.org/en/articles/foo?hub=67817", "https://www.unesco.org/en/articles/foo"),
    ("HTTP://Example.ORG:80/a/?utm_source=x&b=2&a=1#frag", "http://example.org/a/?b=2&a=1"),
    ("https://example.org:443/a?fbclid=1&gclid=2&mc_eid=3", "https://example.org/a"),
    ("https://example.org:8443/a", "https://example.org:8443/a"),
    ("https://www.ne-mo.org/news?tx_news_pi1%5BcurrentPage%5D=2&cHash=abc",
     "https://www.ne-mo.org/news?tx_news_pi1%5BcurrentPage%5D=2"),
    ("https://example.org/a;jsessionid=ABC?x=1", "https://example.org/a?x=1"),
]


@pytest.mark.parametrize("url,expected", CLEAN)
def test_clean_url(url, expected):
    assert clean_url(url) == expected


SAME = [
    ("http://icom.museum/en/news/x/", "https://icom.museum/en/news/x"),
    ("https://www.icom.museum/en/news/x/?utm_campaign=y", "https://icom.museum/en/news/x"),
    ("https://ex.org/a?b=2&a=1", "https://ex.org/a?a=1&b=2"),
    ("https://ex.org/a#section", "https://ex.org/a"),
    ("https://ex.org:443/a", "https://ex.org/a"),
]
DIFFERENT = [
    ("https://ex.org/a", "https://ex.org/b"),
    ("https://ex.org/a?page=1", "https://ex.org/a?page=2"),
    ("https://ex.org/a", "https://other.org/a"),
]


@pytest.mark.parametrize("a,b", SAME)
def test_same_item(a, b):
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize("a,b", DIFFERENT)
def test_different_items(a, b):
    assert url_key(a) != url_key(b)


def test_canonical_fast_path_agrees_with_w3lib():
    """`canonical` skips w3lib for plain URLs; over every one-to-six-character path of awkward characters it must
    give exactly what w3lib's canonicalize_url gives (dot segments, `;` params, escapes, queries, non-ASCII)."""
    import random

    from w3lib.url import canonicalize_url

    from aggregator.urls import PLAIN, canonical

    rng = random.Random(7)
    chars = "aZ09/._~:@!$&'()*+,;=-%?#é []\"<>^`{|}\\"
    fast = 0
    for _ in range(20000):
        base = rng.choice(["https://ex.org/", "http://ex.org:8080/", "https://a.b/x/"])
        url = clean_url(base + "".join(rng.choice(chars) for _ in range(rng.randint(0, 6))))
        fast += bool(PLAIN.fullmatch(url))
        assert canonical(url) == canonicalize_url(url), url
    assert 2000 < fast < 18000  # both paths were exercised


def test_clean_url_fast_path_agrees_with_the_full_cleaning():
    """clean_url returns plain URLs as they are; over short paths of awkward characters and odd ports, the
    answer must be what the full cleaning (urlsplit, query filtering, urlunsplit) gives."""
    import random

    from aggregator import urls

    rng = random.Random(11)
    chars = "aZ09/._~:@!$&'()*+,;=-%?#é []"
    fast = 0
    for _ in range(20000):
        base = rng.choice(["https://ex.org", "http://ex.org:8080", "http://ex.org:80", "https://ex.org:443",
                           "http://a.b:0080", "https://Ex.org", "http://h:99999", "http://h:65535", "https://a.b"])
        url = base + rng.choice(["/", "", "//"]) + "".join(rng.choice(chars) for _ in range(rng.randint(0, 6)))
        fast += bool(urls.CLEAN.fullmatch(url))
        try:
            slow = urls.clean_url(" " + url)  # the leading space defeats the fast path
        except ValueError:  # a port out of range
            with pytest.raises(ValueError):
                urls.clean_url(url)
            continue
        assert urls.clean_url(url) == slow, url
    assert 2000 < fast < 18000  # both paths were exercised
