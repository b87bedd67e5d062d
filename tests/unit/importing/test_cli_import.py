"""`npc import` on the embedded SQLite default: summaries, `--json`, `--dry-run`, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from adapters.importers import Format
from adapters.sql.bulk import create_bulk_engine
from adapters.sql.bulk.ids import movie_id
from adapters.sql.engine import sqlite_file_url
from entrypoints.cli import main, parser
from entrypoints.importing import cache_hook, command
from tests.unit.importing.films import counts


def _film(key: str, title: str, lines: int = 3) -> dict[str, Any]:
    return {
        "key": key,
        "title": title,
        "year": 1999,
        "characters": [{"key": "j", "name": "JACK"}, {"key": "t", "name": "TYLER"}],
        "lines": [{"content": f"Line {i}.", "character": "jt"[i % 2]} for i in range(lines)],
    }


def _jsonl(path: Path, *records: dict[str, Any] | str) -> Path:
    rows = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


class Tty(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _run(
    data_dir: Path, *paths: Path, stderr: io.StringIO | None = None, **options: Any
) -> tuple[int, str, str]:
    """Run `npc import` on `paths` with the embedded database under `data_dir`."""
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    settings: dict[str, Any] = {"fmt": None, "dry_run": False, "as_json": False, "tmdb_id": None}
    status = command(
        [str(p) for p in paths],
        **(settings | options),
        environ={"NPC_DATA_DIR": str(data_dir)},
        stdout=out,
        stderr=err,
    )
    return status, out.getvalue(), err.getvalue()


def _engine(data_dir: Path) -> Engine:
    return create_bulk_engine(sqlite_file_url(data_dir / "npc.sqlite3"))


@pytest.fixture
def films(tmp_path: Path) -> Path:
    return _jsonl(tmp_path / "films.jsonl", _film("t:1", "Fight Club"), _film("t:2", "Heat"))


def test_films_are_imported_with_one_summary_line_per_file(tmp_path: Path, films: Path) -> None:
    """The embedded database is created and migrated; the summary counts what was stored."""
    status, out, err = _run(tmp_path / "data", films)
    assert status == 0, out + err
    (summary,) = out.splitlines()
    assert summary.startswith(f"{films} [jsonl]: 2 films (2 new, 0 updated, 0 unchanged, 0 failed)")
    assert "4 characters, 6 lines, 0 warnings, 0 errors" in summary
    assert err == ""  # not a terminal: no progress bar
    engine = _engine(tmp_path / "data")
    assert counts(engine)["character_dialogues"] == 6
    engine.dispose()


def test_a_second_import_reports_every_film_unchanged(tmp_path: Path, films: Path) -> None:
    """Importing the same file again stores nothing new and says so."""
    _run(tmp_path / "data", films)
    engine = _engine(tmp_path / "data")
    before = counts(engine)
    status, out, _ = _run(tmp_path / "data", films)
    assert status == 0
    assert "2 films (0 new, 0 updated, 2 unchanged, 0 failed)" in out
    assert counts(engine) == before
    engine.dispose()


def test_the_json_report_lists_each_file_and_each_failed_film(tmp_path: Path) -> None:
    """`--json`: per file counts and problems with file:line; a failed film exits 1."""
    source = _jsonl(tmp_path / "films.jsonl", _film("t:1", "Fight Club"), "{not json")
    notes = tmp_path / "notes.txt"
    notes.write_text("nothing to see\n", encoding="utf-8")
    status, out, err = _run(tmp_path / "data", source, notes, as_json=True)
    assert status == 1
    assert err == ""
    report = json.loads(out)
    assert report["ok"] is False
    assert report["dryRun"] is False
    assert report["database"].startswith("sqlite+aiosqlite:///")
    first, second = report["files"]
    assert first["status"] == "imported"
    assert first["format"] == "jsonl"
    assert (first["films"], first["created"], first["failed"]) == (2, 1, 1)
    assert (first["characters"], first["lines"], first["errors"]) == (2, 3, 1)
    (problem,) = first["problems"]
    assert problem["severity"] == "error"
    assert problem["location"] == f"{source}:2"
    assert "invalid JSON" in problem["message"]
    assert second["status"] == "unrecognized"
    assert second["ok"] is False
    assert second["message"]


def test_a_dry_run_reads_and_checks_but_writes_nothing(tmp_path: Path, films: Path) -> None:
    """`--dry-run` touches no database: not even the embedded file is created."""
    status, out, _ = _run(tmp_path / "data", films, dry_run=True)
    assert status == 0
    assert "2 films would be imported, 0 failed" in out
    assert not (tmp_path / "data").exists()


def test_a_dry_run_still_fails_on_a_bad_film(tmp_path: Path) -> None:
    """A film the writer would refuse makes a dry run exit 1 and say where."""
    bad = _film("t:1", "Fight Club")
    bad["lines"][1]["content"] = "x" * 2001 + "."  # one sentence: the reader cannot split it
    source = _jsonl(tmp_path / "films.jsonl", bad)
    status, out, _ = _run(tmp_path / "data", source, dry_run=True, as_json=True)
    report = json.loads(out)
    assert status == 1
    assert report["files"][0]["failed"] == 1
    assert report["files"][0]["problems"][0]["location"].startswith(str(source))


def test_a_folder_is_walked_and_what_no_reader_knows_is_skipped(tmp_path: Path) -> None:
    """A folder that is no format: its films are imported, other files listed as skipped."""
    folder = tmp_path / "in"
    folder.mkdir()
    _jsonl(folder / "films.jsonl", _film("t:1", "Fight Club"))
    (folder / "README.txt").write_text("not a film\n", encoding="utf-8")
    status, out, _ = _run(tmp_path / "data", folder)
    assert status == 0
    skipped, imported = out.splitlines()
    assert skipped.startswith(f"{folder / 'README.txt'}: skipped: ")
    assert "1 films (1 new" in imported


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fmt": "docx"}, "unknown format 'docx'"),
        ({"tmdb_id": "550"}, "--tmdb-id names one film"),
    ],
)
def test_bad_options_exit_2(
    tmp_path: Path, films: Path, options: dict[str, Any], message: str
) -> None:
    """An unknown format, or `--tmdb-id` with more than one PATH, is refused before reading."""
    status, _, err = _run(tmp_path / "data", films, films, **options)
    assert status == 2
    assert message in err


def test_an_unusable_database_url_exits_2(films: Path) -> None:
    """A database npc cannot use stops the import before any file is read."""
    err = io.StringIO()
    status = command(
        [str(films)],
        fmt=None,
        dry_run=False,
        as_json=False,
        tmdb_id=None,
        environ={"NPC_DATABASE_URL": "postgresql://db/npc"},
        stdout=io.StringIO(),
        stderr=err,
    )
    assert status == 2
    assert "NPC_DATABASE_URL is not usable" in err.getvalue()


def test_a_missing_path_exits_1(tmp_path: Path) -> None:
    """A named path that does not exist is reported and fails the run."""
    status, out, _ = _run(tmp_path / "data", tmp_path / "nope.jsonl")
    assert status == 1
    assert "nope.jsonl: missing: no such file or folder" in out


def test_the_progress_bar_shows_on_a_terminal_only_without_json(
    tmp_path: Path, films: Path
) -> None:
    """The progress bar is drawn on a terminal only, and never with `--json`."""
    terminal = Tty()
    _run(tmp_path / "data", films, stderr=terminal)
    assert "films.jsonl" in terminal.getvalue()
    quiet = Tty()
    _run(tmp_path / "data2", films, stderr=quiet, as_json=True)
    assert quiet.getvalue() == ""


def test_the_cli_dispatches_import(
    tmp_path: Path, films: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`npc import PATH --json` runs the command with the process environment."""
    monkeypatch.setenv("NPC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NPC_DATABASE_URL", raising=False)
    assert main(["import", str(films), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["created"] == 2


def test_changed_films_reach_the_cache_hook(tmp_path: Path, films: Path) -> None:
    """The hook hears of every film written; without NPC_REDIS_URL there is no default one."""
    changed: list[str] = []
    status = command(
        [str(films)],
        fmt=None,
        dry_run=False,
        as_json=True,
        tmdb_id=None,
        environ={"NPC_DATA_DIR": str(tmp_path / "data")},
        stdout=io.StringIO(),
        on_changed=changed.extend,
    )
    assert status == 0
    assert changed == [movie_id("t:1"), movie_id("t:2")]
    assert cache_hook({"NPC_DATA_DIR": "var"}) is None


def test_the_help_names_every_format() -> None:
    """`npc import --help` lists each format `--format` takes."""
    (commands,) = [a for a in parser()._actions if a.dest == "command"]
    text = commands.choices["import"].format_help()  # type: ignore[index]
    assert all(f.value in text for f in Format)


def test_a_tmdb_id_for_a_file_of_many_films_is_refused(tmp_path: Path, films: Path) -> None:
    """`--tmdb-id` names one film: the reader refuses it for a JSON Lines file; exit 1."""
    status, out, _ = _run(tmp_path / "data", films, tmdb_id="550", as_json=True)
    (report,) = json.loads(out)["files"]
    assert status == 1
    assert report["status"] == "refused"
    assert "--tmdb-id" in report["message"]
    assert report["films"] == 0
