"""P-22 (adapted: no migrations): re-opening a store keeps its data; an older schema is refused by name."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from aggregator.schema import SchemaError
from aggregator.store import Incoming, Store

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def item(n: int) -> Incoming:
    return Incoming(source_id="s", url=f"https://s.org/{n}", url_key=f"s.org/{n}", title=f"Item {n}", summary="",
                    summary_text="", image=None, categories=["x"], language="en", published=T0,
                    themes={"wellbeing": "why"})


def test_p22_reopening_a_store_keeps_everything(store_url):
    store = Store(store_url)
    store.upsert([item(n) for n in range(5)], now=T0)
    run = store.start_run("s")
    before = [(i.feed_id, i.url, i.title, [t.theme for t in i.themes]) for i in store.latest()]
    store.engine.dispose()
    again = Store(store_url)  # create_all over an existing store, then the schema check
    assert [(i.feed_id, i.url, i.title, [t.theme for t in i.themes]) for i in again.latest()] == before
    assert again.last_runs()["s"].id == run


def test_p22_store_of_an_older_schema_refused_naming_the_column(store_url, tmp_path):
    store = Store(store_url)
    store.upsert([item(1)], now=T0)
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE items DROP COLUMN image"))
    store.engine.dispose()
    with pytest.raises(SchemaError, match=r"\(table items lacks image\); there are no automatic migrations"):
        Store(store_url)
    if store_url.startswith("sqlite"):
        proc = subprocess.run([sys.executable, "-m", "aggregator.cli", "--db", store_url, "status"],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "table items lacks image" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_retired_indexes_are_replaced_when_a_store_opens(store_url):
    """A store made before ix_items_rekey_dated (the rekey look-up's index with the date before the title) and
    ix_items_cluster_when (story members by story and date) gets them, and loses the indexes they replace, the
    next time it is opened; its items stay."""
    store = Store(store_url)
    store.upsert([Incoming("icom", "https://icom.museum/n/1", "icom.museum/n/1", "Title", "", "", None, [], "en",
                           datetime(2025, 7, 1, tzinfo=timezone.utc), {})])
    with store.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_items_rekey_dated"))
        conn.execute(text("CREATE INDEX ix_items_rekey ON items (source_id, title_key, published)"))
        conn.execute(text("DROP INDEX ix_items_cluster_when"))
        conn.execute(text("CREATE INDEX ix_items_cluster ON items (cluster_id)"))
    assert {"ix_items_rekey", "ix_items_cluster"} <= index_names(store.engine)
    store.engine.dispose()
    reopened = Store(store_url)
    names = index_names(reopened.engine)
    assert {"ix_items_rekey_dated", "ix_items_cluster_when"} <= names
    assert not {"ix_items_rekey", "ix_items_cluster"} & names
    assert reopened.count() == 1


def index_names(engine) -> set[str]:
    """The items table's index names, expression indexes included (reflection skips those)."""
    sql = ("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items'" if engine.dialect.name == "sqlite"
           else "SELECT indexname FROM pg_indexes WHERE tablename = 'items' AND schemaname = current_schema()")
    with engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())
