"""The `npc` command line."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entrypoints.settings import Settings


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
    worker = commands.add_parser(
        "worker", help="run queued tasks from Redis (needs NPC_REDIS_URL); stops on SIGTERM"
    )
    worker.add_argument(
        "--queues",
        default="premium,free",
        help="comma-separated lanes to serve: premium, free (both)",
    )
    worker.add_argument(
        "--concurrency", type=int, default=None, help="jobs at once per lane (NPC_TASK_CONCURRENCY)"
    )
    migrate = commands.add_parser(
        "migrate",
        help="upgrade the database (NPC_DATABASE_URL, default the embedded SQLite file) "
        "to the newest schema",
    )
    migrate.add_argument(
        "--sql", action="store_true", help="print the SQL instead of running it (offline)"
    )
    _import_parser(commands)
    return root


def _import_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    found = commands.add_parser(
        "import",
        help="import films, characters and lines from files into the database "
        "(NPC_DATABASE_URL, default the embedded SQLite file)",
        description="Formats: npc JSON Lines, the Cornell corpus (a folder), IMSDb and "
        "Fountain screenplays, parsed-script JSON, SRT and ASS subtitles, TMDB and Douban CSV "
        "(metadata, merged into existing films). A folder that is no format is walked. "
        "Exit status 1 when a film failed or a file is unrecognized, 2 when the database "
        "cannot be used.",
    )
    found.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import")
    found.add_argument(
        "--format",
        help="the format of every PATH, detected when not given: jsonl, cornell, imsdb, "
        "fountain, parsed_json, srt, ass, tmdb_csv or douban_csv",
    )
    found.add_argument(
        "--dry-run", action="store_true", help="read and check everything, write nothing"
    )
    found.add_argument(
        "--json", action="store_true", help="print a machine-readable report, no progress bar"
    )
    found.add_argument(
        "--tmdb-id",
        metavar="ID",
        help="the TMDB id of the one film PATH holds, so TMDB metadata merges into it",
    )


def serve(host: str, port: int) -> int:
    """Build npc from the environment and serve it until interrupted."""
    from entrypoints.bootstrap import build  # noqa: PLC0415
    from entrypoints.http.app import create_app  # noqa: PLC0415
    from entrypoints.http.logs import configure_logging  # noqa: PLC0415
    from entrypoints.runtime import serve as serve_app  # noqa: PLC0415
    from entrypoints.settings import ConfigurationError, Settings  # noqa: PLC0415

    try:
        settings = Settings.from_env()
        configure_logging(json_lines=settings.production)
        if (failed := _database_unready(settings)) is not None:
            return failed
        app = create_app(build(settings))
    except ConfigurationError as error:
        print(f"npc: configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    serve_app(app, host, port)
    return 0


def _database_unready(settings: Settings) -> int | None:
    """None once the configured database is ready; else the exit status, the reason printed.

    Checked before the server starts, so a database that is down or behind the schema is
    one line on stderr, not a start-up traceback. `ConfigurationError` passes through.
    """
    from entrypoints import database  # noqa: PLC0415 - only the commands that serve need it
    from entrypoints.bootstrap import database_url  # noqa: PLC0415

    try:
        database.prepare(database_url(settings.database_url.value, settings.data_dir))
    except database.DatabaseUnreachable as error:
        print(f"npc: {error}", file=sys.stderr)  # noqa: T201
        return 1
    return None


def worker(queues: str, concurrency: int | None) -> int:
    """Run a task worker from the environment until SIGINT/SIGTERM."""
    import asyncio  # noqa: PLC0415 - only `worker` needs these
    import logging  # noqa: PLC0415

    from entrypoints.bootstrap import build  # noqa: PLC0415
    from entrypoints.http.logs import configure_logging  # noqa: PLC0415
    from entrypoints.settings import ConfigurationError, Settings  # noqa: PLC0415
    from entrypoints.worker import TaskWorker  # noqa: PLC0415
    from npc_core.ports import Lane  # noqa: PLC0415

    try:
        lanes = [Lane(name.strip()) for name in queues.split(",") if name.strip()]
    except ValueError:
        print(f"npc: --queues takes premium and/or free, not {queues!r}", file=sys.stderr)  # noqa: T201
        return 2
    if not lanes or (concurrency is not None and concurrency < 1):
        print("npc: serve at least one queue with a concurrency of at least 1", file=sys.stderr)  # noqa: T201
        return 2
    try:
        settings = Settings.from_env()
        configure_logging(json_lines=settings.production)
        # saq logs two lines per job at INFO; npc logs each run itself (adapters.dify).
        logging.getLogger("saq").setLevel(logging.WARNING)
        if (failed := _database_unready(settings)) is not None:
            return failed
        task_worker = TaskWorker(build(settings), lanes, concurrency or settings.task_concurrency)
    except ConfigurationError as error:
        print(f"npc: configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    asyncio.run(task_worker.run())
    return 0


def migrate(*, sql: bool) -> int:
    """Upgrade the database to the newest schema, or print the SQL that would."""
    from entrypoints import database  # noqa: PLC0415 - only `migrate` needs these
    from entrypoints.bootstrap import database_url  # noqa: PLC0415
    from entrypoints.settings import ConfigurationError  # noqa: PLC0415

    # Only where the database is: a deploy step need not carry the app's other secrets.
    url = database_url(
        os.environ.get("NPC_DATABASE_URL", ""), Path(os.environ.get("NPC_DATA_DIR", "var"))
    )
    try:
        if sql:
            database.write_sql(url, sys.stdout)
            return 0
        shown, revision = database.upgrade(url)
    except ConfigurationError as error:
        print(f"npc: {error}", file=sys.stderr)  # noqa: T201
        return 2
    except database.DatabaseUnreachable as error:
        print(f"npc: {error}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"npc: {shown} is at schema revision {revision}")  # noqa: T201
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    try:
        return _run(parser().parse_args(argv))
    except BrokenPipeError:
        # The reader went away (`npc migrate --sql | head`): no traceback, and none
        # again when Python flushes stdout at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return serve(args.host, args.port)
    if args.command == "worker":
        return worker(args.queues, args.concurrency)
    if args.command == "migrate":
        return migrate(sql=args.sql)
    if args.command == "import":
        from entrypoints.importing import command  # noqa: PLC0415 - only `import` needs it

        return command(
            args.paths,
            fmt=args.format,
            dry_run=args.dry_run,
            as_json=args.json,
            tmdb_id=args.tmdb_id,
            environ=os.environ,
        )
    parser().print_help()
    return 0
