"""A tiny news site on 127.0.0.1 for crawl-level tests: pages written on the fly, a config pointing at it."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import ROOT, museumfeeds

TEASER = '<li class="teaser"><a href="{href}">{title}</a> <span class="date">{date}</span><p>{summary}</p></li>'
LISTING = ('<!DOCTYPE html><html lang="en"><head><title>News</title></head><body><nav><a href="/">Home</a></nav>'
           '<aside><h2>Most read</h2><a href="/news/old">An old story</a></aside>'
           '<ul class="news">{teasers}</ul>{pager}<footer>© Mini museum</footer></body></html>')


class MiniSite:
    """Pages under root/web/127.0.0.1/ (served by aggregator.snapshot.SnapshotServer(root=root/'web'))."""

    def __init__(self, root: Path):
        self.root = root
        self.web = root / "web"
        (self.web / "127.0.0.1").mkdir(parents=True, exist_ok=True)

    def page(self, path: str, html: str, status: int | None = None) -> None:
        file = self.web / "127.0.0.1" / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(html)
        sidecar = file.with_name(file.name + ".headers.json")
        if status:
            sidecar.write_text(json.dumps({"status": status}))
        elif sidecar.exists():
            sidecar.unlink()

    def listing(self, path: str, items: list[tuple[str, str, str]], next_href: str | None = None) -> None:
        """A listing of (href, title, date) teasers."""
        teasers = "".join(TEASER.format(href=h, title=t, date=d, summary=f"About {t.lower()}.") for h, t, d in items)
        pager = f'<a class="next" href="{next_href}">Next</a>' if next_href else ""
        self.page(path, LISTING.format(teasers=teasers, pager=pager))

    def config(self, address: str, urls: list[str], **source) -> Path:
        """A config with the project's themes and one source `mini` reading these listing paths."""
        data = yaml.safe_load((ROOT / "config.yaml").read_text())
        data["sources"] = [{"id": "mini", "name": "Mini museum", "urls": [f"http://{address}{u}" for u in urls],
                            "list": {"item": "ul.news li.teaser", "title": "a", "link": "a@href", "date": ".date",
                                     "summary": "p"}, "next_page": "a.next", **source}]
        data["crawl"] = {"timeout": 5}
        data["feeds"] = {**data["feeds"], "out_dir": str(self.root / "feeds")}
        path = self.root / "config.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        return path

    def run(self, config: Path, *extra: str):
        """`museumfeeds run` against this site, with its own store (and so its own HTTP cache)."""
        return museumfeeds("--config", str(config), "--db", f"sqlite:///{self.root}/db/store.db", "run", *extra,
                           timeout=120)

    def status(self, config: Path) -> dict:
        out = museumfeeds("--config", str(config), "--db", f"sqlite:///{self.root}/db/store.db", "status", "--json")
        return {r["source"]: r for r in json.loads(out.stdout)}
