"""Film search through a term index whose postings come in ranking order.

The ranking is `npc_core.model.library.match_rank` + `search_key`: a keyword matches
where its `fold()`ed form is a substring of a folded title, original title, alias or
overview; exact titles come first, then title prefixes, then titles containing it, then
overviews; within a rank, higher rating, then title, then id. Chinese has no word
boundaries, so neither a B-tree prefix nor a word full-text index finds 俱乐部 in
搏击俱乐部; MariaDB has no ngram parser, SQLite's FTS is not on every build, and
`LIKE '%kw%'` reads every film. So the repository keeps an index of its own, the same
on every backend, in two tables of (`gram` BIGINT, `movie_id`) rows:

- `movie_title_grams`, for every folded title of a film (title, original title,
  aliases): each distinct character (UNIGRAM), pair (BIGRAM) and triple (TRIGRAM, a
  41-bit hash) of neighbours; the first one, two and three characters (START1, START2,
  START3); and a hash of the whole title (TITLE);
- `movie_overview_grams`: the UNIGRAMs and BIGRAMs of the folded overview, bounded.

A row's `gram` packs a term and the film's place in the ranking into one integer:
`term << ORDER_BITS | film_order(film)`. The order bits are the rating's band and,
when the band holds one rating only, a bucket of the title: a film that ranks before
another never has larger order bits (`film_order` is monotone in `search_key`). So the
(gram, movie_id) primary key lists the films holding a term best first, in groups of
equal order bits, and "the films holding a term" is one range of it.

Search. The four ranks are four classes. Each is read as a stream over one term's
postings (the *driver*, the rarest of the class's terms), joined to up to `MAX_PROBES`
more of its terms through the primary key (`probe.gram = driver.gram + delta`: same
film, same order bits) and to `movies`, in index order, with a LIMIT:

  exact     TITLE(keyword)                                          checked
  prefix    START1(k) | START2(k) | START3(k[:3]) + TRIGRAMs of k[1:]  checked from 3 chars
  contains  UNIGRAM(k) | BIGRAM(k) | TRIGRAMs                        checked from 3 chars
  overview  UNIGRAM(k) | BIGRAMs, in the overview table              checked from 3 chars

A keyword of one or two characters is its own term, so its postings are exactly its
matches; a longer one's candidates are checked on the film's texts (which the stream
reads anyway), so hash collisions and terms found apart cost a row, never a wrong
answer. Classes are read in rank order, whole groups at a time, and the search stops
as soon as it holds one more match than the page reaches (`offset + size + 1`): every
film it has not read ranks after those. A film matched by an earlier class is skipped
(that class was read to its end, or the search would have stopped there). Typically
one statement reads the exact and prefix classes (later classes join it when the term
counts say the earlier ones cannot fill the page), sometimes one more follows, and
the rows read grow with the page's depth, not with the library.

The exception: a keyword of three or more characters whose bigrams are all common in
overviews, and which few overviews (and titles) contain, such as "the tore": its
overview candidates are most English films, joined and checked in statements of
growing size (up to `MOST_ROWS` rows) to find none. For a printable-ASCII keyword the
database sifts those candidates (`_plain_filter`) and sends only the ones that may
match, so npc reads a few thousand rows instead of tens of thousands; the joins
remain, about 0.6 s on MariaDB at 100,000 films, four times the LIKE scan. Trigrams of
overviews would narrow those candidates for most words (not for phrases of common
words) at about twice the overview index.

Totals. A search that read every class to its end knows the exact total; one that
stopped early reports how many matches it has seen, at least one more than the page
reaches (so `has_more` holds), as a lower bound, with `Page.total_exact` False.

Term counts (how many films hold a term, counted up to `PROBE_CAP`) choose the drivers
and which classes share a statement. Each process keeps them `COUNTS_TTL` seconds:
stale counts cost speed, never correctness.

Bounding the overview index. Overviews may have 20,000 characters. The index keeps the
longest prefix with at most `OVERVIEW_GRAMS` terms, which holds a typical overview
whole (a 300-character English overview has about 230; Chinese about two per
character). A cut film is flagged `overview_overflow`; a search that reaches the
overview class reads those films too and checks their whole overview, so the price of
the bound is a cost per such search in the number of cut films (normally none).

Keywords reach SQL as integers compared with `=` or a range, and (the sieve) as a bound
string given to INSTR over a binary collation: `%`, `_` and quotes mean themselves,
nothing is a wildcard, no collation conflates two terms, and a keyword that folds to
nothing finds nothing.

Every index row carries its film's rating and title bucket, so changing either means
writing the film's rows again (`index_rows`), as `SqlMovieRepository.add` and the bulk
import do; `adapters/sql/migrations` rebuild them when this format changes.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

import attrs
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    RowMapping,
    Select,
    String,
    Table,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from adapters.sql.mappers._json import embedded_texts, parsed
from adapters.sql.mappers.library import FILM_COLUMNS, movie_from, movie_from_json
from adapters.sql.tables import movie_overview_grams, movie_title_grams, movies
from adapters.sql.transaction import Transaction
from npc_core.model import Movie, Page, PageRequest, fold
from npc_core.model.library import CONTAINS, EXACT, OVERVIEW, PREFIX

OVERVIEW_GRAMS: Final = 2_000
MAX_PROBES: Final = 5
TERMS: Final = 12  # the most terms of a class counted, of which 1 + MAX_PROBES are read
PROBE_CAP: Final = 4_000
COUNTS_TTL: Final = 600.0
COUNTS_KEPT: Final = 65_536
# Rows fetched beyond what a class needs, so that the group the last needed row is in
# usually ends within the fetch and no second statement completes it.
SLACK: Final = 4
MOST_ROWS: Final = 2_000  # the most candidates one statement reads

_PLANE: Final = 0x110000  # one more than the highest code point
PAYLOAD_BITS: Final = 41  # a pair of code points: _PLANE**2 < 2**41
BAND_BITS: Final = 8
BUCKET_BITS: Final = 11
ORDER_BITS: Final = BAND_BITS + BUCKET_BITS
ORDER_MASK: Final = (1 << ORDER_BITS) - 1

# The kinds of term (below 7 << 41 << 19 < 2**63: a signed BIGINT).
BIGRAM, UNIGRAM, START1, START2, TITLE, TRIGRAM, START3 = range(7)

SortKey = tuple[int, float, str, str]


# -- Terms ---------------------------------------------------------------------------------


def term(kind: int, payload: int) -> int:
    """A term: its kind and its payload (code points, or a hash)."""
    return kind << PAYLOAD_BITS | payload


def _pair(first: str, second: str) -> int:
    return _PLANE * ord(first) + ord(second)


def unigram(char: str) -> int:
    """The term of one character anywhere in a text."""
    return term(UNIGRAM, ord(char))


def bigram(gram: str) -> int:
    """The term of two neighbouring characters anywhere in a text."""
    return term(BIGRAM, _pair(gram[0], gram[1]))


def hashed(kind: int, text: str) -> int:
    """A term whose payload is 41 bits of the BLAKE2 hash of `text` (collisions: checked)."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return term(kind, int.from_bytes(digest, "big") & ((1 << PAYLOAD_BITS) - 1))


