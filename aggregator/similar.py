"""Text similarity of many fingerprints at once: Dice scores from sparse feature-matrix products (scipy), and a
batch's candidates for clustering (the stored and batch items alike enough for their distance in days)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from aggregator.clusters import Member
    from aggregator.config import Dedup

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

    def row(self, text: str) -> np.ndarray:
        """The feature columns of a stored fingerprint."""
        found = self.rows.get(text)
        if found is None:
            if len(self.rows) >= self.limit:
                self.rows.clear()  # the columns stay: they are small and rows made again agree with them
            feats = text.partition(" | ")[0].split()
            found = np.fromiter(map(self.columns.__getitem__, feats), np.int32, len(feats))
            self.rows[text] = found
        return found

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """One 0/1 row per fingerprint (as wide as the vocabulary is now: numbering more columns afterwards does
        not change a product with a narrower matrix, see `dice_pairs`)."""
        rows = list(map(self.rows.get, texts))  # remembered ones without a call each, then the others
        for k in [k for k, r in enumerate(rows) if r is None]:
            rows[k] = self.row(texts[k])
        sizes = np.fromiter(map(len, rows), np.int64, len(rows))
        indptr = np.concatenate(([0], np.cumsum(sizes)))
        indices = np.concatenate(rows) if rows else np.empty(0, np.int32)
        shape = (len(rows), len(self.columns))
        return sparse.csr_matrix((np.ones(len(indices), np.int32), indices, indptr), shape=shape)


def dice(a: sparse.csr_matrix, b: sparse.csr_matrix, least: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of a, row of b, Dice score) of every pair of rows scoring at least `least` (as dedup.similarity)."""
    width = max(a.shape[1], b.shape[1])
    a, b = (m if m.shape[1] == width else sparse.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], width))
            for m in (a, b))
    shared = a @ b.T  # CSR, rows in order: the pairs as tocoo() lists them, without its copy
    rows = np.repeat(np.arange(shared.shape[0]), np.diff(shared.indptr))
    sizes_a, sizes_b = np.diff(a.indptr), np.diff(b.indptr)
    score = 2 * shared.data / (sizes_a[rows] + sizes_b[shared.indices])
    keep = score >= least - SLACK
    return rows[keep], shared.indices[keep].astype(np.int64), score[keep]


def dice_pairs(vocab: Vocabulary, new: Sequence[str], others: Sequence[str],
               least: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`dice` of two lists of stored fingerprints (either may be empty)."""
    return dice(vocab.matrix(new), vocab.matrix(others), least)


VOCABULARY = Vocabulary()


GROUP_DAYS = 16  # new items scored together span at most this: a batch spanning months is not scored against
# every stored item of those months, only against those of each group's window


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
    a, b = VOCABULARY.matrix([m.text for m in mine]), VOCABULARY.matrix([m.text for m in others[:n]])
    reach, found = (settings.window_days + 1) * 86400, []
    for group in date_groups(t_new, GROUP_DAYS * 86400):
        lo, hi = t_new[group[0]] - reach, t_new[group[-1]] + reach
        first, last = np.searchsorted(t_pool, lo, side="left"), np.searchsorted(t_pool, hi, side="right")
        rows, cols, scores = scored(a[group], b[first:last], t_new[group], t_pool[first:last], settings)
        found.append((group[rows], first + cols, scores))
        if single:
            continue
        peers = np.flatnonzero((t_new >= lo) & (t_new <= hi))
        rows, cols, scores = scored(a[group], a[peers], t_new[group], t_new[peers], settings)
        earlier = peers[cols] < group[rows]  # items earlier in the batch (their stories are made before this one's)
        found.append((group[rows][earlier], n + peers[cols][earlier], scores[earlier]))
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


def date_groups(times: np.ndarray, span: float) -> list[np.ndarray]:
    """Indexes of `times` in groups of consecutive dates, each spanning at most `span`."""
    order = np.argsort(times, kind="stable")
    groups, start = [], 0
    for k in range(1, len(order) + 1):
        if k == len(order) or times[order[k]] - times[order[start]] > span:
            groups.append(order[start:k])
            start = k
    return groups


def scored(a, b, t_a: np.ndarray, t_b: np.ndarray, settings: Dedup) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of a, row of b, score) of the pairs alike enough for their distance in days."""
    rows, cols, scores = dice(a, b, settings.threshold)
    gap = np.abs(t_a[rows] - t_b[cols]) // 86400
    keep = (gap <= settings.window_days) & (scores >= settings.threshold + settings.per_day * gap - SLACK)
    return rows[keep], cols[keep], scores[keep]
