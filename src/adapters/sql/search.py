"""Film search through a gram index, ranked exactly as the domain ranks.

The ranking is `npc_core.model.library.match_rank` + `search_key`: a keyword matches
where its `fold()`ed form is a substring of a folded title, original title, alias or
overview. Chinese has no word boundaries, so neither a B-tree prefix nor a word
full-text index finds 俱乐部 in 搏击俱乐部; MariaDB has no ngram parser, SQLite's FTS
is not on every build, and `LIKE '%kw%'` reads every film. So the repository keeps an
index of its own, the same on every backend:

- `movie_title_grams`: every distinct bigram of every folded title, the last character
  paired with an END mark so that every character starts a gram;
- `movie_overview_grams`: the same for the folded overview, bounded (below).

Candidates. A keyword inside a text has all its bigrams among the text's, so the films
holding every bigram of the keyword are a superset of its matches. A one-character
keyword is the first character of a gram of every text holding it, and a gram is
stored as an integer (`gram_code`) in which grams sharing a first character are
neighbours: its candidates are one range of the index. A candidate query intersects
at most `INTERSECT_GRAMS` bigrams, the rarest: a probe counts each bigram's postings,
capped at `PROBE_CAP` so a common one costs no more than a rare one, and the smallest
lists are intersected through the (gram, movie_id) primary key.

Verification. Title candidates are ranked by `match_rank` itself, on their titles
only; overview candidates are checked on the overview, except for keywords of one or
two characters, whose gram is the keyword itself. Then everything is sorted by
`search_key` and id (as the in-memory adapter does) and only the requested page is
loaded whole. The total is exact: every candidate is verified, none is guessed.

Bounding the overview index. Overviews may have 20,000 characters, one row per
distinct bigram. The index keeps the longest prefix with at most `OVERVIEW_GRAMS`
grams, which holds a typical overview whole: Latin text repeats its bigrams (a
300-character English overview has about 200, and English text rarely reaches the
cap at any length), Chinese has about one per character, so only Chinese overviews
past ~2,000 characters are cut. A cut film is flagged `overview_overflow` and its
overview is checked directly by every search, so the price of the bound is a cost per
search proportional to the number of such films (found through an index; normally
none). At 100,000 typical films the index holds some 20-30 million (BIGINT, id) rows;
a prefix of a few hundred characters would shrink that, but make every longer
overview overflow. No unigrams are stored: the range lookup answers one-character
keywords from the bigrams, halving the rows of Chinese text.

Keywords reach SQL only as integers compared with `=` or a range: `%`, `_` and quotes
mean themselves, nothing is a wildcard, no collation conflates two grams, and a
keyword that folds to nothing finds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import (
    CompoundSelect,
    RowMapping,
    Select,
    Subquery,
    Table,
    false,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)

from adapters.sql.mappers._json import texts
from adapters.sql.mappers.library import movie_from
from adapters.sql.tables import movie_overview_grams, movie_title_grams, movies
from adapters.sql.transaction import Transaction
from npc_core.model import Movie, Page, PageRequest, fold, match_rank, search_key
from npc_core.model.library import OVERVIEW

OVERVIEW_GRAMS: Final = 2_000
INTERSECT_GRAMS: Final = 3
PROBE_GRAMS: Final = 12
PROBE_CAP: Final = 2_000

SortKey = tuple[tuple[int, float, str], str]

_PLANE: Final = 0x110000  # one more than the highest code point
# Follows a text's last character, so that every character starts a gram. U+10FFFF is
# a noncharacter, so a real text holding it only costs an extra candidate.
END: Final = chr(_PLANE - 1)


def gram_code(gram: str) -> int:
    """The integer a bigram is stored as: its two code points packed.

    Bigrams sharing a first character have neighbouring codes, so "any gram starting
    with c" is one range of the index: how a one-character keyword is looked up.
    """
    return _PLANE * ord(gram[0]) + ord(gram[1])


def _starting_with(char: str) -> tuple[int, int]:
    """The range [low, high) of the codes of every bigram whose first character is `char`."""
    low = _PLANE * ord(char)
    return low, low + _PLANE


def grams(text: str) -> set[str]:
    """Every distinct bigram of `text` (already folded), the last character's with END."""
    return {(text + END)[i : i + 2] for i in range(len(text))}


def keyword_grams(needle: str) -> list[str]:
    """The bigrams every text containing `needle` has (one character: none, see `search`)."""
    return list(dict.fromkeys(needle[i : i + 2] for i in range(len(needle) - 1)))


def _prefix_grams(text: str, cap: int) -> tuple[set[str], bool]:
    """`grams` of the longest prefix of `text` that has at most `cap`; whether text goes on."""
    found: set[str] = set()
    for end in range(1, len(text)):
        if text[end - 1 : end + 1] not in found and len(found) + 1 == cap:
            # Room for the END gram of the prefix only: a one-character keyword must
            # still find every character of what is indexed.
            found.add(text[end - 1] + END)
            return found, True
        found.add(text[end - 1 : end + 1])
    return (found | {text[-1] + END} if text else found), False


def _titles(movie: Movie) -> list[str]:
    return [t for t in (movie.title, movie.original_title, *movie.aliases) if t]


def index_rows(movie: Movie) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
    """The film's title and overview gram rows, and whether its overview overflows."""
    title = set().union(*(grams(fold(t)) for t in _titles(movie)))
    overview, overflow = _prefix_grams(fold(movie.overview), OVERVIEW_GRAMS)
    return (
        [{"gram": gram_code(g), "movie_id": movie.id} for g in sorted(title)],
        [{"gram": gram_code(g), "movie_id": movie.id} for g in sorted(overview)],
        overflow,
    )


