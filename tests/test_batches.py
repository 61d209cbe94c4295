"""A page's teasers go through the pipelines as one TeaserBatch: each teaser normalised, tagged and counted."""
from datetime import datetime, timezone

import pytest

from scrapy.utils.test import get_crawler

from aggregator.config import load_config
from crawlers import resources
from crawlers.items import Teaser, TeaserBatch
from crawlers.pipelines import NormalizePipeline, TagPipeline

WHEN = datetime(2024, 5, 1, tzinfo=timezone.utc)


def teaser(title: str, url: str, **kw) -> Teaser:
    return Teaser(source="icom-news", url=url, title=title, published=WHEN, **kw)


def test_batch_keeps_good_teasers_and_drops_bad_ones_alone():
    config = load_config("config.yaml")
    stats = get_crawler().stats
    norm = NormalizePipeline(config.sources, stats)
    batch = TeaserBatch("icom-news", [
        teaser("Museums and earthquake response", "https://icom.museum/en/news/a/?utm_source=x"),
        teaser("   ", "https://icom.museum/en/news/b/"),                   # no title
        teaser("Sign language tours", "javascript:alert(1)"),               # no http(s) link
        teaser("Webinar on digitisation", "https://icom.museum/en/news/c/",
               alternates=["https://icom.museum/fr/news/c/", "mailto:x@y"]),  # hreflang versions (article page)
    ])
    out = norm.process_item(batch)
    assert [i.url for i in out.incoming] == ["https://icom.museum/en/news/a/", "https://icom.museum/en/news/c/"]
    assert out.incoming[1].alternates == ["icom.museum/fr/news/c"]
    assert stats.get_value("item_dropped_count") == 2 and len(out.dropped) == 2
    assert all("icom-news: teaser without title or http(s) link" in why for why in out.dropped)
    tagged = TagPipeline(resources.themes("config.yaml")).process_item(out)
    assert [sorted(i.themes) for i in tagged.incoming] == [["crisis-response"], ["digitisation"]]


class KeepStore:
    """Store.upsert's stand-in for the worker chain: every item new, the items kept."""

    def __init__(self):
        self.items = []

    def upsert(self, batch):
        self.items += batch
        return len(batch), 0


def worker_chain(tmp_path):
    from aggregator.worker import Chain

    chain = Chain({"MUSEUMFEEDS_CONFIG": "config.yaml", "MUSEUMFEEDS_DB": f"sqlite:///{tmp_path}/store.db"})
    chain.store.store = KeepStore()
    return chain


CHAIN_CASES = [
    # titles (None: a teaser whose link is None, so normalise raises), stored titles, drop reasons, drop count
    (["Earthquake response", "Sign language tours"], ["Earthquake response", "Sign language tours"], [], None),
    (["Earthquake response", "  ", "Sign language tours"], ["Earthquake response", "Sign language tours"],
     ["icom-news: teaser without title or http(s) link: 'https://icom.museum/en/news/1/'"], 1),
    (["Earthquake response", None, "Sign language tours"], ["Earthquake response", "Sign language tours"],
     ["icom-news: AttributeError: 'NoneType' object has no attribute 'startswith' (None)"], 1),
    ([None, "  ", "Webinar"], ["Webinar"],
     ["icom-news: AttributeError: 'NoneType' object has no attribute 'startswith' (None)",
      "icom-news: teaser without title or http(s) link: 'https://icom.museum/en/news/1/'"], 2),
]


@pytest.mark.parametrize("titles,stored,drops,dropped", CHAIN_CASES)
def test_normalise_drops_only_the_bad_teasers(titles, stored, drops, dropped):
    """A teaser that normalising refuses, or that makes it fail, loses only itself; the page's others go on."""
    from aggregator.worker import Stats

    stats = Stats()
    pipeline = NormalizePipeline(resources.config("config.yaml").sources, stats)
    teasers = [teaser(t or "Untitled", None if t is None else f"https://icom.museum/en/news/{n}/")
               for n, t in enumerate(titles)]
    batch = pipeline.process_item(TeaserBatch("icom-news", teasers))
    assert [i.title for i in batch.incoming] == stored
    assert batch.dropped == drops
    assert stats.incs.get("item_dropped_count") == dropped


