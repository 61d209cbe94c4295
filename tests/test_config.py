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


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")
