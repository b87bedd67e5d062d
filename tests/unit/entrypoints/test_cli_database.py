"""The commands that need the database say in one line when it cannot be used.

The database here is the embedded SQLite file, made unopenable by a folder in its place
(no network in unit tests); `tests/integration/test_sql_mariadb.py` covers a server that
is down, lacks the database or is behind the schema.
"""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints import database
from entrypoints.cli import main
from entrypoints.importing import command
from entrypoints.settings import ConfigurationError
from tests.serving import record_served


@pytest.fixture
def unopenable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose `npc.sqlite3` is a folder, so SQLite cannot open it."""
    data = tmp_path / "data"
    (data / "npc.sqlite3").mkdir(parents=True)
    monkeypatch.delenv("NPC_DATABASE_URL", raising=False)
    monkeypatch.setenv("NPC_DATA_DIR", str(data))
    return data


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    return record_served(monkeypatch)


def test_npc_migrate_names_a_database_it_cannot_open(
    unopenable: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`npc migrate` exits 1 with one line naming the database and the driver's reason."""
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"cannot use the database sqlite+aiosqlite:///{unopenable}/npc.sqlite3" in err
    assert "unable to open database file" in err


@pytest.mark.usefixtures("unopenable")
def test_npc_serve_stops_before_serving_on_a_database_it_cannot_open(
    served: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    """`npc serve` checks the database first: exit 1, one line, no server started."""
    assert main(["serve"]) == 1
    assert served == []
    err = capsys.readouterr().err
    assert err.startswith("npc: cannot use the database "), err
    assert "Traceback" not in err


def test_npc_serve_prepares_the_embedded_file_then_serves(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    served: list[object],
) -> None:
    """With a usable database the check passes and the app is handed to the server."""
    monkeypatch.delenv("NPC_DATABASE_URL", raising=False)
    monkeypatch.setenv("NPC_DATA_DIR", str(tmp_path))
    assert main(["serve"]) == 0
    assert len(served) == 1
    assert (tmp_path / "npc.sqlite3").is_file()


def test_npc_import_names_a_database_it_cannot_open(unopenable: Path, tmp_path: Path) -> None:
    """`npc import` exits 2 (database unusable) with the same line, before reading a file."""
    err = io.StringIO()
    status = command(
        [str(tmp_path / "never-read.jsonl")],
        fmt=None,
        dry_run=False,
        as_json=False,
        tmdb_id=None,
        environ={"NPC_DATA_DIR": str(unopenable)},
        stdout=io.StringIO(),
        stderr=err,
    )
    assert status == 2
    assert err.getvalue().startswith("npc: cannot use the database sqlite"), err.getvalue()


def test_an_unusable_url_is_a_configuration_error_for_every_step() -> None:
    """Preparing, upgrading and writing SQL all refuse a URL npc cannot use, naming it."""
    url = "postgresql://u@db/npc"
    for step in (
        lambda: database.prepare(url),
        lambda: database.upgrade(url),
        lambda: database.write_sql(url, io.StringIO()),
    ):
        with pytest.raises(ConfigurationError, match="NPC_DATABASE_URL is not usable"):
            step()


def test_a_reader_that_goes_away_gets_no_traceback(tmp_path: Path) -> None:
    """`npc migrate --sql | head`: the pipe closes early; npc exits 1 without a traceback."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from entrypoints.cli import main; sys.exit(main(['migrate', '--sql']))",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"NPC_DATA_DIR": str(tmp_path), "PATH": ""},
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # before npc has imported enough to write a line
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1, err
    assert "Traceback" not in err, err
    assert "BrokenPipeError" not in err, err


def test_a_database_migrated_by_a_newer_npc_is_refused_by_name(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    served: list[object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A revision this build does not ship: migrate and serve exit 2 and say so, serving nothing.

    As after rolling a deploy back: "run `npc migrate` first" would be wrong advice, and
    alembic alone only says it cannot locate the revision.
    """
    monkeypatch.delenv("NPC_DATABASE_URL", raising=False)
    monkeypatch.setenv("NPC_DATA_DIR", str(tmp_path))
    assert main(["migrate"]) == 0
    with sqlite3.connect(tmp_path / "npc.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    capsys.readouterr()
    for argv in (["migrate"], ["serve"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "is at schema revision 9999, which this npc does not ship" in err, err
        assert "Traceback" not in err
    assert served == []
