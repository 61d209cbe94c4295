"""Bulk similarity (aggregator/similar.py) against the one-pair rule it stands for, dedup.similarity."""
import random

import pytest

from aggregator.dedup import Fingerprint, fingerprint, similarity
from aggregator.similar import Vocabulary, dice_pairs

WORDS = [f"w{i:03d}" for i in range(60)]


def random_fps(rng: random.Random, n: int) -> list[Fingerprint]:
    return [Fingerprint(frozenset(rng.sample(WORDS, rng.randint(0, 12))), frozenset()) for _ in range(n)]


@pytest.mark.parametrize("seed, least", [(1, 0.0001), (2, 0.26), (3, 0.5), (4, 0.9)])
def test_dice_pairs_are_exactly_the_pairs_similarity_keeps(seed, least):
    rng = random.Random(seed)
    new, others = random_fps(rng, 40), random_fps(rng, 70)
    rows, cols, scores = dice_pairs(Vocabulary(), [f.dump() for f in new], [f.dump() for f in others], least)
    got = {(i, j): s for i, j, s in zip(rows.tolist(), cols.tolist(), scores.tolist())}
    want = {(i, j): similarity(a, b) for i, a in enumerate(new) for j, b in enumerate(others)
            if similarity(a, b) >= least}
    assert got == want  # same pairs, bit-identical scores


@pytest.mark.parametrize("new, others", [([], [fingerprint("a museum", "")]), ([fingerprint("a museum", "")], [])])
def test_no_pairs_without_both_sides(new, others):
    rows, cols, scores = dice_pairs(Vocabulary(), [f.dump() for f in new], [f.dump() for f in others], 0.1)
    assert len(rows) == len(cols) == len(scores) == 0


def test_vocabulary_forgets_rows_not_columns():
    vocab = Vocabulary(limit=2)
    fps = [fingerprint(t, "").dump() for t in ("museum labels webinar", "museum labels session", "crisis fund opens")]
    first = vocab.row(fps[0]).tolist()
    for fp in fps:
        vocab.row(fp)
    assert len(vocab.rows) <= 2 and vocab.row(fps[0]).tolist() == first


def test_per_item_lists_each_new_items_pairs_best_first_then_by_id():
    import numpy as np

    from aggregator.similar import per_item

    class M:
        def __init__(self, i):
            self.id = i

    others = [M(i) for i in (30, 10, 20, 40)]
    new_at, other_at = np.array([1, 0, 1, 1, 0]), np.array([0, 1, 2, 3, 3])
    score = np.array([0.5, 0.3, 0.5, 0.9, 0.4])
    out = per_item(3, new_at, other_at, score, others)
    assert [[(s, m.id) for s, m in pairs] for pairs in out] == [[(0.4, 40), (0.3, 10)],
                                                                [(0.9, 40), (0.5, 20), (0.5, 30)], []]


def test_candidates_do_not_depend_on_how_the_batch_is_grouped(monkeypatch):
    from datetime import datetime, timedelta, timezone

    from aggregator import similar
    from aggregator.clusters import Member
    from aggregator.config import Dedup

    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)

    def members(n: int, first_id: int) -> list[Member]:
        out = []
        for k, fp in enumerate(random_fps(rng, n)):
            when = start + timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
            out.append(Member(first_id + k, f"s{rng.randint(0, 3)}", None, fp, when, "", [], fp.dump()))
        return out

    pool, mine = sorted(members(120, 1), key=lambda m: m.t), members(60, 1000)

    def listed() -> list:
        return [[(score, m.id) for score, m in ranked] for ranked in similar.candidates(mine, pool, Dedup())]

    whole = listed()
    assert sum(map(len, whole)) > 50
    monkeypatch.setattr(similar, "GROUP_DAYS", 2)
    monkeypatch.setattr(similar, "GROUP_ITEMS", 3)
    assert listed() == whole
