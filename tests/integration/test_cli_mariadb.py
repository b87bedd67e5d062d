"""`npc migrate`, `serve`, `worker` and `import` against a MariaDB server that cannot serve them.

Each says what is wrong in one line on stderr (the URL shown with its password hidden)
and exits non-zero before serving, working or reading a file: 1 when the server cannot
be used, 2 when it is behind this build's schema (`npc import`: 2 for both).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from adapters.sql import migrate
from entrypoints.cli import main
from entrypoints.importing import command
from tests.integration.mariadb_support import fresh_database
from tests.serving import record_served


@pytest.fixture
def unmigrated() -> Iterator[str]:
    with fresh_database("npc_cli", migrated=False) as url:
        yield url


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    return record_served(monkeypatch)


def _use(monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path) -> None:
    monkeypatch.setenv("NPC_DATABASE_URL", url)
    monkeypatch.setenv("NPC_DATA_DIR", str(tmp_path))


def test_a_server_that_does_not_answer(
    unmigrated: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    served: list[object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A closed port: migrate, serve and worker exit 1 naming the server, password hidden."""
    closed = make_url(unmigrated).set(port=1, password="s3cret")
    _use(monkeypatch, closed.render_as_string(hide_password=False), tmp_path)
    monkeypatch.setenv("NPC_REDIS_URL", "redis://127.0.0.1:6379/15")
    for argv in (["migrate"], ["serve"], ["worker"]):
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith("npc: cannot use the database mysql://root:***@127.0.0.1:1/"), err
        assert "2003" in err
        assert "s3cret" not in err
        assert err.count("\n") == 1, err
    assert served == []


def test_a_database_the_server_does_not_have(
    unmigrated: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An unknown database name: `npc migrate` exits 1 with the server's 1049, creating nothing."""
    missing = make_url(unmigrated).set(database="npc_cli_no_such_database")
    _use(monkeypatch, missing.render_as_string(hide_password=False), tmp_path)
    assert main(["migrate"]) == 1
    assert "(1049, \"Unknown database 'npc_cli_no_such_database'\")" in capsys.readouterr().err


def test_a_server_behind_the_schema(
    unmigrated: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    served: list[object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not migrated: serve exits 2 pointing at `npc migrate`; after it, serve serves."""
    _use(monkeypatch, unmigrated, tmp_path)
    assert main(["serve"]) == 2
    assert "is at schema revision none" in capsys.readouterr().err
    err = io.StringIO()
    environ = {"NPC_DATABASE_URL": unmigrated, "NPC_DATA_DIR": str(tmp_path)}
    never = str(tmp_path / "never-read.jsonl")
    status = command(
        [never], fmt=None, dry_run=False, as_json=False, tmdb_id=None,
        environ=environ, stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    assert status == 2
    assert "run `npc migrate` first" in err.getvalue()
    assert served == []
    assert main(["migrate"]) == 0
    assert migrate.current(unmigrated) == migrate.head()
    assert main(["serve"]) == 0
    assert len(served) == 1
