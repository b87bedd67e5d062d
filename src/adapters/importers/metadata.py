"""Film metadata tables: the TMDB 5000 CSV (plain or zipped) and the Douban top-250 CSV.

Both give `metadata_only` films: no cast or lines, merged by the writer into a film
that has the same TMDB id (`tmdb:<id>`), or the same folded title and year, and
created when there is none. Rows are streamed; a bad row is reported and skipped.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from adapters.importers.assemble import error, where
from adapters.importers.checks import finish
from adapters.importers.records import Problem, SourceFilm
from adapters.importers.text import collapse, decode
from npc_core.model import fold

TMDB_COLUMNS = frozenset({"id", "title", "overview", "genres", "release_date", "vote_average"})
DOUBAN_COLUMNS = ("电影名称", "别称", "导演", "主演", "年代", "地区", "影片类型", "评分")
_YEAR = re.compile(r"(?<!\d)(18[7-9]\d|19\d\d|2[01]\d\d)(?!\d)")
# Region and note marks after an alias: (港), (台), (港 / 台), (豆友译名), (87版).
_MARK = re.compile(r"\s*[(（][^()（）]*[\u4e00-\u9fff][^()（）]*[)）]")
_DIRECTOR_END = re.compile(r"\s*(?:主演\s*[:：]|\u00a0{2,}|\s{3,}).*$", re.DOTALL)
_SAMPLE = 64 * 1024  # bytes read to recognise a header


def header_of(data: bytes) -> list[str]:
    """The first CSV row of `data` (a file's first bytes), BOM and encoding handled."""
    text = decode(data[:_SAMPLE], partial=True).text
    first = text.split("\n", 1)[0]
    try:
        return [cell.strip() for cell in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return []


def is_tmdb_header(header: list[str]) -> bool:
    """Whether a CSV header is the TMDB 5000 movies file's."""
    return set(header) >= TMDB_COLUMNS


def is_douban_header(header: list[str]) -> bool:
    """Whether a CSV header is the Douban top-250 file's (Chinese column names)."""
    return all(column in header for column in DOUBAN_COLUMNS[:3]) and "评分" in header


def tmdb_member(path: Path) -> str | None:
    """The name of the TMDB CSV inside the zip at `path`, if it holds one."""
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.lower().endswith(".csv") and not name.startswith("__MACOSX"):
                    with archive.open(name) as member:
                        if is_tmdb_header(header_of(member.read(_SAMPLE))):
                            return name
    except (zipfile.BadZipFile, OSError):
        return None
    return None


@contextmanager
def _open_text(path: Path) -> Iterator[tuple[io.TextIOBase, str]]:
    """The CSV text of `path` (or of the TMDB CSV in the zip at `path`) and its label."""
    if zipfile.is_zipfile(path):
        name = tmdb_member(path)
        if name is None:
            raise FileNotFoundError(f"{path} holds no TMDB movies CSV")
        with zipfile.ZipFile(path) as archive, archive.open(name) as raw:
            yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), f"{path}!{name}"
    else:  # a plain CSV is small enough to decode whole, whatever its encoding
        yield io.StringIO(decode(path.read_bytes()).text, newline=""), str(path)


def _number(cell: str | None) -> float | None:
    try:
        return float(cell) if cell else None
    except ValueError:
        return None


def _genre_names(cell: str) -> tuple[str, ...]:
    """Names in TMDB's JSON genre cell: `[{"id": 18, "name": "Drama"}]` -> ("Drama",)."""
    try:
        value = json.loads(cell or "[]")
    except ValueError:
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(
        str(g["name"]).strip() for g in value if isinstance(g, dict) and str(g.get("name", ""))
    )


def read_tmdb(path: Path) -> Iterator[SourceFilm]:
    """The films of the TMDB 5000 movies CSV, one per row, keyed `tmdb:<id>`."""
    with _open_text(path) as (text, label):
        rows = csv.DictReader(text)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                yield _bad_row(label, rows.line_num, f"unreadable CSV row: {exc}")
                continue
            yield _tmdb_film(row, label, rows.line_num)


def _bad_row(label: str, line: int, reason: str) -> SourceFilm:
    at = where(label, line)
    return SourceFilm(f"csv:{Path(label).name}:{line}", at, at, problems=(error(at, reason),))


def _tmdb_film(row: dict[str, str], label: str, line: int) -> SourceFilm:
    problems: list[Problem] = []
    at = where(label, line)
    tmdb_id = (row.get("id") or "").strip()
    if not tmdb_id.isdigit():
        return _bad_row(label, line, "row without a TMDB id")
    released: date | None = None
    raw_date = (row.get("release_date") or "").strip()
    if raw_date:
        try:
            released = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(error(at, f"release date {raw_date!r} is not YYYY-MM-DD"))
    votes = _number(row.get("vote_count"))
    rating = _number(row.get("vote_average"))
    title = collapse(row.get("title") or row.get("original_title") or "")
    film = SourceFilm(
        f"tmdb:{tmdb_id}",
        title,
        at,
        original_title=collapse(row.get("original_title") or "") or None,
        overview=(row.get("overview") or "").strip(),
        tmdb_id=tmdb_id,
        release_year=released.year if released else None,
        release_date=released,
        # With no votes, TMDB's 0 average means "not rated", not "rated 0".
        rating=rating if rating is not None and votes != 0 else None,
        popularity=_number(row.get("popularity")) or 0.0,
        genres=_genre_names(row.get("genres") or ""),
        metadata_only=True,
    )
    return finish(film, problems)


def douban_aliases(cell: str, title: str) -> tuple[str, ...]:
    """The aliases of a Douban `别称` cell: split on `/`, region marks and spaces dropped.

    `/ 搏击会(港)  /  斗阵俱乐部(台)` -> ("搏击会", "斗阵俱乐部"); the title itself and
    repeats are left out.
    """
    seen = {fold(title)}
    aliases: list[str] = []
    for part in _MARK.sub("", cell.replace("\u00a0", " ")).split("/"):
        alias = " ".join(part.split())
        if alias and fold(alias) not in seen:
            seen.add(fold(alias))
            aliases.append(alias)
    return tuple(aliases)


def douban_director(cell: str) -> str | None:
    """The director of a Douban `导演` cell, without the `主演: ...` the scrape ran into it."""
    director = " ".join(_DIRECTOR_END.sub("", cell).split()).removesuffix("...").strip()
    return director or None


def read_douban(path: Path) -> Iterator[SourceFilm]:
    """The films of a Douban top-250 CSV, keyed `douban:<folded title>:<year>`."""
    with _open_text(path) as (text, label):
        rows = csv.reader(text)
        header = [cell.strip() for cell in next(rows, [])]
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            record = dict(zip(header, row, strict=False))
            yield _douban_film(record, where(label, rows.line_num))


def _douban_film(record: dict[str, str], at: str) -> SourceFilm:
    title = collapse(record.get("电影名称", ""))
    # The scrape shifted columns: the year may sit in 年代 or in 地区 (`1961(中国大陆)`).
    year_match = _YEAR.search(record.get("年代", "")) or _YEAR.search(record.get("地区", ""))
    year = int(year_match.group()) if year_match else None
    key = f"douban:{fold(title)}:{year}" if year else f"douban:{fold(title)}"
    film = SourceFilm(
        key,
        title,
        at,
        overview=record.get("简介", "").strip(),
        release_year=year,
        rating=_number(record.get("评分", "").strip()),
        genres=tuple(record.get("影片类型", "").split()),
        aliases=douban_aliases(record.get("别称", ""), title),
        director=douban_director(record.get("导演", "")),
        metadata_only=True,
    )
    return finish(film, [])
