"""Collaborative and chat sessions, with their log entries and messages."""

from __future__ import annotations

from sqlalchemy import RowMapping

from adapters.sql.mappers._json import obj
from npc_core.model import (
    ChatMessage,
    ChatSession,
    CollaborationLogEntry,
    CollaborativeSession,
    Contributor,
    Role,
    SessionType,
)


def collaboration_row(session: CollaborativeSession) -> dict[str, object]:
    """Every column of a collaborative session."""
    return {
        "id": session.id,
        "user_id": session.user_id,
        "character_id": session.character_id,
        "session_type": session.session_type.value,
        "entries": session.entries,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    }


def collaboration_from(row: RowMapping) -> CollaborativeSession:
    """The collaborative session stored in `row`."""
    return CollaborativeSession(
        id=row["id"],
        user_id=row["user_id"],
        character_id=row["character_id"],
        session_type=SessionType(row["session_type"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        entries=row["entries"],
    )


def log_entry_row(entry: CollaborationLogEntry) -> dict[str, object]:
    """Every column of a log entry."""
    return {
        "id": entry.id,
        "session_id": entry.session_id,
        "seq": entry.seq,
        "action_type": entry.action_type,
        "contributor": entry.contributor.value,
        "data": entry.data,
        "created_at": entry.created_at,
    }


def log_entry_from(row: RowMapping) -> CollaborationLogEntry:
    """The log entry stored in `row`."""
    return CollaborationLogEntry(
        id=row["id"],
        session_id=row["session_id"],
        seq=row["seq"],
        action_type=row["action_type"],
        contributor=Contributor(row["contributor"]),
        data=obj(row["data"]),
        created_at=row["created_at"],
    )


def chat_session_row(session: ChatSession) -> dict[str, object]:
    """Every column of a chat session."""
    return {
        "id": session.id,
        "user_id": session.user_id,
        "character_id": session.character_id,
        "emotion": session.emotion,
        "message_count": session.message_count,
        "status": session.status,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    }


def chat_session_from(row: RowMapping) -> ChatSession:
    """The chat session stored in `row`."""
    return ChatSession(
        id=row["id"],
        user_id=row["user_id"],
        character_id=row["character_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        emotion=row["emotion"],
        message_count=row["message_count"],
        status=row["status"],
    )


def chat_message_row(message: ChatMessage) -> dict[str, object]:
    """Every column of a chat message."""
    return {
        "session_id": message.session_id,
        "seq": message.seq,
        "role": message.role.value,
        "content": message.content,
        "emotion": message.emotion,
        "created_at": message.created_at,
    }


def chat_message_from(row: RowMapping) -> ChatMessage:
    """The chat message stored in `row`."""
    return ChatMessage(
        session_id=row["session_id"],
        seq=row["seq"],
        role=Role(row["role"]),
        content=row["content"],
        created_at=row["created_at"],
        emotion=row["emotion"],
    )
