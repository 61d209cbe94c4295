"""aggregator/gcpolicy.py: settle() freezes the start-up heap and sets the thresholds (in a child process, so
that the test session's own collector is left alone)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

CHILD = """
import gc, json
from aggregator import gcpolicy
before = gc.get_freeze_count()
gcpolicy.settle(gcpolicy.{name})
print(json.dumps([before, gc.get_freeze_count(), gc.get_threshold()]))
"""


@pytest.mark.parametrize("name", ["WORKER", "CRAWL"])
def test_settle_freezes_the_heap_and_sets_thresholds(name):
    out = subprocess.run([sys.executable, "-c", CHILD.format(name=name)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    before, after, thresholds = json.loads(out)
    from aggregator import gcpolicy

    assert before == 0 and after > 1000  # the interpreter's and the imported modules' objects
    assert tuple(thresholds) == getattr(gcpolicy, name)


def test_settle_acts_once():
    """The worker calls settle after its warm-up and again at its first batch: the second call changes nothing."""
    code = ("import gc, json\nfrom aggregator import gcpolicy\ngcpolicy.settle(gcpolicy.WORKER)\n"
            "frozen = gc.get_freeze_count()\nkeep = [[i] for i in range(5000)]\n"
            "gcpolicy.settle(gcpolicy.CRAWL)\nprint(json.dumps([frozen, gc.get_freeze_count(), gc.get_threshold()]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    first, second, thresholds = json.loads(out)
    from aggregator import gcpolicy

    assert second == first and tuple(thresholds) == gcpolicy.WORKER
