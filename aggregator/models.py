"""SQLAlchemy 2 typed models: items (one per URL key) in stories, themes with reasons, similarity keys, runs."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator,
                        func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as naive UTC (SQLite keeps no zone), returned aware in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Item(Base):
    """One announcement, stored once per canonical URL key; feed_id and first_seen never change."""

    __tablename__ = "items"
    # Feeds read the newest N items overall or of one source: each is one index range scan.
    __table_args__ = (Index("ix_items_sort", "sort_date", "id"),
                      Index("ix_items_source_sort", "source_id", "sort_date", "id"),
                      Index("ix_items_rekey_dated", "source_id", "published", "title_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[str] = mapped_column(String(80), unique=True)
    url_key: Mapped[str] = mapped_column(String(1000), unique=True)
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(String(100))
    source_priority: Mapped[int] = mapped_column(Integer, default=50)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    sort_date: Mapped[datetime] = mapped_column(UTCDateTime)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Story clustering (aggregator/clusters.py): the story is named by its first item's id; the lead is the
    # copy a story feed shows (highest source priority, then first seen).
    cluster_id: Mapped[int | None] = mapped_column(Integer)
    lead: Mapped[bool] = mapped_column(Boolean, default=True)
    cluster_reason: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(Text, default="")
    alternates: Mapped[list] = mapped_column(JSON, default=list)  # URL keys of its hreflang language versions
    title_key: Mapped[str] = mapped_column(String(40), default="")  # finds the item again when its URL key changes

    themes: Mapped[list[ItemTheme]] = relationship(back_populates="item", cascade="all, delete-orphan",
                                                   order_by="ItemTheme.theme")


# Story clustering reads the items published near a new one (clusters.window): an expression index, which
# SQLite (3.9+) and PostgreSQL both use for this same expression.
Index("ix_items_when", func.coalesce(Item.published, Item.first_seen))
# A story's members by story and date: clustering reads the members of the stories it meets that lie outside the
# days it holds (clusters.load_stories), and the date is tested in the index before any row is read (about 3x).
Index("ix_items_cluster_when", Item.cluster_id, func.coalesce(Item.published, Item.first_seen))


class ItemTheme(Base):
    """A theme given to an item, with the reason; sort_date is copied so a theme feed is one index scan."""

    __tablename__ = "item_themes"
    __table_args__ = (Index("ix_item_themes_theme_sort", "theme", "sort_date", "item_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    sort_date: Mapped[datetime] = mapped_column(UTCDateTime)

    item: Mapped[Item] = relationship(back_populates="themes")


class ItemKey(Base):
    """The persisted language-version index: keys of an item's hreflang alternates and language-neutral URL ->
    item (dedup.language_keys; not of its own URL key, which items.url_key indexes: clusters.add_alternates).
    (Stores made before exact similarity also hold MinHash band keys here; nothing reads them.)"""

    __tablename__ = "item_keys"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)


class CrawlRun(Base):
    """One crawl of one source: when, what it fetched and found, and how it ended."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_source_started", "source_id", "started"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(100))
    started: Mapped[datetime] = mapped_column(UTCDateTime)
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    reason: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    # What health is judged on (see aggregator/health.py).
    teasers: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)  # items that reached the store (coverage base)
    listing_empty: Mapped[int] = mapped_column(Integer, default=0)
    dated: Mapped[int] = mapped_column(Integer, default=0)
    summarised: Mapped[int] = mapped_column(Integer, default=0)
