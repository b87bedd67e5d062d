"""The `npc` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import version


def parser() -> argparse.ArgumentParser:
    """The `npc` argument parser with every command."""
    root = argparse.ArgumentParser(prog="npc", description="NPC看电影 backend.")
    root.add_argument("--version", action="version", version=f"npc {version('npc')}")
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="run the HTTP API (the embedded default when no NPC_* variable is set)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    return root


def serve(host: str, port: int) -> int:
    """Build npc from the environment and serve it until interrupted."""
    import uvicorn  # noqa: PLC0415 - only `serve` needs the server

    from entrypoints.bootstrap import build  # noqa: PLC0415
    from entrypoints.http.app import create_app  # noqa: PLC0415
    from entrypoints.http.logs import configure_logging  # noqa: PLC0415
    from entrypoints.settings import ConfigurationError, Settings  # noqa: PLC0415

    try:
        settings = Settings.from_env()
        configure_logging(json_lines=settings.production)
        app = create_app(build(settings))
    except ConfigurationError as error:
        print(f"npc: configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    uvicorn.run(
        app, host=host, port=port, log_config=None, access_log=False, timeout_graceful_shutdown=15
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = parser().parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port)
    parser().print_help()
    return 0
