"""Screenplays (IMSDb layout, Fountain) and parsed-script JSON: speakers, lines, scenes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.importers import (
    Format,
    Severity,
    SourceFilm,
    detect,
    fountain,
    imsdb,
    iter_films,
    parsed_json,
)
from tests.unit.importers.data import DATA, needs_data

IMSDB_SCRIPT = """\



                                    "THE TEST"

                                  screenplay by

                                   Some Writer

               FADE IN: INT. NEWSROOM - DAY

               Phones ring. HILDY walks in.

                                     HILDY
                         Hello, Walter. I came to say
                         good-bye, and to wish you a well-
                         earned rest.

                                     BURNS (V.O.)
                              (into phone)
                         Hold the presses!
                              (turning, to
                               Hildy)
                         You can't quit.

               EXT. STREET - NIGHT

                                     DETECTIVE STERN
                         Stop right there.

                                     STERN (CONT'D)
                         I said stop.

                                     HILDY'S VOICE
                         Never.

                                     BURNS AND HILDY
                         Together!

                                                               DISSOLVE TO:

                                     HILDY
                         The end of it.

                                     THE END
"""


def _film(path: Path) -> SourceFilm:
    (film,) = iter_films(path)
    return film


def test_imsdb_speeches_scenes_and_speakers(tmp_path: Path) -> None:
    """Cues are found by indentation, and speeches read with their scenes.

    Parentheticals are dropped, wrapped words rejoined, extensions and voices stripped,
    titled aliases merged, and groups kept without a character.
    """
    path = tmp_path / "The-Test.imsdb.txt"
    path.write_text(IMSDB_SCRIPT, "utf-8")
    assert detect(path) is Format.IMSDB
    film = _film(path)
    assert film.title == "The Test"
    said = [(line.speaker, line.character_key, line.content, line.scene) for line in film.lines]
    assert said == [
        (
            "HILDY",
            "HILDY",
            "Hello, Walter. I came to say good-bye, and to wish you a well-earned rest.",
            "INT. NEWSROOM - DAY",
        ),
        ("BURNS", "BURNS", "Hold the presses! You can't quit.", "INT. NEWSROOM - DAY"),
        ("DETECTIVE STERN", "STERN", "Stop right there.", "EXT. STREET - NIGHT"),
        ("STERN", "STERN", "I said stop.", "EXT. STREET - NIGHT"),
        ("HILDY", "HILDY", "Never.", "EXT. STREET - NIGHT"),
        ("BURNS AND HILDY", None, "Together!", "EXT. STREET - NIGHT"),
        ("HILDY", "HILDY", "The end of it.", "EXT. STREET - NIGHT"),
    ]
    assert [line.order for line in film.lines] == list(range(7))
    cast = {c.key: (c.name, c.line_count, c.importance) for c in film.characters}
    assert cast == {"HILDY": ("HILDY", 3, 5), "BURNS": ("BURNS", 1, 3), "STERN": (
        "DETECTIVE STERN", 2, 4
    )}  # fmt: skip
    cue_line = IMSDB_SCRIPT.splitlines().index(" " * 37 + "HILDY") + 1
    assert film.lines[0].location == f"{path}:{cue_line}"
    assert film.source_key == "file:The-Test.imsdb.txt"


def test_imsdb_layout_adapts_to_the_script_columns() -> None:
    """Cue and dialogue columns are measured, not assumed."""
    shifted = "\n".join(
        line[10:] if line.startswith(" " * 10) else line for line in IMSDB_SCRIPT.splitlines()
    )
    grid = imsdb.layout(imsdb.prepare(shifted))
    assert grid is not None
    assert (grid.cue, grid.dialogue, grid.action) == (27, 15, 5)


def test_text_without_cues_is_not_an_imsdb_script() -> None:
    """Prose has no indented cues: no layout."""
    prose = "It was a dark night.\n\n    She said nothing.\n" * 20
    assert imsdb.layout(imsdb.prepare(prose)) is None


FOUNTAIN_SCRIPT = """\
Title: **Brick & Steel**
Credit: Written by
Author: Stu Maschwitz
Draft date: 1/20/2012

INT. BRICK'S ROOM - DAY #1#

Brick sits. /* a boneyard
that spans lines */

BRICK
(to himself)
This is *the* plan. [[a note]]

STEEL (O.S.)
What plan?

BRICK ^
Nothing!

!THE LIGHTS FAIL
Nobody moves.

.FLASHBACK

@McCLANE
Yippee ki-yay.

ALL
Hurray!

CUT TO:

> THE END <
"""


def test_fountain_elements(tmp_path: Path) -> None:
    """Fountain's title page, forced cues and headings, and dual dialogue are read.

    Notes, boneyard and emphasis are removed; forced action is not a cue.
    """
    path = tmp_path / "brick.fountain"
    path.write_text(FOUNTAIN_SCRIPT, "utf-8")
    assert detect(path) is Format.FOUNTAIN
    film = _film(path)
    assert film.title == "Brick & Steel"
    said = [(line.speaker, line.character_key, line.content, line.scene) for line in film.lines]
    assert said == [
        ("BRICK", "BRICK", "This is the plan.", "INT. BRICK'S ROOM - DAY"),
        ("STEEL", "STEEL", "What plan?", "INT. BRICK'S ROOM - DAY"),
        ("BRICK", "BRICK", "Nothing!", "INT. BRICK'S ROOM - DAY"),
        ("MCCLANE", "MCCLANE", "Yippee ki-yay.", "FLASHBACK"),
        ("ALL", None, "Hurray!", "FLASHBACK"),
    ]
    assert film.problems == ()


def test_fountain_markup_removal() -> None:
    """Bold, italics and underline marks go; escaped marks stay as characters."""
    assert fountain.strip_markup(r"***very*** _under_ **bold** 5 \* 3") == "very under bold 5 * 3"


def test_a_fountain_file_without_dialogue_is_an_error(tmp_path: Path) -> None:
    """No cues at all: the film carries an error saying so."""
    path = tmp_path / "empty.fountain"
    path.write_text("INT. ROOM - DAY\n\nNothing happens.\n", "utf-8")
    film = fountain.read(path)
    assert [p.severity for p in film.problems] == [Severity.ERROR]
    assert "no character cues" in film.problems[0].message


def _parsed(path: Path, cast: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"Title": "Parsed", "Genre": ["Drama"], "Characters": cast}))
    return path


def test_parsed_json_orders_replies_by_start(tmp_path: Path) -> None:
    """Replies grouped by character come out in script order (by Start)."""
    path = _parsed(
        tmp_path / "p.parsed.json",
        [
            {"Character": "JACK", "Replies": [
                {"Reply": "First.", "Didascalie": "", "Start": 10, "End": 20},
                {"Reply": "Third.", "Didascalie": "(V.O.)", "Start": 50, "End": 60},
            ]},
            {"Character": "DETECTIVE STERN", "Replies": [
                {"Reply": "Second.", "Didascalie": "", "Start": 30, "End": 40},
            ]},
            {"Character": "STERN", "Replies": [
                {"Reply": "Fourth.", "Didascalie": "", "Start": 70, "End": 80},
            ]},
        ],
    )  # fmt: skip
    assert detect(path) is Format.PARSED_JSON
    film = _film(path)
    assert [line.content for line in film.lines] == ["First.", "Second.", "Third.", "Fourth."]
    assert [line.character_key for line in film.lines] == ["JACK", "STERN", "JACK", "STERN"]
    assert (film.title, film.genres) == ("Parsed", ("Drama",))
    assert all(line.start_ms is None for line in film.lines)  # offsets are not times


def test_parsed_json_cuts_action_run_into_a_reply(tmp_path: Path) -> None:
    """An action paragraph run into a reply is cut off and reported.

    Action has upper-case props amid lower case; shouted dialogue is not mistaken for it.
    """
    leak = "We meant well:  A SERIES of EXPLOSIONS blasts the GLOBE free."
    shout = "Stop.  GET OUT OF MY HOUSE NOW!"
    path = _parsed(
        tmp_path / "p.json",
        [{"Character": "MECHANIC", "Replies": [
            {"Reply": leak, "Start": 1},
            {"Reply": shout, "Start": 2},
        ]}],
    )  # fmt: skip
    film = _film(path)
    assert [line.content for line in film.lines] == ["We meant well:", " ".join(shout.split())]
    assert [p.severity for p in film.problems] == [Severity.WARNING]
    assert "EXPLOSIONS" in film.problems[0].message


def test_action_tail_only_in_later_paragraphs() -> None:
    """A first paragraph is never taken for action."""
    assert parsed_json.action_tail("Tell THE BOSS and THE COPS now.") is None
    assert parsed_json.action_tail("Hi.  The DOOR SLAMS shut.") == 5


# The real screenplays.

SCREENPLAYS = DATA / "screenplays"


@needs_data
def test_his_girl_friday_speakers_and_leads() -> None:
    """At least 50 speakers; HILDY and BURNS are the two most important characters."""
    film = _film(SCREENPLAYS / "His-Girl-Friday.imsdb.txt")
    assert film.title == "His Girl Friday"
    speakers = {line.speaker for line in film.lines if line.speaker}
    assert len(speakers) >= 50
    ranked = sorted(film.characters, key=lambda c: (-c.importance, -c.line_count))
    assert [c.name for c in ranked[:2]] == ["HILDY", "BURNS"]
    assert ranked[0].importance == 5
    assert all(line.scene for line in film.lines[1:])
    assert not any(p.severity is Severity.ERROR for p in film.problems)
    assert len(film.lines) > 1500


@needs_data
def test_fight_club_parsed_json_in_start_order() -> None:
    """The parsed Fight Club comes out in script order, the leaking action cut off."""
    path = SCREENPLAYS / "Fight-Club.parsed.json"
    raw = json.loads(path.read_text("utf-8"))
    starts = sorted(r["Start"] for c in raw["Characters"] for r in c["Replies"])
    film = _film(path)
    assert len(film.lines) == len(starts)
    first = min(
        ((r["Start"], r["Reply"]) for c in raw["Characters"] for r in c["Replies"]),
    )
    assert film.lines[0].content == first[1]
    assert film.lines[0].speaker == "JACK"
    assert {c.key for c in film.characters} >= {"JACK", "TYLER", "MARLA", "STERN"}
    assert any("action text removed" in p.message for p in film.problems)


@needs_data
def test_fight_club_screenplay_named_by_tmdb_id() -> None:
    """`--tmdb-id 550` makes the screenplay film tmdb:550, with its own cast."""
    (film,) = iter_films(SCREENPLAYS / "Fight-Club.imsdb.txt", tmdb_id="550")
    assert (film.source_key, film.tmdb_id) == ("tmdb:550", "550")
    ranked = sorted(film.characters, key=lambda c: -c.line_count)
    assert [c.name for c in ranked[:3]] == ["JACK", "TYLER", "MARLA"]


def test_tmdb_id_is_refused_for_multi_film_sources(tmp_path: Path) -> None:
    """A TMDB id names one film: not a whole JSON Lines file; and it must be a number."""
    path = tmp_path / "films.jsonl"
    path.write_text('{"key": "a", "title": "A"}\n', "utf-8")
    with pytest.raises(ValueError, match="single-film"):
        iter_films(path, tmdb_id="550")
    script = tmp_path / "s.fountain"
    script.write_text(FOUNTAIN_SCRIPT, "utf-8")
    with pytest.raises(ValueError, match="number"):
        iter_films(script, tmdb_id="tt0137523")


def test_imsdb_speech_cut_by_a_page_break_is_one_line(tmp_path: Path) -> None:
    """`(MORE)` then the same cue `(CONT'D)` continue one speech; another cue does not."""
    cue, talk, aside = " " * 30, " " * 20, " " * 25
    script = (
        f"{cue}ALICE\n{talk}First half,\n{aside}(MORE)\n\n"
        f"{cue}ALICE (CONT'D)\n{talk}second half.\n\n"
        f"{cue}BOB\n{talk}Mine.\n{aside}(MORE)\n\n"
        f"{cue}ALICE\n{talk}Not his.\n\n"
        f"{cue}BOB\n{talk}Again.\n\n{cue}ALICE\n{talk}Fine.\n"
    )
    path = tmp_path / "paged.txt"
    path.write_text(script, "utf-8")
    film = imsdb.read(path)
    assert [(line.speaker, line.content) for line in film.lines] == [
        ("ALICE", "First half, second half."),
        ("BOB", "Mine."),
        ("ALICE", "Not his."),
        ("BOB", "Again."),
        ("ALICE", "Fine."),
    ]
