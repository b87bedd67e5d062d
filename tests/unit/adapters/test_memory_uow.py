"""The in-memory unit of work under interleavings a database would settle with locks."""

from __future__ import annotations

import attrs
import pytest

from adapters.memory import MemoryStore, MemoryUnitOfWork, MemoryUnitOfWorkFactory
from npc_core.errors import Conflict, NotFound
from tests.contracts import builders as b


@pytest.fixture
def factory() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


async def test_a_version_race_is_caught_at_commit(factory: MemoryUnitOfWorkFactory) -> None:
    """Two writers update the same version before either commits: the second commit fails."""
    story = b.story("u1")
    async with factory() as uow:
        await uow.stories.add(story)
        await uow.commit()
    async with factory() as first, factory() as second:
        await first.stories.update(attrs.evolve(story, monologue="一"))
        await second.stories.update(attrs.evolve(story, monologue="二"))
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()
    async with factory() as uow:
        found = await uow.stories.get(story.id, "u1")
    assert found is not None
    assert (found.monologue, found.version) == ("一", 2)


async def test_a_failed_commit_applies_nothing(factory: MemoryUnitOfWorkFactory) -> None:
    """When one write of a commit conflicts, the other writes of that commit are dropped too."""
    story, work = b.story("u1"), b.work("u1")
    async with factory() as uow:
        await uow.stories.add(story)
        await uow.commit()
    async with factory() as loser, factory() as winner:
        await loser.works.add(work)
        await loser.stories.update(attrs.evolve(story, monologue="输"))
        await winner.stories.update(attrs.evolve(story, monologue="赢"))
        await winner.commit()
        with pytest.raises(Conflict):
            await loser.commit()
    async with factory() as uow:
        assert await uow.works.get(work.id, "u1") is None


async def test_two_staged_adds_of_one_id_conflict_at_commit(
    factory: MemoryUnitOfWorkFactory,
) -> None:
    """Both writers see the id free; whoever commits second gets `Conflict`."""
    film = b.movie()
    async with factory() as first, factory() as second:
        await first.movies.add(film)
        await second.movies.add(attrs.evolve(film, title="同号"))
        await second.commit()
        with pytest.raises(Conflict):
            await first.commit()


async def test_two_staged_users_with_one_openid_conflict_at_commit(
    factory: MemoryUnitOfWorkFactory,
) -> None:
    """The openid stays unique even when both logins race past the first check."""
    async with factory() as first, factory() as second:
        await first.users.add(b.user(openid="wx-race"))
        await second.users.add(b.user(openid="wx-race"))
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()


async def test_usage_lands_on_the_latest_value(factory: MemoryUnitOfWorkFactory) -> None:
    """An increment staged before another writer's commit still adds to the newest count."""
    someone = b.user()
    async with factory() as uow:
        await uow.users.add(someone)
        await uow.commit()
    async with factory() as slow, factory() as fast:
        await slow.users.record_usage(someone.id, 2)
        await fast.users.record_usage(someone.id, 5)
        await fast.commit()
        await slow.commit()
    async with factory() as uow:
        found = await uow.users.get(someone.id)
    assert found is not None
    assert found.usage_count == 7


async def test_overwriting_a_row_deleted_meanwhile_conflicts(
    factory: MemoryUnitOfWorkFactory,
) -> None:
    """A work renamed by one writer and deleted by another does not come back from the dead."""
    work = b.work("u1")
    async with factory() as uow:
        await uow.works.add(work)
        await uow.commit()
    async with factory() as renamer, factory() as deleter:
        await renamer.works.update(attrs.evolve(work, title="改名"))
        assert await deleter.works.delete(work.id, "u1")
        await deleter.commit()
        with pytest.raises(Conflict):
            await renamer.commit()


async def test_a_unit_of_work_may_commit_more_than_once(factory: MemoryUnitOfWorkFactory) -> None:
    """After a commit the unit of work goes on; its later writes need their own commit."""
    first, second = b.user(), b.user()
    async with factory() as uow:
        await uow.users.add(first)
        await uow.commit()
        await uow.users.add(second)
    async with factory() as uow:
        assert await uow.users.get(first.id) == first
        assert await uow.users.get(second.id) is None


async def test_updating_a_missing_aggregate_is_not_found(factory: MemoryUnitOfWorkFactory) -> None:
    """`update` of a version-checked aggregate that was never added raises `NotFound`."""
    async with factory() as uow:
        with pytest.raises(NotFound):
            await uow.storyboards.update(b.storyboard("u1"))


async def test_messages_of_another_session_are_refused(factory: MemoryUnitOfWorkFactory) -> None:
    """Appending a message that names another session is a programming error."""
    session = b.chat_session("u1")
    async with factory() as uow:
        await uow.chats.add(session)
        with pytest.raises(ValueError, match="do not belong"):
            await uow.chats.save(session, [b.chat_message("other-session", 1)])


async def test_factories_over_one_store_share_it() -> None:
    """Units of work from two factories over the same store see each other's commits."""
    store = MemoryStore()
    someone = b.user()
    async with MemoryUnitOfWork(store) as uow:
        await uow.users.add(someone)
        await uow.commit()
    async with MemoryUnitOfWorkFactory(store)() as uow:
        assert await uow.users.get(someone.id) == someone
    assert store.users == {someone.id: someone}
    assert "openid" not in repr(store)


async def test_stored_rows_do_not_alias_what_was_added(factory: MemoryUnitOfWorkFactory) -> None:
    """Mutating a JSON field after `add` does not reach the stored row."""
    job = b.task("u1")
    async with factory() as uow:
        await uow.tasks.add(job)
        await uow.commit()
    job.payload["voice"] = "changed"
    async with factory() as uow:
        found = await uow.tasks.get(job.id)
    assert found is not None
    assert found.payload["voice"] == {"speed": 1.0}
