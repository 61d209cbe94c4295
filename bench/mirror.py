"""A large, deterministic mirror of museum-news listing pages for the crawl benchmark.

Layout (served by host, as aggregator/snapshot.py does): `<root>/127.0.0.1/section<N>/index.html` is page 1 of
section N, `<root>/127.0.0.1/section<N>/page/<k>/index.html` page k. Every page is a realistic CMS listing
(~30 KB): head with SEO/OG meta, cookie banner, mega-menu, breadcrumb, ~20 teaser cards in `main`, a "latest
news" sidebar built from the same card markup (which a correct `list.item` selector must not take), pager
with `a.next`, a long footer with inline SVG icons and an analytics script.

Teasers carry a title link, a date in the section's language ("July 18, 2023", "18 juillet 2023",
"18. Juli 2023"), a 200-300 character summary with entities and inline markup, an image with srcset and
1-2 categories. About 40 % of them mention a configured theme (earthquakes, mental health, sign language,
digitisation ...) so the tag pipeline has matches to find as well as misses.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HOST = "127.0.0.1"
TEASERS_PER_PAGE = 20
SIDEBAR_TEASERS = 6
FORMAT_VERSION = 4  # bump when the markup changes so an old mirror is regenerated

# Section languages cycle through this list; the first language of each is the source's language.
SECTION_LANGS = ("en", "fr", "en", "de", "en", "fr", "en", "en")

# CSS selectors that read this markup (used for the benchmark config's sources).
LIST_SELECTORS = {
    "item": "main#content .news-list > article.teaser",
    "title": "h3.teaser__title a",
    "link": "h3.teaser__title a@href",
    "date": ".teaser__meta .teaser__date",
    "summary": ".teaser__summary",
    "image": ".teaser__media img@src",
    "category": ".teaser__tags a",
}
NEXT_PAGE = "nav.pager a.next"

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
}

MUSEUMS = ("the National Museum of Ireland", "the Rijksmuseum", "Museo Nacional de Antropología",
           "the Deutsches Museum", "the Museum of London", "Kunsthalle Bremen", "Pinacoteca de São Paulo",
           "the National Palace Museum", "Musée des Beaux-Arts de Lyon", "the Hunterian", "Ateneum",
           "Museu Paulista", "the Benaki Museum", "Kunstmuseum Basel", "the Horniman Museum & Gardens",
           "Muzeum Narodowe w Krakowie", "the Egyptian Museum", "Te Papa Tongarewa", "the Field Museum",
           "Museo Larco")
PLACES = ("Türkiye", "Morocco", "Kharkiv", "Emilia-Romagna", "Valparaíso", "Kathmandu", "Port-au-Prince",
          "Khartoum", "the Ahr valley", "Derna", "Lviv", "Marrakesh", "Herat", "Gaziantep", "Odesa")
PEOPLE = ("Dr Amina Okafor", "Prof. Lars Høgh", "Marie-Claire Dubois", "Juan Pérez García", "Sarah O'Neill",
          "Kenji Watanabe", "Fatma Yıldız", "Olena Kovalenko", "Thomas Müller", "Ana Lúcia Ribeiro")
COLLECTIONS = ("its 19th-century photographs", "the herbarium", "400,000 natural history specimens",
               "the medieval manuscripts", "its ceramics collection", "the ethnographic archive",
               "the papers of the founding curators", "a collection of 12,000 glass plate negatives")

# (title, summary) templates per language; {m} museum, {p} place, {n} person, {c} collection, {y} year.
THEMED = {
    "en": [
        ("Museums in {p} assess damage after the earthquake",
         "Staff from {m} joined colleagues in {p} to survey collections after last week&#8217;s earthquake. "
         "The ICOM Red List and emergency funds are being mobilised; {n} said salvage work &amp; storage "
         "would take months."),
        ("Flood response: how {m} moved its stores in 48 hours",
         "When the river rose, volunteers and conservators at {m} evacuated {c} to higher floors. A new "
         "<strong>risk management</strong> plan, written with {n}, is now shared with museums across {p}."),
        ("New mental health programme for museum staff",
         "{m} launches a year-long programme on staff wellbeing and burnout, led by {n}. Sessions on "
         "<em>mental health</em> first aid, peer support &amp; workload will be open to small museums in "
         "{p} as well."),
        ("Museums on prescription: results of the {y} pilot",
         "Social prescribing projects at {m} reached 900 participants living with loneliness or dementia. "
         "{n} presents the findings &#8212; and what it costs to keep such programmes going."),
        ("Sign language tours and audio description at {m}",
         "From September, {m} offers monthly tours in British Sign Language and audio-described visits for "
         "blind and visually impaired visitors, with tactile models of {c}. Booking is free of charge."),
        ("A wheelchair-accessible route through the galleries",
         "{m} reopens its east wing with step-free access, relaxed openings for autistic visitors and "
         "easy-read labels. {n} explains how disabled advisers shaped the design from the first sketch."),
        ("{m} completes the digitisation of {c}",
         "After four years, {m} has finished digitising {c}. High-resolution images and linked data are "
         "published through IIIF and Europeana; {n} describes the workflow &amp; the metadata choices."),
        ("3D scanning and AI: what museums in {p} learned",
         "A survey led by {n} asked 120 museums about 3D scans, virtual tours and artificial intelligence "
         "for cataloguing. Most use a collections management system; few have an online collection."),
        ("Emergency funds for cultural heritage in {p}",
         "The relief fund set up with {m} supports museums affected by war and looting in {p}. {n} "
         "reports on evacuation of {c} and on the fight against illicit trafficking."),
        ("Open access, open heart: a year of free images",
         "{m} publishes 50,000 images under open access. &#8220;It was an open heart decision,&#8221; says "
         "{n}, who hopes researchers in {p} will reuse {c} in their own work."),
    ],
    "fr": [
        ("Séisme : les musées de {p} évaluent les dégâts",
         "Les équipes de {m} ont rejoint leurs collègues à {p} pour inspecter les réserves après le séisme. "
         "{n} annonce un plan d&#8217;urgence et la mise à l&#8217;abri de {c}."),
        ("Santé mentale et bien-être au travail dans les musées",
         "{m} lance un programme consacré à la santé mentale des équipes, animé par {n}. Ateliers, "
         "<em>supervision</em> &amp; groupes de parole seront ouverts aux petits musées de la région."),
        ("Visites en langue des signes et audiodescription",
         "Dès la rentrée, {m} propose des visites en langue des signes française et des parcours en "
         "audiodescription pour les visiteurs malvoyants, avec des reproductions tactiles de {c}."),
        ("{m} achève la numérisation de {c}",
         "Après quatre ans de travail, {m} a terminé la numérisation de {c}. Les images sont publiées en "
         "collections en ligne ; {n} présente la visite virtuelle et les données ouvertes associées."),
        ("Inondations : sauvetage des collections à {p}",
         "Pompiers, restaurateurs et bénévoles ont participé au sauvetage de {c} après les inondations. "
         "{n} (<strong>{m}</strong>) rappelle l&#8217;importance de la gestion des risques."),
    ],
    "de": [
        ("Erdbeben in {p}: Museen ziehen Bilanz",
         "Fachleute von {m} unterstützen Kolleginnen und Kollegen in {p} nach dem Erdbeben. {n} koordiniert "
         "die Evakuierung von {c} und den Notfallverbund der Region."),
        ("Führungen in Gebärdensprache und Audiodeskription",
         "{m} bietet ab Herbst Führungen in Deutscher Gebärdensprache, Tastmodelle von {c} und Texte in "
         "Leichter Sprache an. {n} erläutert, wie das Haus barrierefrei wird."),
        ("Digitalisierung: {m} stellt {c} online",
         "Mit Unterstützung des Landes hat {m} {c} digitalisiert. Die Digitalisate stehen in der "
         "Online-Sammlung bereit; {n} berichtet über Metadaten &amp; künstliche Intelligenz."),
    ],
}
NEUTRAL = {
    "en": [
        ("{m} appoints a new director",
         "The board of {m} has appointed {n} as director from January {y}. {n} previously led the "
         "collections team and oversaw the refurbishment of the main galleries &amp; the library."),
        ("Call for papers: annual conference {y}",
         "Proposals for papers, panels and workshops are invited for the {y} annual conference, hosted by "
         "{m}. Submissions of 300 words are due by the end of the month; {n} chairs the committee."),
        ("Exhibition review: a fresh look at {c}",
         "A new exhibition at {m} brings {c} out of storage for the first time in decades. {n} finds the "
         "display <em>generous</em>, though the catalogue could say more about provenance."),
        ("Museum attendance in {p} back to {y} levels",
         "Figures published this week show visits to museums in {p} close to pre-{y} levels, with "
         "{m} among the strongest performers. {n} warns that costs are rising faster than income."),
        ("Funding round opens for small museums",
         "Grants of up to &euro;25,000 are available for projects on interpretation, learning and "
         "community work. {m} hosts an information session; {n} will answer questions on eligibility."),
        ("Annual report {y} published",
         "The annual report of {m} sets out acquisitions, loans and learning programmes in {y}, and "
         "thanks 240 volunteers. {n} highlights the return of {c} to public display."),
    ],
    "fr": [
        ("{m} nomme une nouvelle directrice",
         "Le conseil d&#8217;administration de {m} a nommé {n} à la direction à partir de janvier {y}. "
         "Elle dirigeait jusqu&#8217;ici le département des collections et la bibliothèque."),
        ("Appel à communications : colloque annuel {y}",
         "Les propositions de communications sont attendues pour le colloque {y}, accueilli par {m}. "
         "Résumés de 300 mots avant la fin du mois ; le comité est présidé par {n}."),
        ("Exposition : {c} sortent des réserves",
         "Une nouvelle exposition de {m} présente {c} pour la première fois depuis des décennies. "
         "Le commissariat est assuré par {n}, avec un catalogue &amp; un cycle de conférences."),
    ],
    "de": [
        ("{m} beruft neue Direktorin",
         "Der Stiftungsrat von {m} hat {n} zur Direktorin ab Januar {y} berufen. Sie leitete bisher die "
         "Sammlungsabteilung und die Bibliothek des Hauses."),
        ("Jahresbericht {y} erschienen",
         "Der Jahresbericht von {m} dokumentiert Erwerbungen, Leihgaben und Vermittlungsprogramme des "
         "Jahres {y}. {n} dankt den 240 Ehrenamtlichen für ihren Einsatz."),
    ],
}
CATEGORIES = {
    # weighted by repetition: a category that implies a theme (Heritage protection, COVID-19) is rare
    "en": ("News",) * 6 + ("Museum practice",) * 4 + ("Events",) * 4 + ("Publications",) * 3 + ("Learning",) * 3
          + ("Collections",) * 3 + ("Workforce",) * 2 + ("Heritage protection", "COVID-19"),
    "fr": ("Actualités", "Pratique muséale", "Événements", "Publications", "Collections"),
    "de": ("Aktuelles", "Museumspraxis", "Veranstaltungen", "Publikationen", "Sammlungen"),
}
UI = {
    "en": {"title": "News", "more": "Read more", "latest": "Latest news", "next": "Next", "prev": "Previous",
           "page": "Page"},
    "fr": {"title": "Actualités", "more": "Lire la suite", "latest": "Dernières actualités", "next": "Suivant",
           "prev": "Précédent", "page": "Page"},
    "de": {"title": "Aktuelles", "more": "Weiterlesen", "latest": "Neueste Meldungen", "next": "Weiter",
           "prev": "Zurück", "page": "Seite"},
}

SVG_ICON = ('<svg class="icon" width="24" height="24" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
            '<path d="M22.46 6c-.77.35-1.6.58-2.46.69.88-.53 1.56-1.37 1.88-2.38-.83.5-1.75.85-2.72 1.05C18.37 4.5 '
            '17.26 4 16 4c-2.35 0-4.27 1.92-4.27 4.29 0 .34.04.67.11.98C8.28 9.09 5.11 7.38 3 4.79c-.37.63-.58 1.37'
            '-.58 2.15 0 1.49.75 2.81 1.91 3.56-.71 0-1.37-.2-1.95-.5v.03c0 2.08 1.48 3.82 3.44 4.21a4.22 4.22 0 0 1'
            '-1.93.07 4.28 4.28 0 0 0 4 2.98 8.521 8.521 0 0 1-5.33 1.84c-.34 0-.68-.02-1.02-.06C3.44 20.29 5.7 21 '
            '8.12 21 16 21 20.33 14.46 20.33 8.79c0-.19 0-.37-.01-.56.84-.6 1.56-1.36 2.14-2.23z"/></svg>')


@dataclass(frozen=True)
class MirrorSpec:
    """What to generate: `pages` listing pages split evenly over `sections` paginated listings."""

    pages: int
    sections: int
    seed: int = 20230718

    def pages_in(self, section: int) -> int:
        """Listing pages of one section (the first sections take the remainder)."""
        base, extra = divmod(self.pages, self.sections)
        return base + (1 if section < extra else 0)

    def key(self) -> str:
        return f"v{FORMAT_VERSION}-p{self.pages}-s{self.sections}-seed{self.seed}"


def section_lang(section: int) -> str:
    return SECTION_LANGS[section % len(SECTION_LANGS)]


def section_path(section: int, page: int) -> str:
    """URL path of a listing page."""
    return f"/section{section}/" if page == 1 else f"/section{section}/page/{page}/"


def format_date(day: date, lang: str) -> str:
    """A date as sites print it in that language."""
    month = MONTHS[lang][day.month - 1]
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    if lang == "de":
        return f"{day.day}. {month} {day.year}"
    return f"{month} {day.day}, {day.year}"


def slugify(text: str) -> str:
    import re
    import unicodedata

    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"&[#\w]+;", "", ascii_)).strip("-")[:70]


class SectionWriter:
    """Renders the pages of one section; boilerplate is built once per section."""

    def __init__(self, spec: MirrorSpec, section: int):
        self.spec, self.section = spec, section
        self.lang = section_lang(section)
        self.ui = UI[self.lang]
        self.rng = random.Random(f"{spec.seed}-{section}")
        self.last_page = spec.pages_in(section)
        self.newest = date(2025, 6, 30) - timedelta(days=section)
        self.site = f"http://{HOST}"
        self.header = self._header()
        self.footer = self._footer()
        self.sidebar = self._sidebar()

    # ---- boilerplate -------------------------------------------------------------------------------------
    def _header(self) -> str:
        rng = self.rng
        menu = []
        for group in ("About us", "Collections", "Visit", "Learning", "Research", "Membership"):
            links = "".join(
                f'<li class="menu-item menu-item-{rng.randint(1000, 99999)}">'
                f'<a href="/{slugify(group)}/{slugify(word)}/">{word}</a></li>'
                for word in rng.sample(("Our history", "Governance", "Annual reports", "Jobs", "Contact", "Team",
                                        "Strategy 2030", "Policies", "Venue hire", "Shop", "Opening hours",
                                        "Accessibility guide", "Schools", "Families", "Library", "Archives",
                                        "Fellowships", "Toolkits", "Events calendar", "Newsletters"), 6))
            menu.append(f'<li class="menu-item menu-item-has-children"><a href="/{slugify(group)}/">{group}</a>'
                        f'<ul class="sub-menu">{links}</ul></li>')
        return (
            '<header class="site-header" role="banner"><div class="container">'
            '<a class="site-logo" href="/" rel="home"><img src="/app/themes/museum/dist/images/logo.svg" '
            'alt="Museum network" width="220" height="64"></a>'
            '<button class="nav-toggle js-nav-toggle" aria-controls="primary-menu" aria-expanded="false">'
            '<span class="sr-only">Menu</span></button>'
            '<form class="search-form" role="search" method="get" action="/"><label class="sr-only" for="s">Search'
            '</label><input type="search" id="s" name="s" placeholder="Search..."><button type="submit">Search'
            '</button></form>'
            f'<nav class="primary-nav" aria-label="Primary"><ul id="primary-menu" class="menu">{"".join(menu)}</ul>'
            '</nav></div></header>'
        )

    def _footer(self) -> str:
        rng = self.rng
        cols = []
        for head in ("Contact", "Quick links", "Our network", "Legal"):
            links = "".join(f'<li><a href="/{slugify(head)}/{rng.randint(100, 9999)}/">{w}</a></li>'
                            for w in rng.sample(("Press office", "Privacy policy", "Cookie settings", "Terms of use",
                                                 "Modern slavery statement", "Complaints", "Sitemap", "Careers",
                                                 "Board meetings", "Freedom of information", "Supporters",
                                                 "Member directory", "National committees", "Partners",
                                                 "Code of ethics", "Publications"), 7))
            cols.append(f'<div class="footer-col"><h3>{head}</h3><ul>{links}</ul></div>')
        social = "".join(f'<li><a href="https://social.example/{n}" rel="noopener">{SVG_ICON}'
                         f'<span class="sr-only">{n}</span></a></li>'
                         for n in ("Mastodon", "Bluesky", "Instagram", "LinkedIn"))
        script = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
                  "gtag('js',new Date());gtag('config','G-XXXXXXX',{anonymize_ip:true});"
                  + "".join(f"var cfg{i}={json.dumps({'id': i, 'k': hashlib.md5(str(i).encode()).hexdigest()})};"
                            for i in range(4)))
        return (
            f'<footer class="site-footer" role="contentinfo"><div class="container">{"".join(cols)}'
            '<address>Maison de l&#8217;UNESCO, 1 rue Miollis, 75732 Paris Cedex 15, France &middot; '
            '+33 (0)1 47 34 05 00</address>'
            f'<ul class="social">{social}</ul><p class="copyright">&copy; 2025 Museum network. '
            'Registered charity no. 123456.</p></div></footer>'
            f'<script>{script}</script>'
            '<script src="/app/themes/museum/dist/scripts/main_5f1e2a.js" id="sage/main.js-js"></script>'
        )

    def _sidebar(self) -> str:
        """A 'latest news' box using the teaser card markup; its links are press releases, never in the list."""
        cards = []
        for i in range(SIDEBAR_TEASERS):
            title, summary = self._texts(self.rng.random() < 0.5)
            url = f"/press/section{self.section}/{i}-{slugify(title)}/"
            cards.append(self._card(url, title, summary, self.newest - timedelta(days=i), ["Press"], small=True))
        return (f'<aside class="sidebar" role="complementary"><section class="widget latest-news">'
                f'<h2 class="widget-title">{self.ui["latest"]}</h2>{"".join(cards)}</section>'
                '<section class="widget newsletter"><h2 class="widget-title">Newsletter</h2><form method="post" '
                'action="/newsletter/"><input type="email" name="email" placeholder="you@example.org" required>'
                '<button>Subscribe</button></form></section></aside>')

    # ---- teasers -----------------------------------------------------------------------------------------
    def _texts(self, themed: bool) -> tuple[str, str]:
        rng = self.rng
        pool = (THEMED if themed else NEUTRAL)[self.lang]
        title, summary = rng.choice(pool)
        fill = {"m": rng.choice(MUSEUMS), "p": rng.choice(PLACES), "n": rng.choice(PEOPLE),
                "c": rng.choice(COLLECTIONS), "y": rng.randint(2016, 2025)}
        title = title.format(**fill)
        summary = summary.format(**fill)
        # pad or trim to 200-300 visible characters, as CMS excerpts are
        extra = (" " + rng.choice(PEOPLE) + " and " + rng.choice(MUSEUMS) + " contributed.") if len(summary) < 230 \
            else ""
        return title[0].upper() + title[1:], summary + extra

    def _card(self, url: str, title: str, summary: str, day: date, cats: list[str], small: bool = False) -> str:
        if small:  # sidebar: same card markup, title and date only
            return (f'<article class="teaser teaser--small"><div class="teaser__body">'
                    f'<h3 class="teaser__title"><a href="{url}">{title}</a></h3><div class="teaser__meta">'
                    f'<span class="teaser__date">{format_date(day, self.lang)}</span></div></div></article>\n')
        slug = url.rstrip("/").rsplit("/", 1)[-1]
        img = f"/app/uploads/{day.year}/{day.month:02d}/{slug[:32]}"
        tags = "".join(f'<li><a href="/category/{slugify(c)}/" rel="tag">{c}</a></li>' for c in cats)
        return (
            '<article class="teaser post type-news has-post-thumbnail">'
            f'<div class="teaser__media"><a href="{url}" tabindex="-1">'
            f'<img src="{img}-400x250.jpg" srcset="{img}-800x500.jpg 800w" width="400" height="250" '
            f'alt="" loading="lazy"></a></div>'
            '<div class="teaser__body">'
            f'<ul class="teaser__tags">{tags}</ul>'
            f'<h3 class="teaser__title"><a href="{url}" rel="bookmark">{title}</a></h3>'
            f'<div class="teaser__meta"><span class="teaser__date">{format_date(day, self.lang)}</span></div>'
            f'<div class="teaser__summary"><p>{summary}</p></div>'
            '</div></article>\n'
        )

    def teasers(self, page: int) -> str:
        rng, out = self.rng, []
        for i in range(TEASERS_PER_PAGE):
            n = (page - 1) * TEASERS_PER_PAGE + i
            day = self.newest - timedelta(days=n // 3)
            title, summary = self._texts(rng.random() < 0.4)
            url = f"/section{self.section}/news/{day.year}/{day.month:02d}/{slugify(title)}-{n}/"
            cats = list(dict.fromkeys(rng.choice(CATEGORIES[self.lang]) for _ in range(rng.choice((1, 1, 2)))))
            out.append(self._card(url, title, summary, day, cats))
        return "".join(out)

    def pager(self, page: int) -> str:
        ui, last = self.ui, self.last_page
        nums = sorted({1, last} | {p for p in range(page - 2, page + 3) if 1 <= p <= last})
        parts, prev = [], 0
        if page > 1:
            parts.append(f'<a class="prev page-numbers" href="{section_path(self.section, page - 1)}">'
                         f'&laquo; {ui["prev"]}</a>')
        for p in nums:
            if p - prev > 1:
                parts.append('<span class="page-numbers dots">&hellip;</span>')
            if p == page:
                parts.append(f'<span aria-current="page" class="page-numbers current">{p}</span>')
            else:
                parts.append(f'<a class="page-numbers" href="{section_path(self.section, p)}">{p}</a>')
            prev = p
        if page < last:
            parts.append(f'<a class="next page-numbers" rel="next" href="{section_path(self.section, page + 1)}">'
                         f'{ui["next"]} &raquo;</a>')
        return f'<nav class="pager navigation pagination" aria-label="{ui["page"]}">{"".join(parts)}</nav>'

    def page(self, page: int) -> str:
        ui, path = self.ui, section_path(self.section, page)
        title = f'{ui["title"]}{" – " + ui["page"] + " " + str(page) if page > 1 else ""} – Museum network'
        rel = "".join(
            f'<link rel="{r}" href="{self.site}{section_path(self.section, p)}">'
            for r, p in (("prev", page - 1), ("next", page + 1)) if 1 <= p <= self.last_page)
        head = (
            f'<!doctype html>\n<html lang="{self.lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<meta name='robots' content='index, follow, max-image-preview:large'>"
            f'<title>{title}</title><meta name="description" content="News from the museum network.">'
            f'<link rel="canonical" href="{self.site}{path}">{rel}'
            f'<meta property="og:locale" content="{self.lang}"><meta property="og:type" content="website">'
            f'<meta property="og:title" content="{title}"><meta property="og:url" content="{self.site}{path}">'
            '<meta name="twitter:card" content="summary_large_image">'
            '<link rel="stylesheet" href="/app/themes/museum/dist/styles/main_a3f9c1e2.css" media="all">'
            '<link rel="preload" href="/app/themes/museum/dist/fonts/inter-var.woff2" as="font" crossorigin>'
            '<link rel="alternate" type="application/rss+xml" title="Feed" href="/feed/">'
            '<script type="application/ld+json">'
            + json.dumps({"@context": "https://schema.org", "@type": "CollectionPage", "url": f"{self.site}{path}",
                          "name": title, "isPartOf": {"@id": f"{self.site}/#website"},
                          "breadcrumb": {"@type": "BreadcrumbList", "itemListElement": [
                              {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{self.site}/"},
                              {"@type": "ListItem", "position": 2, "name": ui["title"]}]}})
            + '</script></head>'
        )
        body = (
            f'<body class="archive post-type-archive post-type-archive-news paged paged-{page}">'
            '<div class="cookie-banner" role="dialog" aria-label="Cookie consent"><p>We use cookies to make our '
            'website work and to understand how you use it. <a href="/privacy-policy/">Privacy and cookies</a>.'
            '</p><button class="js-cookie-accept">Accept all</button><button class="js-cookie-settings">Settings'
            '</button></div>'
            f'{self.header}'
            f'<nav class="breadcrumb" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li>'
            f'<li aria-current="page">{ui["title"]}</li></ol></nav>'
            f'<div class="layout container"><main id="content" class="main" role="main">'
            f'<h1 class="page-title">{ui["title"]}</h1><div class="news-list">\n{self.teasers(page)}</div>'
            f'{self.pager(page)}</main>{self.sidebar}</div>'
            f'{self.footer}</body></html>\n'
        )
        return head + body


def generate(root: Path, spec: MirrorSpec) -> dict:
    """Write the mirror under `root` (reused when a finished mirror of the same spec is there); its manifest."""
    manifest_path = root / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("key") == spec.key():
            return manifest
    if root.exists():
        shutil.rmtree(root)
    site = root / HOST
    total_bytes = 0
    for section in range(spec.sections):
        writer = SectionWriter(spec, section)
        for page in range(1, writer.last_page + 1):
            target = site / section_path(section, page).lstrip("/") / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            data = writer.page(page).encode("utf-8")
            target.write_bytes(data)
            total_bytes += len(data)
    manifest = {"key": spec.key(), "pages": spec.pages, "sections": spec.sections,
                "teasers_per_page": TEASERS_PER_PAGE, "bytes": total_bytes,
                "langs": [section_lang(s) for s in range(spec.sections)]}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest
