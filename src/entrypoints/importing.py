"""`npc import`: read film sources, write their films, say what happened per file.

Each PATH is a source (a file, or a folder a reader recognises, like the Cornell
corpus); a folder that is not one is walked, its recognised entries imported in name
order and the others listed as skipped. Every file gets a one-line summary (`--json`:
a machine-readable report instead) and a progress bar while it runs, on a terminal.

Exit status: 0 when every film was stored (or would be, with `--dry-run`); 1 when a
film failed or a named path is missing, unrecognised or refused by its reader; 2 when
the database cannot be used (bad URL, no answer, schema not at head: `npc migrate`
first) or
fails during the import (the films committed so far stay: importing again goes on).

The database is `NPC_DATABASE_URL`, else the embedded SQLite file under
`NPC_DATA_DIR`, which is created and migrated here as `npc serve` would; a shared
server must already be at the schema this npc needs.

Caches: with `NPC_REDIS_URL`, the shared cache forgets each changed film (and the
pages that may list it) once it is committed, as the app does after an edit. A server
running without Redis keeps its in-process cache, whose entries age out within
`LIBRARY_TTL_SECONDS`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

import attrs
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, OperationalError

from adapters.importers import Format, UnrecognizedSource, detect, iter_films
from adapters.importers.records import Problem, Severity, SourceFilm
from adapters.redis.cache import RedisCache
from adapters.redis.client import connect
from adapters.sql.bulk import (
    ChangeHook,
    LibraryWriter,
    Status,
    Written,
    create_bulk_engine,
    validate,
)
from entrypoints.bootstrap import database_url
from entrypoints.database import DatabaseUnreachable
from entrypoints.database import prepare as prepare_database
from entrypoints.settings import ConfigurationError
from npc_core.services.cached import forget_movies

# Problems kept per file in the report; the counts stay exact past it.
KEPT_PROBLEMS: Final = 1_000
# Problems printed under a file's summary line; `--json` lists them all (up to KEPT).
SHOWN_PROBLEMS: Final = 10

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


class Unusable(Exception):
    """The database cannot take an import; the message says what to do."""


class Refused(Exception):
    """A reader refused an argument for a source (the message says which and why)."""


@attrs.define
class FileReport:
    """What importing one source did."""

    path: str
    format: str | None = None
    # imported | checked (dry run) | skipped (unrecognized inside a folder), or failed:
    # missing | unrecognized | refused (by the reader) | unreadable
    status: str = "imported"
    message: str | None = None
    films: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    characters: int = 0
    lines: int = 0
    warnings: int = 0
    errors: int = 0
    seconds: float = 0.0
    problems: list[dict[str, str]] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """No failed film, and the source was read."""
        return self.failed == 0 and self.status in {"imported", "checked", "skipped"}

    def note(self, problem: Problem, film: SourceFilm) -> None:
        """Count a problem, and keep it for the report while there is room."""
        if problem.severity is Severity.ERROR:
            self.errors += 1
        else:
            self.warnings += 1
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(
                {
                    "severity": problem.severity.value,
                    "location": problem.location,
                    "message": problem.message,
                    "film": film.source_key,
                    "title": film.title,
                }
            )

    def as_json(self) -> dict[str, Any]:
        """The report's JSON object (camelCase, like the API)."""
        return {
            "path": self.path,
            "format": self.format,
            "status": self.status,
            "message": self.message,
            "ok": self.ok,
            "films": self.films,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "characters": self.characters,
            "lines": self.lines,
            "warnings": self.warnings,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "problems": self.problems,
        }

    def summary(self, *, dry_run: bool) -> str:
        """One line for a person."""
        if self.status not in {"imported", "checked"}:
            return f"{self.path}: {self.status}: {self.message}"
        if dry_run:
            films = f"{self.films - self.failed} films would be imported, {self.failed} failed"
        else:
            films = (
                f"{self.films} films ({self.created} new, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.failed} failed)"
            )
        return (
            f"{self.path} [{self.format}]: {films}, {self.characters:,} characters, "
            f"{self.lines:,} lines, {self.warnings} warnings, {self.errors} errors "
            f"in {self.seconds:.1f} s"
        )


@attrs.frozen
class Request:
    """What `npc import` was asked."""

    paths: tuple[Path, ...]
    format: Format | None = None
    dry_run: bool = False
    tmdb_id: str | None = None


@attrs.frozen
class _Source:
    path: Path
    format: Format | None
    named: bool  # given on the command line, not found inside a folder


def sources(paths: Sequence[Path], fmt: Format | None) -> Iterator[_Source | FileReport]:
    """The sources to read, in order, and reports for what cannot be one."""
    for path in paths:
        if not path.exists():
            yield FileReport(str(path), status="missing", message="no such file or folder")
        elif fmt is not None:
            yield _Source(path, fmt, named=True)
        else:
            yield from _detected(path, named=True)


def _detected(path: Path, *, named: bool) -> Iterator[_Source | FileReport]:
    try:
        found = detect(path)
    except UnrecognizedSource as why:
        if not path.is_dir():
            status = "unrecognized" if named else "skipped"
            yield FileReport(str(path), status=status, message=why.reason)
            return
        for entry in sorted(path.iterdir()):
            if not entry.name.startswith("."):
                yield from _detected(entry, named=False)
        return
    yield _Source(path, found, named=named)


Process = Callable[[Iterator[SourceFilm]], Iterator[tuple[SourceFilm, Written]]]


def import_source(
    source: _Source, request: Request, process: Process, tick: Callable[[FileReport], None]
) -> FileReport:
    """Read one source, `process` storing (or checking) its films in order."""
    report = FileReport(str(source.path), source.format.value if source.format else None)
    report.status = "checked" if request.dry_run else "imported"
    started = time.perf_counter()
    try:
        for film, written in process(_films(source, request)):
            _count(report, film, written)
            tick(report)
    except UnrecognizedSource as why:
        report.status = "unrecognized" if source.named else "skipped"
        report.message = why.reason
    except Refused as why:
        report.status, report.message = "refused", str(why)
    except OSError as why:
        report.status, report.message = "unreadable", str(why)
    report.seconds = time.perf_counter() - started
    return report


def _films(source: _Source, request: Request) -> Iterator[SourceFilm]:
    """The source's films; `Refused` for an argument it cannot take (`--tmdb-id` on TMDB)."""
    try:
        return iter_films(source.path, source.format, tmdb_id=request.tmdb_id)
    except ValueError as why:
        raise Refused(str(why)) from None


def _count(report: FileReport, film: SourceFilm, written: Written) -> None:
    report.films += 1
    for problem in film.problems:
        report.note(problem, film)
    # A problem the reader found is counted with the film's own, above.
    if written.problem is not None and written.problem not in film.problems:
        report.note(written.problem, film)
    if written.status is Status.FAILED:
        report.failed += 1
        return
    report.characters += len(film.characters)
    report.lines += len(film.lines)
    if written.status is Status.CREATED:
        report.created += 1
    elif written.status is Status.UPDATED:
        report.updated += 1
    elif written.status is Status.UNCHANGED:
        report.unchanged += 1


def _checked(films: Iterator[SourceFilm]) -> Iterator[tuple[SourceFilm, Written]]:
    """What a dry run says of each film: it would be created, or why it would fail."""
    for film in films:
        problem = validate(film)
        yield (
            film,
            Written(Status.CREATED) if problem is None else Written(Status.FAILED, problem=problem),
        )


def cache_hook(environ: Mapping[str, str]) -> ChangeHook | None:
    """What tells the shared cache (`NPC_REDIS_URL`) which films changed; None without one."""
    url = environ.get("NPC_REDIS_URL", "")
    if not url:
        return None

    def forget(movie_ids: Sequence[str]) -> None:
        asyncio.run(_forget(url, movie_ids))

    return forget


async def _forget(url: str, movie_ids: Sequence[str]) -> None:
    # A client per call: each `asyncio.run` is a new event loop, which a client cannot
    # outlive. Calls are rare (every 1,000 changed films, and at the end).
    redis = connect(url, max_connections=2)
    try:
        await forget_movies(RedisCache(redis), movie_ids)
    finally:
        await redis.aclose()


def open_database(environ: Mapping[str, str]) -> tuple[Engine, str]:
    """A bulk engine on the configured database, made ready; and how to name it."""
    configured = environ.get("NPC_DATABASE_URL", "")
    url = database_url(configured, Path(environ.get("NPC_DATA_DIR", "var")))
    try:
        shown = prepare_database(url)  # npc's own SQLite file is migrated, as `npc serve` does
        return create_bulk_engine(url), shown
    except (ConfigurationError, DatabaseUnreachable) as error:
        raise Unusable(str(error)) from None
    except (ArgumentError, ValueError) as error:
        raise Unusable(f"NPC_DATABASE_URL is not usable: {error}") from None


def run(
    request: Request,
    engine: Engine | None,
    *,
    on_changed: ChangeHook | None = None,
    progress: Callable[[], Progress] | None = None,
    on_file: Callable[[FileReport], None] = lambda _: None,
) -> list[FileReport]:
    """Import every source of `request` (check it, with no engine or a dry run)."""
    if engine is None or request.dry_run:
        return _each(request, _checked, progress, on_file)
    with LibraryWriter(engine, on_changed=on_changed) as writer:
        return _each(request, writer.write_all, progress, on_file)


def _each(
    request: Request,
    process: Process,
    progress: Callable[[], Progress] | None,
    on_file: Callable[[FileReport], None],
) -> list[FileReport]:
    reports = []
    for found in sources(request.paths, request.format):
        report = (
            found if isinstance(found, FileReport) else _read(found, request, process, progress)
        )
        reports.append(report)
        on_file(report)
    return reports


def _read(
    source: _Source,
    request: Request,
    process: Process,
    progress: Callable[[], Progress] | None,
) -> FileReport:
    if progress is None:
        return import_source(source, request, process, lambda _: None)
    # A bar per file, gone before its summary is printed: nothing else is redirected.
    with progress() as bar:
        task = bar.add_task(source.path.name, total=None, films=0, lines=0)

        def tick(report: FileReport) -> None:
            bar.update(task, films=report.films, lines=report.lines)

        return import_source(source, request, process, tick)


def _progress(stderr: TextIO) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[films]:,} films, {task.fields[lines]:,} lines"),
        TimeElapsedColumn(),
        console=Console(file=stderr),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )


def command(
    paths: Sequence[str],
    *,
    fmt: str | None,
    dry_run: bool,
    as_json: bool,
    tmdb_id: str | None,
    environ: Mapping[str, str],
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    on_changed: ChangeHook | None = None,
) -> int:
    """`npc import`: the exit status (see the module doc); output to sys.stdout/stderr."""
    stderr = stderr or sys.stderr
    try:
        request = Request(
            tuple(Path(p) for p in paths),
            Format(fmt) if fmt else None,
            dry_run=dry_run,
            tmdb_id=tmdb_id,
        )
    except ValueError:
        names = ", ".join(f.value for f in Format)
        print(f"npc: unknown format {fmt!r}; formats: {names}", file=stderr)
        return EXIT_UNUSABLE
    if tmdb_id is not None and len(paths) != 1:
        print("npc: --tmdb-id names one film: give exactly one PATH", file=stderr)
        return EXIT_UNUSABLE
    engine, shown = None, "no database (dry run)"
    if not dry_run:
        try:
            engine, shown = open_database(environ)
        except Unusable as error:
            print(f"npc: {error}", file=stderr)
            return EXIT_UNUSABLE
    started = time.perf_counter()
    terminal = stderr
    bars = (lambda: _progress(terminal)) if stderr.isatty() and not as_json else None
    try:
        reports = run(
            request,
            engine,
            on_changed=on_changed or cache_hook(environ),
            progress=bars,
            on_file=(lambda _: None) if as_json else lambda r: _print(r, request, stdout),
        )
    except OperationalError as error:
        # Films committed so far stay; importing again goes on where this stopped.
        print(f"npc: the database failed during the import: {error.orig}", file=stderr)
        return EXIT_UNUSABLE
    finally:
        if engine is not None:
            engine.dispose()
    ok = all(r.ok for r in reports)
    if as_json:
        document = {
            "ok": ok,
            "dryRun": dry_run,
            "database": shown,
            "seconds": round(time.perf_counter() - started, 3),
            "files": [r.as_json() for r in reports],
        }
        out = stdout or sys.stdout
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
    return EXIT_OK if ok else EXIT_FAILED


def _print(report: FileReport, request: Request, stdout: TextIO | None) -> None:
    stdout = stdout or sys.stdout
    print(report.summary(dry_run=request.dry_run), file=stdout)
    errors = [p for p in report.problems if p["severity"] == Severity.ERROR.value]
    warnings = [p for p in report.problems if p["severity"] != Severity.ERROR.value]
    for problem in [*errors, *warnings][:SHOWN_PROBLEMS]:
        print(f"  {problem['severity']}: {problem['location']}: {problem['message']}", file=stdout)
    hidden = report.errors + report.warnings - SHOWN_PROBLEMS
    if hidden > 0:
        print(f"  ... and {hidden} more (--json lists them)", file=stdout)
