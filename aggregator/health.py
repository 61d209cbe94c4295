"""Source health: a run's status (ok / degraded / failed) and reason, judged against the source's own history."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MIN_HISTORY = 2            # earlier good runs needed before comparing with them
COLLAPSE = 0.5             # teasers per page below half the usual: collapsed
COVERAGE_DROP = 0.3        # a field's coverage 30 points below the usual: fell
MIN_ITEMS_FOR_COVERAGE = 5
STALE_FACTOR = 4           # no new item for 4 usual gaps...
STALE_MIN = timedelta(days=14)  # ...and at least two weeks


@dataclass
class RunFacts:
    """What one crawl of one source saw (from its stats, or from a stored run)."""

    listing_pages: int = 0
    listing_ok: int | None = None  # listing/feed responses that really came from the site (None: unknown)
    listing_empty: int = 0
    teasers: int = 0
    items: int = 0
    dated: int = 0
    summarised: int = 0
    bot_challenge: str | None = None
    errors: list[str] = field(default_factory=list)
    finish_reason: str = "finished"
    store_error: str | None = None  # items could not be written (e.g. the database stayed locked)

    @property
    def per_page(self) -> float:
        return self.teasers / self.listing_pages if self.listing_pages else 0.0

    def coverage(self, name: str) -> float | None:
        """Share of stored items with a date (or summary); None when too few items to say."""
        if self.items < MIN_ITEMS_FOR_COVERAGE:
            return None
        return getattr(self, name) / self.items


@dataclass(frozen=True)
class Rhythm:
    """When the source last gave a new item, and its usual gap between publications."""

    last_new: datetime | None
    usual_gap: timedelta | None
    stale_after_days: int | None = None  # configured; 0 disables, None: from the rhythm


def assess(now: RunFacts, history: list[RunFacts], rhythm: Rhythm | None = None,
           at: datetime | None = None) -> tuple[str, str]:
    """(status, reason): failed when nothing was read, degraded when something looks wrong, else ok."""
    if now.store_error:
        return "failed", f"store_error: {now.store_error}"
    wall = blocked(now, history)
    if now.listing_pages == 0:
        return "failed", wall or (now.errors[0] if now.errors else f"no listing page was read ({now.finish_reason})")
    if now.errors and now.listing_ok == 0:  # only stored copies were read: the site is unreachable
        return "failed", f"{now.errors[0]} (only cached copies read)"
    if wall:
        return "degraded", wall
    for check in (empty, errors, collapsed, coverage_fell):
        reason = check(now, history)
        if reason:
            return "degraded", reason
    reason = stale(rhythm, at) if rhythm and at else None
    if reason:
        return "degraded", reason
    if now.finish_reason != "finished":
        return "degraded", f"crawl ended early: {now.finish_reason}"
    return "ok", ""


def blocked(now: RunFacts, _history) -> str | None:
    if now.bot_challenge and (now.listing_empty or now.errors or not now.listing_pages):
        return f"bot_challenge: {now.bot_challenge} answered with a bot challenge or cookie wall"
    return None


def empty(now: RunFacts, _history) -> str | None:
    if now.listing_empty:
        return f"listing_empty: {now.listing_empty} listing page(s) returned 200 with no teaser (redesign?)"
    return None


def errors(now: RunFacts, _history) -> str | None:
    if now.errors:
        more = f" (+{len(now.errors) - 1} more)" if len(now.errors) > 1 else ""
        return f"http_errors: {now.errors[0]}{more}"
    return None


def collapsed(now: RunFacts, history: list[RunFacts]) -> str | None:
    usual = [h.per_page for h in history if h.listing_pages]
    if len(usual) < MIN_HISTORY:
        return None
    median = statistics.median(usual)
    if median and now.per_page < COLLAPSE * median:
        return f"teaser_count_collapse: {now.per_page:.1f} teasers per listing page, usually {median:.1f}"
    return None


def coverage_fell(now: RunFacts, history: list[RunFacts]) -> str | None:
    for name, label in (("dated", "date"), ("summarised", "summary")):
        current = now.coverage(name)
        usual = [c for c in (h.coverage(name) for h in history) if c is not None]
        if current is None or len(usual) < MIN_HISTORY:
            continue
        median = statistics.median(usual)
        if current < median - COVERAGE_DROP:
            return f"{label}_coverage_fell: {current:.0%} of items, usually {median:.0%}"
    return None


def stale(rhythm: Rhythm, at: datetime) -> str | None:
    """No new item for much longer than the source's usual rhythm (or than the configured days)."""
    if rhythm.last_new is None or rhythm.stale_after_days == 0:
        return None
    if rhythm.stale_after_days:
        limit = timedelta(days=rhythm.stale_after_days)
    elif rhythm.usual_gap is not None:
        limit = max(STALE_MIN, STALE_FACTOR * rhythm.usual_gap)
    else:
        return None
    quiet = at - rhythm.last_new
    if quiet > limit:
        return f"stale: no new item for {quiet.days} days (limit {limit.days} days)"
    return None


def usual_gap(dates: list[datetime]) -> timedelta | None:
    """Median gap between consecutive publication dates (newest first or any order)."""
    ordered = sorted(dates)
    gaps = [b - a for a, b in zip(ordered, ordered[1:])]
    return statistics.median(gaps) if len(gaps) >= 3 else None
