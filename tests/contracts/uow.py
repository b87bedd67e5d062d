"""The abstract fixture every repository contract runs on, and seeding helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from npc_core.ports import UnitOfWork, UnitOfWorkFactory
from tests.contracts import builders


class UnitOfWorkFixture:
    """Declares `uow_factory`, which subclasses bind to the adapter under test.

    It is a zero-argument callable making units of work over one store that is empty
    when the test starts; an async fixture is fine.
    """

    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        raise NotImplementedError("bind uow_factory to the adapter under test")


async def given(
    uow_factory: UnitOfWorkFactory, fill: Callable[[UnitOfWork], Awaitable[object]]
) -> None:
    """Run `fill` in a unit of work and commit it: the state a test starts from."""
    async with uow_factory() as uow:
        await fill(uow)
        await uow.commit()


async def write_then_commit(uow: UnitOfWork, write: Awaitable[object]) -> None:
    """Await `write`, then commit: an adapter may detect a conflict at either step."""
    await write
    await uow.commit()


async def given_users(uow_factory: UnitOfWorkFactory, *user_ids: str) -> None:
    """Store a user under each id: every row a user owns refers to its user."""

    async def fill(uow: UnitOfWork) -> None:
        for user_id in user_ids:
            await uow.users.add(builders.user(user_id))

    await given(uow_factory, fill)


async def given_movies(uow_factory: UnitOfWorkFactory, *movie_ids: str) -> None:
    """Store a film under each id: characters and lines refer to their film."""

    async def fill(uow: UnitOfWork) -> None:
        for movie_id in movie_ids:
            await uow.movies.add(builders.movie(f"电影{movie_id[:8]}", movie_id=movie_id))

    await given(uow_factory, fill)