def test_batch_steps_give_what_normalise_gives_one_teaser_at_a_time(monkeypatch):
    """process_item takes the page's teasers through each step together: the items and the drops (failures in
    any step) are those, and in the order, of normalise called on each teaser in turn."""
    from scrapy.exceptions import DropItem

    from aggregator import dedup

    pipeline = NormalizePipeline(resources.config("config.yaml").sources)
    titles = ["Earthquake response", "  ", "fails late", "Sign language tours", "fails early", "Webinar"]
    teasers = [teaser(t, f"https://icom.museum/en/news/{n}/", summary=f"<p>{t} <b>news</b></p>")
               for n, t in enumerate(titles)]
    teasers[4].categories = None  # the first step fails on it
    keys = dedup.keys
    monkeypatch.setattr(dedup, "keys", lambda t, s: keys(t, s) if t != "fails late" else 1 / 0)  # the last step
    one_by_one, reasons = [], []
    for t in teasers:
        try:
            one_by_one.append(pipeline.normalise(t))
        except DropItem as exc:
            reasons.append(str(exc))
        except Exception as exc:  # noqa: BLE001
            reasons.append(f"{t.source}: {type(exc).__name__}: {exc} ({t.url!r})")
    batch = pipeline.process_item(TeaserBatch("icom-news", teasers))
    assert batch.incoming == one_by_one and [i.title for i in one_by_one] == [titles[0], titles[3], titles[5]]
    assert batch.dropped == reasons and len(reasons) == 3 and "ZeroDivisionError" in reasons[1]


def test_worker_chain_stores_a_batch_of_normalised_items(tmp_path):
    from aggregator.store import Incoming

    chain = worker_chain(tmp_path)
    items = [Incoming(source_id="icom-news", url=f"https://icom.museum/n/{i}", url_key=f"icom.museum/n/{i}",
                      title=f"Item {i}", summary="", summary_text="", image=None, categories=[], language="en",
                      published=None, themes={}) for i in range(3)]
    result = chain.run(items)
    assert [i.title for i in chain.store.store.items] == ["Item 0", "Item 1", "Item 2"]
    assert result["incs"]["museumfeeds/items_new"] == result["incs"]["museumfeeds/items_stored"] == 3


def test_worker_chain_counts_nothing_for_an_empty_batch(tmp_path):
    result = worker_chain(tmp_path).run([])
    assert result.pop("cpu").keys() == {"store"}
    assert result == {"incs": {}, "sets": {}, "drops": []}


class FakeWorker:
    """A store worker stand-in: `backlog` seconds of its CPU queued, and what was submitted."""

    def __init__(self, backlog: float):
        from crawlers.balance import Balance

        self.balance = Balance()
        self.balance.largest = 200  # batches of 200 sent so far: a horizon of 2 x 200 x 0.7 ms = 0.28 s
        self.balance.queued = {0: backlog} if backlog else {}
        self.sent: list = []

    def submit(self, key, settings, items, last, raw=True):
        from twisted.internet import defer

        self.sent.append((items, raw))
        return defer.succeed({"incs": {}, "sets": {}, "drops": []})


@pytest.mark.parametrize("backlog, raw", [(0, True), (0.1, True), (0.3, False), (5, False)])
def test_handoff_normalises_here_only_when_the_worker_is_behind(monkeypatch, backlog, raw):
    from aggregator.store import Incoming
    from crawlers import handoff

    worker = FakeWorker(backlog)
    monkeypatch.setattr(handoff, "shared_worker", lambda: worker)
    crawler = get_crawler(settings_dict={"STORE_WORKER": True, "STORE_BATCH_SIZE": 3,
                                         "MUSEUMFEEDS_CONFIG": "config.yaml"})
    pipeline = handoff.HandoffPipeline.from_crawler(crawler)
    teasers = [teaser(f"Webinar {n}", f"https://icom.museum/en/news/{n}/") for n in range(4)]
    pipeline.process_item(TeaserBatch("icom-news", teasers))
    [(sent, sent_raw)] = worker.sent  # one full batch of 3; the 4th waits for more or for close_spider
    assert len(sent) == 3 and all(isinstance(i, Teaser if raw else Incoming) for i in sent) and sent_raw == raw
    assert crawler.stats.get_value("museumfeeds/normalised_in_crawl") == (None if raw else 3)
    pipeline.close_spider()  # the spider's last batch: prepared here whatever the backlog (the end waits on it)
    (last, last_raw) = worker.sent[1]
    assert len(last) == 1 and isinstance(last[0], Incoming) and last_raw is False
    assert crawler.stats.get_value("museumfeeds/normalised_in_crawl") == (1 if raw else 4)