def title_hash(title: str) -> int:
    """The term of a whole folded title."""
    return hashed(TITLE, title)


def trigrams(text: str, start: int = 0) -> list[int]:
    """The distinct terms of three neighbouring characters of `text`, from `start` on."""
    return list(
        dict.fromkeys(hashed(TRIGRAM, text[i : i + 3]) for i in range(start, len(text) - 2))
    )


def text_terms(text: str) -> set[int]:
    """Every distinct character and pair of neighbours of `text` (already folded)."""
    found = {unigram(c) for c in text}
    found.update(bigram(text[i : i + 2]) for i in range(len(text) - 1))
    return found


def title_terms(title: str) -> set[int]:
    """`text_terms` and trigrams of a folded title, its start and its whole-title hash."""
    found = text_terms(title)
    found.update(trigrams(title))
    if title:
        found.add(term(START1, ord(title[0])))
        found.add(title_hash(title))
    if len(title) > 1:
        found.add(term(START2, _pair(title[0], title[1])))
    if len(title) > 2:  # noqa: PLR2004
        found.add(hashed(START3, title[:3]))
    return found


def prefix_terms(text: str, cap: int) -> tuple[set[int], bool]:
    """`text_terms` of the longest prefix of `text` that has at most `cap`; whether it is cut."""
    found: set[int] = set()
    for end, char in enumerate(text):
        new = [unigram(char)]
        if end:
            new.append(bigram(text[end - 1 : end + 1]))
        if len(found) + sum(t not in found for t in set(new)) > cap:
            return found, True
        found.update(new)
    return found, False


