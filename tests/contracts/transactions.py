"""Contract of every unit of work: commit, rollback, isolation and optimistic locking."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

import attrs
import pytest

from npc_core.errors import Conflict, NotFound
from npc_core.model import Membership, Story, Storyboard, TraitProfile
from npc_core.ports import UnitOfWork, UnitOfWorkFactory
from tests.contracts import builders as b
from tests.contracts.uow import UnitOfWorkFixture, given, given_users, write_then_commit

A = TypeVar("A", TraitProfile, Story, Storyboard)


class _VersionedRepository(Protocol[A]):
    async def add(self, item: A, /) -> None: ...
    async def update(self, item: A, /) -> A: ...


@attrs.frozen
class Versioned(Generic[A]):
    """How to make, find, store and change one kind of versioned aggregate."""

    name: str
    make: Callable[[str], A]
    repository: Callable[[UnitOfWork], _VersionedRepository[A]]
    find: Callable[[UnitOfWork, A], Awaitable[A | None]]
    change: Callable[[A, str], A]


VERSIONED: list[Versioned[Any]] = [
    Versioned[TraitProfile](
        "trait profile",
        b.trait_profile,
        lambda uow: uow.trait_profiles,
        lambda uow, p: uow.trait_profiles.get(p.user_id, p.character_id),
        lambda p, word: attrs.evolve(p, status=word),
    ),
    Versioned[Story](
        "story",
        b.story,
        lambda uow: uow.stories,
        lambda uow, s: uow.stories.get(s.id, s.user_id),
        lambda s, word: attrs.evolve(s, monologue=word),
    ),
    Versioned[Storyboard](
        "storyboard",
        b.storyboard,
        lambda uow: uow.storyboards,
        lambda uow, s: uow.storyboards.get(s.id, s.user_id),
        lambda s, word: attrs.evolve(s, title=word),
    ),
]


class TransactionContract(UnitOfWorkFixture):
    """What every unit of work promises about when writes become visible."""

    async def test_commit_makes_writes_visible_to_later_units_of_work(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A committed write is seen by a unit of work started afterwards."""
        someone = b.user()
        await given(uow_factory, lambda uow: uow.users.add(someone))
        async with uow_factory() as uow:
            assert await uow.users.get(someone.id) == someone

    async def test_leaving_without_commit_discards_writes(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A block that ends without `commit()` rolls back."""
        someone = b.user()
        async with uow_factory() as uow:
            await uow.users.add(someone)
        async with uow_factory() as uow:
            assert await uow.users.get(someone.id) is None

    async def test_an_exception_discards_writes(self, uow_factory: UnitOfWorkFactory) -> None:
        """An error inside the block rolls back what the block wrote."""
        someone = b.user()

        async def fail_midway() -> None:
            async with uow_factory() as uow:
                await uow.users.add(someone)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await fail_midway()
        async with uow_factory() as uow:
            assert await uow.users.get(someone.id) is None

    async def test_rollback_discards_writes(self, uow_factory: UnitOfWorkFactory) -> None:
        """`rollback()` forgets pending writes; a later commit does not bring them back."""
        someone = b.user()
        async with uow_factory() as uow:
            await uow.users.add(someone)
            await uow.rollback()
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.users.get(someone.id) is None

    async def test_writes_are_visible_inside_their_unit_of_work(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A unit of work reads its own uncommitted writes."""
        await given_users(uow_factory, "u1")
        someone, job = b.user(), b.task("u1")
        async with uow_factory() as uow:
            await uow.users.add(someone)
            await uow.tasks.add(job)
            assert await uow.users.get_by_openid(someone.openid) == someone
            assert await uow.tasks.get(job.id) == job

    async def test_uncommitted_writes_are_invisible_to_others(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Until commit, no other unit of work sees the writes; after it, it sees all of them."""
        await given_users(uow_factory, "u1")
        someone, film, job = b.user(), b.movie(), b.task("u1")
        async with uow_factory() as writer:
            await writer.users.add(someone)
            await writer.movies.add(film)
            await writer.tasks.add(job)
            async with uow_factory() as reader:
                assert await reader.users.get(someone.id) is None
                assert await reader.movies.get(film.id) is None
                assert await reader.tasks.get(job.id) is None
            await writer.commit()
        async with uow_factory() as reader:
            assert await reader.users.get(someone.id) == someone
            assert await reader.movies.get(film.id) == film
            assert await reader.tasks.get(job.id) == job

    async def test_adding_an_existing_id_conflicts(self, uow_factory: UnitOfWorkFactory) -> None:
        """Adding a row whose id is taken raises `Conflict` (at add or at commit)."""
        await given_users(uow_factory, "u1")
        someone, film, job = b.user(), b.movie(), b.task("u1")

        async def fill(uow: UnitOfWork) -> None:
            await uow.users.add(someone)
            await uow.movies.add(film)
            await uow.tasks.add(job)

        await given(uow_factory, fill)
        duplicates: list[Callable[[UnitOfWork], Awaitable[None]]] = [
            lambda uow: uow.users.add(attrs.evolve(someone, openid="another-openid")),
            lambda uow: uow.movies.add(attrs.evolve(film, title="另一部")),
            lambda uow: uow.tasks.add(attrs.evolve(job, priority=9)),
        ]
        for add in duplicates:
            async with uow_factory() as uow:
                with pytest.raises(Conflict):
                    await write_then_commit(uow, add(uow))

    async def test_a_second_user_with_the_same_openid_conflicts(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Openids are unique: one WeChat account is one user."""
        first = b.user(openid="wx-same")
        await given(uow_factory, lambda uow: uow.users.add(first))
        async with uow_factory() as uow:
            with pytest.raises(Conflict):
                await write_then_commit(uow, uow.users.add(b.user(openid="wx-same")))
        async with uow_factory() as uow:
            assert await uow.users.get_by_openid("wx-same") == first

    async def test_a_second_trait_profile_for_the_same_character_conflicts(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A user has one trait profile per character."""
        await given_users(uow_factory, "u1")
        first = b.trait_profile("u1")
        await given(uow_factory, lambda uow: uow.trait_profiles.add(first))
        async with uow_factory() as uow:
            with pytest.raises(Conflict):
                await write_then_commit(
                    uow, uow.trait_profiles.add(attrs.evolve(first, id=b.new_id()))
                )

    @pytest.mark.parametrize("kind", VERSIONED, ids=lambda k: k.name)
    async def test_update_bumps_the_version(
        self, uow_factory: UnitOfWorkFactory, kind: Versioned[Any]
    ) -> None:
        """`update` stores the change and returns it with the version one higher."""
        await given_users(uow_factory, "u1")
        original = kind.make("u1")
        await given(uow_factory, lambda uow: kind.repository(uow).add(original))
        async with uow_factory() as uow:
            read = await kind.find(uow, original)
            assert read == original
            assert read.version == 1
            stored = await kind.repository(uow).update(kind.change(read, "改过"))
            assert stored == attrs.evolve(kind.change(read, "改过"), version=2)
            again = await kind.repository(uow).update(kind.change(stored, "又改"))
            assert again.version == 3
            await uow.commit()
        async with uow_factory() as uow:
            assert await kind.find(uow, original) == again

    @pytest.mark.parametrize("kind", VERSIONED, ids=lambda k: k.name)
    async def test_a_stale_update_conflicts(
        self, uow_factory: UnitOfWorkFactory, kind: Versioned[Any]
    ) -> None:
        """Of two writers that read the same version, the later one gets `Conflict`."""
        await given_users(uow_factory, "u1")
        original = kind.make("u1")
        await given(uow_factory, lambda uow: kind.repository(uow).add(original))
        async with uow_factory() as first, uow_factory() as second:
            mine, theirs = await kind.find(first, original), await kind.find(second, original)
            winner = await kind.repository(first).update(kind.change(mine, "先到"))
            await first.commit()
            with pytest.raises(Conflict):
                await write_then_commit(
                    second, kind.repository(second).update(kind.change(theirs, "后到"))
                )
        async with uow_factory() as uow:
            assert await kind.find(uow, original) == winner

    @pytest.mark.parametrize("kind", VERSIONED, ids=lambda k: k.name)
    async def test_updating_another_users_aggregate_finds_nothing(
        self, uow_factory: UnitOfWorkFactory, kind: Versioned[Any]
    ) -> None:
        """An update naming someone else as owner does not touch the owner's row."""
        await given_users(uow_factory, "owner")
        original = kind.make("owner")
        await given(uow_factory, lambda uow: kind.repository(uow).add(original))
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await kind.repository(uow).update(
                    attrs.evolve(kind.change(original, "偷改"), user_id="thief")
                )
        async with uow_factory() as uow:
            assert await kind.find(uow, original) == original

    async def test_usage_counts_every_concurrent_increment(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """`record_usage` from many concurrent units of work loses no increment."""
        someone = b.user(usage_count=5)
        await given(uow_factory, lambda uow: uow.users.add(someone))

        async def use(count: int) -> None:
            async with uow_factory() as uow:
                await uow.users.record_usage(someone.id, count)
                await asyncio.sleep(0)
                await uow.commit()

        await asyncio.gather(*(use(1) for _ in range(10)), use(3))
        async with uow_factory() as uow:
            found = await uow.users.get(someone.id)
            assert found is not None
            assert found.usage_count == 5 + 10 + 3

    async def test_usage_is_visible_in_its_unit_of_work_and_discarded_on_rollback(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """The writer sees its own increment; without commit it is gone."""
        someone = b.user()
        await given(uow_factory, lambda uow: uow.users.add(someone))
        async with uow_factory() as uow:
            await uow.users.record_usage(someone.id)
            found = await uow.users.get(someone.id)
            assert found is not None
            assert found.usage_count == 1
        async with uow_factory() as uow:
            found = await uow.users.get(someone.id)
            assert found is not None
            assert found.usage_count == 0

    async def test_profile_update_keeps_concurrent_usage(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """`users.update` changes the profile and membership but never loses usage."""
        someone = b.user(usage_count=2)
        await given(uow_factory, lambda uow: uow.users.add(someone))
        async with uow_factory() as editor:
            read = await editor.users.get(someone.id)
            assert read is not None
            async with uow_factory() as other:
                await other.users.record_usage(someone.id, 3)
                await other.commit()
            await editor.users.update(
                attrs.evolve(read, nickname="小林", membership=Membership.PREMIUM)
            )
            await editor.commit()
        async with uow_factory() as uow:
            found = await uow.users.get(someone.id)
            assert found is not None
            assert (found.nickname, found.membership, found.usage_count) == (
                "小林",
                Membership.PREMIUM,
                5,
            )
            with pytest.raises(NotFound):
                await write_then_commit(uow, uow.users.update(b.user()))

    async def test_usage_of_an_unknown_user_is_not_found(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Counting usage for a user that does not exist raises `NotFound`."""
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await write_then_commit(uow, uow.users.record_usage(b.new_id()))

    async def test_views_count_every_concurrent_view(self, uow_factory: UnitOfWorkFactory) -> None:
        """`count_view` from concurrent units of work loses no view."""
        await given_users(uow_factory, "u1")
        shared = b.comic("u1")
        await given(uow_factory, lambda uow: uow.comics.add(shared))

        async def view() -> None:
            async with uow_factory() as uow:
                await uow.comics.count_view(shared.id)
                await asyncio.sleep(0)
                await uow.commit()

        await asyncio.gather(*(view() for _ in range(7)))
        async with uow_factory() as uow:
            found = await uow.comics.by_share_token(shared.share_token)
            assert found is not None
            assert found.view_count == 7
