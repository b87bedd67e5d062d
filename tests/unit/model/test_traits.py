"""Collaborative traits: `merge_traits`, the antonym lexicon and `TraitProfile`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import (
    AntonymLexicon,
    Provenance,
    Resolution,
    TraitMerge,
    TraitProfile,
    TraitSuggestion,
    default_lexicon,
    fold,
    merge_traits,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

# One spelling per pole, so that contradictions are exactly the pairs below.
PAIRS = [("内向", "外向"), ("冷静", "冲动"), ("brave", "timid"), ("kind", "cruel")]
LEXICON = AntonymLexicon.from_pairs(([a], [b]) for a, b in PAIRS)
NEUTRAL = ["幽默", "聪明", "funny", "smart", "old soul"]
WORDS = [w for pair in PAIRS for w in pair] + NEUTRAL


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _spellings_of(word: str) -> list[str]:
    """The word as a user might type it: any case, either width, padded with spaces."""
    cases = {word, word.upper(), word.title()}
    widths = {form for case in cases for form in (case, _full_width(case))}
    pads = ["", " ", "\u3000"]
    return sorted(f"{a}{w}{b}" for w in widths for a in pads for b in pads)


EVIDENCE = [(), ("e1",), ("e2", " e1 "), ("", "e3"), ("e3", "e2", "e3")]
CONFIDENCES = [None, 0.0, 0.3, 0.5, 0.9, 1.0]


def _pool(words: list[str]) -> list[TraitSuggestion]:
    """Every spelling of every word with some evidence and confidence, unpadded ones first.

    Drawing one whole suggestion at a time keeps 200 examples per property fast.
    """
    spelled = [s for word in words for s in _spellings_of(word)]
    spelled.sort(key=lambda s: (s != s.strip(), len(s)))
    return [
        TraitSuggestion(name, EVIDENCE[i % len(EVIDENCE)], CONFIDENCES[i % len(CONFIDENCES)])
        for i, name in enumerate(spelled)
    ]


POOL = _pool(WORDS)
sides = st.lists(st.sampled_from(POOL), max_size=6)


def _keys(values: list[TraitSuggestion]) -> list[str]:
    return list(dict.fromkeys(s.key for s in values))


@given(sides, sides)
def test_user_traits_are_never_dropped_and_each_trait_appears_once(
    user: list[TraitSuggestion], ai: list[TraitSuggestion]
) -> None:
    """Every user trait survives, first and in order; spellings of one trait merge into one."""
    merged = merge_traits(user, ai)
    keys = [t.key for t in merged.traits]
    user_keys = _keys(user)
    assert keys[: len(user_keys)] == user_keys
    assert len(keys) == len(set(keys))
    assert set(keys) <= {s.key for s in (*user, *ai)}


@given(sides, sides)
def test_each_merged_trait_keeps_its_provenance_and_evidence(
    user: list[TraitSuggestion], ai: list[TraitSuggestion]
) -> None:
    """Provenance says who proposed a trait (`both` if both sides did).

    Evidence of every spelling is kept once, stripped, the user's first; the confidence
    is the highest given.
    """
    merged = merge_traits(user, ai, LEXICON)
    user_keys, ai_keys = {s.key for s in user}, {s.key for s in ai}
    for trait in merged.traits:
        if trait.key in user_keys and trait.key in ai_keys:
            assert trait.provenance is Provenance.BOTH
        elif trait.key in user_keys:
            assert trait.provenance is Provenance.USER
        else:
            assert trait.provenance is Provenance.AI
        same = [s for s in (*user, *ai) if s.key == trait.key]
        evidence = dict.fromkeys(e.strip() for s in same for e in s.evidence if e.strip())
        assert trait.evidence == tuple(evidence)
        confidences = [s.confidence for s in same if s.confidence is not None]
        assert trait.confidence == (max(confidences) if confidences else None)


@given(sides, sides)
def test_no_contradiction_is_kept_silently(
    user: list[TraitSuggestion], ai: list[TraitSuggestion]
) -> None:
    """Two kept traits contradict only if both are the user's, and then a conflict says so."""
    merged = merge_traits(user, ai, LEXICON)
    reported = {(c.kept, c.other) for c in merged.conflicts if c.resolution is Resolution.CLARIFY}
    for i, a in enumerate(merged.traits):
        for b in merged.traits[i + 1 :]:
            if LEXICON.contradicts(a.name, b.name):
                assert a.provenance is not Provenance.AI
                assert b.provenance is not Provenance.AI
                assert (a.name, b.name) in reported