# -- The order bits ----------------------------------------------------------------------

_GRID: Final = tuple(k / 10 for k in range(101))  # ratings with one decimal, ascending


def band(rating: float | None) -> int:
    """0-200, never smaller for a lower rating; a rating with one decimal has its own band.

    `rating` k/10 gets the even band 2 * (100 - k); a rating strictly between two of
    those gets the odd band between theirs, which it may share with other ratings.
    """
    score = 0.0 if rating is None or math.isnan(rating) else min(10.0, max(0.0, rating))
    at = bisect_left(_GRID, score)
    if _GRID[at] == score:
        return 2 * (100 - at)
    return 2 * (100 - at) + 1


def _boundaries() -> tuple[str, ...]:
    """Where title buckets start: fixed forever, as they are part of every stored gram."""
    found = {chr(c) for c in range(0x21, 0x7F)}
    for first in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        found.update(first + second for second in "abcdefghijklmnopqrstuvwxyz")
    found.update("The " + letter for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    found.update(chr(c) for c in range(0x4E00, 0xA000, 24))  # CJK ideographs
    blocks = (0x80, 0x100, 0x250, 0x370, 0x400, 0x530, 0x3000, 0x3040, 0x30A0, 0x3100)
    found.update(chr(c) for c in (*blocks, 0xAC00, 0xF900, 0xFF00, 0x10000, 0x20000))
    return tuple(sorted(found))


_BOUNDARIES: Final = _boundaries()
assert len(_BOUNDARIES) < 1 << BUCKET_BITS  # noqa: S101 - a fact about constants


def title_bucket(title: str) -> int:
    """0-2047, never smaller for a title that sorts later (Python's `str` order)."""
    return bisect_right(_BOUNDARIES, title)


def film_order(rating: float | None, title: str) -> int:
    """The order bits of a film's grams: never larger for a film that ranks before another.

    Band first; the title's bucket only in an even band, where every film has the same
    rating, so that the title decides between them as `search_key` does.
    """
    rated = band(rating)
    return rated << BUCKET_BITS | (title_bucket(title) if rated % 2 == 0 else 0)


def _span(term_: int) -> tuple[int, int]:
    """The first and last stored `gram` of a term: all its films, best first."""
    return term_ << ORDER_BITS, term_ << ORDER_BITS | ORDER_MASK


# -- Index rows ----------------------------------------------------------------------------


def _titles(movie: Movie) -> list[str]:
    return [t for t in (movie.title, movie.original_title, *movie.aliases) if t]


def index_rows(movie: Movie) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
    """The film's title and overview gram rows, and whether its overview overflows."""
    order = film_order(movie.rating, movie.title)
    title: set[int] = set()
    for text in _titles(movie):
        title |= title_terms(fold(text))
    overview, overflow = prefix_terms(fold(movie.overview), OVERVIEW_GRAMS)
    return (
        [{"gram": t << ORDER_BITS | order, "movie_id": movie.id} for t in sorted(title)],
        [{"gram": t << ORDER_BITS | order, "movie_id": movie.id} for t in sorted(overview)],
        overflow,
    )


# -- Classes and their streams -------------------------------------------------------------


@attrs.define(slots=True)
class _Candidate:
    """A film a stream found: what ranking and checking it needs, and the film as read.

    `film` is the row's mapping (SQLite), or the decoded JSON array of the film's
    columns in `FILM_COLUMNS` order (MySQL/MariaDB); only the films that make the page
    become a `Movie` (`movie`).
    """

    klass: int
    gram: int
    id: str
    rating: float | None
    title: str
    original_title: str | None
    aliases: Any  # as read: a list, or its JSON text (see `_aliases`)
    overview: str
    film: RowMapping | list[Any]

    def movie(self) -> Movie:
        """The film as the domain has it."""
        if isinstance(self.film, list):
            return movie_from_json(self.film)
        return movie_from(self.film)


Check = Callable[[_Candidate], bool]


def _row_titles(row: _Candidate) -> list[str]:
    return [fold(t) for t in (row.title, row.original_title, *embedded_texts(row.aliases)) if t]


@attrs.frozen
class _Class:
    """One rank's films: those holding every one of `terms` in `table` that pass `check`.

    When `proven`, holding the terms is matching, and index rows are not checked.
    """

    rank: int
    table: Table
    terms: tuple[int, ...]
    check: Check
    proven: bool
    # The keyword, when the server may rule out candidates before they are sent
    # (`_plain_filter`): the overview class of a printable-ASCII keyword to be checked.
    sifted: str | None = None


def _spread(items: Sequence[int], most: int) -> tuple[int, ...]:
    """At most `most` of `items`, evenly spaced, the first and last included.

    A class may ask for fewer terms than its keyword has: its candidates are then more,
    never fewer, and the check decides. So a long keyword costs no more to count.
    """
    if len(items) <= most:
        return tuple(items)
    step = (len(items) - 1) / (most - 1)
    return tuple(dict.fromkeys(items[round(i * step)] for i in range(most)))


def _classes(needle: str) -> list[_Class]:
    """The four classes of a folded, non-empty keyword, best rank first."""
    pairs = tuple(dict.fromkeys(bigram(needle[i : i + 2]) for i in range(len(needle) - 1)))
    if len(needle) == 1:
        start: tuple[int, ...] = (term(START1, ord(needle)),)
        inside: tuple[int, ...] = (unigram(needle),)
        overview_terms = inside
    elif len(needle) == 2:  # noqa: PLR2004
        start = (term(START2, _pair(needle[0], needle[1])),)
        inside = overview_terms = pairs
    else:
        start = (hashed(START3, needle[:3]), *_spread(trigrams(needle, 1), TERMS - 1))
        inside, overview_terms = _spread(trigrams(needle), TERMS), _spread(pairs, TERMS)
    proven = len(needle) <= 2  # noqa: PLR2004 - terms of one or two characters are exact

    def exact(row: _Candidate) -> bool:
        return needle in _row_titles(row)

    def prefix(row: _Candidate) -> bool:
        return any(t.startswith(needle) for t in _row_titles(row))

    def contains(row: _Candidate) -> bool:
        return any(needle in t for t in _row_titles(row))

    def overview(row: _Candidate) -> bool:
        return needle in fold(row.overview)

    return [
        _Class(EXACT, movie_title_grams, (title_hash(needle),), exact, proven=False),
        _Class(PREFIX, movie_title_grams, start, prefix, proven),
        _Class(CONTAINS, movie_title_grams, inside, contains, proven),
        _Class(
            OVERVIEW,
            movie_overview_grams,
            overview_terms,
            overview,
            proven,
            sifted=None if proven or not _printable(needle) else needle,
        ),
    ]


@attrs.frozen
class _Plan:
    """How a class is read: the driver's postings, probed for the other terms."""

    number: int
    klass: _Class
    driver: int
    probes: tuple[int, ...]
    estimate: int  # how many films hold the driver, up to PROBE_CAP


def _plan(number: int, klass: _Class, counts: dict[tuple[str, int], int]) -> _Plan:
    name = klass.table.name
    rarest = sorted(klass.terms, key=lambda t: counts.get((name, t), PROBE_CAP))
    driver = rarest[0]
    return _Plan(
        number, klass, driver, tuple(rarest[1 : 1 + MAX_PROBES]), counts.get((name, driver), 0)
    )


# -- Statements ------------------------------------------------------------------------------
#
# Built once per shape with bound parameters (building a join of aliases costs more
# than running it); each search passes its values at execution, so the statement object
# stays the same and SQLAlchemy finds its compiled form by the memoized cache key
# (`.params()` would copy the statement and make it derive the key again: ~8% of a search).

_TABLES: Final = {t.name: t for t in (movie_title_grams, movie_overview_grams)}
OVERFLOWING: Final = -1  # the `_class` of the cut overviews' films in a fetch
# Per stream: class number, table, probes, and whether the server sifts its candidates.
Shape = tuple[tuple[int, str, int, bool], ...]
Statement = Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]


