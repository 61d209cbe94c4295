"""Spider loader: every source in config.yaml is a spider named by its id, all served by SiteSpider."""
from __future__ import annotations

from aggregator.config import Config, load_config
from crawlers.spiders.site import SiteSpider


class ConfigSpiderLoader:
    """Scrapy's SpiderLoader interface over the configured sources."""

    def __init__(self, settings):
        self.config_path = settings.get("MUSEUMFEEDS_CONFIG", "config.yaml")
        self._config: Config | None = None

    @classmethod
    def from_settings(cls, settings, **_kwargs):
        return cls(settings)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def load(self, spider_name: str) -> type[SiteSpider]:
        """A SiteSpider subclass bound to one source."""
        try:
            source = self.config.source(spider_name)
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None
        return type(f"SiteSpider_{source.id.replace('-', '_')}", (SiteSpider,), {"name": source.id, "source": source})

    def list(self) -> list[str]:
        return [s.id for s in self.config.sources]

    def find_by_request(self, request) -> list[str]:
        host = request.url.split("/")[2] if "//" in request.url else ""
        return [s.id for s in self.config.sources if host in s.hosts]
