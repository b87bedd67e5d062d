"""A user's works, listed in the profile."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from npc_core.model import _checks, limits
from npc_core.model.json import JsonObject


class WorkType(StrEnum):
    """The kinds of work a user makes."""

    COMIC = "comic"
    STORYBOARD = "storyboard"
    ANALYSIS = "analysis"


@attrs.frozen
class UserWork:
    """Something a user made: a character analysis, a storyboard or an audio comic."""

    id: str
    user_id: str
    title: str = attrs.field(validator=_checks.text(limits.TITLE))
    work_type: WorkType
    created_at: datetime
    movie_id: str | None = None
    character_id: str | None = None
    metadata: JsonObject = attrs.field(factory=dict)
