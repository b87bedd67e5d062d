"""What a user thinks of a character: line analyses and the trait profile."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from adapters.memory.repositories._owned import update_versioned
from adapters.memory.staging import Pending, StagedTable
from adapters.memory.store import MemoryStore
from npc_core.model import DialogueAnalysis, TraitProfile


def _version(profile: TraitProfile) -> int:
    return profile.version


def _owner_and_character(profile: TraitProfile) -> tuple[str, str]:
    return (profile.user_id, profile.character_id)


class MemoryDialogueAnalysisRepository:
    """Per-user analyses of dialogue lines."""

    def __init__(self, store: MemoryStore) -> None:
        self._analyses = StagedTable("dialogue analysis", store.dialogue_analyses)
        self.pending: tuple[Pending, ...] = (self._analyses,)

    async def add(self, analysis: DialogueAnalysis) -> None:
        """Add an analysis; `Conflict` when the id is taken."""
        self._analyses.insert(analysis.id, analysis)

    async def for_character(self, user_id: str, character_id: str) -> Sequence[DialogueAnalysis]:
        """Return the user's analyses of the character's lines, oldest first."""
        found = self._analyses.rows(
            lambda a: a.user_id == user_id and a.character_id == character_id
        )
        return sorted(found, key=lambda a: (a.created_at, a.id))


class MemoryTraitProfileRepository:
    """One trait profile per user and character, under optimistic locking."""

    def __init__(self, store: MemoryStore) -> None:
        self._profiles = StagedTable(
            "trait profile", store.trait_profiles, version=_version, unique=(_owner_and_character,)
        )
        self.pending: tuple[Pending, ...] = (self._profiles,)

    async def get(self, user_id: str, character_id: str) -> TraitProfile | None:
        """Return the user's profile of the character, or None."""
        found = self._profiles.rows(lambda p: _owner_and_character(p) == (user_id, character_id))
        return found[0] if found else None

    async def add(self, profile: TraitProfile) -> None:
        """Add a profile; `Conflict` when the user already has one for the character."""
        self._profiles.insert(profile.id, profile)

    async def update(self, profile: TraitProfile) -> TraitProfile:
        """Store a profile read at `profile.version`; return it with the version bumped."""
        bumped = attrs.evolve(profile, version=profile.version + 1)
        return update_versioned(self._profiles, profile, bumped)
