"""Collaborative sessions and their ordered log of contributions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from npc_core.errors import DomainValidationError
from npc_core.model import _checks, limits
from npc_core.model.json import JsonObject


class Contributor(StrEnum):
    """Who made a contribution."""

    USER = "user"
    AI = "ai"


class SessionType(StrEnum):
    """What a collaborative session is about."""

    CHARACTER_ANALYSIS = "character_analysis"
    DIALOGUE_DISCUSSION = "dialogue_discussion"
    TRAITS = "traits"
    STORY = "story"
    STORYBOARD = "storyboard"


@attrs.frozen
class CollaborativeSession:
    """A co-creation session of one user about one character."""

    id: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    user_id: str
    character_id: str
    session_type: SessionType
    created_at: datetime
    updated_at: datetime
    entries: int = 0

    def ensure_about(self, character_id: str, session_type: SessionType) -> None:
        """Refuse to reuse a session for another character or another kind of work."""
        if self.character_id != character_id:
            raise DomainValidationError("characterId", "does not match the session's character")
        if self.session_type is not session_type:
            raise DomainValidationError("sessionId", f"is a {self.session_type} session")

    def log(
        self,
        action_type: str,
        contributor: Contributor,
        data: JsonObject,
        entry_id: str,
        now: datetime,
    ) -> tuple[CollaborativeSession, CollaborationLogEntry]:
        """Append one contribution; entries are numbered from 1 in the order they happen."""
        entry = CollaborationLogEntry(
            id=entry_id,
            session_id=self.id,
            seq=self.entries + 1,
            action_type=action_type,
            contributor=contributor,
            data=data,
            created_at=now,
        )
        return attrs.evolve(self, entries=entry.seq, updated_at=now), entry


@attrs.frozen
class CollaborationLogEntry:
    """One contribution in a session: who, what, in which order."""

    id: str
    session_id: str
    seq: int = attrs.field(validator=_checks.integer_in(1, 10**9))
    action_type: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    contributor: Contributor
    data: JsonObject
    created_at: datetime
