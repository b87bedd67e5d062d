"""The AI's reading of a character, and a user's analysis of one dialogue line."""

from __future__ import annotations

from datetime import datetime

import attrs

from npc_core.model import _checks, limits


def _texts(values: object) -> tuple[str, ...]:
    if not isinstance(values, list | tuple):
        return ()
    return tuple(s for s in (str(v).strip() for v in values) if s)


@attrs.frozen
class CharacterAnalysis:
    """What the character-analysis workflow says about a character."""

    summary: str = ""
    motivations: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    relationships: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    arc: str = ""


@attrs.frozen
class DialogueAnalysis:
    """One user's insight on one line plus the AI's analysis; private to that user.

    Kept apart from the shared dialogue line so one user's words never reach another.
    """

    id: str
    user_id: str
    movie_id: str
    character_id: str
    dialogue: str = attrs.field(validator=_checks.text(limits.DIALOGUE_LINE))
    user_insight: str = attrs.field(validator=_checks.text(limits.INSIGHT, allow_empty=True))
    ai_analysis: str
    created_at: datetime
    personality_tags: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    insights: tuple[str, ...] = attrs.field(default=(), converter=_texts)
