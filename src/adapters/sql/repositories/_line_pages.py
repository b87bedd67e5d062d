"""A page of a film's (or one speaker's) lines, read as one row the database serialized.

Lines are numbered (`film_position`, `character_position`: 0, 1, 2, ... in film
order), so a page is a range of positions, the same cost at any depth, and the last
position is the total. One statement reads the range with the first and last position.

The range comes back as a single JSON array of `[position, id, line_order, ...]`
arrays, aggregated by the database, not as one row per line: the pure-Python driver
(PyMySQL under aiomysql) pays mostly per row read, not per column, so on MariaDB a
50-line page costs npc about half the CPU this way (1.5-1.8 ms against 2.8-3.1 ms,
measured by `bench_search`'s database). One JSON string per row would save nothing
for a line's few short columns (it does for a film's fifteen: `search._from_json`).
The statement runs on the driver directly (`Transaction.fetch`): its one row needs
none of SQLAlchemy's result processing.

`JSON_ARRAYAGG` (MySQL, MariaDB) and `json_group_array` (SQLite) promise no order, so
the lines are sorted here by their position. MariaDB cuts an aggregate longer than
`group_concat_max_len` (raised per session by `engine.create_engine`) and gives NULL
for one longer than `max_allowed_packet`; so a page is used only when it decodes and
holds exactly the lines its range must hold, and is otherwise read the slow way.
"""

from __future__ import annotations

import functools
from operator import itemgetter
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, bindparam, func, select

from adapters.sql.mappers._json import parsed
from adapters.sql.mappers.library import line_from
from adapters.sql.tables import character_dialogues
from npc_core.model import DialogueLine

# The columns a line is read from (its film is a parameter), in the order the arrays hold
# them after the position.
COLUMNS: Final = (
    "id",
    "line_order",
    "content",
    "character_id",
    "speaker",
    "scene",
    "start_ms",
    "end_ms",
)


@functools.cache
def line_page(*, by_character: bool, sqlite: bool) -> Select[Any]:
    """The page statement of a film's (or one character's) lines, with bound parameters.

    Parameters: `movie`, `character` (when `by_character`), `start` and `end`
    positions. Columns: `lines` (the JSON array, NULL or `[]` for none),
    `first_position` (-1 when some line is not numbered, NULL when the film has none)
    and `last_position`.
    Built once per shape, so SQLAlchemy reuses its compiled form by identity.
    """
    lines = character_dialogues
    owner: list[ColumnElement[bool]] = [lines.c.movie_id == bindparam("movie")]
    position = lines.c.film_position
    if by_character:
        owner.append(lines.c.character_id == bindparam("character"))
        position = lines.c.character_position
    # NULL sorts first: -1 when a line is not numbered, NULL when there is none.
    first = (
        select(func.coalesce(position, -1))
        .where(*owner)
        .order_by(position)
        .limit(1)
        .scalar_subquery()
    )
    last = select(func.max(position)).where(*owner).scalar_subquery()
    line = func.json_array(position, *(lines.c[name] for name in COLUMNS))
    aggregate = func.json_group_array(line) if sqlite else func.json_arrayagg(line)
    columns = (aggregate.label("lines"), first.label("first_position"), last.label("last_position"))
    return select(*columns).where(
        *owner, position >= bindparam("start"), position < bindparam("end")
    )


def decoded(
    value: str | bytes | None, last: int, movie_id: str, start: int, end: int
) -> list[DialogueLine] | None:
    """The lines of the range `start`-`end` from its `lines` value, in order.

    None when `value` does not hold the whole range (positions run densely from 0 to
    `last`): cut short, given as NULL, or holding another number of lines.
    """
    expected = max(0, min(end, last + 1) - start)
    try:
        found = parsed(value) if value is not None else []
    except ValueError:
        return None  # cut short by group_concat_max_len
    if not isinstance(found, list) or len(found) != expected:
        return None
    found.sort(key=itemgetter(0))
    return [line_from(dict(zip(COLUMNS, values[1:], strict=True)), movie_id) for values in found]