def _big(name: str) -> BindParameter[int]:
    return bindparam(name, type_=BigInteger())


def _candidate_columns(klass: int, gram: ColumnElement[int], *, sqlite: bool) -> tuple[Any, ...]:
    """A candidate row: its class, its gram and its film's columns.

    On MySQL/MariaDB all in one JSON array (see `_from_json`), on SQLite plain columns.
    """
    number: ColumnElement[int] = literal_column(str(klass))
    if sqlite:
        return (number.label("_class"), gram.label("_gram"), movies)
    return (func.json_array(number, gram, *movies.c).label("candidate"),)


def _branch(
    position: int,
    number: int,
    table: Table,
    probes: int,
    sifted: bool,
    *,
    group: bool,
    sqlite: bool,
) -> Select[*tuple[Any, ...]]:
    """Candidates of one class, joined to their films, as stream number `position`.

    From gram `low_N` to `high_N`, the first `limit` in index order; or with `group`,
    all of the group `low_N`. When `sifted`, only those `_plain_filter` lets through.

    On MySQL and MariaDB the plan is fixed: the postings first (STRAIGHT_JOIN), the
    films by primary key (FORCE INDEX). Statistics that say the film table is tiny (a
    library just emptied and refilled, deleted postings not yet purged) made MariaDB
    scan the films first, join the postings through a join buffer and sort the lot; in
    tests such a statement ran at 100% of a core for minutes, until killed.
    """
    driver = table.alias("d")
    query = select(*_candidate_columns(number, driver.c.gram, sqlite=sqlite)).select_from(driver)
    for dialect in ("mysql", "mariadb"):
        query = query.prefix_with("STRAIGHT_JOIN", dialect=dialect).with_hint(
            movies, "FORCE INDEX (PRIMARY)", dialect
        )
    for i in range(probes):
        other = table.alias(f"p{i}")
        same = other.c.gram == driver.c.gram + _big(f"delta_{position}_{i}")
        query = query.join(other, same & (other.c.movie_id == driver.c.movie_id))
    query = query.join(movies, movies.c.id == driver.c.movie_id)
    if sifted:
        query = query.where(_plain_filter(position, sqlite=sqlite))
    low = _big(f"low_{position}")
    if group:
        return query.where(driver.c.gram == low)
    return (
        query.where(driver.c.gram >= low, driver.c.gram <= _big(f"high_{position}"))
        .order_by(driver.c.gram, driver.c.movie_id)
        .limit(bindparam("limit", type_=Integer()))
    )


