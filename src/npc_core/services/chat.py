"""Chatting with a character, whole or streamed; the history is kept per session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import attrs

from npc_core.errors import NotFound
from npc_core.model import ChatMessage, ChatSession, _checks, limits, recent_history
from npc_core.ports import CharacterChatInput, CharacterChatOutput, ChatChunk, ChatTurn, UnitOfWork
from npc_core.services.deps import Deps
from npc_core.services.library import require_character
from npc_core.services.profiles import character_profile
from npc_core.services.quota import ai_action, release, reserve
from npc_core.services.users import load_user


@attrs.frozen
class SendMessage:
    user_id: str
    session_id: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    character_id: str
    message: str = attrs.field(validator=_checks.text(limits.CHAT_MESSAGE))


@attrs.frozen
class ChatResult:
    session_id: str
    reply: str
    emotion: str | None
    workflow_run_id: str


async def _prepare(deps: Deps, command: SendMessage) -> CharacterChatInput:
    async with deps.uow() as uow:
        character = await require_character(uow, command.character_id)
        session = await _open(deps, uow, command)
        history = recent_history(list(await uow.chats.messages(session.id)))
        profile = await character_profile(uow, command.user_id, character)
    turns = tuple(ChatTurn(m.role.value, m.content) for m in history)
    return CharacterChatInput(character.name, profile, turns, command.message)


async def _open(deps: Deps, uow: UnitOfWork, command: SendMessage) -> ChatSession:
    session = await uow.chats.get(command.session_id, command.user_id)
    if session is None:
        if await uow.chats.exists(command.session_id):
            raise NotFound("chat session", command.session_id)
        now = deps.clock.now()
        session = ChatSession(command.session_id, command.user_id, command.character_id, now, now)
        await uow.chats.add(session)
    session.ensure_character(command.character_id)
    return session


async def _keep(deps: Deps, command: SendMessage, output: CharacterChatOutput) -> None:
    async with deps.uow() as uow:
        session = await _open(deps, uow, command)
        session, asked, answered = session.exchange(
            command.message, output.reply, output.emotion, deps.clock.now()
        )
        await uow.chats.save(session, [asked, answered])
        await uow.users.record_usage(command.user_id)
        await uow.commit()


async def chat(deps: Deps, command: SendMessage) -> ChatResult:
    """Send a message; the character answers in character, with its emotion."""
    user = await load_user(deps, command.user_id)
    data = await _prepare(deps, command)
    async with ai_action(deps, user):
        output = await deps.workflows.chat(user.id, data)
        await _keep(deps, command, output)
    return ChatResult(command.session_id, output.reply, output.emotion, output.run_id)


async def stream_chat(deps: Deps, command: SendMessage) -> AsyncIterator[ChatChunk]:
    """Send a message and yield the reply as it is written; the last chunk carries the whole.

    The workflow is read by a task of its own, so a client that stops listening (the
    mini-program went to the background) does not stop the reply: it is still saved
    to the session when it finishes. An upstream error keeps nothing and gives the
    quota back.
    """
    user = await load_user(deps, command.user_id)
    data = await _prepare(deps, command)
    day = await reserve(deps, user)
    chunks: asyncio.Queue[ChatChunk | BaseException | None] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for chunk in deps.workflows.stream_chat(user.id, data):
                if chunk.final is not None:
                    await _keep(deps, command, chunk.final)
                chunks.put_nowait(chunk)
        except BaseException as error:
            await release(deps, user.id, day)
            chunks.put_nowait(error)
            if not isinstance(error, Exception):
                raise
        finally:
            chunks.put_nowait(None)

    task = asyncio.create_task(pump())
    _PUMPS.add(task)  # the loop keeps only weak references to tasks
    task.add_done_callback(_PUMPS.discard)
    while (item := await chunks.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item


_PUMPS: set[asyncio.Task[None]] = set()


@attrs.frozen
class ChatHistory:
    session: ChatSession
    messages: tuple[ChatMessage, ...]


async def get_chat_session(deps: Deps, user_id: str, session_id: str) -> ChatHistory:
    """A chat session of the user with its messages in order."""
    async with deps.uow() as uow:
        session = await uow.chats.get(session_id, user_id)
        if session is None:
            raise NotFound("chat session", session_id)
        messages = await uow.chats.messages(session_id)
    return ChatHistory(session, tuple(sorted(messages, key=lambda m: m.seq)))
