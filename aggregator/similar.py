"""Text similarity of many fingerprints at once: Dice scores from one sparse feature-matrix product (scipy)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from aggregator.dedup import Fingerprint

SLACK = 1e-9  # the scores only pre-select: dedup.decide, in Python floats, has the last word


class Vocabulary:
    """Feature -> column number, and each fingerprint's columns, remembered for the life of the process."""

    def __init__(self, limit: int = 1 << 17):
        self.columns: dict[str, int] = {}
        self.rows: dict[Fingerprint, np.ndarray] = {}
        self.limit = limit

    def row(self, fp: Fingerprint) -> np.ndarray:
        """The fingerprint's feature columns."""
        found = self.rows.get(fp)
        if found is None:
            if len(self.rows) >= self.limit:
                self.rows.clear()  # the columns stay: they are small and rows made again agree with them
            cols = self.columns
            found = np.fromiter((cols.setdefault(f, len(cols)) for f in fp.features), np.int32, len(fp.features))
            self.rows[fp] = found
        return found

    @staticmethod
    def matrix(rows: list[np.ndarray], width: int) -> sparse.csr_matrix:
        """One 0/1 row per fingerprint, from their columns."""
        sizes = np.fromiter((len(r) for r in rows), np.int64, len(rows))
        indptr = np.concatenate(([0], np.cumsum(sizes)))
        indices = np.concatenate(rows) if rows else np.empty(0, np.int32)
        return sparse.csr_matrix((np.ones(len(indices), np.int32), indices, indptr), shape=(len(rows), width))


def dice_pairs(vocab: Vocabulary, new: Sequence[Fingerprint], others: Sequence[Fingerprint],
               least: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(new index, other index, Dice score) of every pair scoring at least `least`, as dedup.similarity scores."""
    if not new or not others:
        empty = np.empty(0, np.int64)
        return empty, empty, np.empty(0)
    rows_a, rows_b = [vocab.row(fp) for fp in new], [vocab.row(fp) for fp in others]
    width = len(vocab.columns)  # every column is numbered now
    a, b = vocab.matrix(rows_a, width), vocab.matrix(rows_b, width)
    shared = (a @ b.T).tocoo()
    sizes_a, sizes_b = np.diff(a.indptr), np.diff(b.indptr)
    score = 2 * shared.data / (sizes_a[shared.row] + sizes_b[shared.col])
    keep = score >= least - SLACK
    return shared.row[keep].astype(np.int64), shared.col[keep].astype(np.int64), score[keep]
