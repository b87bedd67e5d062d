"""Users, with usage counted as deltas so concurrent AI actions all count."""

from __future__ import annotations

import attrs

from adapters.memory.staging import Pending, StagedTable
from adapters.memory.store import MemoryStore
from npc_core.model import User


def _add_usage(user: User, count: int) -> User:
    return attrs.evolve(user, usage_count=user.usage_count + count)


def _openid(user: User) -> str:
    return user.openid


class MemoryUserRepository:
    """Users by id and by openid (unique)."""

    def __init__(self, store: MemoryStore) -> None:
        self._users = StagedTable("user", store.users, unique=(_openid,), counter=_add_usage)
        self.pending: tuple[Pending, ...] = (self._users,)

    async def get(self, user_id: str) -> User | None:
        """Return the user, or None."""
        return self._users.get(user_id)

    async def get_by_openid(self, openid: str) -> User | None:
        """Return the user with this openid, or None."""
        found = self._users.rows(lambda u: u.openid == openid)
        return found[0] if found else None

    async def add(self, user: User) -> None:
        """Add a user; `Conflict` when the id or the openid is taken."""
        self._users.insert(user.id, user)

    async def record_usage(self, user_id: str, count: int = 1) -> None:
        """Count `count` more successful AI actions, added to the latest value on commit."""
        self._users.bump(user_id, count)
