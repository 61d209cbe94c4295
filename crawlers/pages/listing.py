"""Listing, article and feed page objects: saved or fetched bytes in, Teaser items out; no requests made."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from aggregator.dates import date_from_url, parse_date
from crawlers.items import Teaser
from crawlers.pages.base import Page, Scope, first_value, html_of, select, split, value, values


class ListingPage(Page):
    """A listing of teasers, driven by the source's `list` selectors; sites override single fields."""

    def teaser_nodes(self) -> list:
        """The teaser nodes, as lexbor nodes (never the sidebar: the `item` selector is scoped by the maintainer)."""
        return select(self.doc, self.source.list.item)

    def teasers(self) -> list[Teaser]:
        """Every teaser with a title and a usable link, in page order, each link once. Field by field over the
        page's teaser nodes (all titles and links, then all dates, ...), each field one query (`Scope`); a site
        that overrides `teaser` is asked node by node."""
        nodes = self.teaser_nodes()
        if type(self).teaser is not ListingPage.teaser:
            return once_a_link(self.teaser(node) for node in nodes)
        scope = Scope(nodes)
        kept, titles, urls = self.headed(scope)
        if len(kept) < len(scope.nodes):  # the other fields only for the teasers kept
            scope = Scope(kept)
        spec = self.source.list
        return [self.made(url, title, published, summary, image, categories)
                for url, title, published, summary, image, categories in zip(
                    urls, titles, self.dates(scope, urls), scope.htmls(spec.summary), scope.values(spec.image),
                    scope.all_values(spec.category))]

    def headed(self, scope: Scope) -> tuple[list, list[str], list[str]]:
        """The teaser nodes with a title and a usable link, each link's first, with their titles and links."""
        kept, titles, urls, seen = [], [], [], set()
        for node, (title, link) in zip(scope.nodes, self.titles_and_links(scope)):
            url = self.absolute(link)
            if title and url and url not in seen:
                seen.add(url)
                kept.append(node)
                titles.append(title)
                urls.append(url)
        return kept, titles, urls

    def titles_and_links(self, scope: Scope) -> list[tuple[str | None, str | None]]:
        """`title_and_link` for each node (one query for both when they read one selector)."""
        if type(self).title_and_link is not ListingPage.title_and_link:
            return [self.title_and_link(node) for node in scope.nodes]
        (title_css, title_attr), (link_css, link_attr) = split(self.source.list.title), split(self.source.list.link)
        if title_css != link_css or not title_css:
            return list(zip(scope.values(self.source.list.title), scope.values(self.source.list.link)))
        hits, hiding = scope.select(title_css, texts=not title_attr or not link_attr)
        return [(first_value(found, title_attr, hiding), first_value(found, link_attr, hiding)) for found in hits]

    def dates(self, scope: Scope, urls: list[str]) -> list[datetime | None]:
        """`published` for each node."""
        if type(self).published is not ListingPage.published:
            return [self.published(node, url) for node, url in zip(scope.nodes, urls)]
        return [self.date_of(text, url) for text, url in zip(scope.values(self.source.list.date), urls)]

    def made(self, url: str, title: str, published: datetime | None, summary: str | None, image: str | None,
             categories: list[str]) -> Teaser:
        """The Teaser of a kept teaser node's fields as read (the image made absolute)."""
        return Teaser(source=self.source.id, url=url, title=title, published=published, summary=summary or "",
                      image=self.absolute(image), categories=categories, language=self.language)

    def teaser(self, node) -> Teaser | None:
        """One teaser, or None when it has no title or link (a site's hook; `teasers` does the same field by field)."""
        spec = self.source.list
        title, link = self.title_and_link(node)
        url = self.absolute(link)
        if not title or not url:
            return None
        return self.made(url, title, self.published(node, url), html_of(node, spec.summary),
                         value(node, spec.image), values(node, spec.category))

    def title_and_link(self, node) -> tuple[str | None, str | None]:
        """The title's text and the link's href; one query when both read one selector (`h3 a`, `h3 a@href`)."""
        (title_css, title_attr), (link_css, link_attr) = split(self.source.list.title), split(self.source.list.link)
        if title_css != link_css or not title_css:
            return value(node, self.source.list.title), value(node, self.source.list.link)
        hits = select(node, title_css)
        return first_value(hits, title_attr), first_value(hits, link_attr)

    def published(self, node, url: str) -> datetime | None:
        """The teaser's date in the site's own format and language; a dated permalink as fallback."""
        return self.date_of(value(node, self.source.list.date), url)

    def date_of(self, text: str | None, url: str) -> datetime | None:
        """A teaser's date from its date text in the site's own format and language, else from a dated permalink."""
        src = self.source
        return parse_date(text, src.languages, src.date_order, src.timezone, self.now) or \
            date_from_url(url, src.timezone)

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


def once_a_link(teasers) -> list[Teaser]:
    """The teasers that are not None, each link's first, in order."""
    out, seen = [], set()
    for teaser in teasers:
        if teaser and teaser.url not in seen:
            seen.add(teaser.url)
            out.append(teaser)
    return out


def cut_off(text: str) -> bool:
    """True for a listing's shortened text ("Museum sector organises support following…")."""
    return text.rstrip().removesuffix("</p>").rstrip().endswith(("…", "...", "[…]", "[...]"))