@functools.cache
def _statement(
    shape: Shape, *, group: bool = False, overflowing: bool = False, sqlite: bool = False
) -> Statement:
    """The statement fetching the streams of `shape` (and the cut overviews' films).

    SQLite (which has no LIMIT in a compound's members) gets each stream wrapped in a
    subquery; MySQL and MariaDB take `(SELECT ... LIMIT n) UNION ALL (...)` as it is,
    and there the subqueries would cost a temporary table each: about twice the time.
    """
    branches = [
        _branch(position, number, _TABLES[name], probes, sifted, group=group, sqlite=sqlite)
        for position, (number, name, probes, sifted) in enumerate(shape)
    ]
    if overflowing:
        branches.append(
            select(*_candidate_columns(OVERFLOWING, literal_column("0"), sqlite=sqlite)).where(
                movies.c.overview_overflow == true()
            )
        )
    if len(branches) == 1:
        return branches[0]
    if not sqlite:
        return union_all(*branches)
    queries = [branch.subquery() for branch in branches]
    return union_all(*(select(*query.c) for query in queries))


def _printable(needle: str) -> bool:
    """Whether every character of `needle` is printable ASCII (space to tilde)."""
    return needle.isascii() and needle.isprintable()


# An overview holding a character outside printable ASCII, or two spaces in a row:
# where its `fold` may differ from its ASCII lower case. SQLite has GLOB, not REGEXP.
_NOT_PLAIN: Final = "[^ -~]|  "
_NOT_PLAIN_GLOB: Final = ("*[^ -~]*", "*  *")


