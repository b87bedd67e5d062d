"""Collaborative traits: the user's traits merged with the AI's suggestions.

Rules: the user's traits are never dropped; duplicates merge regardless of case,
full-width/half-width forms and surrounding spaces; each merged trait keeps its
provenance and evidence; contradictory pairs are reported with a suggested resolution
instead of being silently kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum

import attrs

from npc_core.errors import DomainValidationError
from npc_core.model import _checks, limits
from npc_core.model.antonyms import AntonymLexicon, default_lexicon
from npc_core.model.library import fold


class Provenance(StrEnum):
    """Who proposed a trait."""

    USER = "user"
    AI = "ai"
    BOTH = "both"


def _evidence(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


@attrs.frozen
class TraitSuggestion:
    """A trait as proposed by one side, with optional evidence and confidence."""

    name: str = attrs.field(validator=_checks.text(limits.TRAIT_NAME))
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_evidence)
    confidence: float | None = attrs.field(default=None, validator=_checks.optional_number_in(0, 1))

    @property
    def key(self) -> str:
        """The form under which duplicates are recognised."""
        return fold(self.name)


@attrs.frozen
class Trait:
    """A merged trait: display name, provenance, evidence and confidence."""

    name: str
    provenance: Provenance
    evidence: tuple[str, ...] = ()
    confidence: float | None = None

    @property
    def key(self) -> str:
        """The form under which duplicates are recognised."""
        return fold(self.name)


class Resolution(StrEnum):
    """What the suggested resolution of a conflict does."""

    KEEP_USER = "keep_user"  # the user's trait stays, the AI's opposite is left out
    CLARIFY = "clarify"  # both are the user's: both stay, the user should say when each holds
    KEEP_STRONGER = "keep_stronger"  # both are the AI's: the more confident one stays


@attrs.frozen
class TraitConflict:
    """Two contradictory traits, which one was kept, and a suggestion in Chinese."""

    kept: str
    other: str
    resolution: Resolution
    suggestion: str


@attrs.frozen
class TraitMerge:
    """The merged trait set and the conflicts found while merging."""

    traits: tuple[Trait, ...]
    conflicts: tuple[TraitConflict, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The merged traits' names, in order."""
        return tuple(t.name for t in self.traits)


def as_suggestions(
    field: str, values: Sequence[str | TraitSuggestion]
) -> tuple[TraitSuggestion, ...]:
    """Validate one side's traits, naming the bad item (`userTraits[2]`)."""
    if len(values) > limits.TRAITS_PER_SIDE:
        raise DomainValidationError(field, f"must have at most {limits.TRAITS_PER_SIDE} items")
    out: list[TraitSuggestion] = []
    for index, value in enumerate(values):
        try:
            out.append(value if isinstance(value, TraitSuggestion) else TraitSuggestion(value))
        except DomainValidationError as error:
            raise DomainValidationError(f"{field}[{index}]", error.issues[0].reason) from None
    return tuple(out)


def _combine(old: Trait, new: TraitSuggestion, provenance: Provenance) -> Trait:
    confidences = [c for c in (old.confidence, new.confidence) if c is not None]
    return Trait(
        name=old.name,
        provenance=provenance,
        evidence=_evidence((*old.evidence, *new.evidence)),
        confidence=max(confidences) if confidences else None,
    )


def _dedupe(suggestions: Sequence[TraitSuggestion], provenance: Provenance) -> dict[str, Trait]:
    merged: dict[str, Trait] = {}
    for s in suggestions:
        if s.key in merged:
            merged[s.key] = _combine(merged[s.key], s, provenance)
        else:
            name = " ".join(s.name.split())
            merged[s.key] = Trait(name, provenance, s.evidence, s.confidence)
    return merged


def _stronger(winner: Trait, loser: Trait) -> TraitConflict:
    return TraitConflict(
        kept=winner.name,
        other=loser.name,
        resolution=Resolution.KEEP_STRONGER,
        suggestion=f"AI 给出的「{winner.name}」与「{loser.name}」矛盾："
        f"保留置信度更高的「{winner.name}」。",
    )