@given(sides, sides)
def test_conflicts_name_a_kept_trait_and_drop_the_other_unless_clarifying(
    user: list[TraitSuggestion], ai: list[TraitSuggestion]
) -> None:
    """A conflict keeps `kept`; the `other` is left out unless the user must clarify."""
    merged = merge_traits(user, ai, LEXICON)
    names = set(merged.names)
    for conflict in merged.conflicts:
        assert conflict.kept in names
        assert LEXICON.contradicts(conflict.kept, conflict.other)
        assert conflict.suggestion
        assert (conflict.other in names) is (conflict.resolution is Resolution.CLARIFY)


@given(sides, sides)
def test_an_ai_trait_contradicting_the_user_is_left_out_and_reported(
    user: list[TraitSuggestion], ai: list[TraitSuggestion]
) -> None:
    """The user's judgement wins: an opposing AI-only suggestion is dropped with `keep_user`."""
    merged = merge_traits(user, ai, LEXICON)
    user_keys = {s.key for s in user}
    kept_keys = {t.key for t in merged.traits}
    for s in ai:
        if s.key not in user_keys and any(LEXICON.contradicts(s.name, u.name) for u in user):
            assert s.key not in kept_keys
            assert any(
                c.resolution is Resolution.KEEP_USER and fold(c.other) == s.key
                for c in merged.conflicts
            )


@given(sides, sides)
def test_merging_the_same_suggestions_again_changes_nothing(
    user: list[TraitSuggestion], ai: list[TraitSuggestion]
) -> None:
    """Repeating either list, or adding other spellings of the AI's, gives the same merge."""
    once = merge_traits(user, ai)
    assert merge_traits(user, ai + ai) == once
    assert merge_traits(user + user, ai) == once
    respelled = [attrs.evolve(s, name=f" {_full_width(s.name.swapcase())}\u3000") for s in ai]
    assert [r.key for r in respelled] == [s.key for s in ai]
    assert merge_traits(user, ai + respelled) == once


unique_ai = st.lists(st.sampled_from(POOL), max_size=6, unique_by=lambda s: s.key)


@given(sides, unique_ai)
def test_revising_with_the_same_suggestions_changes_only_updated_at(
    user: list[TraitSuggestion], ai: list[TraitSuggestion]
) -> None:
    """`TraitProfile.revise` with the same inputs again changes nothing but `updated_at`."""
    profile = TraitProfile.start("p1", "u1", "c1", user, ai, NOW)
    later = NOW + timedelta(minutes=5)
    revised = profile.revise(user, ai, later)
    assert revised.updated_at == later
    assert attrs.evolve(revised, updated_at=NOW) == profile


@given(sides, unique_ai, unique_ai)
def test_revising_keeps_every_earlier_ai_suggestion(
    user: list[TraitSuggestion], first: list[TraitSuggestion], second: list[TraitSuggestion]
) -> None:
    """New AI suggestions join the earlier ones; none is forgotten and none repeats."""
    profile = TraitProfile.start("p1", "u1", "c1", user, first, NOW).revise(user, second, NOW)
    keys = [s.key for s in profile.ai_suggestions]
    assert keys == list(dict.fromkeys(s.key for s in (*first, *second)))
    assert profile.merged == merge_traits(user, profile.ai_suggestions)


def test_ai_opposite_of_a_user_trait_is_reported_with_keep_user() -> None:
    """User 内向 vs AI 外向: the user's trait stays, the AI's is reported, not kept."""
    merged = merge_traits(["内向"], ["外向", "幽默"])
    assert merged.names == ("内向", "幽默")
    assert [(c.kept, c.other, c.resolution) for c in merged.conflicts] == [
        ("内向", "外向", Resolution.KEEP_USER)
    ]
    assert "外向" in merged.conflicts[0].suggestion


def test_spellings_of_one_trait_merge_into_the_users_spelling() -> None:
    """`Introverted` and ` ｉｎｔｒｏｖｅｒｔｅｄ ` are one trait, proposed by both."""
    merged = merge_traits(
        [TraitSuggestion("Introverted", ("quiet at parties",), 0.4)],
        [TraitSuggestion(" ｉｎｔｒｏｖｅｒｔｅｄ ", ("avoids crowds",), 0.8)],
    )
    (trait,) = merged.traits
    assert trait.name == "Introverted"
    assert trait.provenance is Provenance.BOTH
    assert trait.evidence == ("quiet at parties", "avoids crowds")
    assert trait.confidence == 0.8
    assert merged.conflicts == ()


def test_two_contradictory_user_traits_both_stay_and_ask_to_clarify() -> None:
    """The user's own 冷静 and Impulsive both stay; a `clarify` conflict is reported."""
    merged = merge_traits(["冷静", "Impulsive"], [])
    assert merged.names == ("冷静", "Impulsive")
    assert [(c.kept, c.other, c.resolution) for c in merged.conflicts] == [
        ("冷静", "Impulsive", Resolution.CLARIFY)
    ]


