"""Task rows: the truth about long work that clients poll."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update

from adapters.sql.mappers.tasks import task_from, task_row
from adapters.sql.repositories._rows import get_one, get_owned
from adapters.sql.tables import async_tasks
from adapters.sql.transaction import Transaction
from npc_core.errors import NotFound
from npc_core.model import Task, TaskStatus


class SqlTaskRepository:
    """Tasks by id, for their owner or for the worker."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, task_id: str) -> Task | None:
        """Return any task by id, or None."""
        return await get_one(self._tx, async_tasks, task_id, task_from)

    async def get_owned(self, task_id: str, user_id: str) -> Task | None:
        """Return the user's task, or None."""
        return await get_owned(self._tx, async_tasks, task_id, user_id, task_from)

    async def add(self, task: Task) -> None:
        """Add a task; `Conflict` when the id is taken."""
        await self._tx.write(insert(async_tasks).values(task_row(task)))

    async def save(self, task: Task) -> None:
        """Overwrite an existing task, last writer wins; `NotFound` when there is none."""
        result = await self._tx.write(
            update(async_tasks).where(async_tasks.c.id == task.id).values(task_row(task))
        )
        if result.rowcount == 0:
            raise NotFound("task", task.id)

    async def with_status(self, status: TaskStatus, limit: int) -> Sequence[Task]:
        """Return up to `limit` tasks in `status`, oldest first."""
        if limit <= 0:
            return []
        rows = await self._tx.read(
            select(async_tasks)
            .where(async_tasks.c.status == status.value)
            .order_by(async_tasks.c.created_at, async_tasks.c.id)
            .limit(limit)
        )
        return [task_from(row) for row in rows.mappings()]