def merge_traits(
    user: Sequence[str | TraitSuggestion],
    ai: Sequence[str | TraitSuggestion],
    lexicon: AntonymLexicon | None = None,
) -> TraitMerge:
    """Merge the user's traits with the AI's suggestions.

    The user's traits come first, in their order, and all survive. An AI suggestion
    equal to a user trait (after `fold`) marks it `both` and adds its evidence. An AI
    suggestion contradicting a user trait is left out and reported; of two
    contradictory AI-only suggestions the more confident stays (the first on a tie);
    two contradictory user traits both stay and are reported for the user to clarify.
    The result depends only on the sets of inputs' keys and their order of first
    appearance, so merging the same suggestions again changes nothing.
    """
    poles = _Poles(lexicon or default_lexicon())
    clash = poles.clash
    mine = _dedupe(as_suggestions("userTraits", user), Provenance.USER)
    theirs = _dedupe(as_suggestions("aiSuggestions", ai), Provenance.AI)
    result = dict(mine)
    for key, trait in theirs.items():
        if key in result:
            result[key] = _combine(
                result[key],
                TraitSuggestion(trait.name, trait.evidence, trait.confidence),
                Provenance.BOTH,
            )
    # Only traits in the lexicon can contradict anything.
    user_traits = [t for t in mine.values() if poles.pole(t) is not None]
    conflicts = _user_contradictions(user_traits, clash)
    ai_only = [t for k, t in theirs.items() if k not in mine]
    ai_left = _against_user(ai_only, user_traits, clash, conflicts)
    kept_ai = _strongest_ai(ai_left, clash, conflicts)
    traits = (*(result[k] for k in mine), *kept_ai)
    return TraitMerge(traits=traits, conflicts=tuple(conflicts))


Clash = Callable[[Trait, Trait], bool]


class _Poles:
    """Which traits contradict, folding each name once rather than once per pair."""

    def __init__(self, lexicon: AntonymLexicon) -> None:
        self._lexicon = lexicon
        self._poles: dict[str, int | None] = {}

    def pole(self, trait: Trait) -> int | None:
        if trait.name not in self._poles:
            self._poles[trait.name] = self._lexicon.pole(trait.name)
        return self._poles[trait.name]

    def clash(self, a: Trait, b: Trait) -> bool:
        pa, pb = self.pole(a), self.pole(b)
        return pa is not None and pb is not None and pa // 2 == pb // 2 and pa != pb


def _user_contradictions(user_traits: list[Trait], clash: Clash) -> list[TraitConflict]:
    """Contradictory pairs among the user's own traits: both stay, the user clarifies."""
    return [
        TraitConflict(
            kept=a.name,
            other=b.name,
            resolution=Resolution.CLARIFY,
            suggestion=f"你同时认为角色「{a.name}」又「{b.name}」：两者都保留，"
            f"建议写明各自出现的情境。",
        )
        for index, a in enumerate(user_traits)
        for b in user_traits[index + 1 :]
        if clash(a, b)
    ]


def _against_user(
    ai_only: list[Trait], user_traits: list[Trait], clash: Clash, conflicts: list[TraitConflict]
) -> list[Trait]:
    """AI traits that contradict none of the user's; the others are reported."""
    left = []
    for t in ai_only:
        rival = next((u for u in user_traits if clash(u, t)), None)
        if rival is None:
            left.append(t)
            continue
        conflicts.append(
            TraitConflict(
                kept=rival.name,
                other=t.name,
                resolution=Resolution.KEEP_USER,
                suggestion=f"AI 建议的「{t.name}」与你的「{rival.name}」矛盾："
                f"保留你的判断，可把「{t.name}」视为特定情境下的表现。",
            )
        )
    return left


def _strongest_ai(ai: list[Trait], clash: Clash, conflicts: list[TraitConflict]) -> list[Trait]:
    """Of contradictory AI traits the most confident stays (the first on a tie)."""
    kept: list[Trait] = []
    for t in ai:
        rivals = [k for k in kept if clash(k, t)]
        if not rivals:
            kept.append(t)
            continue
        strongest = max(rivals, key=lambda r: r.confidence or 0)
        if (t.confidence or 0) > (strongest.confidence or 0):
            # The newcomer outranks the whole opposite pole, synonyms included.
            kept = [k for k in kept if k not in rivals]
            kept.append(t)
            conflicts.extend(_stronger(t, loser) for loser in rivals)
        else:
            conflicts.append(_stronger(strongest, t))
    return kept
