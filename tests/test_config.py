"""config.yaml validation: the shipped file loads; each broken file names its key path and what is allowed."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from aggregator.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = {
    "themes": {"digitisation": {"title": "Digitisation", "terms": {"en": ["digitis*"]}}},
    "sources": [{"id": "a", "url": "https://a.org/news/", "list": {"item": "li", "title": "a", "link": "a@href"}}],
}


def write(tmp_path, data) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def with_(path: str, value):
    """MINIMAL with one key (dotted path, [n] for list items) set to value."""
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    node, parts = data, path.replace("[", ".").replace("]", "").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    last = parts[-1]
    if last.isdigit() and int(last) == len(node):
        node.append(value)
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


def test_shipped_config_loads():
    config = load_config(ROOT / "config.yaml")
    assert {t.id for t in config.themes} >= {"crisis-response", "wellbeing", "accessibility", "digitisation"}
    assert len(config.sources) >= 10
    assert len({s.id for s in config.sources}) == len(config.sources)


BROKEN = [
    (with_("sources[0].list.item", None), "sources[0].list.item", "is required"),
    (with_("sources[0].list.item", "li[["), "sources[0].list.item", "invalid CSS selector"),
    (with_("sources[0].lsit", {}), "sources[0].lsit", "unknown key; allowed:"),
    (with_("sources[0].max_pages", "three"), "sources[0].max_pages", "must be a whole number"),
    (with_("sources[0].max_pages", 0), "sources[0].max_pages", "between 1 and 1000"),
    (with_("sources[0].follow", "yes please"), "sources[0].follow", "true or false"),
    (with_("sources[0].url", "ftp://a.org/"), "sources[0].url", "not an absolute http(s) URL"),
    (with_("sources[0].date_order", "DDMM"), "sources[0].date_order", "DMY, MDY, YMD"),
    (with_("sources[0].timezone", "Mars/Olympus"), "sources[0].timezone", "unknown timezone"),
    (with_("sources[0].id", "Bad Id"), "sources[0].id", "lower-case"),
    (with_("sources[1]", MINIMAL["sources"][0]), "sources[1].id", "duplicate source id"),
    (with_("schedule.crawl", "every night"), "schedule.crawl", "not a valid cron expression"),
    (with_("feeds.formats", ["atom", "podcast"]), "feeds.formats[1]", "allowed: atom, rss, json"),
    (with_("feeds.base_url", "feeds.example.org"), "feeds.base_url", "absolute http(s) URL"),
    (with_("themes.digitisation.terms", ["a"]), "themes.digitisation.terms", "must map a language"),
    (with_("themes.Bad Theme", {}), "themes.Bad Theme", "lower-case"),
    (with_("store", "sqlite"), "store", "must be a mapping"),
    (with_("colour", "blue"), "colour", "unknown key"),
    ("sources: [\n  - id: a\n   bad", "line", "not valid YAML"),
    (with_("crawl.timeout", "30s"), "crawl.timeout", "must be a whole number"),
    (with_("crawl.timeout", 600), "crawl.timeout", "between 1 and 30 seconds"),
    (with_("sources[0].next_page", "a..next"), "sources[0].next_page", "invalid CSS selector"),
    (with_("sources[0].article", {"date": "time[", "summary": "p"}), "sources[0].article.date", "invalid CSS"),
    (with_("sources[0].list.title", "h3::text"), "sources[0].list.title", "no ::text or ::attr()"),
    (with_("sources[0].list.link", "a::attr(href)"), "sources[0].list.link", "lexbor cannot parse it"),
    (with_("sources[0].list.image", "svg|image@href"), "sources[0].list.image", "namespace prefixes"),
    (with_("sources[0].list.title", "a:hover"), "sources[0].list.title", ":hover never matches"),
    (with_("sources[0].list.link", "a@hr ef"), "sources[0].list.link", "not an attribute name"),
    (with_("sources[0].list.title", "p:contains('x')"), "sources[0].list.title", "invalid CSS selector"),
    (with_("sources[0].feed", "file:///etc/passwd"), "sources[0].feed", "not an absolute http(s) URL"),
    (with_("feeds.max_items", "many"), "feeds.max_items", "must be a whole number"),
    (with_("themes.digitisation.categories", {"a": 1}), "themes.digitisation.categories", "list"),
    (with_("schedule.timezone", "Atlantis"), "schedule.timezone", "unknown timezone"),
]


@pytest.mark.parametrize("data,key,message", BROKEN, ids=[b[1] for b in BROKEN])
def test_broken_config_names_key(tmp_path, data, key, message):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, data))
    assert err.value.key.startswith(key)
    assert message in err.value.message
    assert str(tmp_path / "config.yaml") in str(err.value)


def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path):
    path = write(tmp_path, with_("sources[0].list.item", "li[["))
    proc = subprocess.run([sys.executable, "-m", "aggregator.cli", "--config", str(path), "sources"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "sources[0].list.item" in lines[0] and "Traceback" not in proc.stderr


INVALID_FOR_CLI = [with_("sources[0].lsit", {}), with_("sources[0].list.item", "li[["),
                   with_("schedule.crawl", "61 * * * *"), with_("sources[1]", MINIMAL["sources"][0])]


@pytest.mark.parametrize("data", INVALID_FOR_CLI, ids=["unknown-key", "selector", "cron", "duplicate-id"])
def test_invalid_config_crawls_and_publishes_nothing(tmp_path, data):
    """`museumfeeds run` on an invalid config: exit 2, one line, and no request, store or feed file at all."""
    from tests.faultserver import FaultServer

    with FaultServer() as server:
        for src in data["sources"]:
            src["url"] = f"{server.base}/news/"
        data["feeds"] = {"out_dir": str(tmp_path / "feeds")}
        path = write(tmp_path, data)
        proc = subprocess.run([sys.executable, "-m", "aggregator.cli", "--config", str(path), "--db",
                               f"sqlite:///{tmp_path}/db/store.db", "run"], capture_output=True, text=True,
                              cwd=ROOT, timeout=60)
        hits = sum(server.hits.values())
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"museumfeeds: invalid config: {path}: ") and "Traceback" not in proc.stderr
    assert hits == 0 and not (tmp_path / "db").exists() and not (tmp_path / "feeds").exists()


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")
