"""Schema check: a store made by an older museumfeeds is refused at once, naming what it lacks (no migrations)."""
from __future__ import annotations

from sqlalchemy import Engine, MetaData, inspect


class SchemaError(RuntimeError):
    """The store's tables lack columns the models need."""


def missing_columns(engine: Engine, metadata: MetaData) -> dict[str, list[str]]:
    """Per table, the model columns the database does not have (tables absent entirely are not listed)."""
    insp = inspect(engine)
    out: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        if not insp.has_table(table.name):
            continue
        have = {col["name"] for col in insp.get_columns(table.name)}
        lacking = [col.name for col in table.columns if col.name not in have]
        if lacking:
            out[table.name] = lacking
    return out


def check_schema(engine: Engine, metadata: MetaData) -> None:
    """SchemaError naming every missing column, instead of an SQL error in the middle of a crawl."""
    missing = missing_columns(engine, metadata)
    if missing:
        what = "; ".join(f"table {t} lacks {', '.join(cols)}" for t, cols in missing.items())
        raise SchemaError(f"the store {engine.url.render_as_string(hide_password=True)} was made by another "
                          f"version of museumfeeds ({what}); there are no automatic migrations: add the column(s) "
                          f"or start a new store")
