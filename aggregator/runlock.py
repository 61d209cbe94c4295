"""Cross-process run lock: an exclusive flock on a file beside the store, so two crawls never overlap."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

# A child started by `museumfeeds schedule` inherits the locked descriptor and finds its number here.
INHERITED_FD = "MUSEUMFEEDS_LOCK_FD"


class LockBusy(Exception):
    """Another process holds the lock; says who and since when."""

    def __init__(self, path: Path, holder: str, what: str):
        pid, _, since = holder.partition(" ")
        self.path, self.pid, self.since = path, pid or "?", since or "?"
        super().__init__(f"another {what} holds the lock {path} since {self.since} (pid {self.pid})")


def lock_path(db_url: str, config_path: str, suffix: str = ".lock") -> Path:
    """Beside a SQLite store (`data/museumfeeds.db` -> `data/museumfeeds.lock`), else beside the config."""
    from sqlalchemy.engine import make_url

    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).with_suffix(suffix)
    return Path(config_path).resolve().parent / ("museumfeeds" + suffix)


@contextmanager
def hold(path: Path, what: str = "run") -> Iterator[int]:
    """Hold the lock for the block (yields the descriptor) or raise LockBusy at once; never waits."""
    fd = inherited(path)
    owner = fd is None
    if owner:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
        os.close(fd)
        raise LockBusy(path, holder, what) from None
    if owner:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n".encode(), 0)
    try:
        yield fd
    finally:
        os.close(fd)  # the lock goes with the last descriptor: a child still running keeps it


def inherited(path: Path) -> int | None:
    """The descriptor of this very lock file handed down by the parent (already locked by it), if any."""
    fd = os.environ.get(INHERITED_FD, "")
    if not fd.isdigit():
        return None
    try:
        mine, theirs = os.stat(path), os.fstat(int(fd))
    except OSError:
        return None
    return int(fd) if (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino) else None
