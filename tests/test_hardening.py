"""P-01: the settings a crawl really runs with are hardened (limits, no consoles, no local schemes)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from aggregator.commands import demo_overrides
from aggregator.config import load_config
from aggregator.crawl import crawl_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["nightly", "demo"])
def settings(request, tmp_path):
    """The settings of `museumfeeds run` (and of the demo, which routes downloads to the snapshot web)."""
    overrides = demo_overrides("127.0.0.1:1") if request.param == "demo" else None
    return crawl_settings(load_config(ROOT / "config.yaml"), f"sqlite:///{tmp_path}/db.sqlite", overrides)


def test_p01_settings_hardening(settings):
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getint("DOWNLOAD_MAXSIZE") <= 10 * 1024 * 1024
    assert 0 < settings.getint("DOWNLOAD_WARNSIZE") <= settings.getint("DOWNLOAD_MAXSIZE")
    assert 0 < settings.getfloat("DOWNLOAD_TIMEOUT") <= 30
    assert settings.getint("REDIRECT_MAX_TIMES") <= 5
    assert 0 < settings.getint("RETRY_TIMES") <= 3
    assert not settings.getbool("TELNETCONSOLE_ENABLED") and not settings.getbool("REMOTE_CONTROL_ENABLED")
    assert settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES")
    assert settings.getbool("MEMUSAGE_ENABLED") and 0 < settings.getint("MEMUSAGE_LIMIT_MB") <= 2048
    assert 0 < settings.getint("CLOSESPIDER_TIMEOUT")
    if settings.getbool("HTTPCACHE_ENABLED"):
        from scrapy.extensions.httpcache import RFC2616Policy
        from scrapy.utils.misc import load_object

        assert issubclass(load_object(settings["HTTPCACHE_POLICY"]), RFC2616Policy)  # revalidates, not DummyPolicy
    assert not settings.get("JOBDIR")


def test_p01_local_schemes_have_no_download_handler(settings):
    from scrapy.utils.conf import without_none_values

    # What scrapy.core.downloader.handlers.DownloadHandlers builds its scheme table from.
    handlers = without_none_values(settings.getwithbase("DOWNLOAD_HANDLERS"))
    assert not {"file", "data", "ftp", "s3"} & set(handlers), handlers
    assert {"http", "https"} <= set(handlers)


def test_p01_middlewares_in_place(settings):
    mw = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert mw["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None  # replaced (§7-A)
    assert mw["crawlers.middlewares.SafeRobotsTxtMiddleware"] == 100
    assert 580 < mw["crawlers.middlewares.CharsetRepairMiddleware"] < 590  # after decompression


def test_p01_config_cannot_lift_the_timeout(tmp_path):
    from aggregator.config import ConfigError

    cfg = tmp_path / "config.yaml"
    cfg.write_text((ROOT / "config.yaml").read_text().replace("  timeout: 30 ", "  timeout: 600 ", 1))
    with pytest.raises(ConfigError, match=r"crawl\.timeout: must be between 1 and 30 seconds"):
        load_config(cfg)


def test_not_cp1252_answers_as_the_character_loop():
    """middlewares.not_cp1252's shortcuts give what looking at every character gives."""
    from crawlers.middlewares import not_cp1252

    def loop(body: bytes) -> bool:
        return body.isascii() or any(ord(c) > 127 and c != "\ufffd" for c in body.decode("utf-8", "replace"))

    late = b"a" * 5000
    bodies = [p.read_bytes() for p in (ROOT / "snapshot" / "web").rglob("*.html")]
    bodies += [b"abc", "é".encode(), "é".encode("cp1252"), b"\xff\xfe", "x\ufffdy".encode(), late + "é".encode(),
               late + b"\xe9", late]
    assert [not_cp1252(b) for b in bodies] == [loop(b) for b in bodies]
    assert not not_cp1252(late + b"\xe9") and not_cp1252(late + "é".encode())
    rng = random.Random(7)  # short random byte strings, biased to lead and continuation bytes
    alphabet = [*range(0x80, 0xC2, 7), *range(0xC2, 0x100), 0x41, 0x20, 0xBF, 0xBD, 0x80, 0x8F, 0x90, 0x9F, 0xA0]
    randoms = [bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(60_000)]
    assert [not_cp1252(b) for b in randoms] == [loop(b) for b in randoms]
