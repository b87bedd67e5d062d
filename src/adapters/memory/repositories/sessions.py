"""Collaborative and chat sessions, each with its ordered child rows."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.repositories._owned import get_owned, replace_owned
from adapters.memory.staging import Pending, StagedTable
from adapters.memory.store import MemoryStore
from npc_core.model import ChatMessage, ChatSession, CollaborationLogEntry, CollaborativeSession


def _check_children(
    session_id: str, children: Sequence[CollaborationLogEntry | ChatMessage]
) -> None:
    # Appending a row to the wrong session would corrupt another session's order.
    strays = [child.seq for child in children if child.session_id != session_id]
    if strays:
        raise ValueError(f"rows {strays} do not belong to session {session_id!r}")


class MemoryCollaborationRepository:
    """Collaborative sessions and their log; entries are keyed by (session, seq)."""

    def __init__(self, store: MemoryStore) -> None:
        self._sessions = StagedTable("collaborative session", store.collaborations)
        self._log = StagedTable("collaboration log entry", store.collaboration_log, copies=True)
        self.pending: tuple[Pending, ...] = (self._sessions, self._log)

    async def get(self, session_id: str, user_id: str) -> CollaborativeSession | None:
        """Return the user's session, or None."""
        return get_owned(self._sessions, session_id, user_id)

    async def exists(self, session_id: str) -> bool:
        """Return whether any user has a session with this id."""
        return self._sessions.peek(session_id) is not None

    async def add(self, session: CollaborativeSession) -> None:
        """Add a session; `Conflict` when the id is taken."""
        self._sessions.insert(session.id, session)

    async def save(
        self, session: CollaborativeSession, entries: Sequence[CollaborationLogEntry]
    ) -> None:
        """Store the session and append its new entries; `Conflict` when a seq is taken."""
        _check_children(session.id, entries)
        replace_owned(self._sessions, session)
        for entry in entries:
            self._log.insert((entry.session_id, entry.seq), entry)

    async def log(self, session_id: str) -> Sequence[CollaborationLogEntry]:
        """Return the session's entries in order."""
        found = self._log.rows(lambda e: e.session_id == session_id)
        return sorted(found, key=lambda e: e.seq)


class MemoryChatRepository:
    """Chat sessions and their messages; messages are keyed by (session, seq)."""

    def __init__(self, store: MemoryStore) -> None:
        self._sessions = StagedTable("chat session", store.chats)
        self._messages = StagedTable("chat message", store.chat_messages)
        self.pending: tuple[Pending, ...] = (self._sessions, self._messages)

    async def get(self, session_id: str, user_id: str) -> ChatSession | None:
        """Return the user's session, or None."""
        return get_owned(self._sessions, session_id, user_id)

    async def exists(self, session_id: str) -> bool:
        """Return whether any user has a session with this id."""
        return self._sessions.peek(session_id) is not None

    async def add(self, session: ChatSession) -> None:
        """Add a session; `Conflict` when the id is taken."""
        self._sessions.insert(session.id, session)

    async def save(self, session: ChatSession, messages: Sequence[ChatMessage]) -> None:
        """Store the session and append its new messages; `Conflict` when a seq is taken."""
        _check_children(session.id, messages)
        replace_owned(self._sessions, session)
        for message in messages:
            self._messages.insert((message.session_id, message.seq), message)

    async def messages(self, session_id: str, limit: int | None = None) -> Sequence[ChatMessage]:
        """Return the session's messages in order; only the last `limit` when given."""
        found = sorted(
            self._messages.rows(lambda m: m.session_id == session_id), key=lambda m: m.seq
        )
        return found if limit is None else found[max(len(found) - limit, 0) :]
