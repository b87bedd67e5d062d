"""`DifyWorkflowRunner`: npc's workflow port over Dify workflow apps.

Short workflows (analysis, discussion, story, storyboard) run in blocking mode. Chat
streams; monologue, voice and comic stream too and are collected, because a stream
keeps the connection alive (pings) past the cut-offs of gateways in front of Dify.

How Dify's answers become npc's errors:

- no key for the workflow: `WorkflowNotConfigured` naming `NPC_DIFY_KEY_...` (or the
  fallback runner answers, when the composition root gave one);
- 401, and 400 `app_unavailable`/`not_workflow_app`: `WorkflowNotConfigured` too: the
  key or the app behind it is wrong, which only an operator can fix (logged as an error);
- other 4xx: `UpstreamFailed` with Dify's code and message, never retried;
- 429, 5xx, connection errors, timeouts: retried; then `UpstreamUnavailable` (with
  the `Retry-After` to tell the client) or, when time ran out, `UpstreamTimeout`;
- the call's deadline: `UpstreamTimeout` (a streamed run is also stopped at Dify);
- HTTP 200 with status failed/stopped, or an `error` event: `UpstreamFailed` with
  Dify's message;
- outputs missing or malformed: `UpstreamBadOutput` naming the output.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Final, TypeVar

import attrs
import httpx
import structlog

from adapters.dify import inputs, outputs
from adapters.dify.client import DifyApi, DifyOptions, Refused
from adapters.dify.files import Download, download
from adapters.dify.retry import Attempts, Exhausted, Trouble
from adapters.dify.runs import Call, Finished, StreamedRun, run_blocking
from npc_core.errors import (
    UpstreamError,
    UpstreamFailed,
    UpstreamTimeout,
    UpstreamUnavailable,
    WorkflowNotConfigured,
)
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
    WorkflowRunner,
)

T = TypeVar("T")
SUCCEEDED: Final = frozenset({"succeeded", "partial-succeeded"})
CONFIG_CODES: Final = frozenset({"app_unavailable", "not_workflow_app"})
_log = structlog.get_logger("adapters.dify")


class DifyWorkflowRunner:
    """Runs npc's workflows as Dify workflow apps, one app (and key) per workflow.

    `client` is shared by every call (the composition root makes it with
    `new_client` and closes it); `keys` maps workflows (or their values) to app keys;
    `user` in each call is npc's user id. Workflows without a key go to `fallback`
    when one is given (development: the offline engine), else raise
    `WorkflowNotConfigured`.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        keys: Mapping[str, str],
        *,
        options: DifyOptions | None = None,
        fallback: WorkflowRunner | None = None,
    ) -> None:
        self._api = DifyApi(client, base_url, options or DifyOptions())
        self._keys = {Workflow(name): key for name, key in keys.items() if key}
        self._fallback = fallback

    def __repr__(self) -> str:
        names = ",".join(sorted(w.value for w in self._keys))
        return f"DifyWorkflowRunner({self._api.base_url!r}, workflows=[{names}])"

    @property
    def options(self) -> DifyOptions:
        """Deadlines, retries and limits; replaceable (tests shorten them)."""
        return self._api.options

    @options.setter
    def options(self, value: DifyOptions) -> None:
        self._api.options = value

    def configured(self, workflow: Workflow) -> bool:
        """Whether `workflow` has a Dify key."""
        return workflow in self._keys

    # The port

    async def analyze_character(
        self, user: str, data: CharacterAnalysisInput
    ) -> CharacterAnalysisOutput:
        """Run the character analysis (blocking)."""
        if (other := self._other(Workflow.CHARACTER_ANALYSIS)) is not None:
            return await other.analyze_character(user, data)
        return await self._short(
            Workflow.CHARACTER_ANALYSIS,
            user,
            inputs.character_analysis(data),
            outputs.character_analysis,
        )

    async def discuss_dialogue(
        self, user: str, data: DialogueDiscussionInput
    ) -> DialogueDiscussionOutput:
        """Run the dialogue discussion (blocking)."""
        if (other := self._other(Workflow.DIALOGUE_DISCUSSION)) is not None:
            return await other.discuss_dialogue(user, data)
        return await self._short(
            Workflow.DIALOGUE_DISCUSSION,
            user,
            inputs.dialogue_discussion(data),
            outputs.dialogue_discussion,
        )

    async def reconstruct_story(
        self, user: str, data: StoryReconstructInput
    ) -> StoryReconstructOutput:
        """Run the story reconstruction (blocking)."""
        if (other := self._other(Workflow.STORY_RECONSTRUCT)) is not None:
            return await other.reconstruct_story(user, data)
        return await self._short(
            Workflow.STORY_RECONSTRUCT,
            user,
            inputs.story_reconstruct(data),
            outputs.story_reconstruct,
        )

    async def design_storyboard(
        self, user: str, data: StoryboardDesignInput
    ) -> StoryboardDesignOutput:
        """Run the storyboard design (blocking)."""
        if (other := self._other(Workflow.STORYBOARD_DESIGN)) is not None:
            return await other.design_storyboard(user, data)
        return await self._short(
            Workflow.STORYBOARD_DESIGN,
            user,
            inputs.storyboard_design(data),
            outputs.storyboard_design,
        )

    async def chat(self, user: str, data: CharacterChatInput) -> CharacterChatOutput:
        """Run the character chat, streamed and collected."""
        if (other := self._other(Workflow.CHARACTER_CHAT)) is not None:
            return await other.chat(user, data)
        call = self._call(Workflow.CHARACTER_CHAT, user, "streaming", self.options.chat_deadline)
        return await self._collected(
            call, inputs.character_chat(data), _parsing(outputs.character_chat)
        )

    async def stream_chat(self, user: str, data: CharacterChatInput) -> AsyncIterator[ChatChunk]:
        """Run the character chat, yielding Dify's text chunks as they come, then the end.

        The last chunk carries `final`; all texts joined are `final.reply`. Should the
        streamed text not begin the `reply` output, what was streamed is the reply.
        """
        if (other := self._other(Workflow.CHARACTER_CHAT)) is not None:
            async for chunk in other.stream_chat(user, data):
                yield chunk
            return
        call = self._call(Workflow.CHARACTER_CHAT, user, "streaming", self.options.chat_deadline)
        run = StreamedRun(self._api, call, dict(inputs.character_chat(data)))
        sent: list[str] = []
        try:
            async with self._logged(call):
                while True:
                    async with self._guard(call):
                        item = await run.next()
                    if isinstance(item, Finished):
                        break
                    sent.append(item)
                    yield ChatChunk(item)
                final = self._parsed(call, item, outputs.character_chat)
            streamed = "".join(sent)
            rest = final.reply[len(streamed) :]
            if not final.reply.startswith(streamed):
                _log.warning("dify reply differs from its stream", workflow=call.workflow.value)
                final, rest = attrs.evolve(final, reply=streamed), ""
            yield ChatChunk(rest, final=final)
        finally:
            await run.close()

    async def generate_monologue(self, user: str, data: MonologueInput) -> MonologueOutput:
        """Run the monologue generation, streamed and collected."""
        if (other := self._other(Workflow.MONOLOGUE_GENERATION)) is not None:
            return await other.generate_monologue(user, data)
        call = self._call(
            Workflow.MONOLOGUE_GENERATION, user, "streaming", self.options.long_deadline
        )
        return await self._collected(
            call, inputs.monologue_generation(data), _parsing(outputs.monologue_generation)
        )

    async def synthesize_voice(self, user: str, data: VoiceInput) -> VoiceOutput:
        """Run the voice synthesis, streamed and collected; the audio downloaded at once."""
        if (other := self._other(Workflow.VOICE_SYNTHESIS)) is not None:
            return await other.synthesize_voice(user, data)
        call = self._call(Workflow.VOICE_SYNTHESIS, user, "streaming", self.options.long_deadline)

        async def fetch(finished: Finished) -> VoiceOutput:
            ref, key, duration = outputs.voice_file(finished.outputs)
            job = Download(ref, "audio", self.options.max_audio_bytes, call.workflow.value, key)
            audio = await download(self._api, job, self.options.retry, call.deadline, Attempts())
            return VoiceOutput(finished.run_id, audio, duration)

        return await self._collected(call, inputs.voice_synthesis(data), fetch)

    async def render_comic(self, user: str, data: ComicInput) -> ComicOutput:
        """Run the comic generation, streamed and collected; the panels downloaded in order."""
        if (other := self._other(Workflow.COMIC_GENERATION)) is not None:
            return await other.render_comic(user, data)
        call = self._call(Workflow.COMIC_GENERATION, user, "streaming", self.options.long_deadline)

        async def fetch(finished: Finished) -> ComicOutput:
            refs, key = outputs.comic_files(finished.outputs)
            limit, workflow = self.options.max_image_bytes, call.workflow.value
            jobs = [
                Download(ref, "image", limit, workflow, f"{key}[{i}]") for i, ref in enumerate(refs)
            ]
            retry = self.options.retry
            panels = await asyncio.gather(
                *(download(self._api, j, retry, call.deadline, Attempts()) for j in jobs)
            )
            return ComicOutput(finished.run_id, tuple(panels))

        return await self._collected(call, inputs.comic_generation(data), fetch)

    # How calls run

    def _other(self, workflow: Workflow) -> WorkflowRunner | None:
        if workflow in self._keys:
            return None
        if self._fallback is None:
            raise WorkflowNotConfigured(workflow.value, workflow.setting)
        return self._fallback

    def _call(self, workflow: Workflow, user: str, mode: str, seconds: float) -> Call:
        now = asyncio.get_running_loop().time()
        return Call(workflow, self._keys[workflow], user, mode, now, now + seconds)

    async def _short(
        self,
        workflow: Workflow,
        user: str,
        data: inputs.Inputs,
        parse: Callable[[str, outputs.Outputs | None], T],
    ) -> T:
        call = self._call(workflow, user, "blocking", self.options.short_deadline)
        async with self._logged(call), self._guard(call):
            finished = await run_blocking(self._api, call, dict(data))
            return self._parsed(call, finished, parse)

    async def _collected(
        self, call: Call, data: inputs.Inputs, parse: Callable[[Finished], Awaitable[T]]
    ) -> T:
        run = StreamedRun(self._api, call, dict(data))
        try:
            async with self._logged(call), self._guard(call):
                while not isinstance(item := await run.next(), Finished):
                    pass
                self._check(call, item)
                return await parse(item)
        finally:
            await run.close()

    def _check(self, call: Call, finished: Finished) -> None:
        if finished.status in SUCCEEDED:
            return
        reason = finished.error or f"the run ended with status {finished.status or 'unknown'}"
        if finished.status == "stopped":
            reason = finished.error or "the run was stopped"
        raise UpstreamFailed(call.workflow.value, reason)

    def _parsed(
        self, call: Call, finished: Finished, parse: Callable[[str, outputs.Outputs | None], T]
    ) -> T:
        self._check(call, finished)
        return parse(finished.run_id, finished.outputs)

    @asynccontextmanager
    async def _guard(self, call: Call) -> AsyncIterator[None]:
        """The deadline around one step, and Dify's troubles as npc's errors."""
        workflow = call.workflow.value
        try:
            async with asyncio.timeout_at(call.deadline):
                yield
        except TimeoutError:
            seconds = call.deadline - call.started
            raise UpstreamTimeout(workflow, f"no answer within {seconds:g} s") from None
        except Exhausted as exhausted:
            last = exhausted.last
            if last.trouble is Trouble.TIMEOUT:
                raise UpstreamTimeout(
                    workflow, f"{last.detail} ({exhausted.attempts} attempts)"
                ) from None
            raise UpstreamUnavailable(
                workflow,
                f"{last.detail} ({exhausted.attempts} attempts)",
                retry_after=last.retry_after or self.options.unavailable_retry_after,
            ) from None
        except Refused as refused:
            raise self._refused(call, refused) from None

    def _refused(self, call: Call, refused: Refused) -> UpstreamError:
        workflow = call.workflow
        if refused.status == 401 or refused.code in CONFIG_CODES:  # noqa: PLR2004 - unauthorized
            _log.error(
                "dify refused the app key",
                workflow=workflow.value,
                setting=workflow.setting,
                status=refused.status,
                code=refused.code,
            )
            return WorkflowNotConfigured(workflow.value, workflow.setting)
        return UpstreamFailed(workflow.value, f"Dify answered {refused}")

    @asynccontextmanager
    async def _logged(self, call: Call) -> AsyncIterator[None]:
        """One log line per run: workflow, run id, status, elapsed, tokens, attempts."""
        outcome = "succeeded"
        try:
            yield
        except UpstreamError as error:
            outcome = error.code
            raise
        except BaseException:
            outcome = "abandoned"
            raise
        finally:
            finished = call.finished
            elapsed = asyncio.get_running_loop().time() - call.started
            _log.info(
                "dify run",
                workflow=call.workflow.value,
                mode=call.mode,
                run_id=call.run_id,
                outcome=outcome,
                status=finished.status if finished else None,
                elapsed_ms=round(elapsed * 1000, 1),
                dify_elapsed_s=finished.elapsed if finished else None,
                tokens=finished.tokens if finished else None,
                attempts=call.attempts.count,
                recovered=call.recovered,
            )


def _parsing(
    parse: Callable[[str, outputs.Outputs | None], T],
) -> Callable[[Finished], Awaitable[T]]:
    async def parsed(finished: Finished) -> T:
        return parse(finished.run_id, finished.outputs)

    return parsed