def _plain_filter(position: int, *, sqlite: bool) -> ColumnElement[bool]:
    """The server's sieve for overview stream `position`: a superset of its matches.

    The overview class of a keyword whose bigrams are all common, such as "the tore",
    holds most English films while none may match. Each was sent (its film's columns
    as JSON) and checked here: 44,700 rows and 25 MB for "the tore" at 100,000 films,
    over a second. So the server keeps only the films whose overview contains the
    (printable ASCII) keyword in ASCII lower case, or is not plain (`_NOT_PLAIN`). For
    a plain overview `fold` is the ASCII lower case with the ends stripped (NFKC and
    case folding change no printable ASCII character, and its only whitespace is single
    spaces), so a plain overview that fails the first test cannot match: no match is
    lost, and the check still decides for every film sent. The overview column's binary
    collation makes MySQL's INSTR compare code points, as `in` and SQLite's do.
    """
    needle = bindparam(f"needle_{position}", type_=String())
    overview = movies.c.overview
    holds = func.instr(func.lower(overview), needle) > 0
    if sqlite:  # whose lower() and instr() are ASCII and code points already
        return or_(holds, *(overview.op("GLOB")(pattern) for pattern in _NOT_PLAIN_GLOB))
    return holds | overview.regexp_match(_NOT_PLAIN)


# Where a film's columns sit in a candidate's JSON array, after its class and gram.
_ID, _TITLE, _ORIGINAL, _OVERVIEW, _RATING, _ALIASES = (
    2 + FILM_COLUMNS.index(name)
    for name in ("id", "title", "original_title", "overview", "rating", "aliases")
)


def _from_json(candidate: str) -> _Candidate:
    """A candidate read from MySQL/MariaDB: class, gram and the film's columns in one JSON array.

    The driver under aiomysql (PyMySQL, pure Python) pays for every column of every row
    it reads; one JSON string decoded in C costs a search about a quarter less CPU than
    the film's 15 columns (`bench_search`'s repository search: 790-850 against 1,050 us).
    Both servers write a DOUBLE in JSON as they send it, to the last digit; SQLite's
    JSON rounds to 15 digits, and its driver is C anyway, so it reads plain columns.
    """
    values = parsed(candidate)
    return _Candidate(
        values[0],
        values[1],
        values[_ID],
        values[_RATING],
        values[_TITLE],
        values[_ORIGINAL],
        values[_ALIASES],
        values[_OVERVIEW],
        values[2:],
    )


def _from_row(row: RowMapping) -> _Candidate:
    """A candidate read from SQLite: plain columns."""
    return _Candidate(
        int(row["_class"]),
        int(row["_gram"]),
        row["id"],
        row["rating"],
        row["title"],
        row["original_title"],
        row["aliases"],
        row["overview"],
        row,
    )


def _values(plans: Sequence[tuple[_Plan, int]]) -> dict[str, int | str]:
    values: dict[str, int | str] = {}
    for position, (plan, low) in enumerate(plans):
        if plan.klass.sifted is not None:
            values[f"needle_{position}"] = plan.klass.sifted
        values[f"low_{position}"] = low
        values[f"high_{position}"] = _span(plan.driver)[1]
        for i, probe in enumerate(plan.probes):
            values[f"delta_{position}_{i}"] = (probe - plan.driver) << ORDER_BITS
    return values


def _shape(plans: Sequence[tuple[_Plan, int]]) -> Shape:
    return tuple(
        (p.number, p.klass.table.name, len(p.probes), p.klass.sifted is not None) for p, _ in plans
    )


async def _fetch(
    tx: Transaction, plans: Sequence[tuple[_Plan, int]], limit: int
) -> dict[int, list[_Candidate]]:
    """The first `limit` candidates of each (plan, from gram) in one statement, by class.

    The first fetch of the overview class brings the films whose overview the index
    cut along (class `OVERFLOWING`).
    """
    overflowing = any(p.klass.rank == OVERVIEW and low == _span(p.driver)[0] for p, low in plans)
    shape = _shape(plans)
    values = {"limit": limit, **_values(plans)}
    candidates = await _candidates(tx, shape, values, overflowing=overflowing)
    found: dict[int, list[_Candidate]] = {plan.number: [] for plan, _ in plans}
    if overflowing:
        found[OVERFLOWING] = []
    for row in candidates:
        found[row.klass].append(row)
    for number, found_rows in found.items():
        if number != OVERFLOWING:
            found_rows.sort(key=lambda r: (r.gram, r.id))
    return found


