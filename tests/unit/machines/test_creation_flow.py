"""A state machine over the whole creation flow, several users acting in any order.

Invariants after every step: a user never sees another user's data; reserved AI
actions never exceed the quota; finished tasks never change; storyboard frames stay
numbered 1..n.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from npc_core.errors import (
    NotFound,
    QuotaExceeded,
    UpstreamError,
    UpstreamFailed,
    UpstreamUnavailable,
)
from npc_core.model import Frame, Membership, PageRequest, StoryNode, Task, fold, quota_day
from npc_core.ports import Workflow
from npc_core.services import (
    AnalyzeCharacter,
    BuildTraits,
    DesignStoryboard,
    EditStoryboard,
    ReconstructStory,
    SendMessage,
    StartComic,
    StartMonologue,
    StartVoice,
    analyze_character,
    build_traits,
    chat,
    delete_work,
    design_storyboard,
    edit_storyboard,
    execute_task,
    get_audio,
    get_chat_session,
    get_comic,
    get_monologue,
    get_storyboard,
    get_task,
    get_work,
    list_works,
    reconstruct_story,
    start_comic,
    start_monologue,
    start_voice,
)
from tests.unit.services.world import FERRY, LIN_ZHOU, SU_WAN, World, make_world

T = TypeVar("T")
CODES = ("alice", "bob", "carol")
TRAITS = ("内向", "外向", "冷静", "冲动", "Brave", "ｂｒａｖｅ", "多疑", "善良")
EXPECTED = (QuotaExceeded, UpstreamError)


class CreationFlow(RuleBasedStateMachine):
    """Users log in, analyse, chat, reconstruct, lay out, generate, share and delete."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.world: World
        self.users: dict[str, str] = {}  # code -> user id
        self.chat_owner: dict[str, str] = {}
        self.finished: dict[str, Task] = {}

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def attempt(self, coroutine: Coroutine[Any, Any, T]) -> T | None:
        """Run a use case whose quota or (injected) upstream failure is an allowed outcome."""
        try:
            return self.run(coroutine)
        except EXPECTED:
            return None

    def teardown(self) -> None:
        self.loop.close()

    @initialize()
    def setup(self) -> None:
        self.world = self.run(make_world(free_daily=8, premium_daily=16))

    def uid(self, code: str) -> str:
        if code not in self.users:
            membership = Membership.PREMIUM if code == "carol" else Membership.FREE
            self.users[code] = self.run(self.world.user(code, membership)).id
        return self.users[code]

    def owned(self, table: dict[str, Any], user_id: str) -> list[Any]:
        return sorted((v for v in table.values() if v.user_id == user_id), key=lambda v: v.id)

    @rule(code=st.sampled_from(CODES), character=st.sampled_from((LIN_ZHOU, SU_WAN)))
    def analyse(self, code: str, character: str) -> None:
        self.attempt(
            analyze_character(self.world.deps, AnalyzeCharacter(self.uid(code), FERRY, character))
        )

    @rule(
        code=st.sampled_from(CODES),
        mine=st.lists(st.sampled_from(TRAITS), max_size=4),
        theirs=st.none() | st.lists(st.sampled_from(TRAITS), max_size=4),
    )
    def traits(self, code: str, mine: list[str], theirs: list[str] | None) -> None:
        ai = None if theirs is None else tuple(theirs)
        result = self.attempt(
            build_traits(self.world.deps, BuildTraits(self.uid(code), LIN_ZHOU, tuple(mine), ai))
        )
        if result is not None:
            merged_keys = {t.key for t in result.profile.merged.traits}
            assert {fold(t) for t in mine} <= merged_keys  # the user's traits survive

    @rule(code=st.sampled_from(CODES), session=st.sampled_from(("s1", "s2")))
    def talk(self, code: str, session: str) -> None:
        user_id = self.uid(code)
        owner = self.chat_owner.get(session)
        command = SendMessage(user_id, session, LIN_ZHOU, "你好")
        if owner is not None and owner != user_id:
            try:
                self.run(chat(self.world.deps, command))
            except NotFound:
                return
            raise AssertionError("a user wrote into another user's chat session")
        if self.attempt(chat(self.world.deps, command)) is not None:
            self.chat_owner[session] = user_id

    @rule(code=st.sampled_from(CODES), frames=st.integers(1, 4))
    def lay_out(self, code: str, frames: int) -> None:
        user_id = self.uid(code)
        story = self.attempt(
            reconstruct_story(
                self.world.deps,
                ReconstructStory(
                    user_id, FERRY, (StoryNode("n1", 1, "登船"),), character_id=LIN_ZHOU
                ),
            )
        )
        if story is None:
            return
        self.attempt(
            design_storyboard(
                self.world.deps,
                DesignStoryboard(
                    user_id,
                    story.story.id,
                    tuple(Frame(i, f"镜头{i}") for i in range(1, frames + 1)),
                ),
            )
        )

    @rule(code=st.sampled_from(CODES), data=st.data())
    def edit(self, code: str, data: st.DataObject) -> None:
        boards = self.owned(self.world.store.storyboards, self.uid(code))
        if not boards:
            return
        board = data.draw(st.sampled_from(boards))
        frames = list(board.frames)
        order = data.draw(st.permutations(range(len(frames))))
        keep = data.draw(st.integers(1, len(frames)))
        new = tuple(
            Frame(10 * (i + 1), frames[j].scene_description) for i, j in enumerate(order[:keep])
        )
        self.run(
            edit_storyboard(
                self.world.deps, EditStoryboard(board.user_id, board.id, board.version, frames=new)
            )
        )

    @rule(code=st.sampled_from(CODES), data=st.data())
    def generate(self, code: str, data: st.DataObject) -> None:
        user_id = self.uid(code)
        store = self.world.store
        step = data.draw(st.sampled_from(("monologue", "voice", "comic")))
        boards = self.owned(store.storyboards, user_id)
        monologues = self.owned(store.monologues, user_id)
        audio = self.owned(store.audio, user_id)
        if step == "monologue" and boards:
            board = data.draw(st.sampled_from(boards))
            self.attempt(
                start_monologue(self.world.deps, StartMonologue(user_id, board.id, LIN_ZHOU))
            )
        elif step == "voice" and monologues:
            monologue = data.draw(st.sampled_from(monologues))
            self.attempt(start_voice(self.world.deps, StartVoice(user_id, monologue.id)))
        elif step == "comic" and boards and audio:
            board, clip = data.draw(st.sampled_from(boards)), data.draw(st.sampled_from(audio))
            self.attempt(start_comic(self.world.deps, StartComic(user_id, board.id, clip.id)))

    @rule(twice=st.booleans())
    def work(self, twice: bool) -> None:
        """A worker takes one task; sometimes the same id is delivered twice."""
        task_id = self.world.queue.take()
        if task_id is None:
            return
        self.run(execute_task(self.world.deps, task_id))
        if twice:
            self.run(execute_task(self.world.deps, task_id))

    @rule(workflow=st.sampled_from(tuple(Workflow)), transient=st.booleans())
    def upstream_trouble(self, workflow: Workflow, transient: bool) -> None:
        error = (
            UpstreamUnavailable(workflow.value, "busy")
            if transient
            else UpstreamFailed(workflow.value, "no")
        )
        self.world.workflows.fail(workflow, error)

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        self.world.clock.advance(hours * 3600)

    @precondition(lambda self: len(self.users) >= 1)
    @rule(code=st.sampled_from(CODES), data=st.data())
    def forget_a_work(self, code: str, data: st.DataObject) -> None:
        works = self.owned(self.world.store.works, self.uid(code))
        if works:
            self.run(
                delete_work(self.world.deps, self.uid(code), data.draw(st.sampled_from(works)).id)
            )

    @precondition(lambda self: len(self.users) >= 2)
    @rule(data=st.data())
    def snoop(self, data: st.DataObject) -> None:
        """Every resource of one user is NotFound to another, like a missing id."""
        owner, other = data.draw(st.permutations(sorted(self.users.values())))[:2]
        deps, store = self.world.deps, self.world.store
        lookups = [
            *(get_storyboard(deps, other, b.id) for b in self.owned(store.storyboards, owner)),
            *(get_monologue(deps, other, m.id) for m in self.owned(store.monologues, owner)),
            *(get_audio(deps, other, a.id) for a in self.owned(store.audio, owner)),
            *(get_comic(deps, other, c.id) for c in self.owned(store.comics, owner)),
            *(get_task(deps, other, t.id) for t in self.owned(store.tasks, owner)),
            *(get_work(deps, other, w.id) for w in self.owned(store.works, owner)),
            *(get_chat_session(deps, other, s) for s, o in self.chat_owner.items() if o == owner),
        ]
        for lookup in lookups:
            try:
                self.run(lookup)
            except NotFound:
                continue
            raise AssertionError("one user saw another user's data")
        listed = self.run(list_works(deps, other, PageRequest(1, 100)))
        assert all(w.user_id == other for w in listed.items)

    @invariant()
    def reserved_actions_never_exceed_the_quota(self) -> None:
        if not self.users:
            return
        day = quota_day(self.world.clock.now())
        policy = self.world.deps.settings.quota
        for user_id in self.users.values():
            user = self.world.store.users[user_id]
            used = self.run(self.world.ledger.used(user_id, day))
            assert used <= policy.daily_limit(user.membership)

    @invariant()
    def finished_tasks_never_change(self) -> None:
        if not self.users:
            return
        for task in self.world.store.tasks.values():
            if task.id in self.finished:
                assert task == self.finished[task.id]
            elif task.status.terminal:
                self.finished[task.id] = task

    @invariant()
    def frames_stay_numbered_from_one(self) -> None:
        if not self.users:
            return
        for board in self.world.store.storyboards.values():
            assert [f.order for f in board.frames] == list(range(1, len(board.frames) + 1))


CreationFlow.TestCase.settings = settings(stateful_step_count=30)
test_creation_flow = CreationFlow.TestCase
