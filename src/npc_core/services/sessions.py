"""Collaborative sessions: found by the client's id, created on first use, logged in order."""

from __future__ import annotations

from collections.abc import Sequence

from npc_core.errors import NotFound
from npc_core.model import (
    CollaborationLogEntry,
    CollaborativeSession,
    Contributor,
    JsonObject,
    SessionType,
    _checks,
    limits,
)
from npc_core.ports import UnitOfWork
from npc_core.services.deps import Deps


async def open_session(
    deps: Deps,
    uow: UnitOfWork,
    user_id: str,
    session_id: str,
    character_id: str,
    session_type: SessionType,
) -> CollaborativeSession:
    """The user's session `session_id`, started now if nobody has one by that id.

    Someone else's session answers `NotFound`, exactly like a missing one would if it
    could not be created, so session ids never reveal other users' sessions.
    """
    _checks.check_text("sessionId", session_id, limits.SHORT_LABEL)
    session = await uow.collaborations.get(session_id, user_id)
    if session is None:
        if await uow.collaborations.exists(session_id):
            raise NotFound("session", session_id)
        now = deps.clock.now()
        session = CollaborativeSession(session_id, user_id, character_id, session_type, now, now)
        await uow.collaborations.add(session)
    session.ensure_about(character_id, session_type)
    return session


async def record(
    deps: Deps,
    uow: UnitOfWork,
    session: CollaborativeSession,
    contributions: Sequence[tuple[str, Contributor, JsonObject]],
) -> CollaborativeSession:
    """Append contributions (action, who, data) to the session's log, in order."""
    entries: list[CollaborationLogEntry] = []
    for action, who, data in contributions:
        session, entry = session.log(action, who, data, deps.ids.new_id(), deps.clock.now())
        entries.append(entry)
    await uow.collaborations.save(session, entries)
    return session