def test_of_two_contradictory_ai_traits_the_more_confident_stays() -> None:
    """AI-only 冷静 (0.4) vs 冲动 (0.8): 冲动 stays and the conflict says `keep_stronger`."""
    merged = merge_traits(
        [], [TraitSuggestion("冷静", confidence=0.4), TraitSuggestion("冲动", confidence=0.8)]
    )
    assert merged.names == ("冲动",)
    assert [(c.kept, c.other, c.resolution) for c in merged.conflicts] == [
        ("冲动", "冷静", Resolution.KEEP_STRONGER)
    ]


def test_of_two_equally_confident_ai_traits_the_first_stays() -> None:
    """On a confidence tie the first AI suggestion stays."""
    merged = merge_traits([], ["乐观", "悲观"])
    assert merged.names == ("乐观",)
    assert merged.conflicts[0].other == "悲观"


def test_ai_synonyms_on_one_pole_do_not_survive_the_opposite_pole() -> None:
    """AI 内向 (0.5), introverted (0.5), extrovert (0.9): no contradictory pair stays silently."""
    merged = merge_traits(
        [],
        [
            TraitSuggestion("内向", confidence=0.5),
            TraitSuggestion("introverted", confidence=0.5),
            TraitSuggestion("extrovert", confidence=0.9),
        ],
    )
    lexicon = default_lexicon()
    assert not any(
        lexicon.contradicts(a, b) for i, a in enumerate(merged.names) for b in merged.names[i + 1 :]
    )


def test_revising_with_duplicated_ai_suggestions_changes_nothing() -> None:
    """AI suggests 勇敢 twice with different evidence; revising with the same keeps the merge."""
    ai = [TraitSuggestion("勇敢", ("e1",), 0.3), TraitSuggestion("勇敢 ", ("e2",), 0.9)]
    profile = TraitProfile.start("p1", "u1", "c1", [], ai, NOW)
    assert profile.revise([], ai, NOW).merged == profile.merged


def test_too_many_user_traits_name_the_side() -> None:
    """More than 50 traits on one side is a validation error naming that side."""
    with pytest.raises(DomainValidationError) as caught:
        merge_traits([f"t{i}" for i in range(51)], [])
    assert caught.value.field == "userTraits"
    with pytest.raises(DomainValidationError) as caught:
        merge_traits([], [f"t{i}" for i in range(51)])
    assert caught.value.field == "aiSuggestions"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 33])
def test_a_bad_trait_name_names_its_index(bad: str) -> None:
    """A blank or over-long trait is reported at its place in the list."""
    with pytest.raises(DomainValidationError) as caught:
        merge_traits(["ok", "fine", bad], [])
    assert caught.value.field == "userTraits[2]"
    with pytest.raises(DomainValidationError) as caught:
        merge_traits([], [bad])
    assert caught.value.field == "aiSuggestions[0]"


@pytest.mark.parametrize("confidence", [-0.1, 1.1, float("nan")])
def test_confidence_must_lie_between_zero_and_one(confidence: float) -> None:
    """A suggestion's confidence outside [0, 1] is rejected, naming the field."""
    with pytest.raises(DomainValidationError) as caught:
        TraitSuggestion("brave", confidence=confidence)
    assert caught.value.field == "confidence"


def test_evidence_is_stripped_and_deduplicated() -> None:
    """Blank evidence goes away; repeats collapse to their first appearance."""
    assert TraitSuggestion("brave", (" a ", "", "b", "a")).evidence == ("a", "b")


def test_default_lexicon_knows_the_documented_pairs_in_any_spelling() -> None:
    """内向/外向, 冷静/冲动 and introverted/extroverted contradict, in any width or case."""
    lexicon = default_lexicon()
    assert lexicon.contradicts("内向", "外向")
    assert lexicon.contradicts("冷静", "冲动")
    assert lexicon.contradicts("Introverted", " ＥＸＴＲＯＶＥＲＴＥＤ ")
    assert lexicon.contradicts("introverted", "外向")
    assert not lexicon.contradicts("内向", "introverted")
    assert not lexicon.contradicts("内向", "幽默")
    assert not lexicon.contradicts("内向", "冲动")


@given(
    st.sampled_from(sorted(default_lexicon().poles)),
    st.sampled_from(sorted(default_lexicon().poles)),
)
def test_contradiction_is_symmetric_and_never_reflexive(a: str, b: str) -> None:
    """`contradicts(a, b)` equals `contradicts(b, a)`, and no trait contradicts itself."""
    lexicon = default_lexicon()
    assert lexicon.contradicts(a, b) == lexicon.contradicts(b, a)
    assert not lexicon.contradicts(a, a)


def test_merge_of_nothing_is_empty() -> None:
    """No traits on either side merge into an empty result."""
    assert merge_traits([], []) == TraitMerge((), ())