async def _candidates(
    tx: Transaction,
    shape: Shape,
    values: dict[str, int | str],
    *,
    group: bool = False,
    overflowing: bool = False,
) -> list[_Candidate]:
    """The candidates of a fetch."""
    statement = _statement(shape, group=group, overflowing=overflowing, sqlite=tx.sqlite)
    if tx.sqlite:
        return [_from_row(row) for row in (await tx.read(statement, values)).mappings()]
    return [_from_json(candidate) for (candidate,) in await tx.fetch(statement, values)]


async def _group(tx: Transaction, plan: _Plan, gram: int) -> list[_Candidate]:
    """Every candidate of one group (stored gram `gram`), by id."""
    values = _values([(plan, gram)])
    values.pop("high_0")
    rows = await _candidates(tx, _shape([(plan, gram)]), values, group=True)
    return sorted(rows, key=lambda r: r.id)


# -- Term counts ---------------------------------------------------------------------------

_counts: dict[tuple[str, int], tuple[int, float]] = {}


@functools.cache
def _count_statement(names: tuple[str, ...]) -> Statement:
    parts: list[Statement] = []
    for position, name in enumerate(names):
        table = _TABLES[name]
        capped = (
            select(table.c.movie_id)
            .where(
                table.c.gram >= _big(f"low_{position}"), table.c.gram <= _big(f"high_{position}")
            )
            .limit(PROBE_CAP)
            .subquery()
        )
        parts.append(select(literal_column(str(position)), func.count()).select_from(capped))
    return parts[0] if len(parts) == 1 else union_all(*parts)


async def _estimates(tx: Transaction, classes: Iterable[_Class]) -> dict[tuple[str, int], int]:
    """How many films hold each term, up to PROBE_CAP: kept, or counted in one statement."""
    now = time.monotonic()
    wanted = {(k.table.name, t) for k in classes for t in k.terms}
    known: dict[tuple[str, int], int] = {}
    for key in wanted:
        count, until = _counts.get(key, (0, 0.0))
        if until > now:
            known[key] = count
    missing = sorted(key for key in wanted if key not in known)
    if missing:
        values = {}
        for position, (_, term_) in enumerate(missing):
            values[f"low_{position}"], values[f"high_{position}"] = _span(term_)
        statement = _count_statement(tuple(name for name, _ in missing))
        if len(_counts) + len(missing) > COUNTS_KEPT:
            _counts.clear()
        for position, count in (await tx.read(statement, values)).all():
            key = missing[int(position)]
            known[key] = int(count)
            _counts[key] = (int(count), now + COUNTS_TTL)
    return known


def forget_counts() -> None:
    """Drop the kept term counts."""
    _counts.clear()


# -- The search ----------------------------------------------------------------------------


@attrs.define
class _Ranking:
    """The matches found so far (sorted at the end) and the films they are."""

    want: int
    ranked: list[tuple[SortKey, _Candidate]] = attrs.field(factory=list)
    taken: set[str] = attrs.field(factory=set)

    @property
    def full(self) -> bool:
        """Whether the first `want` matches are known: every film not read ranks after."""
        return len(self.ranked) >= self.want

    def consider(self, klass: _Class, row: _Candidate, *, indexed: bool = True) -> None:
        """Rank `row` in `klass` unless ranked before or not a match after all."""
        movie_id = row.id
        if movie_id in self.taken or ((not indexed or not klass.proven) and not klass.check(row)):
            return
        self.taken.add(movie_id)
        key = (klass.rank, -(row.rating or 0.0), row.title, movie_id)
        self.ranked.append((key, row))


