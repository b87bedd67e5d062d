"""Pure rules for the speaker names of screenplays: cleaning, groups and aliases.

A cue names who speaks, decorated by the script's conventions: `JACK (V.O.)`,
`TYLER (CONT'D)`, `BURNS' VOICE`, `@McCLANE`, `STEEL ^`. `clean_cue` reduces each to
the person (`JACK`, `TYLER`, `BURNS`); `is_group` tells cues that are several people
(`EVERYONE`, `BURNS AND HILDY`, `REPORTERS`), which stay speakers without being
characters; `alias_map` merges a titled cue into the bare name it titles
(`DETECTIVE STERN` into `STERN`) when nothing else claims that name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Everything from the first parenthesis on: (V.O.), (O.S.), (CONT'D), (into phone), and
# the damaged ones scripts hold, such as `JACK (V.).)`.
_PARENTHETICAL = re.compile(r"[(\[].*$")
# Extensions written without parentheses, at the end of a cue.
_BARE_EXTENSION = re.compile(
    r"(?:\s+(?:CONT['’]?D|CONTD|CONT\.?|CONTINUED|V\.?O\.?|O\.?S\.?|O\.?C\.?))+$",
)
# `BURNS' VOICE`, `HILDY'S VOICE`, `VOICE OF HILDY`: the voice is the person's.
_VOICE_OF = re.compile(r"^(?P<who>.+?)['’]S?\s+VOICE$|^VOICE\s+OF\s+(?P<of>.+)$")

_MAX_PASSES = 8  # a cue is a few words: each pass drops a decoration, few ever need two

# Words that make a cue several people wherever they stand in it.
_GROUP_WORDS = frozenset(
    {"ALL", "BOTH", "EVERYONE", "EVERYBODY", "OTHERS", "TOGETHER", "VOICES", "UNISON"}
)
# Collective nouns that are a group only as the whole cue (`GROUP LEADER` is a person).
_COLLECTIVES = frozenset({"CROWD", "CHORUS", "GROUP", "AUDIENCE", "CLASS", "GANG", "FAMILY"})
# Plural role nouns; a surname test (`BURNS`, `WILLIAMS`) would misfire, so only these.
_PLURALS = frozenset(
    {
        "AGENTS", "BOYS", "CHILDREN", "COPS", "CUSTOMERS", "DEPUTIES", "DOCTORS", "FANS",
        "GIRLS", "GUARDS", "GUESTS", "GUYS", "KIDS", "MEN", "MONKEYS", "NURSES", "OFFICERS",
        "PASSENGERS", "PATRONS", "PEOPLE", "PLAYERS", "POLICEMEN", "PRISONERS", "REPORTERS",
        "SAILORS", "SOLDIERS", "SPECTATORS", "STUDENTS", "TEENS", "TROOPS", "TWINS",
        "WOMEN", "WORKERS",
    }
)  # fmt: skip
_JOINERS = re.compile(r"\s(?:AND|&|\+)\s|/|,")
_AD_LIB = re.compile(r"\bAD[- ]?LIBS?\b")

# Words that title a person: `DETECTIVE STERN` is STERN when no one else is.
TITLES = frozenset(
    {
        "AGENT", "AUNT", "CAPT", "CAPTAIN", "COACH", "COL", "COLONEL", "COMMISSIONER",
        "CORPORAL", "DETECTIVE", "DET", "DOC", "DOCTOR", "DR", "FATHER", "GENERAL", "GEN",
        "GOVERNOR", "INSPECTOR", "JUDGE", "LIEUTENANT", "LT", "MADAME", "MAJOR", "MAYOR",
        "MISS", "MISTER", "MR", "MRS", "MS", "NURSE", "OFFICER", "PRESIDENT", "PRIVATE",
        "PROFESSOR", "PROF", "REVEREND", "REV", "SENATOR", "SERGEANT", "SGT", "SHERIFF",
        "SIR", "SISTER", "UNCLE",
    }
)  # fmt: skip


def _clean_once(name: str) -> str:
    name = name.replace("\u00a0", " ").strip().lstrip("@").rstrip("^ \t")
    name = _PARENTHETICAL.sub("", name)
    name = " ".join(name.upper().split()).strip(":;,.-")
    name = _BARE_EXTENSION.sub("", name)
    voice = _VOICE_OF.match(name)
    if voice:
        name = voice.group("who") or voice.group("of")
    return " ".join(name.split()) if name.strip(".-'") else ""


def clean_cue(raw: str) -> str:
    """The person a cue names: extensions and parentheticals dropped, spaces and case normalised.

    Idempotent: a cleaned cue cleans to itself (the rules are applied until nothing
    changes, since dropping one decoration can expose another). Empty when nothing
    names a person (`(MORE)`).
    """
    name = raw
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(name)
        if cleaned == name:
            break
        name = cleaned
    return name


def is_group(name: str) -> bool:
    """Whether a cleaned cue is several people: `EVERYONE`, `A AND B`, `REPORTERS`..."""
    if _JOINERS.search(name) or _AD_LIB.search(name):
        return True
    words = name.split()
    if not words:
        return False
    if any(word in _GROUP_WORDS for word in words):
        return True
    bare = words[1:] if words[0] == "THE" and len(words) > 1 else words
    return (len(bare) == 1 and bare[0] in _COLLECTIVES) or words[-1] in _PLURALS


def _untitled(name: str) -> str | None:
    """`STERN` for `DETECTIVE STERN` (any leading titles dropped), None when untitled."""
    words = name.split()
    rest = list(words)
    while len(rest) > 1 and rest[0].rstrip(".") in TITLES:
        rest.pop(0)
    return " ".join(rest) if len(rest) < len(words) else None


def alias_map(names: Iterable[str]) -> dict[str, str]:
    """Each titled name mapped to the bare name it titles, when that is unambiguous.

    `DETECTIVE STERN` maps to `STERN` when `STERN` is also a speaker and no other
    titled name (`MRS. STERN`) ends in `STERN`; names not merged map to nothing.
    """
    present = set(names)
    claims: dict[str, list[str]] = {}
    for name in present:
        bare = _untitled(name)
        if bare is not None and bare in present:
            claims.setdefault(bare, []).append(name)
    return {titled[0]: bare for bare, titled in claims.items() if len(titled) == 1}


# A scene heading: INT./EXT. and their variants, possibly after a transition on the
# same line (`FADE IN: INT. ANTEROOM`).
SCENE_HEADING = re.compile(
    r"^(?:(?:FADE IN|CUT TO|DISSOLVE TO|SMASH CUT TO)\s*:\s*)?"
    r"(?P<heading>(?:INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|INT|EXT|EST|I/E)(?:\.|\s).*)$",
)
_NOT_CUES = frozenset({"THE END", "END", "CONTINUED", "FADE OUT", "FADE IN", "MORE"})
_INSIDE_PARENS = re.compile(r"\([^)]*\)?")
_MAX_CUE = 60  # a cue names a person; longer uppercase lines are action or titles


def looks_like_cue(text: str) -> bool:
    """Whether a stripped line could name a speaker: upper case, short, not a heading.

    Lower case inside parentheses is allowed (`TYLER (cont)`); transitions (`CUT TO:`),
    scene headings and `THE END` are not cues.
    """
    if not text or len(text) > _MAX_CUE or text.startswith(("(", "[")):
        return False
    bare = _INSIDE_PARENS.sub("", text).strip()
    if not bare or bare != bare.upper() or not any(c.isalpha() for c in bare):
        return False
    if bare.endswith(":") or SCENE_HEADING.match(bare):
        return False
    return bare.strip(" .!-") not in _NOT_CUES
