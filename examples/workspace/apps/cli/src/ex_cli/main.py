"""The ex-greet command: print the ex_app welcome of a name."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ex_app import welcome


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ex-greet."""
    parser = argparse.ArgumentParser(prog="ex-greet", description="Print a welcome banner.")
    parser.add_argument("name", nargs="+", help="the name to welcome (words are joined)")
    parser.add_argument("--width", type=int, default=40, help="minimum banner width")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ex-greet with *argv* (default: sys.argv[1:]) and return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        print(welcome(" ".join(args.name), width=args.width))
    except ValueError as exc:
        print(f"ex-greet: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
