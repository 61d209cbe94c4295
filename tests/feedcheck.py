"""Run the shared feed checkers (../shared/tools/feedcheck) on published files; skip those not installed."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__import__("os").environ.get("MUSEUMFEEDS_SHARED", ROOT.parent / "shared"))
TOOLS = SHARED / "tools" / "feedcheck"


def require_tools() -> None:
    """Skip with a clear reason when ../shared is not beside the repo."""
    if not TOOLS.is_dir():
        pytest.skip(f"feed checkers not found at {TOOLS} (clone ../shared beside the repo)")


def run(cmd: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=TOOLS)


def jing(paths: list[Path]) -> None:
    """Every Atom file against the RFC 4287 RELAX NG schema."""
    if not shutil.which("jing"):
        pytest.skip("jing is not installed (apt-get install jing; .ci/run installs it)")
    proc = run(["jing", "-c", str(SHARED / "schemas" / "atom.rnc"), *map(str, paths)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def strict(paths: list[Path]) -> None:
    proc = run([sys.executable, "strict_feed_check.py", "--atom-rng", str(SHARED / "schemas" / "atom.rng"),
                *map(str, paths)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def feedparser_check(urls: list[str]) -> None:
    proc = run([sys.executable, "fpcheck.py", *urls])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def reader_check(urls: list[str]) -> None:
    proc = run([sys.executable, "readercheck.py", *urls])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def jsonfeed(paths: list[Path]) -> None:
    proc = run([sys.executable, "jsonfeed_check.py", "jsonfeed-1.1.schema.json", *map(str, paths)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def opml(paths: list[Path]) -> None:
    proc = run([sys.executable, "opml_check.py", *map(str, paths)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def newsboat_items(url: str) -> list[str]:
    """The ITEM lines newsboat stored for a feed URL."""
    if not shutil.which("newsboat"):
        pytest.skip("newsboat is not installed (apt-get install newsboat sqlite3; .ci/run installs it)")
    proc = run([str(TOOLS / "nbcheck"), url])
    return [line for line in proc.stdout.splitlines() if line.startswith("ITEM")]
