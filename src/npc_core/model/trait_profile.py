"""A user's collaborative trait profile of one character (the seed's collaborative_traits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from npc_core.model import limits
from npc_core.model.traits import TraitMerge, TraitSuggestion, merge_traits


def _union(
    old: Sequence[TraitSuggestion], new: Sequence[TraitSuggestion]
) -> tuple[TraitSuggestion, ...]:
    """Every suggestion once per trait, in order of first appearance, evidence combined."""
    out: dict[str, TraitSuggestion] = {}
    for s in (*old, *new):
        seen = out.get(s.key)
        if seen is None:
            out[s.key] = s
            continue
        confidences = [c for c in (seen.confidence, s.confidence) if c is not None]
        out[s.key] = TraitSuggestion(
            seen.name, (*seen.evidence, *s.evidence), max(confidences) if confidences else None
        )
    # Bounded like any one side of a merge; the earliest suggestions are kept.
    return tuple(out.values())[: limits.TRAITS_PER_SIDE]


@attrs.frozen
class TraitProfile:
    """The user's traits, every AI suggestion so far, and their merge."""

    id: str
    user_id: str
    character_id: str
    user_traits: tuple[TraitSuggestion, ...]
    ai_suggestions: tuple[TraitSuggestion, ...]
    merged: TraitMerge
    created_at: datetime
    updated_at: datetime
    status: str = "active"
    version: int = 1

    @classmethod
    def start(
        cls,
        profile_id: str,
        user_id: str,
        character_id: str,
        user_traits: Sequence[TraitSuggestion],
        ai: Sequence[TraitSuggestion],
        now: datetime,
    ) -> TraitProfile:
        """A new profile from the user's first traits and the AI's suggestions."""
        return cls(
            profile_id,
            user_id,
            character_id,
            tuple(user_traits),
            _union((), ai),
            merge_traits(user_traits, ai),
            now,
            now,
        )

    def revise(
        self, user_traits: Sequence[TraitSuggestion], ai: Sequence[TraitSuggestion], now: datetime
    ) -> TraitProfile:
        """The user restates their traits; new AI suggestions join the earlier ones."""
        suggestions = _union(self.ai_suggestions, ai)
        return attrs.evolve(
            self,
            user_traits=tuple(user_traits),
            ai_suggestions=suggestions,
            merged=merge_traits(user_traits, suggestions),
            updated_at=now,
        )