async def search(tx: Transaction, keyword: str, page: PageRequest) -> Page[Movie]:
    """Films matching `keyword`, ranked as `match_rank` + `search_key` say, then by id."""
    needle = fold(keyword)
    if not needle:
        return Page((), 0, page)
    ranked: list[SortKey] = []
    for movie in await _title_candidates(tx, needle):
        rank = match_rank(movie, keyword)
        if rank is not None:
            ranked.append((search_key(movie, rank), movie.id))
    found = {movie_id for _, movie_id in ranked}
    overview_only = await _overview_matches(tx, needle, found)
    ranked.extend((search_key(movie, OVERVIEW), movie.id) for movie in overview_only)
    ranked.sort()
    chosen = [movie_id for _, movie_id in ranked[page.offset : page.offset + page.page_size]]
    return Page(await _load(tx, chosen), len(ranked), page)


async def _title_candidates(tx: Transaction, needle: str) -> list[Movie]:
    """Films whose titles hold every gram of the keyword (their overviews left out)."""
    ids = await _candidates(tx, movie_title_grams, needle)
    if ids is None:
        return []
    columns = [movies.c.id, movies.c.title, movies.c.original_title, movies.c.aliases]
    rows = await tx.read(select(*columns, movies.c.rating).join(ids, ids.c.movie_id == movies.c.id))
    return [_partial(row) for row in rows.mappings()]


async def _overview_matches(tx: Transaction, needle: str, exclude: set[str]) -> list[Movie]:
    """Films whose overview holds `needle`, except those in `exclude` (title matches).

    A keyword of one or two characters is itself what the index holds (the first
    character of a bigram, or the bigram), so an indexed candidate is a match; a longer
    one is checked on the overview. Overflowing films come in the same query and are
    always checked.
    """
    proven = len(needle) <= 2 and END not in needle  # noqa: PLR2004 - grams are bigrams
    overflowing = select(
        movies.c.id, movies.c.title, movies.c.rating, movies.c.overview, false()
    ).where(movies.c.overview_overflow == true())
    query: Select[Any] | CompoundSelect[Any] = overflowing
    ids = await _candidates(tx, movie_overview_grams, needle)
    if ids is not None:
        overview = null() if proven else movies.c.overview
        indexed = select(movies.c.id, movies.c.title, movies.c.rating, overview, true()).join(
            ids, ids.c.movie_id == movies.c.id
        )
        query = union_all(indexed, overflowing)
    matches: dict[str, Movie] = {}
    for movie_id, title, rating, text, from_index in (await tx.read(query)).all():
        if movie_id in exclude or movie_id in matches:
            continue
        if (from_index and proven) or needle in fold(text):
            matches[movie_id] = Movie(id=movie_id, title=title, rating=rating)
    return list(matches.values())


async def _candidates(tx: Transaction, index: Table, needle: str) -> Subquery | None:
    """A subquery of the films holding every one of the rarest grams; None if none can."""
    if len(needle) == 1:
        low, high = _starting_with(needle)
        return (
            select(index.c.movie_id)
            .where(index.c.gram >= low, index.c.gram < high)
            .group_by(index.c.movie_id)
            .subquery()
        )
    wanted = keyword_grams(needle)
    chosen = wanted
    if len(wanted) > INTERSECT_GRAMS:
        counts = await _probe(tx, index, _spread(wanted, PROBE_GRAMS))
        if min(counts.values()) == 0:
            return None
        chosen = sorted(counts, key=counts.__getitem__)[:INTERSECT_GRAMS]
    encoded = [gram_code(g) for g in chosen]
    return (
        select(index.c.movie_id)
        .where(index.c.gram.in_(encoded))
        .group_by(index.c.movie_id)
        .having(func.count() == len(encoded))
        .subquery()
    )


async def _probe(tx: Transaction, index: Table, candidates: list[str]) -> dict[str, int]:
    """How many films hold each gram, counted up to `PROBE_CAP`."""
    capped = [
        select(index.c.movie_id).where(index.c.gram == gram_code(gram)).limit(PROBE_CAP)
        for gram in candidates
    ]
    rows = await tx.read(
        union_all(
            *(
                select(literal(position), func.count()).select_from(postings.subquery())
                for position, postings in enumerate(capped)
            )
        )
    )
    return {candidates[int(position)]: int(count) for position, count in rows.all()}


def _spread(items: Sequence[str], limit: int) -> list[str]:
    """At most `limit` items, evenly spaced, the first and last included."""
    if len(items) <= limit:
        return list(items)
    step = (len(items) - 1) / (limit - 1)
    return list(dict.fromkeys(items[round(i * step)] for i in range(limit)))


def _partial(row: RowMapping) -> Movie:
    """A film with only the columns a ranking reads; never handed out."""
    aliases = row.get("aliases")
    return Movie(
        id=row["id"],
        title=row["title"],
        original_title=row.get("original_title"),
        aliases=texts(aliases) if aliases is not None else (),
        rating=row["rating"],
    )


async def _load(tx: Transaction, ids: list[str]) -> tuple[Movie, ...]:
    if not ids:
        return ()
    rows = await tx.read(select(movies).where(movies.c.id.in_(ids)))
    by_id = {row["id"]: movie_from(row) for row in rows.mappings()}
    return tuple(by_id[i] for i in ids)
