"""A workflow runner that tests script: outputs, latency, failures; offline answers otherwise."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Literal, Self, TypeAlias, TypeVar, overload

import attrs

from adapters.memory import offline
from npc_core.errors import WorkflowNotConfigured
from npc_core.ports import (
    CharacterAnalysisInput,
    CharacterAnalysisOutput,
    CharacterChatInput,
    CharacterChatOutput,
    ChatChunk,
    ComicInput,
    ComicOutput,
    DialogueDiscussionInput,
    DialogueDiscussionOutput,
    MonologueInput,
    MonologueOutput,
    StoryboardDesignInput,
    StoryboardDesignOutput,
    StoryReconstructInput,
    StoryReconstructOutput,
    VoiceInput,
    VoiceOutput,
    Workflow,
)

WorkflowInput: TypeAlias = (
    CharacterAnalysisInput
    | DialogueDiscussionInput
    | CharacterChatInput
    | StoryReconstructInput
    | StoryboardDesignInput
    | MonologueInput
    | VoiceInput
    | ComicInput
)
In = TypeVar("In", bound=WorkflowInput)
Out = TypeVar("Out")

OUTPUT_TYPES: dict[Workflow, type] = {
    Workflow.CHARACTER_ANALYSIS: CharacterAnalysisOutput,
    Workflow.DIALOGUE_DISCUSSION: DialogueDiscussionOutput,
    Workflow.CHARACTER_CHAT: CharacterChatOutput,
    Workflow.STORY_RECONSTRUCT: StoryReconstructOutput,
    Workflow.STORYBOARD_DESIGN: StoryboardDesignOutput,
    Workflow.MONOLOGUE_GENERATION: MonologueOutput,
    Workflow.VOICE_SYNTHESIS: VoiceOutput,
    Workflow.COMIC_GENERATION: ComicOutput,
}


@attrs.frozen
class WorkflowCall:
    """One call the runner received: which workflow, for whom, with what input."""

    workflow: Workflow
    user: str
    data: WorkflowInput


@attrs.define
class _Script:
    reply: object = None  # an output, or a callable from input to output; None: offline
    latency: float | None = None
    failures: deque[BaseException] = attrs.field(factory=deque)
    configured: bool = True


class ScriptedWorkflowRunner:
    """Runs workflows as a test scripts them, recording every call in `calls`.

    Per workflow, a test sets the output (`returns`), a delay (`delay`), errors
    for the next calls (`fail`), or makes it unconfigured (`not_configured`).
    Unscripted workflows answer from `adapters.memory.offline`, so this runner is
    also the offline engine. Streamed chat replies come in `chunk_size` pieces.
    """

    def __init__(self, *, latency: float = 0.0, chunk_size: int = 4) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.latency = latency
        self.chunk_size = chunk_size
        self.calls: list[WorkflowCall] = []
        self._scripts: dict[Workflow, _Script] = {w: _Script() for w in Workflow}
        self._runs = 0

    # Scripting

    @overload
    def returns(
        self,
        workflow: Literal[Workflow.CHARACTER_ANALYSIS],
        output: CharacterAnalysisOutput
        | Callable[[CharacterAnalysisInput], CharacterAnalysisOutput],
    ) -> Self: ...
    @overload
    def returns(
        self,
        workflow: Literal[Workflow.DIALOGUE_DISCUSSION],
        output: DialogueDiscussionOutput
        | Callable[[DialogueDiscussionInput], DialogueDiscussionOutput],
    ) -> Self: ...
    @overload
    def returns(
        self,
        workflow: Literal[Workflow.CHARACTER_CHAT],
        output: CharacterChatOutput | Callable[[CharacterChatInput], CharacterChatOutput],
    ) -> Self: ...
    @overload
    def returns(
        self,
        workflow: Literal[Workflow.STORY_RECONSTRUCT],
        output: StoryReconstructOutput | Callable[[StoryReconstructInput], StoryReconstructOutput],
    ) -> Self: ...
    @overload
    def returns(
        self,
        workflow: Literal[Workflow.STORYBOARD_DESIGN],
        output: StoryboardDesignOutput | Callable[[StoryboardDesignInput], StoryboardDesignOutput],
    ) -> Self: ...
    @overload
    def returns(
        self,
        workflow: Literal[Workflow.MONOLOGUE_GENERATION],
        output: MonologueOutput | Callable[[MonologueInput], MonologueOutput],
    ) -> Self: ...
    @overload
    def returns(
        self,
        workflow: Literal[Workflow.VOICE_SYNTHESIS],
        output: VoiceOutput | Callable[[VoiceInput], VoiceOutput],
    ) -> Self: ...
    @overload
    def returns(
        self,
        workflow: Literal[Workflow.COMIC_GENERATION],
        output: ComicOutput | Callable[[ComicInput], ComicOutput],
    ) -> Self: ...
    def returns(self, workflow: Workflow, output: object) -> Self:
        """Answer `workflow` with `output`, or with what `output(input)` returns."""
        if not callable(output) and not isinstance(output, OUTPUT_TYPES[workflow]):
            raise TypeError(f"{workflow} returns {OUTPUT_TYPES[workflow].__name__}, not {output!r}")
        self._scripts[workflow].reply = output
        return self

    def delay(self, workflow: Workflow, seconds: float) -> Self:
        """Make `workflow` take `seconds` before it answers (or fails)."""
        self._scripts[workflow].latency = seconds
        return self

    def fail(self, workflow: Workflow, *errors: BaseException) -> Self:
        """Make the next calls of `workflow` raise `errors`, one per call, in order."""
        self._scripts[workflow].failures.extend(errors)
        return self

    def not_configured(self, *workflows: Workflow) -> Self:
        """Make `workflows` raise `WorkflowNotConfigured`, as with no Dify key set."""
        for workflow in workflows:
            self._scripts[workflow].configured = False
        return self

    def reset(self, *workflows: Workflow) -> Self:
        """Forget the scripts of `workflows` (of all, when none named); keep `calls`."""
        for workflow in workflows or tuple(Workflow):
            self._scripts[workflow] = _Script()
        return self

    def calls_to(self, workflow: Workflow) -> list[WorkflowCall]:
        """Return the recorded calls of one workflow, in order."""
        return [c for c in self.calls if c.workflow is workflow]

    def inputs(self, kind: type[In]) -> list[In]:
        """Return the inputs of every call that took a `kind`, typed, in order.

        Each input class belongs to one workflow, so `inputs(VoiceInput)` is what the
        voice synthesis received, with no narrowing needed at the call site.
        """
        return [c.data for c in self.calls if isinstance(c.data, kind)]

    # The port

    async def analyze_character(
        self, user: str, data: CharacterAnalysisInput
    ) -> CharacterAnalysisOutput:
        """Run the character analysis."""
        return await self._run(
            Workflow.CHARACTER_ANALYSIS,
            user,
            data,
            CharacterAnalysisOutput,
            offline.analyze_character,
        )

    async def discuss_dialogue(
        self, user: str, data: DialogueDiscussionInput
    ) -> DialogueDiscussionOutput:
        """Run the dialogue discussion."""
        return await self._run(
            Workflow.DIALOGUE_DISCUSSION,
            user,
            data,
            DialogueDiscussionOutput,
            offline.discuss_dialogue,
        )

    async def chat(self, user: str, data: CharacterChatInput) -> CharacterChatOutput:
        """Run the character chat."""
        return await self._run(
            Workflow.CHARACTER_CHAT, user, data, CharacterChatOutput, offline.chat
        )

    async def stream_chat(self, user: str, data: CharacterChatInput) -> AsyncIterator[ChatChunk]:
        """Run the character chat, yielding the reply in pieces, then a chunk with `final`."""
        output = await self._run(
            Workflow.CHARACTER_CHAT, user, data, CharacterChatOutput, offline.chat
        )
        reply, size = output.reply, self.chunk_size
        for start in range(0, len(reply), size):
            yield ChatChunk(reply[start : start + size])
        yield ChatChunk("", final=output)

    async def reconstruct_story(
        self, user: str, data: StoryReconstructInput
    ) -> StoryReconstructOutput:
        """Run the story reconstruction."""
        return await self._run(
            Workflow.STORY_RECONSTRUCT,
            user,
            data,
            StoryReconstructOutput,
            offline.reconstruct_story,
        )

    async def design_storyboard(
        self, user: str, data: StoryboardDesignInput
    ) -> StoryboardDesignOutput:
        """Run the storyboard design."""
        return await self._run(
            Workflow.STORYBOARD_DESIGN,
            user,
            data,
            StoryboardDesignOutput,
            offline.design_storyboard,
        )

    async def generate_monologue(self, user: str, data: MonologueInput) -> MonologueOutput:
        """Run the monologue generation."""
        return await self._run(
            Workflow.MONOLOGUE_GENERATION, user, data, MonologueOutput, offline.generate_monologue
        )

    async def synthesize_voice(self, user: str, data: VoiceInput) -> VoiceOutput:
        """Run the voice synthesis."""
        return await self._run(
            Workflow.VOICE_SYNTHESIS, user, data, VoiceOutput, offline.synthesize_voice
        )

    async def render_comic(self, user: str, data: ComicInput) -> ComicOutput:
        """Run the comic generation."""
        return await self._run(
            Workflow.COMIC_GENERATION, user, data, ComicOutput, offline.render_comic
        )

    async def _run(
        self,
        workflow: Workflow,
        user: str,
        data: In,
        kind: type[Out],
        default: Callable[[In, str], Out],
    ) -> Out:
        self.calls.append(WorkflowCall(workflow, user, data))
        script = self._scripts[workflow]
        if not script.configured:
            raise WorkflowNotConfigured(workflow.value, workflow.setting)
        latency = self.latency if script.latency is None else script.latency
        if latency > 0:
            await asyncio.sleep(latency)
        if script.failures:
            raise script.failures.popleft()
        self._runs += 1
        if script.reply is None:
            return default(data, f"offline-{workflow.value}-{self._runs}")
        output = script.reply(data) if callable(script.reply) else script.reply
        if not isinstance(output, kind):
            raise TypeError(f"the script for {workflow} produced {output!r}, not a {kind.__name__}")
        return output
