"""Rows the bulk INSERT writes (aggregator/bulk.py) are stored and read back exactly as the ORM's; both dialects."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from aggregator import dedup
from aggregator.bulk import BulkInsert, convert
from aggregator.models import Item, ItemTheme
from aggregator.store import Incoming, Store
from aggregator.storewrite import NEW_COLUMNS, NewItems, new_ids, new_row

T0 = datetime(2026, 5, 4, 10, 30, 15, 250, tzinfo=timezone.utc)
PARIS = timezone(timedelta(hours=2))
SKIPPED = ("id", "feed_id", "url", "url_key")  # columns that differ between the two copies


def incoming(n: int, prefix: str) -> Incoming:
    """Items with every kind of value: missing dates and images, zones, accents, quotes, lists, themes."""
    published = [T0 - timedelta(days=n), None, datetime(2026, 5, 4, 12, tzinfo=PARIS), T0 + timedelta(days=3)][n % 4]
    return Incoming(source_id=f"src{n % 2}", url=f"https://ex.org/{prefix}/{n}?q='x'", url_key=f"ex.org/{prefix}/{n}",
                    title=f"Musée n°{n} \"quoted\" — Türkiye", summary=f"<p>Summary {n} ünïcode</p>",
                    summary_text=f"Summary {n} ünïcode", image=None if n % 3 else f"https://ex.org/{n}.jpg",
                    categories=[] if n % 2 else ["News", "Événements"], language=None if n == 5 else "fr",
                    published=published, themes={"wellbeing": 'term "bien-être"', "digital": "x"} if n % 2 else {},
                    priority=40 + n,
                    alternates=[f"ex.org/{prefix}/{n}", f"ex.org/en/{prefix}/{n}"] if n % 3 == 1 else [])


def orm_insert(store: Store, items: list[Incoming]) -> None:
    """The same rows written through the ORM, one Item object each."""
    with store.session.begin() as s:
        for inc in items:
            fp = dedup.fingerprint(inc.title, inc.summary_text)
            alts = sorted(set(inc.alternates) - {inc.url_key})
            row = dict(zip(NEW_COLUMNS, new_row(None, inc.url_key, inc, fp.dump(), alts, T0, "orm:" + inc.url_key)))
            item = Item(**row)
            item.themes = [ItemTheme(theme=k, reason=v, sort_date=row["sort_date"]) for k, v in inc.themes.items()]
            s.add(item)


def stored(store: Store, prefix: str) -> list[tuple]:
    """Every column as the database holds it (JSON as its text), but SKIPPED."""
    cols = ", ".join(f"CAST({c} AS TEXT)" if c in ("categories", "alternates") else c
                     for c in NEW_COLUMNS if c not in SKIPPED)
    with store.engine.connect() as conn:
        mine = {"like": f"ex.org/{prefix}/%"}  # text(): the driver's values, no result processing
        items = conn.execute(text(f"SELECT {cols} FROM items WHERE url_key LIKE :like ORDER BY source_priority"),
                             mine).all()
        themes = conn.execute(text("SELECT i.source_priority, t.theme, t.reason, t.sort_date FROM item_themes t "
                                   "JOIN items i ON i.id = t.item_id WHERE i.url_key LIKE :like ORDER BY 1, 2"),
                              mine).all()
    return same_keys([tuple(r) for r in items] + [tuple(r) for r in themes], prefix)


def same_keys(rows: list[tuple], prefix: str) -> list[tuple]:
    """The rows with the URL keys' prefix taken out of the values that hold them (alternates)."""
    def plain(value):
        if isinstance(value, str):
            return value.replace(f"/{prefix}/", "/")
        return [plain(v) for v in value] if isinstance(value, list) else value
    return [tuple(plain(v) for v in row) for row in rows]


def read_back(store: Store, prefix: str) -> list[tuple]:
    """Every column through the ORM (aware datetimes, JSON lists), but SKIPPED."""
    with store.session() as s:
        items = s.scalars(select(Item).where(Item.url_key.like(f"ex.org/{prefix}/%")).order_by(Item.source_priority))
        return same_keys([tuple(getattr(i, c) for c in NEW_COLUMNS if c not in SKIPPED)
                          + tuple((t.theme, t.reason, t.sort_date) for t in i.themes) for i in items], prefix)


