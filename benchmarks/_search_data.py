"""A large film library for `bench_search`, bulk-loaded straight into MariaDB.

Titles come from the TMDB 5000 CSV (English and original titles, overviews) and the
Douban top-250 CSV (Chinese titles and aliases), varied with sequels, editions and
combinations so that 100,000 films are not 5,000 copies. Search-index rows are made by
`adapters.sql.search.index_rows`, the function the repository's `add` writes them with;
lines come numbered (`film_position`, `character_position`) as `number_lines` numbers
them, since they are generated in film order.

Loading: multi-row INSERTs (PyMySQL's `executemany`) with unique and foreign-key
checks off for the session. The gram tables are written in primary-key order (every
film's grams sorted by gram code), with their `movie_id` index and foreign key dropped
during the load and put back afterwards exactly as the migration made them (the caller
checks with `alembic check`), so InnoDB appends instead of splitting random pages.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine

from adapters.sql.bulk.rows import CHARACTER_COLUMNS, LINE_COLUMNS
from adapters.sql.search import index_rows
from npc_core.model import Movie

DATA: Final = Path(__file__).resolve().parents[2] / "shared" / "data"
TMDB_ZIP: Final = DATA / "tmdb" / "tmdb_5000_movies.csv.zip"
DOUBAN_CSV: Final = DATA / "douban" / "douban_top250.csv"

# Bumped whenever what `load` writes changes: a cached bench database (NPC_BENCH_CACHE)
# made by another version is loaded again.
DATA_VERSION: Final = "3"
BATCH: Final = 5_000
MOVIE_BATCH: Final = 1_000
ID_BITS: Final = 20  # film numbers below 2**20 pack beside a gram code into one int
CHARACTERS_PER_FILM: Final = 3
BIG_FILM_CHARACTERS: Final = 12

EN_SUFFIXES: Final = (
    "",
    " 2",
    " 3",
    " II",
    ": Reloaded",
    ": The Return",
    " (Director's Cut)",
    ": Origins",
    " Forever",
    ": Part {n}",
    " {n}",
    ": Episode {n}",
)
EN_PREFIXES: Final = ("", "", "", "Return of ", "The Legend of ", "Son of ", "Beyond ")
ZH_SUFFIXES: Final = (
    "",
    " 2",
    "2",
    "3：终极版",
    "：重制版",
    "之人生",
    "前传",
    "（导演剪辑版）",
    " 第{n}部",
    "{n}",
    "：新篇章",
    "外传",
)
ZH_PREFIXES: Final = ("", "", "", "新", "重返", "再见", "大")
ZH_SENTENCES: Final = (
    "一个关于爱与失去的故事。",
    "他在人生最低谷时遇见了改变命运的人。",
    "这是一部献给所有追梦人的电影。",
    "战争结束后，她带着秘密回到故乡。",
    "两个陌生人在雨夜的车站相遇。",
    "友情、背叛与救赎交织在一起。",
    "小镇上发生的离奇案件让所有人不安。",
    "在星空下，他们许下了永远的约定。",
    "为了家人，他必须做出最艰难的选择。",
    "俱乐部里的每个人都藏着不为人知的过去。",
    "一场突如其来的灾难改变了整座城市。",
    "她用一生去寻找失散多年的亲人。",
    "少年踏上了寻找自我的旅程。",
    "爱情总是在最不经意的时候到来。",
)


@dataclass(frozen=True)
class Source:
    """One real film the generated ones are varied from."""

    title: str
    original: str | None
    overview: str
    genres: tuple[str, ...]
    year: int | None
    rating: float | None
    aliases: tuple[str, ...] = ()
    director: str | None = None


@dataclass(frozen=True)
class Loaded:
    """What was loaded, how long it took, and the film with the most lines."""

    movies: int
    title_grams: int
    overview_grams: int
    overflowing: int
    characters: int
    lines: int
    big_film: str
    big_film_lines: int
    seconds: dict[str, float]


def film_id(number: int) -> str:
    """A UUID-shaped id whose string order is the number's."""
    return f"00000000-0000-4000-8000-{number:012x}"


def tmdb_sources() -> list[Source]:
    """Every TMDB film with a title and an overview."""
    found = []
    with zipfile.ZipFile(TMDB_ZIP) as archive, archive.open("tmdb_5000_movies.csv") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, "utf-8")):
            title, overview = row["title"].strip(), row["overview"].strip()
            if not title or not overview:
                continue
            year = row["release_date"][:4]
            found.append(
                Source(
                    title=title[:150],
                    original=row["original_title"].strip()[:150] or None,
                    overview=overview,
                    genres=tuple(g["name"] for g in json.loads(row["genres"] or "[]")),
                    year=int(year) if year.isdigit() else None,
                    rating=float(row["vote_average"] or 0) or None,
                )
            )
    return found


