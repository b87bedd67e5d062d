"""What a user thinks of a character: line analyses and the trait profile."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from sqlalchemy import insert, select

from adapters.sql.mappers.profiles import (
    analysis_from,
    analysis_row,
    trait_profile_from,
    trait_profile_row,
)
from adapters.sql.repositories._rows import update_versioned
from adapters.sql.tables import collaborative_traits, dialogue_analyses
from adapters.sql.transaction import Transaction
from npc_core.model import DialogueAnalysis, TraitProfile


class SqlDialogueAnalysisRepository:
    """Per-user analyses of dialogue lines."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add(self, analysis: DialogueAnalysis) -> None:
        """Add an analysis; `Conflict` when the id is taken."""
        await self._tx.write(insert(dialogue_analyses).values(analysis_row(analysis)))

    async def for_character(self, user_id: str, character_id: str) -> Sequence[DialogueAnalysis]:
        """Return the user's analyses of the character's lines, oldest first."""
        table = dialogue_analyses
        rows = await self._tx.read(
            select(table)
            .where(table.c.user_id == user_id, table.c.character_id == character_id)
            .order_by(table.c.created_at, table.c.id)
        )
        return [analysis_from(row) for row in rows.mappings()]


class SqlTraitProfileRepository:
    """One trait profile per user and character, under optimistic locking."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, user_id: str, character_id: str) -> TraitProfile | None:
        """Return the user's profile of the character, or None."""
        table = collaborative_traits
        found = await self._tx.read(
            select(table).where(table.c.user_id == user_id, table.c.character_id == character_id)
        )
        row = found.mappings().first()
        return None if row is None else trait_profile_from(row)

    async def add(self, profile: TraitProfile) -> None:
        """Add a profile; `Conflict` when the user already has one for the character."""
        await self._tx.write(insert(collaborative_traits).values(trait_profile_row(profile)))

    async def update(self, profile: TraitProfile) -> TraitProfile:
        """Store a profile read at `profile.version`; return it with the version bumped."""
        await update_versioned(
            self._tx, collaborative_traits, "trait profile", profile, trait_profile_row(profile)
        )
        return attrs.evolve(profile, version=profile.version + 1)
