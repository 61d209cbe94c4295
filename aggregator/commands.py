"""What each `museumfeeds` command does; cli.py parses, this module acts."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from aggregator.cli import DEMO_DB, EXIT_OK, EXIT_SOURCES_FAILED, db_url, out_dir, print_json
from aggregator.config import Config


class UsageError(Exception):
    """A command used wrongly (unknown source id...)."""


def check_sources(config: Config, ids: list[str]) -> list[str] | None:
    """The requested source ids, all known, or UsageError naming the unknown one."""
    known = {s.id for s in config.sources}
    for sid in ids:
        if sid not in known:
            raise UsageError(f"unknown source {sid!r}; known: {', '.join(sorted(known))}")
    return ids or None


def report(results) -> int:
    """One line per source that did not end ok; the exit status says whether any failed or degraded."""
    failed = sum(1 for r in results if r.status in ("failed", "crashed"))
    for r in results:
        if r.status != "ok":
            print(f"museumfeeds: {r.source}: {r.status}: {r.reason}", file=sys.stderr)
    seen = sum(r.items_seen for r in results)
    new = sum(r.items_new for r in results)
    print(f"crawled {len(results)} sources: {len(results) - failed} reached, {failed} failed; "
          f"{seen} items seen, {new} new")
    return EXIT_SOURCES_FAILED if any(r.status != "ok" for r in results) else EXIT_OK


def do_crawl(config: Config, args: argparse.Namespace, db: str, overrides: dict | None = None) -> int:
    """Crawl under the store's run lock (runlock.LockBusy if another crawl of this store is going)."""
    from aggregator.crawl import crawl
    from aggregator.runlock import hold, lock_path

    ids = check_sources(config, getattr(args, "sources", []) or [])
    level = "INFO" if args.verbose else "CRITICAL"
    with hold(lock_path(db, config.path)):
        return report(crawl(config, db, ids, overrides, level))


def do_publish(config: Config, db: str, out) -> None:
    from aggregator.publish import publish
    from aggregator.store import Store

    store = Store(db, dedup=config.dedup)
    paths = publish(store, config, out)
    print(f"published {len(paths)} feed files from {store.count()} items to {out}/")


def cmd_crawl(config: Config, args: argparse.Namespace) -> int:
    return do_crawl(config, args, db_url(config, args))


def cmd_publish(config: Config, args: argparse.Namespace) -> int:
    do_publish(config, db_url(config, args), out_dir(config, args))
    return EXIT_OK


def cmd_run(config: Config, args: argparse.Namespace) -> int:
    status = do_crawl(config, args, db_url(config, args))
    do_publish(config, db_url(config, args), out_dir(config, args))
    return status


def cmd_schedule(config: Config, args: argparse.Namespace) -> int:
    from aggregator.schedule import main

    return main(config, db_url(config, args), args)


def cmd_demo(config: Config, args: argparse.Namespace) -> int:
    from aggregator.serve import make_server
    from aggregator.snapshot import SnapshotServer

    out = out_dir(config, args)
    server = None if args.no_serve else make_server(out_dir_ready(out), args.host, args.port)
    if server is not None:
        host, port = server.server_address[:2]
        config = replace(config, feeds=replace(config.feeds, base_url=f"http://{host}:{port}/"))
    db = db_url(config, args, DEMO_DB)
    with SnapshotServer() as snapshot:
        print(f"snapshot web served on http://{snapshot.address}/ (sites routed there by host name)")
        status = do_crawl(config, args, db, demo_overrides(snapshot.address))
    do_publish(config, db, out)
    if server is None:
        return status
    print(f"serving {out}/ on {config.feeds.base_url} (Ctrl-C stops):")
    for name in ["all"] + [t.id for t in config.themes]:
        print("  " + "  ".join(f"{config.feeds.base_url}{name}.{fmt}" for fmt in config.feeds.formats))
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return status


def out_dir_ready(out):
    out.mkdir(parents=True, exist_ok=True)
    return out