@pytest.mark.parametrize("size, spiders", [(200, 8), (200, 3), (3, 2), (1, 5)])
def test_staggered_first_batches_spread_the_spiders_over_one_batch(size, spiders):
    """Spiders at one pace flush at different pages: first batch sizes distinct (as far as `size` allows),
    within 1..size, the first spider's a whole batch, and no two neighbours (as offsets in a batch's cycle)
    further apart than half a batch."""
    from crawlers.handoff import staggered

    firsts = [staggered(k, size) for k in range(spiders)]
    assert firsts[0] == size and all(1 <= f <= size for f in firsts)
    assert len(set(firsts)) == min(size, spiders)
    offsets = sorted(f % size for f in firsts) + [size]
    assert max(b - a for a, b in zip(offsets, offsets[1:])) <= (size + 1) // 2


def test_handoff_staggers_only_each_spiders_first_batch(monkeypatch):
    import itertools

    from crawlers import handoff

    worker = FakeWorker(0)
    monkeypatch.setattr(handoff, "shared_worker", lambda: worker)
    monkeypatch.setattr(handoff, "_opened", itertools.count())
    pipelines = []
    for _ in range(2):
        crawler = get_crawler(settings_dict={"STORE_WORKER": True, "STORE_BATCH_SIZE": 4,
                                             "MUSEUMFEEDS_CONFIG": "config.yaml"})
        pipelines.append(handoff.HandoffPipeline.from_crawler(crawler))
        pipelines[-1].open_spider()
    for n, pipeline in enumerate(pipelines):
        worker.sent.clear()
        pipeline.process_item(TeaserBatch("icom-news", [
            teaser(f"Webinar {n} {k}", f"https://icom.museum/en/news/{n}-{k}/") for k in range(9)]))
        first = handoff.staggered(n, 4)
        assert [len(items) for items, _ in worker.sent] == [first, 4] and len(pipeline.buffer) == 9 - first - 4
    assert handoff.staggered(1, 4) != 4  # the second spider's cycle is offset


@pytest.mark.parametrize("size", [0, -5])
def test_batch_size_below_one_means_one_item_a_batch(monkeypatch, tmp_path, size):
    """STORE_BATCH_SIZE 0 (or less) must not loop forever flushing empty batches: one teaser a batch."""
    from crawlers import handoff
    from crawlers.pipelines import StorePipeline

    worker = FakeWorker(0)
    monkeypatch.setattr(handoff, "shared_worker", lambda: worker)
    settings = {"STORE_WORKER": True, "STORE_BATCH_SIZE": size, "MUSEUMFEEDS_CONFIG": "config.yaml"}
    pipeline = handoff.HandoffPipeline.from_crawler(get_crawler(settings_dict=settings))
    pipeline.process_item(TeaserBatch("icom-news", [
        teaser(f"Webinar {k}", f"https://icom.museum/en/news/{k}/") for k in range(3)]))
    assert [len(items) for items, _ in worker.sent] == [1, 1, 1] and pipeline.buffer == []
    settings.update(STORE_WORKER=False, MUSEUMFEEDS_DB=f"sqlite:///{tmp_path}/store.db")
    store = StorePipeline(get_crawler(settings_dict=settings))
    assert store.batch_size == 1


def test_spider_knows_only_what_was_stored_before_its_run(tmp_path):
    """With a store that was empty when the spider was made (a first crawl), no page is looked up: an item stored
    meanwhile by this run is not "known" (so it cannot stop the pagination); a spider made later knows it."""
    from aggregator.store import Incoming, Store
    from crawlers.loader import ConfigSpiderLoader
    from tests.faultcrawl import source, write_config

    config = write_config(tmp_path, [source("a", ["http://127.0.0.1/x/"])])
    settings = {"MUSEUMFEEDS_CONFIG": str(config), "MUSEUMFEEDS_DB": f"sqlite:///{tmp_path}/store.db"}

    def spider():
        cls = ConfigSpiderLoader(settings).load("a")
        return cls.from_crawler(get_crawler(cls, settings_dict=settings))

    first = spider()
    link, key = resources.identity("http://127.0.0.1/x/1")
    Store(settings["MUSEUMFEEDS_DB"]).upsert([Incoming("a", link, key, "One", "", "", None, [], "en", None, {})])
    teasers = [teaser("One", link)]
    assert first.known(teasers) == set()
    assert spider().known(teasers) == {link}
