"""Two short films with characters and lines, all written by the npc team.

The third-party corpora under `../shared/data` may be used for local tests only, so
the library that ships with npc is its own: invented films, invented lines.
"""

from __future__ import annotations

from typing import Final

from npc_core.model import Character, DialogueLine, Movie, importance_for
from npc_core.ports import UnitOfWork

NIGHT_FERRY: Final = "00000000-0000-4000-8000-00000000f001"
LAST_LIGHTHOUSE: Final = "00000000-0000-4000-8000-00000000f002"
DEMO_MOVIE_IDS: Final = (NIGHT_FERRY, LAST_LIGHTHOUSE)

_MOVIES = (
    Movie(
        id=NIGHT_FERRY,
        title="夜航船",
        original_title="The Night Ferry",
        overview="一艘夜航的渡船上，失眠的记者林舟遇见了自称能预知天气的船工苏晚。",
        rating=8.6,
        popularity=120.0,
        genres=("剧情", "悬疑"),
        release_year=2021,
        aliases=("夜渡",),
    ),
    Movie(
        id=LAST_LIGHTHOUSE,
        title="最后的灯塔",
        original_title="The Last Lighthouse",
        overview="守塔人老周在灯塔停用前的最后一周，教会了一个离家出走的少年如何看星星。",
        rating=8.1,
        popularity=80.0,
        genres=("剧情", "家庭"),
        release_year=2019,
    ),
)

# (character id suffix, movie, name, description)
_CHARACTERS = (
    ("c001", NIGHT_FERRY, "林舟", "失眠的调查记者，冷静、多疑，习惯把一切写进笔记本。"),
    ("c002", NIGHT_FERRY, "苏晚", "渡船上的船工，开朗而神秘，总说自己能闻到暴雨。"),
    ("c003", NIGHT_FERRY, "船长", "沉默寡言的老船长。"),
    ("c004", LAST_LIGHTHOUSE, "老周", "守了三十年灯塔的老人，温和、固执。"),
    ("c005", LAST_LIGHTHOUSE, "小满", "离家出走的少年，叛逆、敏感。"),
)

# (movie, speaker suffix or None, line)
_LINES = (
    (NIGHT_FERRY, "c001", "这班船每晚都这么空吗？"),
    (NIGHT_FERRY, "c002", "空的是船舱，不是船。"),
    (NIGHT_FERRY, "c001", "你总是这样说话吗，像在打哑谜？"),
    (NIGHT_FERRY, "c002", "今晚后半夜有雨，你最好别待在甲板上。"),
    (NIGHT_FERRY, "c003", "到港前谁也不许下船。"),
    (NIGHT_FERRY, "c001", "我只相信我亲眼看见的东西。"),
    (NIGHT_FERRY, "c002", "那你一定错过了很多东西。"),
    (NIGHT_FERRY, None, "（广播）各位旅客，前方起雾，请回到船舱。"),
    (NIGHT_FERRY, "c001", "笔记本上写着的，就是真相的一半。"),
    (NIGHT_FERRY, "c002", "另一半呢？"),
    (NIGHT_FERRY, "c001", "另一半，在没人开口的地方。"),
    (LAST_LIGHTHOUSE, "c004", "灯不是为自己亮的。"),
    (LAST_LIGHTHOUSE, "c005", "那它为谁亮？为那些根本不会来的船？"),
    (LAST_LIGHTHOUSE, "c004", "为还在路上的人。"),
    (LAST_LIGHTHOUSE, "c005", "我不想回家。"),
    (LAST_LIGHTHOUSE, "c004", "那就先学会认北极星，走丢了也能找回来。"),
)


def _character_id(suffix: str) -> str:
    return f"00000000-0000-4000-8000-00000000{suffix}"


def characters() -> tuple[Character, ...]:
    """The demo characters, with line counts and importance from the demo lines."""
    counts: dict[str, int] = {}
    for _, speaker, _ in _LINES:
        if speaker:
            counts[speaker] = counts.get(speaker, 0) + 1
    out = []
    for suffix, movie_id, name, description in _CHARACTERS:
        top = max(counts.get(c[0], 0) for c in _CHARACTERS if c[1] == movie_id)
        out.append(
            Character(
                id=_character_id(suffix),
                movie_id=movie_id,
                name=name,
                description=description,
                importance=importance_for(counts.get(suffix, 0), top),
                line_count=counts.get(suffix, 0),
            )
        )
    return tuple(out)


def lines() -> tuple[DialogueLine, ...]:
    """The demo lines in film order."""
    orders: dict[str, int] = {}
    out = []
    for index, (movie_id, speaker, content) in enumerate(_LINES):
        orders[movie_id] = orders.get(movie_id, 0) + 1
        out.append(
            DialogueLine(
                id=f"00000000-0000-4000-8000-{index + 1:012d}",
                movie_id=movie_id,
                order=orders[movie_id],
                content=content,
                character_id=_character_id(speaker) if speaker else None,
                speaker=next((c[2] for c in _CHARACTERS if c[0] == speaker), None),
            )
        )
    return tuple(out)


async def load_demo_library(uow: UnitOfWork) -> None:
    """Add the demo films, characters and lines (the caller commits)."""
    for movie in _MOVIES:
        await uow.movies.add(movie)
    for character in characters():
        await uow.characters.add(character)
    await uow.dialogues.add_many(lines())
