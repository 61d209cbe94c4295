"""Parse the date styles museum sites print into timezone-aware datetimes (fast paths, dateparser fallback)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

MONTH_KEYS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december")
ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?")
NUMERIC = re.compile(r"(?<!\d)(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})(?!\d)")
URL_DATE = re.compile(r"/(20\d{2}|19\d{2})/(\d{2})(?:/(\d{2}))?/")


@lru_cache(maxsize=None)
def month_table(languages: tuple[str, ...]) -> dict[str, int]:
    """Month names and abbreviations (every grammatical form dateparser knows) in these languages."""
    from dateparser.languages.loader import default_loader

    table: dict[str, int] = {}
    for lang in ("en",) + languages:
        try:
            info = default_loader.get_locale(lang).info
        except Exception:  # unknown language code: keep the others
            continue
        for num, key in enumerate(MONTH_KEYS, 1):
            for name in info.get(key, []):
                table.setdefault(name.lower().rstrip("."), num)
    return table


@lru_cache(maxsize=None)
def month_patterns(languages: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """Regexes for `D Month YYYY` and `Month D, YYYY` (year optional) in these languages."""
    names = sorted(month_table(languages), key=len, reverse=True)
    alt = "|".join(re.escape(n) for n in names)
    day_month = re.compile(
        rf"(?<![\w])(\d{{1,2}})(?:st|nd|rd|th|er|º)?\.?\s*(?:de\s+)?({alt})\.?(?![^\W\d_])(?:,?\s*(?:de\s+)?(\d{{4}}))?",
        re.IGNORECASE)
    month_day = re.compile(rf"(?<![\w])({alt})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s*(\d{{4}}))?",
                           re.IGNORECASE)
    return day_month, month_day


def prepare(languages: tuple[str, ...]) -> None:
    """Build the month tables and patterns of these languages now: the first costs dateparser's import and
    locale data (about 0.1 s), which a crawl then pays before its first page instead of at its first date."""
    month_patterns(tuple(languages))


def parse_date(text: str | None, languages: tuple[str, ...] = ("en",), order: str = "DMY",
               tz: str = "UTC", now: datetime | None = None) -> datetime | None:
    """The first date in `text`, aware; a date with no year is taken as the latest such day not after `now`."""
    if not text or not text.strip():
        return None
    now = now or datetime.now(timezone.utc)
    return _parse(" ".join(text.split())[:200], languages, order, tz, now.date(), now.hour)


@lru_cache(maxsize=65536)
def _parse(text: str, languages: tuple[str, ...], order: str, tz: str, ref: date, hour: int = 0) -> datetime | None:
    zone = ZoneInfo(tz)
    for parser in (_iso, _rfc822):
        found = parser(text, zone)
        if found:
            return found
    day = _numeric(text, order) or _named(text, languages, ref) or _fallback(text, languages, order, tz, ref, hour)
    return datetime(day.year, day.month, day.day, tzinfo=zone) if day else None


def _iso(text: str, zone: ZoneInfo) -> datetime | None:
    m = ISO.search(text)
    if not m:
        return None
    y, mo, d, hh, mm, ss, off = m.groups()
    try:
        base = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    if off:
        off = off.replace(":", "")
        if off == "Z":
            return base.replace(tzinfo=timezone.utc)
        sign = 1 if off[0] == "+" else -1
        return base.replace(tzinfo=timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[3:5]))))
    return base.replace(tzinfo=zone)


def _rfc822(text: str, zone: ZoneInfo) -> datetime | None:
    if "," not in text[:5] and not re.match(r"\d{1,2} \w{3} \d{4} \d", text):
        return None
    try:
        found = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return found if found.tzinfo else found.replace(tzinfo=zone)


def _numeric(text: str, order: str) -> date | None:
    m = NUMERIC.search(text)
    if not m:
        return None
    a, _, b, c = m.groups()
    if len(a) == 4:
        y, mo, d = int(a), int(b), int(c)
    else:
        first, second, y = int(a), int(b), int(c)
        if y < 100:
            y += 2000
        d, mo = (second, first) if order == "MDY" else (first, second)
    return _safe_date(y, mo, d)


def _named(text: str, languages: tuple[str, ...], ref: date) -> date | None:
    table = month_table(languages)
    day_month, month_day = month_patterns(languages)
    found = []
    m = day_month.search(text)
    if m:
        found.append((m.start(), int(m.group(1)), m.group(2), m.group(3)))
    m = month_day.search(text)
    if m:
        found.append((m.start(), int(m.group(2)), m.group(1), m.group(3)))
    if not found:
        return None
    _, day, month_name, year = min(found)
    month = table[month_name.lower().rstrip(".")]
    if year:
        return _safe_date(int(year), month, day)
    guess = _safe_date(ref.year, month, day)
    if guess and guess > ref:
        guess = _safe_date(ref.year - 1, month, day)
    return guess


def _fallback(text: str, languages: tuple[str, ...], order: str, tz: str, ref: date, hour: int = 0) -> date | None:
    """dateparser for what the fast paths do not know (relative dates, unusual styles); "2 hours ago" counts
    from the hour of `now`, not from midnight (which made it yesterday)."""
    import dateparser

    settings = {"DATE_ORDER": order, "TIMEZONE": tz, "RETURN_AS_TIMEZONE_AWARE": True,
                "REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past",
                "RELATIVE_BASE": datetime(ref.year, ref.month, ref.day, hour)}
    try:
        found = dateparser.parse(text, languages=list(languages), settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    return found.date() if found else None


def _safe_date(y: int, mo: int, d: int) -> date | None:
    try:
        return date(y, mo, d) if 1900 <= y <= 2100 else None
    except ValueError:
        return None


def date_from_url(url: str, tz: str = "UTC") -> datetime | None:
    """A `/YYYY/MM/(DD/)` date in a URL path (WordPress permalinks), day 1 when only the month is there."""
    m = URL_DATE.search(url)
    if not m:
        return None
    day = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)) if day else None
