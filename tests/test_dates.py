"""Date styles seen on the real sites, parsed to aware datetimes (table-driven)."""
from datetime import datetime, timezone

import pytest

from aggregator.dates import date_from_url, parse_date

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
CASES = [
    # text, languages, order, expected (UTC ISO, or None)
    ("July 18, 2023", ("en",), "DMY", "2023-07-18T00:00:00+00:00"),
    ("noviembre 28, 2025", ("es",), "DMY", "2025-11-28T00:00:00+00:00"),
    ("18 juillet 2023", ("fr",), "DMY", "2023-07-18T00:00:00+00:00"),
    ("1er octobre 2024", ("fr",), "DMY", "2024-10-01T00:00:00+00:00"),
    ("5 de mayo de 2024", ("es",), "DMY", "2024-05-05T00:00:00+00:00"),
    ("27Jul2023", ("en",), "DMY", "2023-07-27T00:00:00+00:00"),
    ("26 July", ("en",), "DMY", "2026-07-26T00:00:00+00:00"),
    ("4 December", ("en",), "DMY", "2025-12-04T00:00:00+00:00"),  # no year, would be in the future: last year
    ("Last update: 21 April 2022", ("en",), "DMY", "2022-04-21T00:00:00+00:00"),
    ("Posted on Tuesday October 6, 2020", ("en",), "DMY", "2020-10-06T00:00:00+00:00"),
    ("2022-06-27T09:22:18-04:00June 27th, 2022|Events|", ("en",), "DMY", "2022-06-27T13:22:18+00:00"),
    ("13.1.2021", ("fi",), "DMY", "2021-01-13T00:00:00+00:00"),
    ("30.10.2013 - UNESCO Office in Moscow", ("en",), "DMY", "2013-10-30T00:00:00+00:00"),
    ("2021.02.11", ("ru",), "DMY", "2021-02-11T00:00:00+00:00"),
    ("02/03/2024", ("en",), "DMY", "2024-03-02T00:00:00+00:00"),
    ("02/03/2024", ("en",), "MDY", "2024-02-03T00:00:00+00:00"),
    ("11. Juli 2024", ("de",), "DMY", "2024-07-11T00:00:00+00:00"),
    ("24 апреля 2021", ("ru",), "DMY", "2021-04-24T00:00:00+00:00"),
    ("Fri, 06 Mar 2026 22:34:39 +0000", ("en",), "DMY", "2026-03-06T22:34:39+00:00"),
    ("il y a 2 jours", ("fr",), "DMY", "2026-11-19T00:00:00+00:00"),
    ("2025", ("en",), "DMY", None),  # a bare year is no date (no false precision)
    ("", ("en",), "DMY", None),
    ("Read more", ("en",), "DMY", None),
    ("31.02.2024", ("en",), "DMY", None),
]


@pytest.mark.parametrize("text,langs,order,expected", CASES)
def test_p18_parse_date(text, langs, order, expected):
    got = parse_date(text, langs, order, "UTC", NOW)
    assert (got.astimezone(timezone.utc).isoformat() if got else None) == expected


def test_date_without_time_is_midnight_in_source_timezone():
    got = parse_date("18 July 2023", ("en",), "DMY", "Europe/Paris", NOW)
    assert got.isoformat() == "2023-07-18T00:00:00+02:00"


@pytest.mark.parametrize("url,expected", [
    ("https://www.museumsassociation.org/museums-journal/news/2024/01/gaza/", "2024-01-01"),
    ("https://www.aam-us.org/2024/11/26/slug/", "2024-11-26"),
    ("https://icom.museum/en/news/slug/", None),
])
def test_date_from_url(url, expected):
    got = date_from_url(url)
    assert (got.date().isoformat() if got else None) == expected


MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December"],
          "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre"],
          "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                 "noviembre", "diciembre"],
          "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                 "November", "Dezember"]}


def test_p18_thousand_distinct_parses_correct_and_bounded():
    """1 000 different dates in four languages (no cache hit), each right; the whole loop well bounded."""
    import time
    from datetime import date

    cases = []
    for n in range(1000):
        lang = list(MONTHS)[n % 4]
        day, month, year = 1 + n % 28, 1 + (n // 4) % 12, 2000 + n % 25
        text = f"{day} de {MONTHS[lang][month - 1]} de {year}" if lang == "es" else \
            f"{day}. {MONTHS[lang][month - 1]} {year}" if lang == "de" else f"{day} {MONTHS[lang][month - 1]} {year}"
        cases.append((text, lang, date(year, month, day)))
    started = time.monotonic()
    got = [parse_date(text, (lang,), "DMY", "UTC", NOW) for text, lang, _ in cases]
    elapsed = time.monotonic() - started
    assert [g.date() if g else None for g in got] == [c[2] for c in cases]
    assert elapsed < 10  # generous: the plan asks for under 2 s with languages given
    assert parse_date("il y a 2 heures", ("fr",), "DMY", "UTC", NOW).date() == NOW.date()  # relative to `now`...
    just_after_midnight = NOW.replace(hour=1)
    assert parse_date("il y a 2 heures", ("fr",), "DMY", "UTC", just_after_midnight).day == 20  # ...to its hour


def test_a_spider_builds_its_sources_date_tables_before_its_first_page(tmp_path):
    """Made for a source, the spider has its languages' month patterns built (dateparser's import and locale data,
    about 0.1 s, come before the crawl's first response): the first date of those languages builds nothing."""
    from scrapy.utils.test import get_crawler

    from aggregator import dates
    from crawlers.loader import ConfigSpiderLoader
    from tests.faultcrawl import source, write_config

    config = write_config(tmp_path, [source("a", ["http://127.0.0.1/x/"], languages=["es", "de"])])
    settings = {"MUSEUMFEEDS_CONFIG": str(config), "MUSEUMFEEDS_DB": f"sqlite:///{tmp_path}/store.db"}
    dates.month_patterns.cache_clear()
    cls = ConfigSpiderLoader(settings).load("a")
    spider = cls.from_crawler(get_crawler(cls, settings_dict=settings))
    assert dates.month_patterns.cache_info().misses == 1
    assert parse_date("3. März 2024", spider.source.languages, "DMY", "UTC", NOW).date().isoformat() == "2024-03-03"
    assert dates.month_patterns.cache_info().misses == 1