def test_bulk_insert_stores_what_the_orm_stores(store_url):
    store = Store(store_url)
    orm_insert(store, [incoming(n, "a") for n in range(8)])
    with store.session.begin() as s:
        new = NewItems(s, [(inc.url_key, inc) for inc in (incoming(n, "b") for n in range(8))], T0, "urn:")
        for m in new.members:  # as new_row has them, before clustering
            m.cluster_id, m.lead, m.reason = None, True, ""
        new.insert()
        members = new.members
    assert stored(store, "a") == stored(store, "b")
    assert read_back(store, "a") == read_back(store, "b")
    first = read_back(store, "b")[0]
    assert first[[c for c in NEW_COLUMNS if c not in SKIPPED].index("published")].tzinfo == timezone.utc
    assert [m.url_key for m in members] == [f"ex.org/b/{n}" for n in range(8)]
    with store.session() as s:
        ids = dict(s.execute(select(Item.url_key, Item.id)).all())
    assert [m.id for m in members] == [ids[m.url_key] for m in members]


def test_bulk_insert_pages_many_rows_and_returns_every_id(store_url):
    store = Store(store_url)
    bulk = BulkInsert(ItemTheme.__table__, ("item_id", "theme", "reason", "sort_date"), returning=("theme",))
    bulk.page = 7  # several statements
    store.upsert([incoming(0, "p")], now=T0)
    with store.session.begin() as s:
        item_id = s.scalar(select(Item.id))
        s.execute(text("DELETE FROM item_themes"))
        out = bulk.run(s.connection(), [(item_id, f"t{k:02d}", "r", T0) for k in range(30)])
    assert sorted(t for (t,) in out) == [f"t{k:02d}" for k in range(30)]
    with store.session() as s:
        assert s.scalars(select(ItemTheme.sort_date).distinct()).all() == [T0]


def test_convert_converts_each_distinct_value_once():
    calls = []
    assert convert(lambda v: calls.append(v) or f"<{v}>", (1, 2, 1, 1)) == ["<1>", "<2>", "<1>", "<1>"]
    assert sorted(calls) == [1, 2]
    assert convert(len, ([1], [1, 2])) == [1, 2]


def test_convert_converts_each_distinct_list_of_strings_once():
    calls = []
    values = (["a"], [], ["a"], [1], [True], ["a", "b"], [])
    assert convert(lambda v: calls.append(v) or repr(v), values) == [repr(v) for v in values]
    assert sorted(map(repr, calls)) == sorted(map(repr, [["a"], [], [1], [True], ["a", "b"]]))


def test_convert_remembers_values_between_calls():
    calls, memo = [], {}
    assert convert(lambda v: calls.append(v) or f"<{v}>", (1, 2), memo) == ["<1>", "<2>"]
    assert convert(lambda v: calls.append(v) or f"<{v}>", (2, 3, 1), memo) == ["<2>", "<3>", "<1>"]
    assert convert(lambda v: calls.append(v) or repr(v), (["a"], ["a", "b"]), memo) == ["['a']", "['a', 'b']"]
    assert convert(lambda v: calls.append(v) or repr(v), (["a"],), memo) == ["['a']"]
    assert sorted(map(repr, calls)) == sorted(map(repr, [1, 2, 3, ["a"], ["a", "b"]]))  # each once


def test_new_ids_follow_the_stored_ones_and_are_never_handed_out_again(store_url):
    """Ids given before the INSERT (storewrite.new_ids): above every stored id, increasing; an item inserted
    afterwards the ordinary way (the ORM, the column's default: PostgreSQL's sequence) gets another."""
    store = Store(store_url)
    store.upsert([incoming(n, "s") for n in range(3)], now=T0)
    with store.session.begin() as s:
        top = s.scalar(select(func.max(Item.id)))
        assert new_ids(s.connection(), 0) == []
        new = NewItems(s, [(inc.url_key, inc) for inc in (incoming(n, "t") for n in range(4))], T0, "urn:")
        given = [m.id for m in new.members]
        assert given == sorted(given) and len(set(given)) == 4 and min(given) > top
        for m in new.members:
            m.cluster_id, m.lead, m.reason = m.id, True, ""
        new.insert()
    orm_insert(store, [incoming(9, "u")])
    with store.session() as s:
        ids = list(s.scalars(select(Item.id)))
        assert {i.url_key: i.id for i in s.scalars(select(Item).where(Item.url_key.like("ex.org/t/%")))} == {
            f"ex.org/t/{n}": i for n, i in enumerate(given)}
    assert len(ids) == len(set(ids)) == 3 + 4 + 1
