"""Users by id and by openid; usage counted by atomic increments."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from adapters.sql.mappers.users import profile_row, user_from, user_row
from adapters.sql.tables import users
from adapters.sql.transaction import Transaction
from npc_core.errors import NotFound
from npc_core.model import User


class SqlUserRepository:
    """Users; `openid` is unique."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, user_id: str) -> User | None:
        """Return the user, or None."""
        row = (await self._tx.read(select(users).where(users.c.id == user_id))).mappings().first()
        return None if row is None else user_from(row)

    async def get_by_openid(self, openid: str) -> User | None:
        """Return the user with this openid, or None."""
        found = await self._tx.read(select(users).where(users.c.openid == openid))
        row = found.mappings().first()
        return None if row is None else user_from(row)

    async def add(self, user: User) -> None:
        """Add a user; `Conflict` when the id or the openid is taken."""
        await self._tx.write(insert(users).values(user_row(user)))

    async def update(self, user: User) -> None:
        """Store nickname, avatar and membership; never the usage count."""
        result = await self._tx.write(
            update(users).where(users.c.id == user.id).values(profile_row(user))
        )
        if result.rowcount == 0:
            raise NotFound("user", user.id)

    async def record_usage(self, user_id: str, count: int = 1) -> None:
        """Add `count` successful AI actions: one atomic increment, never read-modify-write."""
        result = await self._tx.write(
            update(users)
            .where(users.c.id == user_id)
            .values(usage_count=users.c.usage_count + count)
        )
        if result.rowcount == 0:
            raise NotFound("user", user_id)
