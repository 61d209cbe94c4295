"""Text similarity of many fingerprints at once: Dice scores of a group of new items against the stored items of
its days, dense, from one sparse-times-dense product (scipy), and a batch's candidates for clustering (the stored
and batch items alike enough for their distance in days)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from aggregator.clusters import Member
    from aggregator.config import Dedup
    from aggregator.dedup import Fingerprint

SLACK = 1e-9  # the scores only pre-select: dedup.decide, in Python floats, has the last word


class Columns(dict):
    """Feature -> column number, numbering a feature met for the first time."""

    def __missing__(self, feature: str) -> int:
        self[feature] = n = len(self)
        return n


class Vocabulary:
    """Feature -> column number, and each stored fingerprint's columns (by its text, `Fingerprint.dump()`),
    remembered for the life of the process."""

    def __init__(self, limit: int = 1 << 17):
        self.columns = Columns()
        self.rows: dict[str, np.ndarray] = {}
        self.limit = limit

    def row(self, text: str, features: Iterable[str] | None = None) -> np.ndarray:
        """The feature columns of a stored fingerprint, from its features when given (the set's strings have
        their hashes: about 12 µs less than splitting the text into new strings and hashing them)."""
        found = self.rows.get(text)
        if found is None:
            if len(self.rows) >= self.limit:
                self.rows.clear()  # the columns stay: they are small and rows made again agree with them
            feats = text.partition(" | ")[0].split() if features is None else features
            found = np.fromiter(map(self.columns.__getitem__, feats), np.int32, len(feats))
            self.rows[text] = found
        return found

    def rows_of(self, texts: Sequence[str], fps: Sequence[Fingerprint] | None = None) -> Rows:
        """The feature columns of these stored fingerprints, one row each (`fps`: the same fingerprints loaded,
        whose features make a row not yet remembered)."""
        rows = list(map(self.rows.get, texts))  # remembered ones without a call each, then the others
        for k in [k for k, r in enumerate(rows) if r is None]:
            rows[k] = self.row(texts[k], None if fps is None else fps[k].features)
        indptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(np.fromiter(map(len, rows), np.int64, len(rows)), out=indptr[1:])
        return Rows(indptr, np.concatenate(rows) if rows else np.empty(0, np.int32), len(self.columns))


class Rows:
    """Fingerprints as CSR arrays: row k's columns are `indices[indptr[k]:indptr[k + 1]]`."""

    __slots__ = ("indptr", "indices", "width")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, width: int):
        self.indptr, self.indices, self.width = indptr, indices, width  # width: more than any column

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def sizes(self) -> np.ndarray:
        return np.diff(self.indptr)

    def take(self, lo: int, hi: int) -> Rows:
        """Rows lo to hi - 1."""
        start, end = self.indptr[lo], self.indptr[hi]
        return Rows(self.indptr[lo:hi + 1] - start, self.indices[start:end], self.width)


def shared(x: Rows, y: Rows) -> np.ndarray:
    """How many columns each pair of rows shares, as a dense len(y) x len(x) array (exact small integers):
    y's rows, as a sparse matrix over the columns x uses, times x's rows as dense 0/1 columns."""
    cols, inverse = np.unique(x.indices, return_inverse=True)
    marks = np.zeros((len(cols) + 1, len(x)), np.float32)  # a last, empty row for the columns x does not use
    marks[inverse, np.repeat(np.arange(len(x)), x.sizes())] = 1  # (float32: counts are exact to 2**24)
    at = np.full(max(x.width, y.width), len(cols), np.int32)  # column -> its row of marks
    at[cols] = np.arange(len(cols))
    ys = sparse.csr_matrix((np.ones(len(y.indices), np.float32), at[y.indices], y.indptr),
                           shape=(len(y), len(cols) + 1))
    return ys @ marks


def alike(x: Rows, y: Rows, least: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of x, row of y, score) of every pair of rows that share a feature and score at least `least`, each
    score as dedup.similarity gives it. Scored only where a pair may reach `least`: 2 x shared >= least x (its
    sizes) needs shared >= least x (y's size + x's smallest) / 2 (loosened by a hair against rounding), which most
    pairs miss; no dense array of scores (and its temporaries, each a fresh mapping of memory) is made."""
    if not len(x) or not len(y):
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    least = max(least, np.finfo(float).tiny)  # 0 < any score of a pair that shares
    common, size_x, size_y = shared(x, y), x.sizes(), y.sizes()
    bound = least * (size_y + size_x.min()) / 2 * (1 - 1e-9)
    cols, rows = np.nonzero(common >= bound[:, None])
    score = 2 * common[cols, rows] / np.maximum(size_y[cols] + size_x[rows], 1)
    keep = score >= least
    return rows[keep], cols[keep], score[keep]


def dice_pairs(vocab: Vocabulary, new: Sequence[str], others: Sequence[str],
               least: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`alike` of two lists of stored fingerprints (either may be empty), within SLACK."""
    return alike(vocab.rows_of(new), vocab.rows_of(others), least - SLACK)


VOCABULARY = Vocabulary()


GROUP_DAYS = 16  # new items scored together span at most this: a batch spanning months is not scored against
# every stored item of those months, only against those of each group's window
GROUP_ITEMS = 256  # and are at most this many (the scores of a group are dense: pool items x group items)


