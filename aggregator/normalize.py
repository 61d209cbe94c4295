"""Pure text cleaning: XML-1.0-safe strings, collapsed whitespace, sanitised summary HTML and plain text."""
from __future__ import annotations

import html
import re
import threading
from urllib.parse import urljoin

import nh3

# XML 1.0 Char production, minus C1 controls (legal but never wanted in a feed).
NOT_XML = re.compile("[^\u0009\u000A\u000D\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
SUMMARY_TAGS = {"p", "br", "a", "em", "strong", "b", "i", "ul", "ol", "li", "blockquote", "q", "cite", "abbr"}
SUMMARY_ATTRS = {"a": {"href", "title"}, "abbr": {"title"}}
MAX_SUMMARY = 2000
# WordPress feed footers and "read more" links: boilerplate, not summary.
BOILERPLATE = re.compile(
    r"<p>\s*The post <a [^>]*>.*?</a> appeared first on <a [^>]*>.*?</a>\.?\s*</p>"
    r"|The post .{1,300}? appeared first on .{1,200}?\.(?=\s*(?:<|$))"
    r"|<a [^>]*>\s*(?:Read more|Continue reading|Weiterlesen|mehr erfahren|Lire la suite|En savoir plus|Leer más"
    r"|Leggi tutto|Lees meer|Подробнее)\b[^<]*(?:<[^/][^>]*>[^<]*</[^>]+>[^<]*)*</a>",
    re.IGNORECASE | re.DOTALL)
# Every BOILERPLATE match holds one of these, lower-cased (no letter of them has a special case-insensitive twin).
BOILERPLATE_HINTS = ("<a ", "ppeared")
# A tag as nh3 serialises one: lower-case names, each attribute value in double quotes (with `"`, `<`, `>` escaped).
SERIAL_TAG = re.compile(r'<[a-z][a-z0-9]*(?: [a-z]+="[^"]*")*>|</[a-z][a-z0-9]*>')


class Base(threading.local):
    """The summary's page URL while SUMMARY_CLEANER runs in this thread (its href filter resolves against it)."""

    url = ""


BASE = Base()


def absolute_href(tag: str, attr: str, value: str) -> str | None:
    """An href made absolute against BASE.url; None (dropped) unless http(s) or mailto; other attributes kept."""
    if attr != "href":
        return value
    full = urljoin(BASE.url, value.strip())
    return full if full.startswith(("http://", "https://", "mailto:")) else None


# Built once: nh3.clean would build its sanitiser (tag and attribute sets) again on every call.
SUMMARY_CLEANER = nh3.Cleaner(tags=SUMMARY_TAGS, attributes=SUMMARY_ATTRS, url_schemes={"http", "https", "mailto"},
                              link_rel="noopener noreferrer", attribute_filter=absolute_href, strip_comments=True)
STRIP_CLEANER = nh3.Cleaner(tags=set())


def xml_clean(text: str | None) -> str:
    """Drop every character XML 1.0 forbids (NUL, C0/C1 controls, U+FFFE/FFFF, lone surrogates)."""
    if not text or text.isprintable():  # printable excludes all of those (and tab, newline, no-break space...)
        return text or ""
    return NOT_XML.sub("", text)


def clean_text(text: str | None) -> str:
    """Entities decoded, tags removed, whitespace collapsed, XML-safe: for titles and other plain fields."""
    if not text:
        return ""
    if "<" in text:
        text = STRIP_CLEANER.clean(text)
    return collapse(xml_clean(html.unescape(text)))


def collapse(text: str) -> str:
    """`" ".join(text.split())`: whitespace runs made one space, none at the ends; text with no whitespace but
    single inner spaces (printable: no other whitespace character is) is returned as it is, without the split."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def sanitize_html(fragment: str | None, base_url: str) -> str:
    """Summary HTML reduced to safe inline markup; links absolute http(s) with rel=noopener noreferrer."""
    return sanitized(fragment, base_url)[0]


def sanitized(fragment: str | None, base_url: str) -> tuple[str, str]:
    """sanitize_html(fragment, base_url) and its html_to_text, the text without a second nh3 pass where the HTML
    is the sanitiser's own serialisation (no boilerplate cut out of it)."""
    if not fragment:
        return "", ""
    BASE.url = base_url
    cleaned = SUMMARY_CLEANER.clean(xml_clean(fragment))
    stripped = strip_boilerplate(cleaned)
    serialised = stripped == cleaned
    cleaned = collapse(stripped)
    if len(cleaned) > MAX_SUMMARY:
        cleaned = shorten_html(cleaned)  # escaped text, no tag: html_to_text needs no nh3 pass either
    return cleaned, serialised_text(cleaned) if serialised else clean_text(cleaned)


def serialised_text(fragment: str) -> str:
    """clean_text(fragment) of the sanitiser's serialisation, whitespace collapsed: every `<` and `>` in it is in
    a tag (text and attribute values have them escaped, values are double-quoted), and tags removed leave the
    text nh3 finds; any other fragment goes to clean_text (tests/test_normalize.py)."""
    if "<" not in fragment:
        return clean_text(fragment)
    text = SERIAL_TAG.sub("", fragment)
    return clean_text(fragment if "<" in text or ">" in text else text)  # (text: no "<" left, no nh3 pass)


def strip_boilerplate(fragment: str) -> str:
    """BOILERPLATE removed; skipped for a fragment with none of its hints."""
    low = fragment.lower()
    if BOILERPLATE_HINTS[0] not in low and BOILERPLATE_HINTS[1] not in low:  # (no generator: 5 % of normalise)
        return fragment
    return BOILERPLATE.sub("", fragment)


def shorten_html(fragment: str) -> str:
    """An over-long summary as plain text cut at a word boundary."""
    text = clean_text(fragment)
    cut = text[:MAX_SUMMARY].rsplit(" ", 1)[0]
    return html.escape(cut + " …", quote=False)


def html_to_text(fragment: str | None) -> str:
    """Plain text of sanitised summary HTML (for tagging, dedup and the JSON feed)."""
    return clean_text(fragment)
