"""Bulk INSERTs sent to the driver as written: values converted by the columns' own bind processors, once per
distinct value, remembered between batches."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain

from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect

MAX_ROWS = 1000  # rows per multi-row INSERT (as SQLAlchemy's insertmanyvalues pages)
MAX_PARAMS = 30000  # under SQLite's 32766 and PostgreSQL's 65535 parameters per statement
MEMO = 4096  # converted values a column remembers (a crawl's dates and category lists recur batch after batch)


class BulkInsert:
    """INSERT of these columns of a table from tuples in column order, through `exec_driver_sql`: no per-row
    statement compiling or parameter dicts, and a value repeated in a batch (a date) is converted once. What is
    stored is what SQLAlchemy's INSERT stores, since the conversions are the columns' bind processors."""

    def __init__(self, table: Table, columns: Sequence[str], returning: Sequence[str] = ()):
        self.table = table
        self.columns = [table.c[name] for name in columns]
        self.returning = list(returning)
        self.page = max(1, min(MAX_ROWS, MAX_PARAMS // len(self.columns)))
        self.procs: dict[Dialect, tuple[tuple[Callable | None, dict], ...]] = {}  # per column, with its memo

    def run(self, conn: Connection, rows: Sequence[tuple]) -> list[tuple]:
        """Insert the rows; with `returning`, the returned columns of every row inserted (in no set order)."""
        dialect = conn.dialect
        procs = self.procs.get(dialect) or self.procs.setdefault(dialect, tuple(
            (proc, {}) for proc in processors(dialect, self.columns)))
        values = converted(rows, procs)
        if not self.returning:
            if values:  # the driver's executemany
                conn.exec_driver_sql(self.sql(dialect, 1), values)
            return []
        out: list[tuple] = []
        for i in range(0, len(values), self.page):
            part = values[i:i + self.page]
            out += conn.exec_driver_sql(self.sql(dialect, len(part)), tuple(chain.from_iterable(part))).all()
        return out

    def sql(self, dialect: Dialect, n: int) -> str:
        """The statement for n rows, in the driver's parameter style."""
        return statement(dialect, self.table.name, tuple(c.name for c in self.columns), tuple(self.returning), n)


class BulkUpdate(BulkInsert):
    """UPDATE of these columns of a table's rows by primary key (the last value of each tuple), through the
    driver's executemany; values converted as BulkInsert's."""

    def __init__(self, table: Table, columns: Sequence[str], key: str = "id"):
        super().__init__(table, (*columns, key))

    def sql(self, dialect: Dialect, n: int) -> str:
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        *sets, key = (quote(c.name) for c in self.columns)
        return f"UPDATE {quote(self.table.name)} SET {', '.join(f'{c} = {mark}' for c in sets)} WHERE {key} = {mark}"


@lru_cache(maxsize=256)
def statement(dialect: Dialect, table: str, columns: tuple[str, ...], returning: tuple[str, ...], n: int) -> str:
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    sql = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES {', '.join([one] * n)}"
    return sql + (f" RETURNING {', '.join(map(quote, returning))}" if returning else "")


def processors(dialect: Dialect, columns: Sequence[Column]) -> tuple[Callable | None, ...]:
    """Each column's bind processor for this dialect (None: the value goes as it is)."""
    return tuple(c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns)


def converted(rows: Sequence[tuple], procs: tuple[tuple[Callable | None, dict], ...]) -> list[tuple]:
    """The rows with every value through its column's processor (each with the memo it fills)."""
    cols = [values if proc is None else convert(proc, values, memo) for values, (proc, memo) in zip(zip(*rows), procs)]
    return list(zip(*cols)) if cols else []


def convert(proc: Callable, values: tuple, memo: dict | None = None) -> list:
    """`proc` of every value, each distinct one converted once and remembered in `memo` (a batch's dates and
    categories repeat, and so do the next batch's)."""
    memo = {} if memo is None else memo
    try:
        missing = set(values).difference(memo)
    except TypeError:  # lists (JSON): those of strings by their tuple, others each time
        return convert_lists(proc, values, memo)
    if len(memo) + len(missing) > MEMO:
        memo.clear()
        missing = set(values)
    for v in missing:
        memo[v] = proc(v)
    return list(map(memo.__getitem__, values))


def convert_lists(proc: Callable, values: tuple, memo: dict) -> list:
    """`convert` of values some of which are lists."""
    if len(memo) > MEMO:
        memo.clear()
    out = []
    for v in values:
        if not strings(v):
            out.append(proc(v))
            continue
        key = tuple(v)
        if key not in memo:
            memo[key] = proc(v)
        out.append(memo[key])
    return out


def strings(value) -> bool:
    """Whether a value is a list of strings (equal ones as tuples are equal as JSON)."""
    return type(value) is list and all(type(x) is str for x in value)
