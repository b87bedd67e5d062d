"""The composition root on SQL: the embedded SQLite default, its lifecycle and `npc migrate`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import attrs
import pytest

from adapters.memory import MemoryStore, MemoryUnitOfWorkFactory, ScriptedWorkflowRunner
from adapters.sql import SqlUnitOfWorkFactory, migrate, sqlite_file_url
from entrypoints.bootstrap import Container, build
from entrypoints.cli import main
from entrypoints.settings import ConfigurationError, Secret, Settings
from npc_core.model import PageRequest, TaskStatus
from npc_core.services.health import readiness
from npc_core.services.monologues import StartMonologue, start_monologue
from npc_core.services.tasks import get_task
from npc_core.services.users import Login, login
from tests.contracts import builders as b

LIN_ZHOU = "00000000-0000-4000-8000-00000000c001"  # a character of the demo library


def container(data_dir: Path, **overrides: Any) -> Container:
    settings = attrs.evolve(Settings(data_dir=data_dir, jwt_secret=Secret("s" * 40)), **overrides)
    return build(settings, workflows=ScriptedWorkflowRunner())


async def films(app: Container) -> list[str]:
    async with app.deps.uow() as uow:
        page = await uow.movies.recommended(PageRequest(1, 100))
    return sorted(m.title for m in page.items)


async def test_the_default_is_a_sqlite_file_made_and_migrated_at_first_start(
    tmp_path: Path,
) -> None:
    """No NPC_DATABASE_URL: `{data dir}/npc.sqlite3`, created on start, at the newest schema."""
    app = container(tmp_path)
    database = tmp_path / "npc.sqlite3"
    assert isinstance(app.deps.uow, SqlUnitOfWorkFactory)
    assert not database.exists()
    await app.start()
    try:
        assert database.exists()
        assert migrate.current(sqlite_file_url(database)) == migrate.head()
        checks = (await readiness(app.deps)).checks
        assert checks["database"] == "ok"
        assert app.description.startswith("embedded default: SQLite data in")
    finally:
        await app.stop()


async def test_data_survives_a_restart_and_the_demo_loads_once(tmp_path: Path) -> None:
    """A user made before a restart is there after it; the demo films are not loaded twice."""
    first = container(tmp_path)
    await first.start()
    try:
        made = await login(first.deps, Login("dev-restart"))
        demo = await films(first)
    finally:
        await first.stop()
    second = container(tmp_path)
    await second.start()
    try:
        again = await login(second.deps, Login("dev-restart"))
        assert (again.user.id, again.created) == (made.user.id, False)
        assert await films(second) == demo
        assert demo
    finally:
        await second.stop()


async def test_the_demo_library_goes_only_into_an_empty_library(tmp_path: Path) -> None:
    """A library with films of its own is left as it is."""
    own = container(tmp_path, demo_library=False)
    await own.start()
    try:
        async with own.deps.uow() as uow:
            await uow.movies.add(b.movie("自己的片库"))
            await uow.commit()
    finally:
        await own.stop()
    with_demo = container(tmp_path)
    await with_demo.start()
    try:
        assert await films(with_demo) == ["自己的片库"]
    finally:
        await with_demo.stop()


def test_an_unusable_database_url_stops_start_up(tmp_path: Path) -> None:
    """A database npc cannot use is refused at once, naming the variable."""
    for url in ("postgresql://u@db/npc", "not a url"):
        with pytest.raises(ConfigurationError, match="NPC_DATABASE_URL"):
            container(tmp_path, database_url=Secret(url))


def test_tests_may_keep_data_in_memory(tmp_path: Path) -> None:
    """Passing a `MemoryStore` keeps the data in it: no database file at all."""
    store = MemoryStore()
    app = build(Settings(data_dir=tmp_path), workflows=ScriptedWorkflowRunner(), store=store)
    assert isinstance(app.deps.uow, MemoryUnitOfWorkFactory)
    assert app.deps.uow.store is store
    assert "database" not in app.deps.probes


def test_npc_migrate_creates_the_embedded_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`npc migrate` upgrades NPC_DATABASE_URL, by default the SQLite file, and says where."""
    monkeypatch.delenv("NPC_DATABASE_URL", raising=False)
    monkeypatch.setenv("NPC_DATA_DIR", str(tmp_path / "data"))
    assert main(["migrate"]) == 0
    database = tmp_path / "data" / "npc.sqlite3"
    assert migrate.current(sqlite_file_url(database)) == migrate.head()
    assert f"schema revision {migrate.head()}" in capsys.readouterr().out
    assert main(["migrate"]) == 0  # again: nothing to do


def test_npc_migrate_sql_prints_the_ddl_without_connecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`npc migrate --sql` writes MySQL DDL for a MySQL URL and touches no server."""
    monkeypatch.setenv("NPC_DATABASE_URL", "mysql://npc:secret@nowhere.invalid/npc")
    monkeypatch.setenv("NPC_DATA_DIR", str(tmp_path))
    assert main(["migrate", "--sql"]) == 0
    ddl = capsys.readouterr().out
    assert "CREATE TABLE movies" in ddl
    assert "utf8mb4_bin" in ddl
    assert "DATETIME(6)" in ddl
    assert not list(tmp_path.iterdir())


def test_npc_migrate_refuses_an_unusable_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unsupported database exits 2 with a message naming the variable."""
    monkeypatch.setenv("NPC_DATABASE_URL", "postgresql://u@db/npc")
    assert main(["migrate"]) == 2
    assert "NPC_DATABASE_URL" in capsys.readouterr().err


async def test_tasks_left_pending_by_a_restart_run_after_it(tmp_path: Path) -> None:
    """Embedded mode: a task committed but never run (the process died) runs at the next start."""
    first = container(tmp_path)
    await first.start()
    try:
        user = (await login(first.deps, Login("dev-pending"))).user
        work = b.work(user.id)
        board = b.storyboard(user.id, work_id=work.id)
        async with first.deps.uow() as uow:
            await uow.works.add(work)
            await uow.storyboards.add(board)
            await uow.commit()
        assert first.runner is not None
        await first.runner.stop()  # as if the process died right after the task's commit
        task = await start_monologue(first.deps, StartMonologue(user.id, board.id, LIN_ZHOU))
        assert (await get_task(first.deps, user.id, task.id)).status is TaskStatus.PENDING
    finally:
        await first.stop()
    second = container(tmp_path)
    await second.start()
    try:
        for _ in range(100):
            after = await get_task(second.deps, user.id, task.id)
            if after.status.terminal:
                break
            await asyncio.sleep(0.05)
        assert after.status is TaskStatus.COMPLETED, after.error_message
    finally:
        await second.stop()
