"""An engine of one pooled MariaDB connection: every checkout is the same server session.

Tests that read a session's own counters (`rollbacks`) or kill its connection use it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql import create_engine


@asynccontextmanager
async def one_connection(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Npc's engine on `database_url` with a pool of one, disposed of at the end."""
    engine = create_engine(database_url, pool_size=1)
    try:
        yield engine
    finally:
        await engine.dispose()


async def rollbacks(engine: AsyncEngine) -> int:
    """The session's count of ROLLBACK statements so far (this probe adds none)."""
    async with engine.connect() as connection:
        found = await connection.execute(text("SHOW SESSION STATUS LIKE 'Com_rollback'"))
        count = int(found.one()[1])
        await connection.commit()  # ends the probe's transaction without a ROLLBACK
    return count
