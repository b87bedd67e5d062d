"""The antonym lexicon that tells which traits contradict each other."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

import attrs

from npc_core.model.library import fold


@attrs.frozen
class AntonymLexicon:
    """Maps a folded trait spelling to the pole it belongs to; opposite poles conflict."""

    poles: Mapping[str, int]

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[Iterable[str], Iterable[str]]]) -> AntonymLexicon:
        """Build from pairs of (spellings of one pole, spellings of its opposite)."""
        poles: dict[str, int] = {}
        for index, (left, right) in enumerate(pairs):
            for side, words in ((2 * index, left), (2 * index + 1, right)):
                for word in words:
                    poles[fold(word)] = side
        return cls(poles)

    def pole(self, trait: str) -> int | None:
        """The pole `trait` (any spelling) belongs to; opposite poles are 2k and 2k+1."""
        return self.poles.get(fold(trait))

    def contradicts(self, a: str, b: str) -> bool:
        """Whether traits `a` and `b` (any spelling) sit on opposite poles of one pair."""
        pa, pb = self.pole(a), self.pole(b)
        return pa is not None and pb is not None and pa // 2 == pb // 2 and pa != pb


@cache
def default_lexicon() -> AntonymLexicon:
    """The lexicon shipped with npc_core (`model/data/antonyms.json`)."""
    raw = resources.files("npc_core.model").joinpath("data/antonyms.json").read_text("utf-8")
    pairs = json.loads(raw)["pairs"]
    return AntonymLexicon.from_pairs((left, right) for left, right in pairs)
