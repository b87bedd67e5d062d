"""Chatting with a character in character: sessions bound to one user and one character."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from npc_core.errors import DomainValidationError
from npc_core.model import _checks, limits


class Role(StrEnum):
    """Who said a chat message."""

    USER = "user"
    CHARACTER = "assistant"


@attrs.frozen
class ChatMessage:
    """One message of a chat, numbered from 1 within its session."""

    session_id: str
    seq: int = attrs.field(validator=_checks.integer_in(1, 10**9))
    role: Role
    content: str = attrs.field(validator=_checks.text(20_000))
    created_at: datetime
    emotion: str | None = attrs.field(
        default=None, validator=_checks.optional_text(limits.SHORT_LABEL)
    )


@attrs.frozen
class ChatSession:
    """A conversation of one user with one character; `emotion` is the character's state."""

    id: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    user_id: str
    character_id: str
    created_at: datetime
    updated_at: datetime
    emotion: str | None = None
    message_count: int = 0
    status: str = "active"

    def ensure_character(self, character_id: str) -> None:
        """A session speaks with one character only."""
        if self.character_id != character_id:
            raise DomainValidationError("characterId", "does not match the session's character")

    def exchange(
        self, question: str, reply: str, emotion: str | None, now: datetime
    ) -> tuple[ChatSession, ChatMessage, ChatMessage]:
        """Record the user's message and the character's reply."""
        _checks.check_text("message", question, limits.CHAT_MESSAGE)
        asked = ChatMessage(self.id, self.message_count + 1, Role.USER, question, now)
        answered = ChatMessage(
            self.id, self.message_count + 2, Role.CHARACTER, reply.strip() or "……", now, emotion
        )
        session = attrs.evolve(
            self, message_count=answered.seq, emotion=emotion or self.emotion, updated_at=now
        )
        return session, asked, answered


HISTORY_TURNS = 20


def recent_history(messages: list[ChatMessage], turns: int = HISTORY_TURNS) -> list[ChatMessage]:
    """The last `turns` messages in order: what the workflow sees of the past."""
    return sorted(messages, key=lambda m: m.seq)[-turns:] if turns > 0 else []