def demo_overrides(address: str) -> dict:
    """Settings that send every download to the snapshot web, fast (it is local)."""
    handler = "crawlers.snapshot.SnapshotDownloadHandler"
    return {"SNAPSHOT_ADDRESS": address, "DOWNLOAD_HANDLERS": {"http": handler, "https": handler, "file": None,
                                                                  "data": None, "ftp": None, "s3": None},
            "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 1}


def cmd_serve(config: Config, args: argparse.Namespace) -> int:
    from aggregator.serve import make_server

    server = make_server(out_dir_ready(out_dir(config, args)), args.host, args.port)
    host, port = server.server_address[:2]
    print(f"serving {out_dir(config, args)}/ on http://{host}:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return EXIT_OK


def cmd_sources(config: Config, args: argparse.Namespace) -> int:
    rows = [{"id": s.id, "name": s.name, "org": s.org, "languages": list(s.languages),
             "feed": s.feed, "urls": list(s.urls), "max_pages": s.max_pages, "follow": s.follow}
            for s in config.sources]
    if args.json:
        print_json(rows)
        return EXIT_OK
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        where = r["feed"] or r["urls"][0]
        print(f"{r['id']:<{width}}  {'/'.join(r['languages']):<8}  {r['name']}  <{where}>")
    return EXIT_OK


def cmd_status(config: Config, args: argparse.Namespace) -> int:
    from aggregator.store import Store

    runs = Store(db_url(config, args)).last_runs()
    rows = []
    for s in config.sources:
        run = runs.get(s.id)
        rows.append({"source": s.id, "status": run.status if run else "never", "reason": run.reason if run else "",
                     "started": run.started.isoformat() if run else None,
                     "finished": run.finished.isoformat() if run and run.finished else None,
                     "requests": run.requests if run else 0, "bytes": run.bytes if run else 0,
                     "items_seen": run.items_seen if run else 0, "items_new": run.items_new if run else 0})
    if args.json:
        print_json(rows)
        return EXIT_OK
    width = max(len(r["source"]) for r in rows)
    print(f"{'source':<{width}}  {'status':<8}  {'seen':>5}  {'new':>5}  {'requests':>8}  reason")
    for r in rows:
        print(f"{r['source']:<{width}}  {r['status']:<8}  {r['items_seen']:>5}  {r['items_new']:>5}  "
              f"{r['requests']:>8}  {r['reason']}")
    return EXIT_OK


def cmd_eval_tags(config: Config, args: argparse.Namespace) -> int:
    from aggregator.evaluate import LabelError, evaluate, read_labelled, report
    from aggregator.tagging import compile_themes

    try:
        records = read_labelled(args.file, args.split)
    except (OSError, LabelError) as exc:
        raise UsageError(str(exc)) from None
    counts = evaluate(compile_themes(config.themes), records)
    if args.errors:
        for theme, c in counts.items():
            for line in c.errors:
                print(f"{theme}: {line}")
    print(f"{len(records)} labelled items" + (f" (split {args.split})" if args.split else ""))
    print("\n".join(report(counts)))
    return EXIT_OK


def cmd_retag(config: Config, args: argparse.Namespace) -> int:
    from aggregator.normalize import html_to_text
    from aggregator.store import Store
    from aggregator.tagging import compile_themes, tag

    compiled = compile_themes(config.themes)
    changed, added, removed = Store(db_url(config, args)).retag(
        lambda item: tag(compiled, item.title, html_to_text(item.summary), item.categories or [], item.language))
    print(f"retagged: {changed} items changed, {added} tags added, {removed} removed")
    return EXIT_OK


def cmd_explain(config: Config, args: argparse.Namespace) -> int:
    from aggregator.stories import members
    from aggregator.store import Store

    store = Store(db_url(config, args), dedup=config.dedup)
    item = store.find(args.item)
    if item is None:
        raise UsageError(f"no stored item matches {args.item!r} (give a feed id, a URL or a numeric id)")
    with store.session() as s:
        story = members(s, {item.cluster_id}).get(item.cluster_id, [item])
    data = {"id": item.id, "feed_id": item.feed_id, "title": item.title, "url": item.url, "source": item.source_id,
            "language": item.language, "published": item.published, "first_seen": item.first_seen,
            "updated": item.updated, "categories": item.categories,
            "themes": {t.theme: t.reason for t in item.themes},
            "story": {"id": item.cluster_id, "items": [story_item(i) for i in story]}}
    if args.json:
        print_json(data)
        return EXIT_OK
    for key in ("title", "url", "source", "language", "published", "first_seen", "updated", "feed_id"):
        print(f"{key + ':':<12}{data[key]}")
    print(f"{'categories:':<12}{', '.join(item.categories or []) or '-'}")
    print("themes:" if data["themes"] else "themes:     none")
    for theme, why in data["themes"].items():
        print(f"  {theme}: {why}")
    print(f"story:      {item.cluster_id} ({len(story)} item{'s' if len(story) > 1 else ''})")
    for i in story:
        print(f"  {story_line(i, item.id)}")
    return EXIT_OK


def story_item(item) -> dict:
    """One item of a story, for JSON output."""
    return {"id": item.id, "feed_id": item.feed_id, "source": item.source_id, "language": item.language,
            "url": item.url, "title": item.title, "lead": item.lead,
            "published": item.published, "why": item.cluster_reason or "first item of the story"}


def story_line(item, mark: int | None = None) -> str:
    """One item of a story as a text line, with why it joined."""
    flags = ("*" if item.id == mark else " ") + ("lead " if item.lead else "     ")
    why = item.cluster_reason or "first item of the story"
    return f"{flags}{item.id} {item.source_id} [{item.language or '-'}] {item.title[:70]}\n          why: {why}"


def cmd_clusters(config: Config, args: argparse.Namespace) -> int:
    from aggregator.stories import multi_source
    from aggregator.store import Store

    names = {s.id: s.name for s in config.sources}
    with Store(db_url(config, args), dedup=config.dedup).session() as s:
        stories = sorted(multi_source(s).items())
    rows = [{"story": cid, "title": items[0].title, "url": items[0].url,
             "sources": sorted({names.get(i.source_id, i.source_id) for i in items}),
             "languages": sorted({i.language for i in items if i.language}),
             "items": [story_item(i) for i in items]} for cid, items in stories]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row, (_, items) in zip(rows, stories):
        print(f"story {row['story']}: {row['title'][:80]} ({', '.join(row['sources'])}; {', '.join(row['languages'])})")
        for i in items:
            print(f"  {story_line(i)}")
    print(f"{len(rows)} stories with more than one item")
    return EXIT_OK


def cmd_eval_clusters(config: Config, args: argparse.Namespace) -> int:
    from aggregator.evalclusters import evaluate
    from aggregator.evaluate import LabelError

    priorities = {s.id: s.priority for s in config.sources}
    for split in ([args.split] if args.split else ["dev", "held", None]):
        try:
            count, pairs = evaluate(args.file, split, config.dedup, priorities)
        except (OSError, LabelError) as exc:
            raise UsageError(str(exc)) from None
        if args.errors:
            print("\n".join([f"wrongly joined: {w}" for w in pairs.wrong] + [f"missed: {m}" for m in pairs.missed]))
        print(f"{split or 'all':<5} {count:>4} items  pairs: {pairs.tp} joined right, {pairs.fp} wrong, "
              f"{pairs.fn} missed  precision {pairs.precision:.3f}  recall {pairs.recall:.3f}")
    return EXIT_OK