def candidates(mine: list[Member], pool: list[Member], settings: Dedup) -> PerItem:
    """Per new item, the stored items and earlier items of the batch from another source that are alike enough
    for their distance in days, with their score, best first (pre-selected in bulk; `choose` decides)."""
    if not mine:
        return PerItem()
    if single := len(batch_sources := {m.source_id for m in mine}) == 1:  # as a crawl's batches: its own items
        pool = [m for m in pool if m.source_id not in batch_sources]  # never match, nor do its items each other
    others = pool + mine  # the pool by date (as Window.pool gives it), then the batch
    times = np.array([m.t for m in others])
    t_pool, t_new, n = times[:len(pool)], times[len(pool):], len(pool)
    order = np.argsort(t_new, kind="stable")  # the batch by date, so that each group is a run of its rows
    t_new = t_new[order]
    batch = [mine[k] for k in order.tolist()]
    a = VOCABULARY.rows_of([m.text for m in batch], [m.fp for m in batch])
    b = VOCABULARY.rows_of([m.text for m in pool], [m.fp for m in pool])
    reach, found = (settings.window_days + 1) * 86400, []
    for start, end in date_groups(t_new, GROUP_DAYS * 86400, GROUP_ITEMS):
        lo, hi = t_new[start] - reach, t_new[end - 1] + reach
        first, last = np.searchsorted(t_pool, lo, side="left"), np.searchsorted(t_pool, hi, side="right")
        group, group_t = a.take(start, end), t_new[start:end]
        rows, cols, scores = scored(group, b.take(first, last), group_t, t_pool[first:last], settings)
        found.append((order[start + rows], first + cols, scores))
        if single:
            continue
        first, last = np.searchsorted(t_new, lo, side="left"), np.searchsorted(t_new, hi, side="right")
        rows, cols, scores = scored(group, a.take(first, last), group_t, t_new[first:last], settings)
        new_at, peer_at = order[start + rows], order[first + cols]
        earlier = peer_at < new_at  # items earlier in the batch (their stories are made before this one's)
        found.append((new_at[earlier], n + peer_at[earlier], scores[earlier]))
    new_at, other_at, score = (np.concatenate(parts) for parts in zip(*found))
    if not single:
        sources = {sid: k for k, sid in enumerate({m.source_id for m in others})}
        src = np.array([sources[m.source_id] for m in others])
        keep = src[n + new_at] != src[other_at]  # a source tells a story once
        new_at, other_at, score = new_at[keep], other_at[keep], score[keep]
    return per_item(len(mine), new_at, other_at, score, others)


class Ranked:
    """One new item's candidates as (score, member) pairs, best first, made only as far as they are read
    (`clusters.choose` stops at the first that may join: about one of 13 in the benchmark's mirror)."""

    __slots__ = ("scores", "at", "others")

    def __init__(self, scores: list[float], at: list[int], others: list[Member]):
        self.scores, self.at, self.others = scores, at, others

    def __iter__(self):
        others = self.others
        for score, k in zip(self.scores, self.at):
            yield score, others[k]


class PerItem(list):
    """A Ranked per new item, and `members`: every other item met in any pair (each once)."""

    def __init__(self, ranked=(), members: list[Member] | None = None):
        super().__init__(ranked)
        self.members = members or []


def per_item(n: int, new_at: np.ndarray, other_at: np.ndarray, score: np.ndarray,
             others: list[Member]) -> PerItem:
    """The pairs (new item, other item, score) as a Ranked per new item, best first (the highest score, then the
    lowest id)."""
    none = Ranked([], [], others)
    out = PerItem([none] * n)
    if not len(new_at):
        return out
    ids = np.array([m.id for m in others], np.int64)
    order = np.lexsort((ids[other_at], -score, new_at))
    new_at = new_at[order]
    starts = np.flatnonzero(np.concatenate(([True], new_at[1:] != new_at[:-1])))
    ends = np.append(starts[1:], len(new_at))
    scores, at = score[order].tolist(), other_at[order].tolist()
    for i, lo, hi in zip(new_at[starts].tolist(), starts.tolist(), ends.tolist()):
        out[i] = Ranked(scores[lo:hi], at[lo:hi], others)
    out.members = [others[k] for k in np.unique(other_at).tolist()]
    return out


def date_groups(times: np.ndarray, span: float, most: int) -> list[tuple[int, int]]:
    """Runs [start, end) of sorted `times`, each spanning at most `span` and holding at most `most`."""
    times = times.tolist()
    groups, start = [], 0
    for k in range(1, len(times) + 1):
        if k == len(times) or times[k] - times[start] > span or k - start == most:
            groups.append((start, k))
            start = k
    return groups


def scored(x: Rows, y: Rows, t_x: np.ndarray, t_y: np.ndarray,
           settings: Dedup) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of x, row of y, score) of the pairs alike enough for their distance in days."""
    rows, cols, scores = alike(x, y, settings.threshold - SLACK)
    gap = np.abs(t_x[rows] - t_y[cols]) // 86400
    keep = (gap <= settings.window_days) & (scores >= settings.threshold + settings.per_day * gap - SLACK)
    return rows[keep], cols[keep], scores[keep]