def douban_sources() -> list[Source]:
    """Every Douban film, its aliases split and cleaned, a Chinese overview synthesized."""
    found = []
    with DOUBAN_CSV.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            title = row["电影名称"].strip()
            if not title:
                continue
            aliases = tuple(
                re.sub(r"\((港|台|港 / 台)\)", "", a).strip()[:100]
                for a in row["别称"].split("/")
                if a.strip() and a.strip() not in {"港", "台)", "台"}
            )
            director = row["导演"].split("主演")[0].strip()[:60] or None
            genres = tuple(row["影片类型"].split())
            year = re.sub(r"\D", "", row["年代"])[:4]
            try:
                rating = float(row["评分"])
            except ValueError:
                rating = None
            overview = row["简介"].strip() or (
                f"{year or '某'}年{'、'.join(genres) or '剧情'}片，由{director or '佚名'}执导。"
            )
            found.append(
                Source(
                    title=title[:100],
                    original=next((a for a in aliases if a.isascii()), None),
                    overview=overview,
                    genres=genres,
                    year=int(year) if year.isdigit() and 1870 <= int(year) <= 2200 else None,
                    rating=rating if rating is not None and 0 <= rating <= 10 else None,
                    aliases=aliases[:4],
                    director=director,
                )
            )
    return found


def _vary(text: str, affixes: tuple[Sequence[str], Sequence[str]], rng: random.Random) -> str:
    prefix = rng.choice(affixes[0])
    suffix = rng.choice(affixes[1]).format(n=rng.randint(2, 40))
    return f"{prefix}{text}{suffix}"[:200]


def make_movies(count: int, seed: int = 5000) -> list[Movie]:
    """`count` films: 60% varied TMDB films, 40% varied Douban films (Chinese)."""
    rng = random.Random(seed)
    tmdb, douban = tmdb_sources(), douban_sources()
    en = (EN_PREFIXES, EN_SUFFIXES)
    zh = (ZH_PREFIXES, ZH_SUFFIXES)
    movies = []
    for number in range(count):
        if number % 5 < 3:
            src = tmdb[number % len(tmdb)] if number < len(tmdb) else rng.choice(tmdb)
            first = number < len(tmdb)
            title = src.title if first else _vary(src.title, en, rng)
            original = (
                src.original if first or src.original is None else _vary(src.original, en, rng)
            )
            aliases: tuple[str, ...] = ()
            if rng.random() < 0.1:
                aliases = (_vary(rng.choice(douban).title, zh, rng),)
            overview = src.overview
        else:
            src = rng.choice(douban)
            title = src.title if number < 5 * len(douban) else _vary(src.title, zh, rng)
            if rng.random() < 0.15:
                title = f"{title}与{rng.choice(douban).title}"[:200]
            original = src.original
            aliases = src.aliases
            picked = rng.sample(ZH_SENTENCES, rng.randint(2, 6))
            overview = src.overview + "".join(picked)
        movies.append(
            Movie(
                id=film_id(number),
                title=title,
                original_title=original,
                overview=overview,
                tmdb_id=None,
                rating=round(min(10.0, max(0.0, (src.rating or 6.0) + rng.uniform(-1, 1))), 1),
                popularity=round(rng.uniform(0, 200), 3),
                genres=src.genres,
                aliases=aliases,
                release_year=src.year,
                director=src.director,
            )
        )
    return movies


