"""Users, with usage counted as deltas so concurrent AI actions all count."""

from __future__ import annotations

import attrs

from adapters.memory.staging import Pending, StagedTable
from adapters.memory.store import MemoryStore
from npc_core.errors import NotFound
from npc_core.model import User


def _add_usage(user: User, count: int) -> User:
    return attrs.evolve(user, usage_count=user.usage_count + count)


def _openid(user: User) -> str:
    return user.openid


class _ProfilePatches:
    """Profile changes applied field by field on commit.

    As an SQL UPDATE of those columns would, they never overwrite a usage count that
    another unit of work committed meanwhile.
    """

    def __init__(self, committed: dict[str, User]) -> None:
        self._committed = committed
        self._patches: dict[str, dict[str, object]] = {}

    def stage(self, user_id: str, fields: dict[str, object]) -> None:
        self._patches.setdefault(user_id, {}).update(fields)

    def patched(self, user: User) -> User:
        fields = self._patches.get(user.id)
        return attrs.evolve(user, **fields) if fields else user  # type: ignore[arg-type]

    def check(self) -> None:
        missing = [u for u in self._patches if u not in self._committed]
        if missing:
            raise NotFound("user", missing[0])

    def apply(self) -> None:
        for user_id, fields in self._patches.items():
            self._committed[user_id] = attrs.evolve(self._committed[user_id], **fields)  # type: ignore[arg-type]
        self._patches.clear()

    def discard(self) -> None:
        self._patches.clear()


class MemoryUserRepository:
    """Users by id and by openid (unique)."""

    def __init__(self, store: MemoryStore) -> None:
        self._users = StagedTable("user", store.users, unique=(_openid,), counter=_add_usage)
        self._patches = _ProfilePatches(store.users)
        # Rows (inserts, usage) first: a profile patch may target a user added in the same unit.
        self.pending: tuple[Pending, ...] = (self._users, self._patches)

    async def get(self, user_id: str) -> User | None:
        """Return the user, or None."""
        user = self._users.get(user_id)
        return None if user is None else self._patches.patched(user)

    async def get_by_openid(self, openid: str) -> User | None:
        """Return the user with this openid, or None."""
        found = self._users.rows(lambda u: u.openid == openid)
        return self._patches.patched(found[0]) if found else None

    async def add(self, user: User) -> None:
        """Add a user; `Conflict` when the id or the openid is taken."""
        self._users.insert(user.id, user)

    async def record_usage(self, user_id: str, count: int = 1) -> None:
        """Count `count` more successful AI actions, added to the latest value on commit."""
        self._users.bump(user_id, count)

    async def update(self, user: User) -> None:
        """Store the profile fields and membership; `NotFound` when there is no such user."""
        if self._users.get(user.id) is None:
            raise NotFound("user", user.id)
        self._patches.stage(
            user.id,
            {
                "nickname": user.nickname,
                "avatar_url": user.avatar_url,
                "membership": user.membership,
                "updated_at": user.updated_at,
            },
        )
