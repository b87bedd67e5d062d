"""The character profile a workflow gets: who the character is to this user."""

from __future__ import annotations

from npc_core.model import Character, JsonObject
from npc_core.ports import UnitOfWork


async def character_profile(uow: UnitOfWork, user_id: str, character: Character) -> JsonObject:
    """Name, description and traits: the user's merged traits when they built some."""
    profile = await uow.trait_profiles.get(user_id, character.id)
    traits = list(profile.merged.names) if profile else list(character.personality_traits)
    return {"name": character.name, "description": character.description, "traits": list(traits)}
