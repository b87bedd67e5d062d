"""Speaker rules: cue cleaning, group speakers, safe alias merging, and a film's cast."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.importers.assemble import Utterance, cast_and_lines, title_from_path
from adapters.importers.records import Problem
from adapters.importers.speakers import alias_map, clean_cue, is_group, looks_like_cue


@pytest.mark.parametrize(
    ("cue", "person"),
    [
        ("JACK (V.O.)", "JACK"),
        ("TYLER (O.S.)", "TYLER"),
        ("MARLA (O.C.)", "MARLA"),
        ("HILDY (CONT'D)", "HILDY"),
        ("HILDY (CONT’D)", "HILDY"),
        ("HILDY (CONTD)", "HILDY"),
        ("TYLER (cont)", "TYLER"),
        ("JACK (V.).)", "JACK"),  # a damaged extension, as in the Fight Club script
        ("BURNS (into phone)", "BURNS"),
        ("BURNS' VOICE", "BURNS"),
        ("HILDY'S VOICE", "HILDY"),
        ("MARLA'S VOICE (O.S.)", "MARLA"),
        ("  mrs.   baldwin ", "MRS. BALDWIN"),
        ("@McCLANE", "MCCLANE"),
        ("STEEL ^", "STEEL"),
        ("JACK CONT'D", "JACK"),
        ("(MORE)", ""),
        ("HARSH VOICE", "HARSH VOICE"),
    ],
)
def test_cues_are_cleaned_to_the_person(cue: str, person: str) -> None:
    """Extensions, parentheticals, voices and Fountain marks go; case and spaces normalise."""
    assert clean_cue(cue) == person


@given(st.text(max_size=40))
def test_cleaning_is_idempotent(cue: str) -> None:
    """A cleaned cue cleans to itself, whatever the input."""
    once = clean_cue(cue)
    assert clean_cue(once) == once


@given(
    st.sampled_from(["JACK", "MRS. BALDWIN", "1ST OPERATOR"]),
    st.sampled_from(
        ["", " (V.O.)", " (O.S.)", " (CONT'D)", " (cont'd)", " (into phone)", "'S VOICE"]
    ),
)
def test_any_extension_of_a_name_cleans_to_the_name(name: str, extension: str) -> None:
    """Every decoration of a name gives back the name."""
    assert clean_cue(name + extension) == name


@pytest.mark.parametrize(
    "name",
    [
        "EVERYONE", "ALL", "BOTH", "BURNS AND HILDY", "RICKY & MECHANIC", "REPORTERS",
        "THE REPORTERS", "REPORTERS AD LIB", "ALL SPACE MONKEYS", "OTHERS TOGETHER",
        "VOICES FROM YARD", "CROWD", "KITCHEN WORKERS", "DEPUTIES",
    ],
)  # fmt: skip
def test_group_speakers_are_recognised(name: str) -> None:
    """Cues naming several people are groups."""
    assert is_group(name)


@pytest.mark.parametrize(
    "name", ["BURNS", "WILLIAMS", "JACOBS", "GROUP LEADER", "HILDY", "MRS. BALDWIN", "ANGEL FACE"]
)
def test_people_whose_names_look_plural_are_not_groups(name: str) -> None:
    """Surnames ending in S and people named after a group are single people."""
    assert not is_group(name)


def test_a_titled_name_merges_into_the_bare_name() -> None:
    """DETECTIVE STERN is STERN; COMMISSIONER JACOBS is JACOBS."""
    merged = alias_map(["DETECTIVE STERN", "STERN", "COMMISSIONER JACOBS", "JACOBS", "TYLER"])
    assert merged == {"DETECTIVE STERN": "STERN", "COMMISSIONER JACOBS": "JACOBS"}


def test_two_people_sharing_a_surname_are_not_merged() -> None:
    """MR. SMITH and MRS. SMITH both claim SMITH: nobody is merged."""
    assert alias_map(["MR. SMITH", "MRS. SMITH", "SMITH"]) == {}


def test_a_title_without_the_bare_name_merges_nothing() -> None:
    """MRS. BALDWIN alone stays herself; a lone title word is not stripped to nothing."""
    assert alias_map(["MRS. BALDWIN", "DOCTOR", "MR. X"]) == {}


def test_cue_lookalikes() -> None:
    """Cues are short upper-case lines; transitions, headings and mixed case are not."""
    assert looks_like_cue("TYLER (cont)")
    assert not looks_like_cue("CUT TO:")
    assert not looks_like_cue("INT. PRESS ROOM - NIGHT")
    assert not looks_like_cue("Charles Lederer")
    assert not looks_like_cue("THE END")


def test_cast_counts_lines_and_ranks_importance() -> None:
    """Merged aliases count together and groups are speakers without a character.

    Importance follows the busiest character (5) down.
    """
    said = [
        Utterance("DETECTIVE STERN", "Freeze!", "f:1"),
        *[Utterance("STERN (O.S.)", f"Line {n}.", f"f:{n}") for n in range(2, 5)],
        Utterance("EVERYONE", "Hurray!", "f:5"),
        Utterance("BOB", "Hi.", "f:6"),
    ]
    problems: list[Problem] = []
    characters, lines = cast_and_lines(said, problems)
    by_key = {c.key: c for c in characters}
    assert set(by_key) == {"STERN", "BOB"}
    assert by_key["STERN"].line_count == 4
    assert by_key["STERN"].aliases == ("DETECTIVE STERN",)
    assert (by_key["STERN"].importance, by_key["BOB"].importance) == (5, 3)  # BOB: a quarter
    assert [line.order for line in lines] == list(range(6))
    group = lines[4]
    assert (group.speaker, group.character_key) == ("EVERYONE", None)
    assert not problems


@pytest.mark.parametrize(
    ("name", "title", "year"),
    [
        ("coach_carter_2005.zh.srt", "Coach Carter", 2005),
        ("His-Girl-Friday.imsdb.txt", "His-Girl-Friday".replace("-", " "), None),
        ("Fight-Club.parsed.json", "Fight Club", None),
        ("the.big.sea.srt", "The Big Sea", None),
        ("Spirited Away (2001).ass", "Spirited Away", 2001),
    ],
)
def test_titles_come_from_file_names(name: str, title: str, year: int | None) -> None:
    """Format and language suffixes go, separators become spaces, a trailing year is taken."""
    assert title_from_path(Path(name)) == (title, year)