async def search(tx: Transaction, keyword: str, page: PageRequest) -> Page[Movie]:
    """Films matching `keyword`, ranked as `match_rank` + `search_key` say, then by id."""
    needle = fold(keyword)
    if not needle:
        return Page((), 0, page)
    ranking = _Ranking(page.offset + page.page_size + 1)
    limit = ranking.want + SLACK
    classes = _classes(needle)
    counts = await _estimates(tx, classes)
    plans = [_plan(number, klass, counts) for number, klass in enumerate(classes)]
    fetched: dict[int, list[_Candidate]] = {}
    exhausted = True
    for plan in plans:
        if ranking.full:
            exhausted = False
            break
        if plan.number not in fetched:
            batch = _batch(plans, plan.number, ranking.want, set(fetched))
            fetched.update(await _fetch(tx, batch, limit))
        overflowing = fetched.pop(OVERFLOWING, []) if plan.klass.rank == OVERVIEW else []
        rows = fetched.pop(plan.number)
        if not await _read_class(tx, plan, rows, overflowing, ranking, limit):
            exhausted = False
            break
    ranking.ranked.sort(key=lambda pair: pair[0])
    chosen = ranking.ranked[page.offset : page.offset + page.page_size]
    return Page(
        tuple(row.movie() for _, row in chosen),
        len(ranking.ranked),
        page,
        total_exact=exhausted,
    )


def _batch(
    plans: Sequence[_Plan], first: int, want: int, fetched: set[int]
) -> list[tuple[_Plan, int]]:
    """The classes to fetch together from `first` on: those the counts say will be read.

    A count below PROBE_CAP is exact, and the candidates of a title class hold the
    matches of the title classes before it (an exact title starts with the keyword and
    contains it). So while those bounds say the classes so far hold fewer films than
    the page needs, the next class will be read anyway. A class whose driver no film
    holds joins too: reading it costs next to nothing. Those in `fetched` are read.
    """
    batch = [plans[first]] + [
        plan
        for plan in plans[first + 1 :]
        if plan.number not in fetched
        and (_bound(plans, plan.number - 1) < want or plan.estimate == 0)
    ]
    return [(plan, _span(plan.driver)[0]) for plan in batch]


def _bound(plans: Sequence[_Plan], last: int) -> float:
    """At most how many films the classes up to `last` hold, by the term counts."""

    def count(plan: _Plan) -> float:
        return math.inf if plan.estimate >= PROBE_CAP else plan.estimate

    titles = [count(p) for p in plans if p.klass.rank != OVERVIEW]
    if plans[last].klass.rank == OVERVIEW:
        return min(titles[-1], sum(titles)) + count(plans[last])
    return min(sum(titles[: last + 1]), *titles[last:])


async def _read_class(
    tx: Transaction,
    plan: _Plan,
    rows: list[_Candidate],
    overflowing_rows: list[_Candidate],
    ranking: _Ranking,
    limit: int,
) -> bool:
    """Rank the class's matches group by group until the ranking is full; whether it ended.

    `rows` are the first candidates from the class's first gram on, `limit` at most;
    `overflowing_rows` the films whose overview the index cut (overview class only).
    """
    overflowing = sorted(
        ((film_order(r.rating, r.title), r) for r in overflowing_rows),
        key=lambda pair: (pair[0], pair[1].id),
    )
    while True:
        if len(rows) < limit:  # the class ends within these rows
            _take(plan, rows, overflowing, None, ranking)
            return True
        # The last group may go on past these rows: rank up to the group before it,
        # unless that cannot fill the page anyway; then read the rest of the group.
        last = rows[-1].gram
        whole = [r for r in rows if r.gram < last]
        if len(ranking.ranked) + len(whole) < ranking.want:
            whole += await _group(tx, plan, last)
            last += 1
        _take(plan, whole, overflowing, whole[-1].gram & ORDER_MASK, ranking)
        if ranking.full:
            return False
        # Candidates that failed their check: read on in ever larger steps, so that a
        # keyword whose terms are everywhere but whose matches are few costs few statements.
        limit = min(limit * 2, MOST_ROWS)
        rows = (await _fetch(tx, [(plan, last)], limit))[plan.number]


def _take(
    plan: _Plan,
    rows: list[_Candidate],
    overflowing: list[tuple[int, _Candidate]],
    upto: int | None,
    ranking: _Ranking,
) -> None:
    """Rank `rows` (whole groups), and the cut overviews' films of their groups or before."""
    for row in rows:
        ranking.consider(plan.klass, row)
    while overflowing and (upto is None or overflowing[0][0] <= upto):
        ranking.consider(plan.klass, overflowing.pop(0)[1], indexed=False)
