"""A store writer for the crash test: commits batches of 100, then stops inside the next transaction and waits."""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import event

from aggregator.store import Incoming, Store

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def batch(n: int, size: int = 100) -> list[Incoming]:
    """Batch n: items n*size .. n*size+size-1."""
    return [Incoming(source_id="w", url=f"https://w.org/n/{i}", url_key=f"w.org/n/{i}", title=f"Item {i}",
                     summary="", summary_text="", image=None, categories=[], language="en", published=NOW,
                     themes={}) for i in range(n * size, n * size + size)]


def main(url: str, marker: str, committed: int) -> None:
    """Commit `committed` batches, then hang inside the next one's transaction (after writing its rows)."""
    store = Store(url)
    store.start_run("w")
    calls = {"n": 0}

    @event.listens_for(store.session, "before_commit")
    def _hang(session):
        calls["n"] += 1
        if calls["n"] > committed:
            session.flush()  # the rows are written inside the open transaction...
            Path(marker).write_text("in batch")
            time.sleep(60)  # ...and the process is killed here

    for n in range(committed + 1):
        store.upsert(batch(n), now=NOW)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
