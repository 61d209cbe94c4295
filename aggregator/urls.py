"""URL identity: the link shown to readers (tracking stripped) and the key that says two URLs are one item."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PREFIXES = ("utm_", "mc_", "_hs", "pk_", "mtm_")
TRACKING_NAMES = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref_src", "hub", "chash",
                  "phpsessid", "jsessionid", "sid", "sessionid", "_ga", "_gl", "at_medium", "at_campaign"}
DEFAULT_PORTS = {"http": 80, "https": 443}
SESSION_PATH = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)
# Characters no URL may carry raw: controls, space and DEL are percent-encoded; what XML 1.0 cannot hold at all
# (lone surrogates, U+FFFE/U+FFFF) is dropped. A raw \x1b in a link made lxml refuse the whole feed.
UNSAFE = re.compile("[\x00-\x20\x7f-\x9f]")
NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# A URL w3lib's canonicalize_url returns unchanged (tests/test_urls.py checks that against w3lib itself).
PLAIN = re.compile(r"https?://[a-z0-9.-]+(?::\d+)?(?!.*/\.)/[A-Za-z0-9/._~:@!$&'()*+,=-]*", re.ASCII)
# A URL clean_url returns unchanged: lower-case scheme and host, a port of 1-5 digits without a leading zero, a
# path of plain characters, no query, fragment, `;` parameters or escapes (the port is checked apart).
CLEAN = re.compile(r"(https?)://[a-z0-9.-]+(?::([1-9]\d{0,4}))?/[A-Za-z0-9/._~:@!$&'()*+,=-]*", re.ASCII)


def is_tracking(name: str) -> bool:
    """True for a query parameter that names a campaign, click or session, not content."""
    low = name.lower()
    return low in TRACKING_NAMES or low.startswith(TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """The link to publish: fragment, tracking and session parameters and default ports removed."""
    plain = CLEAN.fullmatch(url)
    if plain and (not plain[2] or DEFAULT_PORTS[plain[1]] != int(plain[2]) <= 65535):
        return url
    url = UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", NOT_XML.sub("", url.strip()))
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)])
    path = SESSION_PATH.sub("", parts.path) or "/"
    return urlunsplit((scheme, host, path, query, ""))


def canonical(url: str) -> str:
    """w3lib's canonical form of a cleaned URL; a plain one (lower-case host, path of unreserved characters,
    no query or escapes), which w3lib returns unchanged, skips its parsing."""
    return url if PLAIN.fullmatch(url) else canonicalize_url(url)


def url_key(url: str, cleaned: bool = False) -> str:
    """Identity of an item: clean_url (skipped when `cleaned` says it was done), then scheme, `www.`, trailing
    slash and query order ignored."""
    canon = canonical(url if cleaned else clean_url(url))
    parts = urlsplit(canon)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")
