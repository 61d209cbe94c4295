"""Listing pages of a small crawl mirror with their generated sources, for the per-page micro-benchmarks."""
from __future__ import annotations

from pathlib import Path

from aggregator.config import load_config
from bench.crawl_bench import write_config
from bench.mirror import HOST, MirrorSpec, generate, section_path

ROOT = Path(__file__).resolve().parent.parent


def mirror_pages(out: Path, pages: int) -> tuple[list[tuple[str, bytes, object]], Path]:
    """(url, body, source) of every page of a `pages`-page mirror of 8 sections made under `out`, and the path of
    the config whose sources read it."""
    spec = MirrorSpec(pages=pages, sections=8)
    root = out / f"mirror-{pages}"
    generate(root, spec)
    config_path = out / f"config-{pages}.yaml"
    write_config(config_path, 8000, spec, ROOT / "config.yaml")
    sources = {s.id: s for s in load_config(config_path).sources}
    found = []
    for section in range(spec.sections):
        for page in range(1, spec.pages_in(section) + 1):
            path = section_path(section, page)
            body = (root / HOST / path.lstrip("/") / "index.html").read_bytes()
            found.append((f"http://127.0.0.1:8000{path}", body, sources[f"bench-{section}"]))
    return found, config_path
