"""Task rows."""

from __future__ import annotations

from sqlalchemy import RowMapping

from adapters.sql.mappers._json import obj, optional_obj
from npc_core.model import Task, TaskStatus, TaskType


def task_row(task: Task) -> dict[str, object]:
    """Every column of a task."""
    return {
        "id": task.id,
        "user_id": task.user_id,
        "task_type": task.task_type.value,
        "status": task.status.value,
        "payload": task.payload,
        "progress": task.progress,
        "result": task.result,
        "error_message": task.error_message,
        "priority": task.priority,
        "retry_count": task.retry_count,
        "max_retries": task.max_retries,
        "started_at": task.started_at,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def task_from(row: RowMapping) -> Task:
    """The task stored in `row`."""
    return Task(
        id=row["id"],
        user_id=row["user_id"],
        task_type=TaskType(row["task_type"]),
        payload=obj(row["payload"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=TaskStatus(row["status"]),
        progress=row["progress"],
        result=optional_obj(row["result"]),
        error_message=row["error_message"],
        priority=row["priority"],
        retry_count=row["retry_count"],
        max_retries=row["max_retries"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
    )