def _batches(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]
) -> int:
    """Multi-row INSERTs of `rows`, `BATCH`-sized transactions; how many rows."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 - our own names
    done = 0
    size = MOVIE_BATCH if table == "movies" else BATCH
    for batch in _batches(rows, size):
        connection.exec_driver_sql(sql, batch)
        connection.commit()
        done += len(batch)
    return done


MOVIE_COLUMNS: Final = (
    "id",
    "title",
    "original_title",
    "overview",
    "tmdb_id",
    "poster_url",
    "rating",
    "popularity",
    "genres",
    "aliases",
    "release_year",
    "director",
    "created_at",
    "overview_overflow",
)


def _line_pool(movies: Sequence[Movie], rng: random.Random) -> list[str]:
    pool: list[str] = []
    for movie in movies[:6000]:
        pool.extend(s.strip()[:300] for s in re.split(r"(?<=[.!?。！？])\s*", movie.overview))
    pool.extend(ZH_SENTENCES)
    pool = [p for p in pool if p]
    rng.shuffle(pool)
    return pool


NAMES: Final = ("Tyler", "Marla", "Jack", "Forrest", "Jenny", "林舟", "阿甘", "小美", "老王", "Bob")


def load(engine: Engine, count: int, lines: int, big_film_lines: int) -> Loaded:
    """Generate and load `count` films and `lines` lines (`big_film_lines` in one film)."""
    if count >= 1 << ID_BITS:
        raise ValueError("too many films for the packed sort key")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    movies = make_movies(count)
    seconds["generate films"] = time.perf_counter() - started

    started = time.perf_counter()
    title_keys: list[int] = []
    overview_keys: list[int] = []
    overflow = set()
    for number, movie in enumerate(movies):
        titles, overview, overflowing = index_rows(movie)
        title_keys.extend(row["gram"] << ID_BITS | number for row in titles)
        overview_keys.extend(row["gram"] << ID_BITS | number for row in overview)
        if overflowing:
            overflow.add(number)
    title_keys.sort()
    overview_keys.sort()
    seconds["compute index rows (search.index_rows)"] = time.perf_counter() - started

    ids = [m.id for m in movies]
    mask = (1 << ID_BITS) - 1
    with engine.connect() as connection:
        connection.exec_driver_sql("SET SESSION unique_checks = 0, foreign_key_checks = 0")
        started = time.perf_counter()
        _insert(
            connection,
            "movies",
            MOVIE_COLUMNS,
            (
                (
                    m.id,
                    m.title,
                    m.original_title,
                    m.overview,
                    m.tmdb_id,
                    m.poster_url,
                    m.rating,
                    m.popularity,
                    json.dumps(list(m.genres), ensure_ascii=False),
                    json.dumps(list(m.aliases), ensure_ascii=False),
                    m.release_year,
                    m.director,
                    None,
                    n in overflow,
                )
                for n, m in enumerate(movies)
            ),
        )
        seconds["insert films"] = time.perf_counter() - started
        for table, keys in (
            ("movie_title_grams", title_keys),
            ("movie_overview_grams", overview_keys),
        ):
            started = time.perf_counter()
            connection.exec_driver_sql(
                f"ALTER TABLE {table} DROP FOREIGN KEY fk_{table}_movie_id_movies, "
                f"DROP INDEX ix_{table}_movie_id"
            )
            _insert(
                connection,
                table,
                ("gram", "movie_id"),
                ((k >> ID_BITS, ids[k & mask]) for k in keys),
            )
            connection.exec_driver_sql(
                f"ALTER TABLE {table} ADD INDEX ix_{table}_movie_id (movie_id), "
                f"ADD CONSTRAINT fk_{table}_movie_id_movies FOREIGN KEY (movie_id) "
                "REFERENCES movies (id) ON DELETE CASCADE"
            )
            seconds[f"insert {table}"] = time.perf_counter() - started

        counts = _load_lines(connection, movies, lines, big_film_lines, seconds)
        connection.exec_driver_sql(
            "ANALYZE TABLE movies, movie_title_grams, movie_overview_grams, characters, "
            "character_dialogues"
        ).all()
    return Loaded(
        movies=count,
        title_grams=len(title_keys),
        overview_grams=len(overview_keys),
        overflowing=len(overflow),
        characters=counts[0],
        lines=counts[1],
        big_film=ids[0],
        big_film_lines=big_film_lines,
        seconds=seconds,
    )


def _load_lines(
    connection: Connection,
    movies: Sequence[Movie],
    lines: int,
    big_film_lines: int,
    seconds: dict[str, float],
) -> tuple[int, int]:
    """Characters and lines, `big_film_lines` of them in the first film; both counts."""
    count = len(movies)
    ids = [m.id for m in movies]
    started = time.perf_counter()
    rng = random.Random(7)
    pool = _line_pool(movies, rng)
    films_with_lines = min(count - 1, (lines - big_film_lines) // 10)
    per_film = [big_film_lines] + [
        (lines - big_film_lines) // films_with_lines
        + (1 if n < (lines - big_film_lines) % films_with_lines else 0)
        for n in range(films_with_lines)
    ]
    character_rows: list[tuple[Any, ...]] = []
    speakers: list[list[tuple[str, str]]] = []
    for n, total in enumerate(per_film):
        cast = BIG_FILM_CHARACTERS if n == 0 else CHARACTERS_PER_FILM
        chars = []
        for c in range(cast):
            cid = f"00000000-0000-4000-9000-{n * 16 + c:012x}"
            name = f"{NAMES[(n + c) % len(NAMES)]}{c}"
            chars.append((cid, name))
            character_rows.append(
                (cid, ids[n], name, "", None, 5 if c == 0 else 2, total // cast, "[]")
            )
        speakers.append(chars)
    _insert(connection, "characters", CHARACTER_COLUMNS, iter(character_rows))
    seconds["insert characters"] = time.perf_counter() - started

    started = time.perf_counter()

    def line_rows() -> Iterator[tuple[Any, ...]]:
        serial = 0
        for n, total in enumerate(per_film):
            chars = speakers[n]
            spoken = dict.fromkeys((cid for cid, _ in chars), 0)
            for order in range(total):
                cid, name = chars[(order * 7 + order // 5) % len(chars)]
                serial += 1
                spoken[cid] += 1
                yield (
                    f"00000000-0000-4000-a000-{serial:012x}",
                    ids[n],
                    cid,
                    order,
                    pool[serial % len(pool)],
                    name,
                    None,
                    order * 3000,
                    order * 3000 + 2500,
                    # Numbered as `number_lines` does: orders and ids both increase.
                    order,
                    spoken[cid] - 1,
                )

    written = _insert(connection, "character_dialogues", LINE_COLUMNS, line_rows())
    seconds["insert dialogue lines"] = time.perf_counter() - started
    return len(character_rows), written
