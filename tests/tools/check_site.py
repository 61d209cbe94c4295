"""Run one source's page objects over its fixture cases and print every difference (a maintainer's tool).

Usage: python tests/tools/check_site.py SOURCE_ID [--config config.yaml] [--print]
`--print` shows what the page objects extract now, ready to review and paste into a case file.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aggregator.config import load_config  # noqa: E402
from tests.sitecases import cases, normalise_expected, run_case  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--print", action="store_true", help="print current extraction")
    args = parser.parse_args()
    source = load_config(args.config).source(args.source)
    bad = 0
    for path in cases(args.source):
        expected, actual = run_case(path, source)
        expected = normalise_expected(expected)
        if args.print:
            print(f"== {path.name}\n{json.dumps(actual, indent=2, ensure_ascii=False)}")
        for key in expected:
            exp, act = expected[key], actual.get(key)
            if exp == act:
                continue
            bad += 1
            if isinstance(exp, list) and isinstance(act, list):
                print(f"{path.name}: {key}: expected {len(exp)} items, got {len(act)}")
                for i, (e, a) in enumerate(zip(exp, act)):
                    for f in sorted(set(e) | set(a)):
                        if e.get(f) != a.get(f):
                            print(f"  [{i}].{f}: expected {e.get(f)!r}\n  {' ' * len(str(i))}   got      {a.get(f)!r}")
            else:
                print(f"{path.name}: {key}: expected {exp!r}\n    got {act!r}")
    print(f"{args.source}: {len(cases(args.source))} cases, {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
