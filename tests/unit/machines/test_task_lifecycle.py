"""A state machine over the task lifecycle: retries, failures and duplicate delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from npc_core.errors import UpstreamFailed, UpstreamUnavailable
from npc_core.model import Membership, Task, TaskStatus, quota_day
from npc_core.ports import MonologueOutput, Workflow
from npc_core.services import StartMonologue, execute_task, start_monologue
from tests.unit.services import flow
from tests.unit.services.world import LIN_ZHOU, World, make_world

T = TypeVar("T")
OUTCOMES = ("ok", "transient", "fatal", "bad_output")


class TaskLifecycle(RuleBasedStateMachine):
    """Tasks are submitted and delivered in any order, any number of times, with any outcome.

    A model predicts each delivery's effect; the invariants hold after every step.
    """

    tasks = Bundle("tasks")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.world: World
        self.user_id = ""
        self.board_id = ""
        self.seen: dict[str, Task] = {}
        self.usage_before = 0

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.close()

    @initialize()
    def setup(self) -> None:
        self.world = self.run(make_world(premium_daily=1_000))
        user = self.run(self.world.user("worker", Membership.PREMIUM))
        self.user_id = user.id
        self.board_id = self.run(flow.storyboard(self.world, user.id))
        self.usage_before = self.world.store.users[user.id].usage_count

    def stored(self, task_id: str) -> Task:
        return self.world.store.tasks[task_id]

    @rule(target=tasks)
    def submit(self) -> str:
        task = self.run(
            start_monologue(self.world.deps, StartMonologue(self.user_id, self.board_id, LIN_ZHOU))
        )
        assert task.status is TaskStatus.PENDING
        return str(task.id)

    @rule(task_id=tasks, outcome=st.sampled_from(OUTCOMES))
    def deliver(self, task_id: str, outcome: str) -> None:
        """Deliver a task id (again, perhaps) with a scripted outcome of the workflow."""
        before = self.stored(task_id)
        workflows = self.world.workflows
        workflows.reset(Workflow.MONOLOGUE_GENERATION)
        if outcome == "transient":
            workflows.fail(Workflow.MONOLOGUE_GENERATION, UpstreamUnavailable("m", "busy"))
        elif outcome == "fatal":
            workflows.fail(Workflow.MONOLOGUE_GENERATION, UpstreamFailed("m", "refused"))
        elif outcome == "bad_output":
            workflows.returns(Workflow.MONOLOGUE_GENERATION, MonologueOutput("r", "  ", ()))
        calls = len(workflows.calls)
        self.run(execute_task(self.world.deps, task_id))
        after = self.stored(task_id)
        if before.status.terminal:
            assert after == before
            assert len(workflows.calls) == calls
            return
        expected = {
            "ok": TaskStatus.COMPLETED,
            "transient": (
                TaskStatus.PENDING if before.retry_count < before.max_retries else TaskStatus.FAILED
            ),
            "fatal": TaskStatus.FAILED,
            "bad_output": TaskStatus.FAILED,
        }[outcome]
        assert after.status is expected, (outcome, before, after)
        if outcome == "transient" and expected is TaskStatus.PENDING:
            assert after.retry_count == before.retry_count + 1
            assert task_id in self.world.queue.pending()

    @rule()
    def drain_queue(self) -> None:
        """A worker runs whatever is queued with the workflow behaving."""
        self.world.workflows.reset(Workflow.MONOLOGUE_GENERATION)
        self.run(self.world.drain())

    @invariant()
    def finished_tasks_never_change(self) -> None:
        for task_id, task in self.world.store.tasks.items():
            earlier = self.seen.get(task_id)
            if earlier is not None and earlier.status.terminal:
                assert task == earlier
            if earlier is not None:
                assert task.progress >= earlier.progress or task.status is TaskStatus.PENDING
                assert task.retry_count >= earlier.retry_count
            assert 0 <= task.retry_count <= task.max_retries
            assert 0 <= task.progress <= 100
            self.seen[task_id] = task

    @invariant()
    def quota_and_usage_match_the_tasks(self) -> None:
        """Live and completed tasks hold quota; only completed ones count as usage."""
        if not self.user_id:
            return
        tasks = list(self.world.store.tasks.values())
        holding = sum(t.status is not TaskStatus.FAILED for t in tasks)
        completed = sum(t.status is TaskStatus.COMPLETED for t in tasks)
        day = quota_day(self.world.clock.now())
        used = self.run(self.world.ledger.used(self.user_id, day))
        assert used == self.usage_before + holding
        assert self.world.store.users[self.user_id].usage_count == self.usage_before + completed


# Inherits the loaded profile (200 examples under `ci`); 25 steps keep each example short.
TaskLifecycle.TestCase.settings = settings(stateful_step_count=25)
test_task_lifecycle = TaskLifecycle.TestCase
