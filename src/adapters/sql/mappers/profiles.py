"""Per-user dialogue analyses and collaborative trait profiles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping

from adapters.sql.mappers._json import items, obj, texts
from npc_core.model import (
    DialogueAnalysis,
    JsonObject,
    Provenance,
    Resolution,
    Trait,
    TraitConflict,
    TraitMerge,
    TraitProfile,
    TraitSuggestion,
)


def analysis_row(analysis: DialogueAnalysis) -> dict[str, object]:
    """Every column of a dialogue analysis."""
    return {
        "id": analysis.id,
        "user_id": analysis.user_id,
        "movie_id": analysis.movie_id,
        "character_id": analysis.character_id,
        "dialogue": analysis.dialogue,
        "user_insight": analysis.user_insight,
        "ai_analysis": analysis.ai_analysis,
        "personality_tags": list(analysis.personality_tags),
        "insights": list(analysis.insights),
        "created_at": analysis.created_at,
    }


def analysis_from(row: RowMapping) -> DialogueAnalysis:
    """The dialogue analysis stored in `row`."""
    return DialogueAnalysis(
        id=row["id"],
        user_id=row["user_id"],
        movie_id=row["movie_id"],
        character_id=row["character_id"],
        dialogue=row["dialogue"],
        user_insight=row["user_insight"],
        ai_analysis=row["ai_analysis"],
        created_at=row["created_at"],
        personality_tags=texts(row["personality_tags"]),
        insights=texts(row["insights"]),
    )


def _suggestion_json(s: TraitSuggestion) -> JsonObject:
    return {"name": s.name, "evidence": list(s.evidence), "confidence": s.confidence}


def _suggestion(data: Mapping[str, Any]) -> TraitSuggestion:
    return TraitSuggestion(data["name"], texts(data["evidence"]), data["confidence"])


def _merge_json(merge: TraitMerge) -> JsonObject:
    return {
        "traits": [
            {
                "name": t.name,
                "provenance": t.provenance.value,
                "evidence": list(t.evidence),
                "confidence": t.confidence,
            }
            for t in merge.traits
        ],
        "conflicts": [
            {
                "kept": c.kept,
                "other": c.other,
                "resolution": c.resolution.value,
                "suggestion": c.suggestion,
            }
            for c in merge.conflicts
        ],
    }


def _merge(data: Mapping[str, Any]) -> TraitMerge:
    traits = tuple(
        Trait(t["name"], Provenance(t["provenance"]), texts(t["evidence"]), t["confidence"])
        for t in items(data.get("traits"))
    )
    conflicts = tuple(
        TraitConflict(c["kept"], c["other"], Resolution(c["resolution"]), c["suggestion"])
        for c in items(data.get("conflicts"))
    )
    return TraitMerge(traits, conflicts)


def trait_profile_row(profile: TraitProfile) -> dict[str, object]:
    """Every column of a trait profile."""
    return {
        "id": profile.id,
        "user_id": profile.user_id,
        "character_id": profile.character_id,
        "user_traits": [_suggestion_json(s) for s in profile.user_traits],
        "ai_suggestions": [_suggestion_json(s) for s in profile.ai_suggestions],
        "merged_traits": _merge_json(profile.merged),
        "status": profile.status,
        "version": profile.version,
        "created_at": profile.created_at,
        "updated_at": profile.updated_at,
    }


def trait_profile_from(row: RowMapping) -> TraitProfile:
    """The trait profile stored in `row`."""
    return TraitProfile(
        id=row["id"],
        user_id=row["user_id"],
        character_id=row["character_id"],
        user_traits=tuple(_suggestion(s) for s in items(row["user_traits"])),
        ai_suggestions=tuple(_suggestion(s) for s in items(row["ai_suggestions"])),
        merged=_merge(obj(row["merged_traits"])),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=row["status"],
        version=row["version"],
    )
