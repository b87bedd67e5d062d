"""The `npc` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib.metadata import version


def parser() -> argparse.ArgumentParser:
    """The `npc` argument parser with every command."""
    root = argparse.ArgumentParser(prog="npc", description="NPC看电影 backend.")
    root.add_argument("--version", action="version", version=f"npc {version('npc')}")
    root.add_subparsers(dest="command", metavar="COMMAND")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = parser().parse_args(argv)
    if args.command is None:
        parser().print_help()
    return 0
