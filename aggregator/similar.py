"""Text similarity of many fingerprints at once: Dice scores from one sparse feature-matrix product (scipy)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

SLACK = 1e-9  # the scores only pre-select: dedup.decide, in Python floats, has the last word


class Vocabulary:
    """Feature -> column number, and each stored fingerprint's columns (by its text, `Fingerprint.dump()`),
    remembered for the life of the process."""

    def __init__(self, limit: int = 1 << 17):
        self.columns: dict[str, int] = {}
        self.rows: dict[str, np.ndarray] = {}
        self.limit = limit

    def row(self, text: str) -> np.ndarray:
        """The feature columns of a stored fingerprint."""
        found = self.rows.get(text)
        if found is None:
            if len(self.rows) >= self.limit:
                self.rows.clear()  # the columns stay: they are small and rows made again agree with them
            cols = self.columns
            feats = text.partition(" | ")[0].split()
            found = np.fromiter((cols.setdefault(f, len(cols)) for f in feats), np.int32, len(feats))
            self.rows[text] = found
        return found

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """One 0/1 row per fingerprint (as wide as the vocabulary is now: numbering more columns afterwards does
        not change a product with a narrower matrix, see `dice_pairs`)."""
        rows = [self.row(t) for t in texts]
        sizes = np.fromiter((len(r) for r in rows), np.int64, len(rows))
        indptr = np.concatenate(([0], np.cumsum(sizes)))
        indices = np.concatenate(rows) if rows else np.empty(0, np.int32)
        return sparse.csr_matrix((np.ones(len(indices), np.int32), indices, indptr), shape=(len(rows), len(self.columns)))


def dice(a: sparse.csr_matrix, b: sparse.csr_matrix, least: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of a, row of b, Dice score) of every pair of rows scoring at least `least` (as dedup.similarity)."""
    width = max(a.shape[1], b.shape[1])
    a, b = (m if m.shape[1] == width else sparse.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], width))
            for m in (a, b))
    shared = (a @ b.T).tocoo()
    sizes_a, sizes_b = np.diff(a.indptr), np.diff(b.indptr)
    score = 2 * shared.data / (sizes_a[shared.row] + sizes_b[shared.col])
    keep = score >= least - SLACK
    return shared.row[keep].astype(np.int64), shared.col[keep].astype(np.int64), score[keep]


def dice_pairs(vocab: Vocabulary, new: Sequence[str], others: Sequence[str],
               least: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`dice` of two lists of stored fingerprints."""
    if not new or not others:
        empty = np.empty(0, np.int64)
        return empty, empty, np.empty(0)
    return dice(vocab.matrix(new), vocab.matrix(others), least)
