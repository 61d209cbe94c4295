"""The store worker's backlog estimate that decides where a batch is normalised and tagged (crawlers/balance.py)."""
import pytest

from crawlers.balance import Balance

STORE, PREPARE = 5e-4, 2e-4  # Balance's starting estimates, seconds an item

# batches sent (id, count, raw), batches answered (id), expected backlog in seconds, prepare the next one here
CASES = [
    ("nothing sent", [], [], 0.0, False),
    ("one raw batch", [(1, 200, True)], [], 200 * (STORE + PREPARE), False),
    ("prepared batches cost storing only", [(1, 200, False), (2, 200, False)], [], 400 * STORE, False),
    ("over the horizon", [(n, 200, True) for n in range(4)], [], 800 * (STORE + PREPARE), True),
    ("answered batches leave the queue", [(n, 200, True) for n in range(4)], [0, 1, 2], 200 * (STORE + PREPARE),
     False),
    ("two raw batches are the horizon", [(1, 200, True), (2, 200, True)], [], 400 * (STORE + PREPARE), False),
    ("a third is over it", [(n, 200, True) for n in range(3)], [], 600 * (STORE + PREPARE), True),
    ("the horizon is in batches: small ones", [(n, 20, True) for n in range(3)], [], 60 * (STORE + PREPARE), True),
    ("measured by the largest sent", [(1, 200, False), (2, 20, True), (3, 20, True)], [0],
     200 * STORE + 40 * (STORE + PREPARE), False),
]


@pytest.mark.parametrize("name,sent,answered,backlog,here", CASES, ids=[c[0] for c in CASES])
def test_backlog(name, sent, answered, backlog, here):
    balance = Balance()
    for batch_id, count, raw in sent:
        balance.sent(batch_id, count, raw)
    for batch_id in answered:
        balance.answered(batch_id, 200, None)
    assert balance.backlog() == pytest.approx(backlog)
    assert balance.prepare_here() is here


def test_costs_follow_the_measurements():
    balance = Balance()
    balance.answered(0, 200, {"store": 0.4})  # 2 ms an item: the estimate moves 0.3 of the way
    assert balance.cost["store"] == pytest.approx(STORE + 0.3 * (2e-3 - STORE))
    for _ in range(40):
        balance.answered(0, 100, {"store": 0.1, "prepare": 0.02})  # 1 ms and 0.2 ms an item in the worker
        balance.prepared(50, 0.05)  # 1 ms an item here: the estimate follows both sources
    assert balance.cost["store"] == pytest.approx(1e-3, rel=1e-3)
    assert 2e-4 < balance.cost["prepare"] < 1e-3
    balance.sent(7, 100, raw=True)
    assert balance.backlog() == pytest.approx(100 * (balance.cost["store"] + balance.cost["prepare"]))
    before = dict(balance.cost)
    balance.answered(7, 0, {"store": 5.0})  # an empty answer measures nothing
    assert balance.cost == before and balance.backlog() == 0
