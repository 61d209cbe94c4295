"""`museumfeeds serve`: media types, conditional GET, gzip, caching and refusals, over loopback HTTP."""
from __future__ import annotations

import gzip
import http.client
import os
import threading
from email.utils import formatdate
from pathlib import Path

import pytest

from aggregator.serve import make_server

pytestmark = pytest.mark.timeout(60)

ENTRY = "<entry><title>Flood response training for museum staff</title><id>urn:x:{n}</id></entry>\n"
ATOM = '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n' + \
       "".join(ENTRY.format(n=n) for n in range(20)) + "</feed>\n"
FILES = {
    "all.atom": ATOM,
    "all.rss": '<?xml version="1.0"?><rss version="2.0"><channel><title>All – tout</title></channel></rss>',
    "all.json": '{"version": "https://jsonfeed.org/version/1.1", "title": "All", "items": []}',
    "feeds.opml": '<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>',
    "index.html": "<!doctype html><title>museumfeeds</title><p>Feeds</p>",
    "sources/icom.atom": ATOM,
    ".all.atom.k2j3h4": "half a feed",
}
MEDIA = [("all.atom", "application/atom+xml"), ("all.rss", "application/rss+xml"),
         ("all.json", "application/feed+json"), ("feeds.opml", "text/x-opml"), ("", "text/html"),
         ("sources/icom.atom", "application/atom+xml")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A feeds folder served on 127.0.0.1 (a secret sits beside it, outside the folder)."""
    root = tmp_path_factory.mktemp("site")
    (root / "pyproject.toml").write_text("secret = true\n")
    out = root / "feeds"
    for name, text in FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    server = make_server(out, "127.0.0.1", 0)
    assert server.server_address[1] != 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(10)
    assert not thread.is_alive()


def fetch(site, path: str, method: str = "GET", **headers: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a fresh connection (the path is sent exactly as given)."""
    conn = http.client.HTTPConnection("127.0.0.1", site[1], timeout=10)
    try:
        conn.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def replace_atomically(path: Path, text: str, times: tuple[int, int] | None = None) -> None:
    """As publish does: a dot temp file, then os.replace; `times` forces the new file's (atime_ns, mtime_ns)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    if times:
        os.utime(tmp, ns=times)
    os.replace(tmp, path)


@pytest.mark.parametrize("path,media", MEDIA)
def test_media_type_with_charset(site, path, media):
    status, headers, body = fetch(site, "/" + path)
    assert status == 200
    assert headers["Content-Type"] == f"{media}; charset=utf-8"
    name = path or "index.html"
    assert body == (site[0] / name).read_bytes()


def test_p26_etag_last_modified_and_cache_control(site):
    status, headers, _ = fetch(site, "/all.atom")
    assert status == 200
    assert headers["ETag"].startswith('"') and len(headers["ETag"]) > 10
    assert headers["Last-Modified"] == formatdate((site[0] / "all.atom").stat().st_mtime, usegmt=True)
    assert headers["Cache-Control"] == "public, max-age=3600"


def test_p26_if_none_match_gets_304_with_empty_body(site):
    _, first, _ = fetch(site, "/all.rss")
    status, headers, body = fetch(site, "/all.rss", If_None_Match=first["ETag"])
    assert (status, body) == (304, b"")
    assert headers["ETag"] == first["ETag"]
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert fetch(site, "/all.rss", If_None_Match='"other", ' + first["ETag"])[0] == 304
    assert fetch(site, "/all.rss", If_None_Match='"other"')[0] == 200


def test_p26_if_modified_since_gets_304_with_empty_body(site):
    _, first, _ = fetch(site, "/all.json")
    status, _, body = fetch(site, "/all.json", If_Modified_Since=first["Last-Modified"])
    assert (status, body) == (304, b"")
    assert fetch(site, "/all.json", If_Modified_Since="Mon, 01 Jan 2001 00:00:00 GMT")[0] == 200


def test_stale_etag_wins_over_fresh_date(site):
    """If-None-Match decides when both are sent: a same-second change must not hide behind the date."""
    _, first, _ = fetch(site, "/feeds.opml")
    status, _, _ = fetch(site, "/feeds.opml", If_None_Match='"stale"', If_Modified_Since=first["Last-Modified"])
    assert status == 200


def test_p26_new_content_same_size_same_time_changes_etag(site):
    """A publish that rewrites a feed with equal size and identical mtime still gives a new ETag."""
    path = site[0] / "changing.atom"
    path.write_text(ATOM)
    _, first, _ = fetch(site, "/changing.atom")
    old = path.stat()
    new_text = ATOM.replace("urn:x:1<", "urn:x:7<")
    assert len(new_text) == len(ATOM)
    replace_atomically(path, new_text, (old.st_atime_ns, old.st_mtime_ns))
    assert path.stat().st_mtime_ns == old.st_mtime_ns
    status, headers, body = fetch(site, "/changing.atom", If_None_Match=first["ETag"])
    assert status == 200 and body == new_text.encode()
    assert headers["ETag"] != first["ETag"]
    assert headers["Last-Modified"] == first["Last-Modified"]
    assert fetch(site, "/changing.atom", If_None_Match=headers["ETag"])[0] == 304


def test_in_place_rewrite_changes_etag(site):
    path = site[0] / "inplace.json"
    path.write_text('{"items": [1]}')
    _, first, _ = fetch(site, "/inplace.json")
    path.write_text('{"items": [2]}')
    status, headers, body = fetch(site, "/inplace.json", If_None_Match=first["ETag"])
    assert (status, body) == (200, b'{"items": [2]}')
    assert headers["ETag"] != first["ETag"]


def test_new_file_served_without_restart(site):
    assert fetch(site, "/sources/new.rss")[0] == 404
    replace_atomically(site[0] / "sources" / "new.rss", FILES["all.rss"])
    status, headers, body = fetch(site, "/sources/new.rss")
    assert (status, body) == (200, FILES["all.rss"].encode())
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"


def test_gzip_when_accepted(site):
    status, headers, body = fetch(site, "/all.atom", Accept_Encoding="gzip")
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(body) == (site[0] / "all.atom").read_bytes()
    assert int(headers["Content-Length"]) == len(body) < len(ATOM)
    plain = fetch(site, "/all.atom")[1]
    assert headers["ETag"] == "W/" + plain["ETag"]  # another representation: a weak validator, as nginx does
    again = fetch(site, "/all.atom", Accept_Encoding="gzip", If_None_Match=headers["ETag"])
    assert (again[0], again[2]) == (304, b"")
    assert again[1]["ETag"] == headers["ETag"] and "Accept-Encoding" in again[1]["Vary"]


def test_no_gzip_unless_asked(site):
    _, headers, body = fetch(site, "/all.atom")
    assert "Content-Encoding" not in headers
    assert body == ATOM.encode()


def test_head_has_headers_and_no_body(site):
    _, get_headers, _ = fetch(site, "/all.atom", Accept_Encoding="gzip")
    status, headers, body = fetch(site, "/all.atom", "HEAD", Accept_Encoding="gzip")
    assert (status, body) == (200, b"")
    for name in ("Content-Type", "Content-Length", "Content-Encoding", "ETag", "Last-Modified", "Cache-Control"):
        assert headers[name] == get_headers[name], name


def test_index_html_at_root(site):
    status, headers, body = fetch(site, "/")
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert body == FILES["index.html"].encode()


@pytest.mark.parametrize("path", ["/missing.atom", "/sources/", "/sources/missing.json", "/all.atom/x"])
def test_missing_is_404_and_no_listing(site, path):
    status, _, body = fetch(site, path)
    assert status == 404
    assert b"icom.atom" not in body


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/%2e%2e/pyproject.toml", "/sources/../../pyproject.toml",
                                  "/%2E%2E%2Fpyproject.toml", "/..%2fpyproject.toml", "//../pyproject.toml"])
def test_traversal_refused(site, path):
    status, _, body = fetch(site, path)
    assert status in (400, 404)
    assert b"secret" not in body


@pytest.mark.parametrize("path", ["/.all.atom.k2j3h4", "/%2eall.atom.k2j3h4", "/sources/../.all.atom.k2j3h4"])
def test_dotfiles_refused(site, path):
    status, _, body = fetch(site, path)
    assert status == 404
    assert b"half" not in body


def test_other_methods_refused(site):
    assert fetch(site, "/all.atom", "POST")[0] == 405


def test_configurable_max_age_and_clean_shutdown(tmp_path):
    (tmp_path / "all.atom").write_text(ATOM)
    server = make_server(tmp_path, "127.0.0.1", 0, max_age=60)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _, headers, _ = fetch((tmp_path, server.server_address[1]), "/all.atom")
        assert headers["Cache-Control"] == "public, max-age=60"
    finally:
        server.shutdown()
        server.server_close()
    thread.join(10)
    assert not thread.is_alive()
