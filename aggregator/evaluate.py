"""Measure tagging against a labelled JSONL set: precision, recall and F1 per theme, and micro-F1."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.tagging import Compiled, tag


class LabelError(ValueError):
    """A labelled file that cannot be read: names the line and the cause."""


@dataclass
class Counts:
    """True positives, false positives and false negatives of one theme."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_labelled(path: str | Path, split: str | None = None) -> list[dict]:
    """Records with title, summary, lang and themes (a list); `split` keeps only that split."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelError(f"{path}: line {n}: not JSON: {exc.msg}") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("themes"), list) or "title" not in rec:
            raise LabelError(f"{path}: line {n}: needs an object with title, summary, lang and themes (a list)")
        if split is None or rec.get("split") == split:
            out.append(rec)
    return out


def evaluate(compiled: Compiled, records: list[dict]) -> dict[str, Counts]:
    """Counts per theme over the records."""
    counts = {theme: Counts() for theme in compiled.themes}
    for rec in records:
        got = set(tag(compiled, rec.get("title", ""), rec.get("summary", ""), rec.get("categories", []),
                      rec.get("lang")))
        want = set(rec["themes"])
        for theme, c in counts.items():
            label = rec.get("id", rec["title"][:40])
            if theme in got and theme in want:
                c.tp += 1
            elif theme in got:
                c.fp += 1
                c.errors.append(f"FP {label}: {rec['title']}")
            elif theme in want:
                c.fn += 1
                c.errors.append(f"FN {label}: {rec['title']}")
    return counts


def micro_f1(counts: dict[str, Counts]) -> float:
    """F1 over all themes' decisions pooled."""
    total = Counts(sum(c.tp for c in counts.values()), sum(c.fp for c in counts.values()),
                   sum(c.fn for c in counts.values()))
    return total.f1


def report(counts: dict[str, Counts]) -> list[str]:
    """The table lines; the last one is `micro-F1 0.NNN`."""
    width = max(len(t) for t in counts)
    lines = [f"{'theme':<{width}}  precision  recall     F1   tp  fp  fn"]
    for theme, c in counts.items():
        lines.append(f"{theme:<{width}}  {c.precision:9.3f}  {c.recall:6.3f}  {c.f1:5.3f}  {c.tp:3d} {c.fp:3d} {c.fn:3d}")
    lines.append(f"micro-F1 {micro_f1(counts):.3f}")
    return lines
