"""Download handler for `museumfeeds demo` and tests: real HTTP over 127.0.0.1 to the snapshot web, real URLs kept."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured


class SnapshotDownloadHandler(HTTP11DownloadHandler):
    """Sends `https://host/path` to `http://SNAPSHOT_ADDRESS/path` with `Host: host`; the response keeps the real URL.

    Everything above the download handler (robots.txt, offsite filtering, dupefilter, page objects) sees the
    site's real URLs, so the demo's feeds link to the real articles.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.address = crawler.settings.get("SNAPSHOT_ADDRESS")
        if not self.address:
            raise NotConfigured("SNAPSHOT_ADDRESS is not set")

    async def download_request(self, request):
        parts = urlsplit(request.url)
        local = f"http://{self.address}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
        headers = request.headers.copy()
        headers[b"Host"] = (parts.hostname or "").encode()
        response = await super().download_request(request.replace(url=local, headers=headers))
        return response.replace(url=request.url)
