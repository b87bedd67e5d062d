"""Collaborative and chat sessions, each with its ordered child rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, insert, select

from adapters.sql.mappers.sessions import (
    chat_message_from,
    chat_message_row,
    chat_session_from,
    chat_session_row,
    collaboration_from,
    collaboration_row,
    log_entry_from,
    log_entry_row,
)
from adapters.sql.repositories._rows import get_owned, replace_owned
from adapters.sql.tables import (
    chat_messages,
    chat_sessions,
    collaboration_logs,
    collaborative_sessions,
)
from adapters.sql.transaction import Transaction
from npc_core.model import ChatMessage, ChatSession, CollaborationLogEntry, CollaborativeSession


def _check_children(
    session_id: str, children: Sequence[CollaborationLogEntry | ChatMessage]
) -> None:
    # Appending a row to the wrong session would corrupt another session's order.
    strays = [child.seq for child in children if child.session_id != session_id]
    if strays:
        raise ValueError(f"rows {strays} do not belong to session {session_id!r}")


class SqlCollaborationRepository:
    """Collaborative sessions and their log; (session, seq) is unique."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, session_id: str, user_id: str) -> CollaborativeSession | None:
        """Return the user's session, or None."""
        return await get_owned(
            self._tx, collaborative_sessions, session_id, user_id, collaboration_from
        )

    async def exists(self, session_id: str) -> bool:
        """Return whether any user has a session with this id."""
        query = select(exists().where(collaborative_sessions.c.id == session_id))
        return bool((await self._tx.read(query)).scalar())

    async def add(self, session: CollaborativeSession) -> None:
        """Add a session; `Conflict` when the id is taken."""
        await self._tx.write(insert(collaborative_sessions).values(collaboration_row(session)))

    async def save(
        self, session: CollaborativeSession, entries: Sequence[CollaborationLogEntry]
    ) -> None:
        """Store the session and append its new entries; `Conflict` when a seq is taken."""
        _check_children(session.id, entries)
        await replace_owned(
            self._tx, collaborative_sessions, "collaborative session", collaboration_row(session)
        )
        if entries:
            await self._tx.write(
                insert(collaboration_logs), [log_entry_row(entry) for entry in entries]
            )

    async def log(self, session_id: str) -> Sequence[CollaborationLogEntry]:
        """Return the session's entries in order."""
        rows = await self._tx.read(
            select(collaboration_logs)
            .where(collaboration_logs.c.session_id == session_id)
            .order_by(collaboration_logs.c.seq)
        )
        return [log_entry_from(row) for row in rows.mappings()]


class SqlChatRepository:
    """Chat sessions and their messages, keyed by (session, seq)."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, session_id: str, user_id: str) -> ChatSession | None:
        """Return the user's session, or None."""
        return await get_owned(self._tx, chat_sessions, session_id, user_id, chat_session_from)

    async def exists(self, session_id: str) -> bool:
        """Return whether any user has a session with this id."""
        query = select(exists().where(chat_sessions.c.id == session_id))
        return bool((await self._tx.read(query)).scalar())

    async def add(self, session: ChatSession) -> None:
        """Add a session; `Conflict` when the id is taken."""
        await self._tx.write(insert(chat_sessions).values(chat_session_row(session)))

    async def save(self, session: ChatSession, messages: Sequence[ChatMessage]) -> None:
        """Store the session and append its new messages; `Conflict` when a seq is taken."""
        _check_children(session.id, messages)
        await replace_owned(self._tx, chat_sessions, "chat session", chat_session_row(session))
        if messages:
            await self._tx.write(insert(chat_messages), [chat_message_row(m) for m in messages])

    async def messages(self, session_id: str, limit: int | None = None) -> Sequence[ChatMessage]:
        """Return the session's messages in order; only the last `limit` when given."""
        query = select(chat_messages).where(chat_messages.c.session_id == session_id)
        if limit is None:
            rows = await self._tx.read(query.order_by(chat_messages.c.seq))
            return [chat_message_from(row) for row in rows.mappings()]
        if limit <= 0:
            return []
        rows = await self._tx.read(query.order_by(chat_messages.c.seq.desc()).limit(limit))
        return [chat_message_from(row) for row in reversed(rows.mappings().all())]
