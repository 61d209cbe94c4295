"""Stories in the store (SQLite and PostgreSQL): joins at insert, leads, persisted keys, edits, URL identity."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from aggregator.stories import members, multi_source
from aggregator.models import Item, ItemKey
from aggregator.store import Incoming, Store
from aggregator.urls import clean_url, url_key

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
STATEMENT = ("ICOM expresses its solidarity with Türkiye and Syria following the earthquakes",
             "ICOM expresses its deepest sympathy to the people of Türkiye and Syria after the earthquakes of "
             "6 February, which damaged museums and heritage sites in the region.")


def inc(url: str, title: str, summary: str, source: str = "icom-news", days: float = 0, priority: int = 90,
        lang: str = "en", alternates=()) -> Incoming:
    link = clean_url(url)
    return Incoming(source_id=source, url=link, url_key=url_key(link), title=title, summary=summary,
                    summary_text=summary, image=None, categories=[], language=lang,
                    published=T0 + timedelta(days=days), themes={}, priority=priority,
                    alternates=[url_key(a) for a in alternates])


def by_url(store: Store) -> dict[str, Item]:
    with store.session() as s:
        return {i.url: i for i in s.scalars(select(Item))}


def stories(store: Store) -> list[set[str]]:
    with store.session() as s:
        return sorted(({i.url for i in items} for items in multi_source(s).values()), key=sorted)


def test_translations_and_copies_of_other_sources_make_one_story(store_url):
    store = Store(store_url)
    en, fr = "https://icom.museum/en/news/solidarity-turkiye-syria/", "https://icom.museum/fr/news/solidarite-turquie/"
    store.upsert([inc(en, *STATEMENT, alternates=[fr]),
                  inc(fr, "L'ICOM exprime sa solidarité avec la Türkiye et la Syrie après les séismes",
                      "L'ICOM exprime sa profonde sympathie au peuple de Türkiye et de Syrie après les séismes du "
                      "6 février, qui ont endommagé musées et sites patrimoniaux.", lang="fr")], now=T0)
    store.upsert([inc("https://uk.icom.museum/news/icom-statement-earthquakes/", "ICOM UK: " + STATEMENT[0],
                      STATEMENT[1] + " This article was first published by ICOM.", source="icom-uk", days=3,
                      priority=60)], now=T0 + timedelta(days=3))
    items = by_url(store)
    assert stories(store) == [set(items)]
    uk = items["https://uk.icom.museum/news/icom-statement-earthquakes/"]
    assert "joined item" in uk.cluster_reason and "similar text" in uk.cluster_reason
    assert "language version" in items[fr].cluster_reason and "hreflang" in items[fr].cluster_reason
    assert [i.url for i in items.values() if i.lead] == [en]


def test_higher_priority_copy_becomes_the_lead_but_the_story_keeps_its_id(store_url):
    store = Store(store_url)
    store.upsert([inc("https://www.ne-mo.org/news/icom-statement", *STATEMENT, source="nemo-news", priority=70)],
                 now=T0)
    store.upsert([inc("https://icom.museum/en/news/statement", *STATEMENT, days=1)], now=T0 + timedelta(days=1))
    items = by_url(store)
    nemo, icom = items["https://www.ne-mo.org/news/icom-statement"], items["https://icom.museum/en/news/statement"]
    assert icom.cluster_id == nemo.cluster_id == nemo.id
    assert icom.lead and not nemo.lead


def test_webinars_of_one_series_stay_apart(store_url):
    """Same boilerplate, one source, another session: apart; a relay of one session joins that session only."""
    store = Store(store_url)
    text = "UNESCO Cluster Office in Almaty continues a series of online capacity-building webinars for museum workers."
    store.upsert([inc("https://en.unesco.kz/inclusiveness-webinar", "Inclusiveness in the Work of Museums Webinar",
                      text + " On 25 February the speakers discussed inclusion.", source="unesco-almaty"),
                  inc("https://en.unesco.kz/labels-webinar", "Museum Labels Webinar for Museum Workers",
                      text + " On 4 March the speakers discussed museum labels.", source="unesco-almaty", days=5),
                  inc("https://www.ne-mo.org/news/labels", "Museum Labels Webinar for Museum Workers",
                      text + " On 4 March the speakers discussed museum labels.", source="nemo-news", days=6)], now=T0)
    assert stories(store) == [{"https://en.unesco.kz/labels-webinar", "https://www.ne-mo.org/news/labels"}]


def test_index_lives_in_the_store_not_in_memory(store_url):
    """A second Store object (a later run) finds the story in the stored items, and the language keys persist."""
    first = Store(store_url)
    first.upsert([inc("https://icom.museum/en/news/statement", *STATEMENT)], now=T0)
    with first.session() as s:
        keys = s.scalar(select(func.count()).select_from(ItemKey))
    assert keys == 1  # its language-neutral form (its own URL key is the item's url_key)
    first.engine.dispose()
    later = Store(store_url)
    later.upsert([inc("https://cimam.org/news/statement", *STATEMENT, source="cimam", days=2, priority=50)],
                 now=T0 + timedelta(days=2))
    assert len(stories(later)) == 1
    later.upsert([inc("https://icom.museum/fr-version/statement", "Solidarité", "Un texte sans rien de commun.",
                      lang="fr", alternates=["https://icom.museum/en/news/statement"])], now=T0 + timedelta(days=3))
    with later.session() as s:
        french = s.scalars(select(Item).where(Item.language == "fr")).one()
    assert len(stories(later)) == 1 and french.cluster_reason.startswith("language version of item 1")


def test_recrawl_with_tracking_parameters_and_https_switch_adds_nothing(store_url):
    store = Store(store_url)
    store.upsert([inc("http://icom.museum/en/news/statement/", *STATEMENT)], now=T0)
    before = {(i.feed_id, i.first_seen, i.updated) for i in by_url(store).values()}
    for url in ("https://icom.museum/en/news/statement?utm_source=nl&fbclid=x#top",
                "https://ICOM.museum:443/en/news/statement/?gclid=1&mc_cid=2"):
        assert store.upsert([inc(url, *STATEMENT)], now=T0 + timedelta(days=1)) == (0, 1)
    assert {(i.feed_id, i.first_seen, i.updated) for i in by_url(store).values()} == before


def test_trivial_edit_changes_nothing_and_a_substantive_one_updates(store_url):
    store = Store(store_url)
    url = "https://icom.museum/en/news/statement"
    store.upsert([inc(url, *STATEMENT)], now=T0)
    first = by_url(store)[url]
    store.upsert([inc(url, STATEMENT[0].replace("solidarity", "solidarty"), STATEMENT[1])], now=T0 + timedelta(1))
    typo = by_url(store)[url]
    assert (typo.title, typo.updated, typo.content_hash) == (first.title, first.updated, first.content_hash)
    revised = "ICOM launches an emergency fund for museums in Türkiye and Syria; applications open until 30 April."
    store.upsert([inc(url, STATEMENT[0], revised)], now=T0 + timedelta(2))
    edited = by_url(store)[url]
    assert edited.summary == revised and edited.updated == T0 + timedelta(2)
    assert (edited.feed_id, edited.first_seen) == (first.feed_id, first.first_seen)


def test_new_canonicalisation_rule_keeps_the_stored_item(store_url):
    """An item stored under an older key (here with a parameter a new rule would strip) is found again by
    source, title and date: it takes the new key and keeps its feed id."""
    store = Store(store_url)
    old = inc("https://icom.museum/en/news/statement", *STATEMENT)
    old.url_key += "?campaign=spring"     # what an older canonicaliser kept
    store.upsert([old], now=T0)
    feed_id = by_url(store)[old.url].feed_id
    assert store.upsert([inc("https://icom.museum/en/news/statement", *STATEMENT)], now=T0 + timedelta(1)) == (0, 1)
    [item] = by_url(store).values()
    assert (item.feed_id, item.url_key) == (feed_id, "icom.museum/en/news/statement")


def test_rekeying_takes_only_the_same_date_within_a_batch_spanning_days(store_url):
    """The look-up reads a title's items over the batch's whole span of dates; only the exact date is taken."""
    store = Store(store_url)
    title, summary = "Press release", "Statement of the Executive Board."
    old = inc("https://icom.museum/en/news/press-release-old", title, summary, days=2)
    old.url_key += "?campaign=spring"
    store.upsert([old], now=T0)
    feed_id = by_url(store)[old.url].feed_id
    batch = [inc(f"https://icom.museum/en/news/press-release-{d}", title, summary, days=d) for d in (0, 1, 3, 4)]
    batch.append(inc("https://icom.museum/en/news/press-release-old", title, summary, days=2))
    assert store.upsert(batch, now=T0 + timedelta(days=1)) == (4, 1)
    assert by_url(store)[old.url].feed_id == feed_id and store.count() == 5


def test_two_items_of_one_crawl_with_the_same_title_and_date_stay_two(store_url):
    """Distinct pages of one source that share title and date ("Press release", same day) are both kept: an
    item stored minutes ago in this crawl is not an older copy to take over (found by the crawl benchmark)."""
    store = Store(store_url)
    title, summary = "Press release", "Statement of the Executive Board."
    store.upsert([inc("https://icom.museum/en/news/press-release-1", title, summary)], now=T0)
    store.upsert([inc("https://icom.museum/en/news/press-release-2", title, summary)], now=T0 + timedelta(minutes=2))
    assert sorted(by_url(store)) == ["https://icom.museum/en/news/press-release-1",
                                     "https://icom.museum/en/news/press-release-2"]
    # A day later, each comes back under its own key: nothing is merged either.
    later = T0 + timedelta(days=1)
    store.upsert([inc(f"https://icom.museum/en/news/press-release-{n}", title, summary) for n in (1, 2)], now=later)
    assert store.count() == 2


def test_members_lists_the_lead_first(store_url):
    store = Store(store_url)
    store.upsert([inc("https://cimam.org/news/statement", *STATEMENT, source="cimam", priority=50),
                  inc("https://icom.museum/en/news/statement", *STATEMENT, days=1)], now=T0)
    with store.session() as s:
        [story] = members(s, {i.cluster_id for i in s.scalars(select(Item))}).values()
    assert [i.source_id for i in story] == ["icom-news", "cimam"]


def test_store_made_before_stories_is_upgraded_and_indexed(store_url):
    """An older store gets the story columns; its items become stories of their own that new copies join."""
    from sqlalchemy import MetaData, Table, create_engine, insert

    from aggregator.migrate import NEW_COLUMNS

    engine = create_engine(store_url)
    old = Table("items", MetaData(), *[c._copy() for c in Item.__table__.columns if c.name not in NEW_COLUMNS])
    old.create(engine)
    row = inc("https://icom.museum/en/news/statement", *STATEMENT)
    with engine.begin() as conn:
        conn.execute(insert(old).values(
            feed_id="urn:uuid:old-1", url_key=row.url_key, url=row.url, source_id="icom-news", source_priority=90,
            title=row.title, summary=row.summary, image=None, categories=[], language="en", published=row.published,
            first_seen=T0, last_seen=T0, updated=T0, sort_date=T0, content_hash="x"))
    engine.dispose()
    store = Store(store_url)
    [item] = by_url(store).values()
    assert (item.cluster_id, item.lead, item.feed_id) == (item.id, True, "urn:uuid:old-1")
    store.upsert([inc("https://cimam.org/news/statement", *STATEMENT, source="cimam", days=1, priority=50)],
                 now=T0 + timedelta(days=1))
    assert len(stories(store)) == 1
    assert store.upsert([inc("https://icom.museum/en/news/statement", *STATEMENT)], now=T0 + timedelta(2)) == (0, 1)


def elected(items: list[Item]) -> int:
    """The lead by the full rule: highest source priority, then first seen, then lowest id."""
    return min(items, key=lambda i: (-i.source_priority, i.first_seen, i.id)).id


@pytest.mark.parametrize("arrivals", [
    [[("a", 50)], [("b", 70)], [("c", 60)]],            # a higher priority takes the lead, a lower one does not
    [[("a", 50), ("b", 70), ("c", 70)]],                 # in one batch: the first of the highest
    [[("a", 80)], [("b", 50), ("c", 90), ("d", 90)]],   # a stored lead deposed by a batch's first 90
    [[("a", 50), ("b", 50)], [("c", 50)]],               # equal priorities: the first seen stays
])
def test_one_lead_per_story_as_the_full_rule_elects(store_url, arrivals):
    store = Store(store_url)
    for n, batch in enumerate(arrivals):
        store.upsert([inc(f"https://{src}.example.org/news/statement", *STATEMENT, source=src, priority=prio)
                      for src, prio in batch], now=T0 + timedelta(hours=n))
    with store.session() as s:
        [story] = multi_source(s).values()
    assert [i.id for i in story if i.lead] == [elected(story)]
    assert len(story) == sum(len(b) for b in arrivals)
