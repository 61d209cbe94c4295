"""Listing, article and feed page objects: saved or fetched bytes in, Teaser items out; no requests made."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from aggregator.dates import date_from_url, parse_date
from crawlers.items import Teaser
from crawlers.pages.base import Page, first_value, html_of, select, split, value, values


class ListingPage(Page):
    """A listing of teasers, driven by the source's `list` selectors; sites override single fields."""

    def teaser_nodes(self) -> list:
        """The teaser nodes, as lexbor nodes (never the sidebar: the `item` selector is scoped by the maintainer)."""
        return select(self.doc, self.source.list.item)

    def teasers(self) -> list[Teaser]:
        """Every teaser with a title and a usable link, in page order, each link once."""
        out, seen = [], set()
        for node in self.teaser_nodes():
            teaser = self.teaser(node)
            if teaser and teaser.url not in seen:
                seen.add(teaser.url)
                out.append(teaser)
        return out

    def teaser(self, node) -> Teaser | None:
        """One teaser, or None when it has no title or link."""
        spec = self.source.list
        title, link = self.title_and_link(node)
        url = self.absolute(link)
        if not title or not url:
            return None
        return Teaser(
            source=self.source.id, url=url, title=title,
            published=self.published(node, url), summary=html_of(node, spec.summary) or "",
            image=self.absolute(value(node, spec.image)), categories=values(node, spec.category),
            language=self.language,
        )

    def title_and_link(self, node) -> tuple[str | None, str | None]:
        """The title's text and the link's href; one query when both read one selector (`h3 a`, `h3 a@href`)."""
        (title_css, title_attr), (link_css, link_attr) = split(self.source.list.title), split(self.source.list.link)
        if title_css != link_css or not title_css:
            return value(node, self.source.list.title), value(node, self.source.list.link)
        hits = select(node, title_css)
        return first_value(hits, title_attr), first_value(hits, link_attr)

    def published(self, node, url: str) -> datetime | None:
        """The teaser's date in the site's own format and language; a dated permalink as fallback."""
        src = self.source
        text = value(node, src.list.date)
        found = parse_date(text, src.languages, src.date_order, src.timezone, self.now)
        return found or date_from_url(url, src.timezone)

    def next_page(self) -> str | None:
        """Absolute URL of the next listing page, if the pager has one."""
        if not self.source.next_page:
            return None
        spec = self.source.next_page if "@" in self.source.next_page else self.source.next_page + "@href"
        return self.absolute(value(self.doc, spec))


class ArticlePage(Page):
    """An article page: fills what its teaser lacked (date, summary, image) from `article` selectors or metadata."""

    META_DATE = ('meta[property="article:published_time"]@content', '[itemprop="datePublished"]@datetime',
                 'meta[itemprop="datePublished"]@content', "article time@datetime", "main time@datetime",
                 'meta[name="date"]@content', "time@datetime")

    def complete(self, teaser: Teaser) -> Teaser:
        """The teaser with missing fields filled in from this page."""
        spec, src = self.source.article, self.source
        if spec and spec.title and cut_off(teaser.title):
            teaser.title = value(self.doc, spec.title) or teaser.title
        if teaser.published is None:
            for css in ((spec.date,) if spec and spec.date else ()) + self.META_DATE:
                teaser.published = parse_date(value(self.doc, css), src.languages, src.date_order,
                                              src.timezone, self.now)
                if teaser.published:
                    break
        if not teaser.summary or cut_off(teaser.summary):
            teaser.summary = (html_of(self.doc, spec.summary) if spec and spec.summary else None) or \
                value(self.doc, 'meta[name="description"]@content') or teaser.summary
        if not teaser.image:
            teaser.image = self.absolute(value(self.doc, spec.image) if spec and spec.image else None) or \
                self.absolute(value(self.doc, 'meta[property="og:image"]@content'))
        teaser.language = self.language
        teaser.alternates = [u for u in (self.absolute(v) for v in values(
            self.doc, 'link[rel="alternate"][hreflang]@href')) if u and u != teaser.url]
        teaser.url = self.canonical() or teaser.url
        return teaser

    def canonical(self) -> str | None:
        """The page's own canonical URL (rel=canonical, else og:url), when it is on the source's hosts."""
        for css in ('link[rel="canonical"]@href', 'meta[property="og:url"]@content'):
            url = self.absolute(value(self.doc, css))
            if url and url.startswith(("http://", "https://")) and urlsplit(url).hostname in self.source.hosts:
                return url
        return None


def cut_off(text: str) -> bool:
    """True for a listing's shortened text ("Museum sector organises support following…")."""
    return text.rstrip().removesuffix("</p>").rstrip().endswith(("…", "...", "[…]", "[...]"))
