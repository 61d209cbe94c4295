"""Bring a store made before story clustering up to date: add the columns, then index its items once."""
from __future__ import annotations

from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.schema import CreateIndex

from aggregator import dedup
from aggregator.models import Base, Item, ItemKey
from aggregator.schema import missing_columns

# Columns added to `items` with story clustering, and their SQL for ALTER TABLE (same on SQLite and PostgreSQL).
NEW_COLUMNS = {"cluster_id": "INTEGER", "lead": "BOOLEAN NOT NULL DEFAULT TRUE",
               "cluster_reason": "TEXT NOT NULL DEFAULT ''", "fingerprint": "TEXT NOT NULL DEFAULT ''",
               "alternates": "JSON", "title_key": "VARCHAR(40) NOT NULL DEFAULT ''"}
CHUNK = 2000
# ix_items_source_title was replaced by ix_items_rekey (with the date), which was replaced by ix_items_rekey_dated
# (the date before the title: a batch's inserts land side by side instead of at random title hashes);
# ix_items_cluster (cluster_id) by ix_items_cluster_when (cluster_id and the date)
RETIRED_INDEXES = ("ix_items_source_title", "ix_items_rekey", "ix_items_cluster")


def ensure_indexes(engine: Engine) -> None:
    """Create the items' indexes an older store lacks (CREATE INDEX IF NOT EXISTS: SQLite and PostgreSQL; the
    expression index ix_items_when cannot be reflected, so `checkfirst` cannot tell)."""
    with engine.begin() as conn:
        for index in Item.__table__.indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))
        for name in RETIRED_INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))


def upgrade(engine: Engine) -> bool:
    """Add missing story columns and indexes; give every unindexed item its fingerprint, keys and own story.
    Returns whether anything was done."""
    lacking = missing_columns(engine, Base.metadata)
    missing = [name for name in NEW_COLUMNS if name in lacking.get("items", ())]
    others = {t: [c for c in cols if t != "items" or c not in NEW_COLUMNS] for t, cols in lacking.items()}
    if not missing or any(others.values()):
        return False  # nothing to do, or another version's store: the schema check refuses it by name
    with engine.begin() as conn:
        for name in missing:
            conn.execute(text(f'ALTER TABLE items ADD COLUMN "{name}" {NEW_COLUMNS[name]}'))
    ensure_indexes(engine)
    backfill(engine)
    return True


def backfill(engine: Engine) -> None:
    """Items without a story get one of their own, with the language keys later versions find them by."""
    from aggregator.normalize import html_to_text

    last = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(select(Item.id, Item.url_key, Item.title, Item.summary, Item.published,
                                       Item.first_seen).where(Item.id > last, Item.cluster_id.is_(None))
                                .order_by(Item.id).limit(CHUNK)).all()
            keys = []
            for r in rows:
                fp = dedup.fingerprint(r.title, html_to_text(r.summary))
                conn.execute(update(Item).where(Item.id == r.id).values(
                    cluster_id=r.id, lead=True, fingerprint=fp.dump(), alternates=[],
                    title_key=dedup.title_key(r.title)))
                keys += [{"key": k, "item_id": r.id} for k in dedup.language_keys(r.url_key, [])]
            if keys:
                conn.execute(insert(ItemKey), keys)
        if len(rows) < CHUNK:
            return
        last = rows[-1].id
