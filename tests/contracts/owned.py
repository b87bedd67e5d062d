"""Contract of the repositories of what users make: round trips, owner scoping, order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs
import pytest

from npc_core.errors import Conflict, NotFound
from npc_core.model import PageRequest, TaskStatus
from npc_core.ports import UnitOfWork, UnitOfWorkFactory
from tests.contracts import builders as b
from tests.contracts.uow import UnitOfWorkFixture, given, given_users, write_then_commit


class OwnedDataContract(UnitOfWorkFixture):
    """What the repositories of user-owned data promise."""

    async def test_users_round_trip(self, uow_factory: UnitOfWorkFactory) -> None:
        """A user comes back equal by id and by openid."""
        someone = b.user(usage_count=3)
        await given(uow_factory, lambda uow: uow.users.add(someone))
        async with uow_factory() as uow:
            assert await uow.users.get(someone.id) == someone
            assert await uow.users.get_by_openid(someone.openid) == someone
            assert await uow.users.get_by_openid("nobody") is None

    async def test_every_owned_kind_round_trips_and_hides_from_other_users(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Each owned row comes back equal for its owner and is absent for anyone else."""
        owner, stranger = b.new_id(), b.new_id()
        await given_users(uow_factory, owner)
        profile, story, board = b.trait_profile(owner), b.story(owner), b.storyboard(owner)
        collab, chat, work = b.collaboration(owner), b.chat_session(owner), b.work(owner)
        monologue, audio, comic, job = (
            b.monologue(owner),
            b.audio(owner),
            b.comic(owner),
            b.task(owner),
        )
        analysis = b.dialogue_analysis(owner, b.new_id())

        async def fill(uow: UnitOfWork) -> None:
            await uow.trait_profiles.add(profile)
            await uow.stories.add(story)
            await uow.storyboards.add(board)
            await uow.collaborations.add(collab)
            await uow.chats.add(chat)
            await uow.works.add(work)
            await uow.monologues.add(monologue)
            await uow.audio.add(audio)
            await uow.comics.add(comic)
            await uow.tasks.add(job)
            await uow.dialogue_analyses.add(analysis)

        await given(uow_factory, fill)
        lookups: list[tuple[object, Callable[[UnitOfWork, str], Awaitable[object]]]] = [
            (profile, lambda uow, who: uow.trait_profiles.get(who, profile.character_id)),
            (story, lambda uow, who: uow.stories.get(story.id, who)),
            (board, lambda uow, who: uow.storyboards.get(board.id, who)),
            (board, lambda uow, who: uow.storyboards.for_work(board.work_id, who)),
            (collab, lambda uow, who: uow.collaborations.get(collab.id, who)),
            (chat, lambda uow, who: uow.chats.get(chat.id, who)),
            (work, lambda uow, who: uow.works.get(work.id, who)),
            (monologue, lambda uow, who: uow.monologues.get(monologue.id, who)),
            (audio, lambda uow, who: uow.audio.get(audio.id, who)),
            (comic, lambda uow, who: uow.comics.get(comic.id, who)),
            (comic, lambda uow, who: uow.comics.for_work(comic.work_id, who)),
            (job, lambda uow, who: uow.tasks.get_owned(job.id, who)),
        ]
        async with uow_factory() as uow:
            for expected, lookup in lookups:
                assert await lookup(uow, owner) == expected
                assert await lookup(uow, stranger) is None, expected
            assert await uow.dialogue_analyses.for_character(owner, analysis.character_id) == [
                analysis
            ]
            assert await uow.dialogue_analyses.for_character(stranger, analysis.character_id) == []
            assert (await uow.works.list_for_user(stranger, PageRequest())).total == 0
            assert await uow.comics.by_share_token(comic.share_token) == comic
            assert await uow.tasks.get(job.id) == job

    async def test_missing_ids_find_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        """Lookups of ids that were never stored answer None, not an error."""
        nobody, nothing = b.new_id(), b.new_id()
        async with uow_factory() as uow:
            assert await uow.users.get(nothing) is None
            assert await uow.stories.get(nothing, nobody) is None
            assert await uow.storyboards.for_work(nothing, nobody) is None
            assert await uow.comics.by_share_token("no-such-token-at-all") is None
            assert await uow.tasks.get(nothing) is None
            assert not await uow.chats.exists(nothing)
            assert not await uow.collaborations.exists(nothing)

    async def test_collaboration_log_appends_in_order(self, uow_factory: UnitOfWorkFactory) -> None:
        """`save` stores the session and appends entries; `log` returns them in order."""
        await given_users(uow_factory, "u1")
        session = b.collaboration("u1")
        entries = [b.log_entry(session.id, seq) for seq in (1, 2, 3)]
        async with uow_factory() as uow:
            await uow.collaborations.add(session)
            await uow.collaborations.save(attrs.evolve(session, entries=2), entries[:2])
            await uow.commit()
        async with uow_factory() as uow:
            await uow.collaborations.save(attrs.evolve(session, entries=3), entries[2:])
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.collaborations.log(session.id) == entries
            assert await uow.collaborations.get(session.id, "u1") == attrs.evolve(
                session, entries=3
            )
            assert await uow.collaborations.exists(session.id)
            assert await uow.collaborations.log(b.new_id()) == []

    async def test_a_collaboration_entry_appended_twice_conflicts(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Two writers appending the same entry number: the later one gets `Conflict`."""
        await given_users(uow_factory, "u1")
        session = b.collaboration("u1")
        await given(uow_factory, lambda uow: uow.collaborations.add(session))
        await given(
            uow_factory,
            lambda uow: uow.collaborations.save(
                attrs.evolve(session, entries=1), [b.log_entry(session.id, 1)]
            ),
        )
        async with uow_factory() as uow:
            with pytest.raises(Conflict):
                await write_then_commit(
                    uow,
                    uow.collaborations.save(
                        attrs.evolve(session, entries=1), [b.log_entry(session.id, 1)]
                    ),
                )

    async def test_chat_messages_come_in_order_and_limit_keeps_the_last(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Messages come in seq order; `limit` returns the most recent ones, still in order."""
        await given_users(uow_factory, "u1")
        session = b.chat_session("u1")
        messages = [b.chat_message(session.id, seq) for seq in range(1, 7)]
        async with uow_factory() as uow:
            await uow.chats.add(session)
            await uow.chats.save(attrs.evolve(session, message_count=4), messages[:4])
            await uow.commit()
        async with uow_factory() as uow:
            await uow.chats.save(
                attrs.evolve(session, message_count=6, emotion="开心"), messages[4:]
            )
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.chats.messages(session.id) == messages
            assert await uow.chats.messages(session.id, limit=2) == messages[4:]
            assert await uow.chats.messages(session.id, limit=100) == messages
            assert await uow.chats.get(session.id, "u1") == attrs.evolve(
                session, message_count=6, emotion="开心"
            )

    async def test_saving_an_unknown_session_is_not_found(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """`save` updates a stored session; it does not create one."""
        chat, collab = b.chat_session("u1"), b.collaboration("u1")
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.chats.save(chat, [b.chat_message(chat.id, 1)])
            with pytest.raises(NotFound):
                await uow.collaborations.save(collab, [b.log_entry(collab.id, 1)])

    async def test_works_list_newest_first_in_pages(self, uow_factory: UnitOfWorkFactory) -> None:
        """A user's works come newest first, paged; other users' works stay out."""
        await given_users(uow_factory, "u1", "u2")
        works = [b.work("u1", seconds, f"作品{seconds}") for seconds in (30, 10, 50, 20, 40)]

        async def fill(uow: UnitOfWork) -> None:
            for work in [*works, b.work("u2", 60)]:
                await uow.works.add(work)

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            first = await uow.works.list_for_user("u1", PageRequest(1, 3))
            second = await uow.works.list_for_user("u1", PageRequest(2, 3))
        assert [w.title for w in first.items] == ["作品50", "作品40", "作品30"]
        assert (first.total, first.has_more) == (5, True)
        assert [w.title for w in second.items] == ["作品20", "作品10"]
        assert not second.has_more

    async def test_works_update_and_delete_only_for_their_owner(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """The owner may rename and delete a work; anyone else finds nothing to change."""
        await given_users(uow_factory, "u1")
        work = b.work("u1")
        await given(uow_factory, lambda uow: uow.works.add(work))
        renamed = attrs.evolve(work, title="新名字", metadata={"frames": 4})
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.works.update(attrs.evolve(renamed, user_id="u2"))
            assert not await uow.works.delete(work.id, "u2")
            await uow.works.update(renamed)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.works.get(work.id, "u1") == renamed
            assert await uow.works.delete(work.id, "u1")
            assert not await uow.works.delete(work.id, "u1")
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.works.get(work.id, "u1") is None

    async def test_returned_rows_are_not_shared_with_the_store(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Mutating a JSON field of a returned row does not change what is stored."""
        await given_users(uow_factory, "u1")
        work = b.work("u1")
        await given(uow_factory, lambda uow: uow.works.add(work))
        async with uow_factory() as uow:
            found = await uow.works.get(work.id, "u1")
            assert found is not None
            found.metadata["frames"] = 99
        async with uow_factory() as uow:
            stored = await uow.works.get(work.id, "u1")
            assert stored is not None
            assert stored.metadata == {"frames": 3, "tags": ["a", "b"]}

    async def test_tasks_save_and_list_by_status_oldest_first(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """`save` overwrites a task; `with_status` lists one status, oldest first, up to `limit`."""
        await given_users(uow_factory, "u1")
        jobs = [b.task("u1", seconds) for seconds in (30, 10, 20, 40)]

        async def fill(uow: UnitOfWork) -> None:
            for job in jobs:
                await uow.tasks.add(job)

        await given(uow_factory, fill)
        started = jobs[1].start(b.at(100))
        await given(uow_factory, lambda uow: uow.tasks.save(started))
        async with uow_factory() as uow:
            assert await uow.tasks.get(started.id) == started
            pending = await uow.tasks.with_status(TaskStatus.PENDING, 2)
            processing = await uow.tasks.with_status(TaskStatus.PROCESSING, 10)
            assert await uow.tasks.with_status(TaskStatus.FAILED, 10) == []
        assert pending == [jobs[2], jobs[0]]
        assert processing == [started]

    async def test_saving_an_unknown_task_is_not_found(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """`save` updates a stored task; it does not create one."""
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await write_then_commit(uow, uow.tasks.save(b.task("u1")))

    async def test_analyses_list_oldest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        """A user's analyses of one character come oldest first; other characters' stay out."""
        await given_users(uow_factory, "u1")
        character = b.new_id()
        analyses = [b.dialogue_analysis("u1", character, seconds) for seconds in (20, 10, 30)]

        async def fill(uow: UnitOfWork) -> None:
            for analysis in [*analyses, b.dialogue_analysis("u1", b.new_id())]:
                await uow.dialogue_analyses.add(analysis)

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            found = await uow.dialogue_analyses.for_character("u1", character)
        assert list(found) == [analyses[1], analyses[0], analyses[2]]

    async def test_a_shared_comic_is_found_by_token(self, uow_factory: UnitOfWorkFactory) -> None:
        """The share token finds the comic for anyone; the newest comic of a work is its comic."""
        await given_users(uow_factory, "u1")
        work = b.new_id()
        older, newer = b.comic("u1", work, seconds=0), b.comic("u1", work, seconds=60)

        async def fill(uow: UnitOfWork) -> None:
            await uow.comics.add(older)
            await uow.comics.add(newer)

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            assert await uow.comics.by_share_token(older.share_token) == older
            assert await uow.comics.for_work(work, "u1") == newer
