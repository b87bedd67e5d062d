"""Task rows: the truth about long work that clients poll."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.repositories._owned import get_owned
from adapters.memory.staging import Pending, StagedTable
from adapters.memory.store import MemoryStore
from npc_core.model import Task, TaskStatus


class MemoryTaskRepository:
    """Tasks by id, for their owner or for the worker."""

    def __init__(self, store: MemoryStore) -> None:
        self._tasks = StagedTable("task", store.tasks, copies=True)
        self.pending: tuple[Pending, ...] = (self._tasks,)

    async def get(self, task_id: str) -> Task | None:
        """Return any task by id, or None."""
        return self._tasks.get(task_id)

    async def get_owned(self, task_id: str, user_id: str) -> Task | None:
        """Return the user's task, or None."""
        return get_owned(self._tasks, task_id, user_id)

    async def add(self, task: Task) -> None:
        """Add a task; `Conflict` when the id is taken."""
        self._tasks.insert(task.id, task)

    async def save(self, task: Task) -> None:
        """Overwrite an existing task, last writer wins; `NotFound` when there is none."""
        self._tasks.replace(task.id, task)

    async def with_status(self, status: TaskStatus, limit: int) -> Sequence[Task]:
        """Return up to `limit` tasks in `status`, oldest first."""
        found = self._tasks.rows(lambda t: t.status == status)
        return sorted(found, key=lambda t: (t.created_at, t.id))[: max(limit, 0)]
