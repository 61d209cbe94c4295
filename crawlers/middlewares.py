"""Downloader middlewares: robots.txt obeyed under concurrency, charset lies repaired, what crossed the network."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from aggregator.errors import describe_exception

# Bot challenges and cookie walls, as lower-case literals: the body's first 200 KB is lowered once (ASCII only,
# as a case-insensitive bytes regex would) and each marker is a plain substring test.
CHALLENGE_MARKERS = (
    b"cf-chl-", b"challenge-platform", b"<title>just a moment...</title>", b"attention required! | cloudflare",
    b"incapsula incident id", b"datadome", b"g-recaptcha", b"h-captcha", b'id="cookie-wall"', b'id="cookiewall"',
    b'class="cookie-wall', b'class="cookiewall', b"please enable cookies", b"please enable javascript and cookies",
    b"access denied</title>")
CHALLENGE_SCAN = 200_000


def is_challenge(body: bytes) -> bool:
    """True when a body carries a bot-challenge or cookie-wall marker in its first 200 KB."""
    low = body[:CHALLENGE_SCAN].lower()
    return any(marker in low for marker in CHALLENGE_MARKERS)


def note_challenge(stats, response) -> None:
    """Count the response as a bot challenge or cookie wall if its body carries a marker (about 0.35 ms for a
    37 KB page: an error status is scanned below the HTTP cache, a 200 only when its listing gave no teaser)."""
    if is_challenge(response.body):
        stats.inc_value("museumfeeds/bot_challenge")
        stats.set_value("museumfeeds/bot_challenge_url", response.url)


class SafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy 2.14-2.19 hand the parsed robots.txt only to the first request that waited for it; the
    others get None, meaning "allowed" (../shared/docs/reliability.md §7-A). Each waiter gets its own
    Deferred here, relayed from the shared one, as Scrapy 2.13 did."""

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            mine: Deferred = Deferred()

            def relay(result):
                mine.callback(result)
                return result

            pending.addBoth(relay)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)


class CharsetRepairMiddleware:
    """A wrong charset in the Content-Type header beats a correct <meta> in Scrapy (reliability.md §7-D), giving
    `MusÃ©e`: bytes that are valid UTF-8 are read as UTF-8 whatever was declared, and bytes declared UTF-8 with
    no valid multi-byte sequence at all as windows-1252 (a UTF-8 page with one bad byte stays UTF-8).
    Runs after decompression (priority 585, below HttpCompression's 590)."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_response(self, request, response, spider=None):
        if not isinstance(response, TextResponse):
            return response
        encoding = response.encoding.lower().replace("_", "-")
        if encoding in ("utf-8", "utf8"):
            return response if not_cp1252(response.body) else response.replace(encoding="cp1252")
        if response.body.isascii() or encoding.startswith("utf-16") or not valid_utf8(response.body):
            return response
        return response.replace(encoding="utf-8")


def valid_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# One well-formed UTF-8 multi-byte sequence (RFC 3629 table), except U+FFFD itself (EF BF BD): a lead byte is
# never a continuation byte, so a decoder meets every such sequence as the character it encodes.
UTF8_CHAR = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee][\x80-\xbf]{2}"
                       rb"|\xef(?!\xbf\xbd)[\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}"
                       rb"|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def not_cp1252(body: bytes) -> bool:
    """True when bytes read as UTF-8 hold at least one valid non-ASCII character (or no non-ASCII byte): a search
    that stops at the first one (decoding a 37 KB page to look cost 50 µs)."""
    return body.isascii() or UTF8_CHAR.search(body) is not None


class RobotsCacheMiddleware:
    """robots.txt may be reused for up to 24 hours (RFC 9309 §2.4): its request asks the HTTP cache for a
    stored copy up to that age (`max-stale`), so a second crawl the same day does not fetch it again."""

    MAX_STALE = 24 * 3600

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_request(self, request, spider=None):
        if request.meta.get("dont_obey_robotstxt") and urlparse_cached(request).path == "/robots.txt":
            request.headers.setdefault(b"Cache-Control", f"max-stale={self.MAX_STALE}".encode())


class NetworkFactsMiddleware:
    """Counts requests and bytes that really crossed the network (the HTTP cache sits above it), and records
    errors and bot challenges the cache would otherwise hide by serving its stored copy. An error that a retry
    of the same URL got past is forgotten; a redirect that can lead nowhere (off-site, a loop) is an error."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.errors: dict[str, str] = {}  # listing/feed URL -> its latest cause

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if "cached" in response.flags:  # a fresh copy from the HTTP cache: nothing crossed the network
            return response
        stats = self.stats
        stats.inc_value("museumfeeds/net/requests")
        stats.inc_value("museumfeeds/net/bytes", len(response.body) + sum(
            len(k) + sum(len(v) for v in vs) for k, vs in response.headers.items()))
        if response.status == 304:
            stats.inc_value("museumfeeds/net/not_modified")
        if response.status >= 400 and not request.meta.get("dont_obey_robotstxt"):
            self.note(f"HTTP {response.status} for {request.url}", request)
        elif response.status < 400 and callback_name(request) in ("parse_listing", "parse_feed"):
            cause = redirect_fault(request, response, getattr(self.crawler.spider, "allowed_domains", None))
            if cause:
                self.note(cause, request)
            elif not 300 <= response.status < 400:
                stats.inc_value("museumfeeds/net/listing_ok")
                self.recovered(request.url)
        if response.status in (403, 429, 503):  # a 200 is scanned by the spider when its listing is empty
            note_challenge(stats, response)
        return response

    def process_exception(self, request, exception, spider=None):
        self.stats.inc_value("museumfeeds/net/requests")
        if not request.meta.get("dont_obey_robotstxt"):
            self.note(describe_exception(exception, request.url), request)

    def note(self, cause: str, request) -> None:
        """Keep the first few network errors of a listing or feed request (articles do not decide health)."""
        if callback_name(request) == "parse_article":
            self.stats.inc_value("museumfeeds/net/article_errors")
            return
        self.errors[request.url] = cause
        self.publish()

    def recovered(self, url: str) -> None:
        """A retry of this URL got through: its earlier error was transient."""
        if self.errors.pop(url, None) is not None:
            self.publish()

    def publish(self) -> None:
        self.stats.set_value("museumfeeds/net/errors", len(self.errors))
        self.stats.set_value("museumfeeds/net/error_list", list(self.errors.values())[:5])


def redirect_fault(request, response, allowed: list[str] | None) -> str | None:
    """Why a redirect of a listing or feed can lead nowhere (off-site, back to a URL of its own chain), or None."""
    location = response.headers.get(b"Location") if 300 <= response.status < 400 else None
    if not location:
        return None
    target = urljoin(request.url, location.decode("latin-1"))
    host = urlsplit(target).hostname or ""
    if allowed and not any(host == d or host.endswith("." + d) for d in allowed):
        return f"redirected off-site to {host}: {request.url}"
    if target in [*request.meta.get("redirect_urls", []), request.url]:
        return f"redirect loop: {target} redirects back to itself via {request.url}"
    return None


def callback_name(request) -> str:
    """Name of the spider callback a request is for ('' for robots.txt and the like)."""
    return getattr(request.callback, "__name__", "") if request.callback is not None else ""
