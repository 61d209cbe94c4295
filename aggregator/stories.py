"""Story reads for publishing and the CLI: the items of some stories, lead first, and every story of more than one."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregator.clusters import chunks
from aggregator.models import Item


def members(s: Session, cluster_ids: set[int]) -> dict[int, list[Item]]:
    """The items of these stories, lead first, then by source priority, first seen and id."""
    out: dict[int, list[Item]] = defaultdict(list)
    for part in chunks(sorted(cluster_ids)):
        for item in s.scalars(select(Item).where(Item.cluster_id.in_(part))):
            out[item.cluster_id].append(item)
    for items in out.values():
        items.sort(key=lambda i: (not i.lead, -i.source_priority, i.first_seen, i.id))
    return out


def multi_source(s: Session) -> dict[int, list[Item]]:
    """Every story of more than one item (other sources or languages), as `members` gives them."""
    q = select(Item.cluster_id).group_by(Item.cluster_id).having(func.count(Item.id) > 1)
    return members(s, set(s.scalars(q)))
