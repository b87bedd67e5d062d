"""TMDB and Douban CSVs: metadata-only films keyed for merging, messy cells handled."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from pathlib import Path

from adapters.importers import Format, SourceFilm, detect, iter_films
from adapters.importers.metadata import douban_aliases, douban_director
from tests.unit.importers.data import DATA, needs_data

TMDB_HEADER = [
    "budget", "genres", "homepage", "id", "keywords", "original_language", "original_title",
    "overview", "popularity", "production_companies", "production_countries", "release_date",
    "revenue", "runtime", "spoken_languages", "status", "tagline", "title", "vote_average",
    "vote_count",
]  # fmt: skip


def _tmdb_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, TMDB_HEADER, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


FIGHT_CLUB = {
    "id": "550",
    "title": "Fight Club",
    "original_title": "Fight Club",
    "overview": 'A ticking-time-bomb insomniac... "fight clubs", everywhere.',
    "genres": json.dumps([{"id": 18, "name": "Drama"}, {"id": 53, "name": "Thriller"}]),
    "release_date": "1999-10-15",
    "vote_average": "8.3",
    "vote_count": "9413",
    "popularity": "146.757391",
}
UNRATED = {"id": "7", "title": "Nobody Voted", "vote_average": "0", "vote_count": "0"}


def _check_fight_club(film: SourceFilm) -> None:
    assert (film.source_key, film.tmdb_id, film.title) == ("tmdb:550", "550", "Fight Club")
    assert film.metadata_only
    assert (film.release_date, film.release_year) == (date(1999, 10, 15), 1999)
    assert (film.rating, film.popularity) == (8.3, 146.757391)
    assert film.genres == ("Drama", "Thriller")
    assert film.overview.startswith("A ticking-time-bomb")
    assert (film.characters, film.lines) == ((), ())


def test_tmdb_csv_rows(tmp_path: Path) -> None:
    """A plain TMDB CSV: ids make the keys, JSON genre cells become names, dates parse.

    A film nobody voted on has no rating rather than 0.
    """
    path = tmp_path / "movies.csv"
    path.write_text(_tmdb_csv([FIGHT_CLUB, UNRATED]), "utf-8")
    assert detect(path) is Format.TMDB_CSV
    fight_club, unrated = iter_films(path)
    _check_fight_club(fight_club)
    assert (unrated.rating, unrated.release_date, unrated.genres) == (None, None, ())
    assert fight_club.location == f"{path}:2"


def test_tmdb_csv_inside_a_zip(tmp_path: Path) -> None:
    """The zipped CSV is found inside the archive and streamed from it."""
    path = tmp_path / "tmdb.csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tmdb_5000_movies.csv", _tmdb_csv([FIGHT_CLUB]))
    assert detect(path) is Format.TMDB_CSV
    (film,) = iter_films(path)
    _check_fight_club(film)
    assert film.location == f"{path}!tmdb_5000_movies.csv:2"


DOUBAN = (
    "电影名称,别称,导演,主演,年代,地区,影片类型,评分,评价人数,简介\r\n"
    "搏击俱乐部,/\u00a0搏击会(港)  /  斗阵俱乐部(台),"
    "大卫·芬奇 David Fincher\u00a0\u00a0\u00a0主演: 爱德华·诺顿 Edward Norton / 布拉...,"
    "爱德华·诺顿 Edward Norton / 布拉...,,1999,剧情 动作 悬疑 惊悚,9.0,,\r\n"
    "霸王别姬,/\u00a0再见，我的妾  /  Farewell My Concubine,陈凯歌 Kaige Chen,张国荣 Le,"
    ",1993,剧情 爱情 同性,9.6,,\r\n"
    "茶馆,/\u00a0Teahouse(港 / 台),谢添,于是之,,1982(中国大陆),剧情 历史,9.6,,\r\n"
)


def test_douban_csv_rows(tmp_path: Path) -> None:
    """Douban rows give Chinese titles, aliases without region marks, and the director.

    The year is found wherever the scrape put it; films are keyed by folded title and year.
    """
    path = tmp_path / "douban.csv"
    path.write_bytes(DOUBAN.encode("utf-8-sig"))
    assert detect(path) is Format.DOUBAN_CSV
    fight_club, farewell, teahouse = iter_films(path)
    assert (fight_club.source_key, fight_club.title) == ("douban:搏击俱乐部:1999", "搏击俱乐部")
    assert fight_club.aliases == ("搏击会", "斗阵俱乐部")
    assert fight_club.director == "大卫·芬奇 David Fincher"
    assert (fight_club.release_year, fight_club.rating) == (1999, 9.0)
    assert fight_club.genres == ("剧情", "动作", "悬疑", "惊悚")
    assert fight_club.metadata_only
    assert farewell.aliases == ("再见，我的妾", "Farewell My Concubine")
    assert (teahouse.aliases, teahouse.release_year) == (("Teahouse",), 1982)


def test_douban_cell_rules() -> None:
    """Region and note marks go, repeats and the title itself are dropped."""
    assert douban_aliases("/ 千与千寻(港)  /  千与千寻 / 神隐少女(台)", "千与千寻") == ("神隐少女",)
    assert douban_aliases("/ 倩女幽魂(87版)  /  大英雄 (日本)", "X") == ("倩女幽魂", "大英雄")
    assert douban_director("吕克·贝松 Luc Be") == "吕克·贝松 Luc Be"
    assert douban_director("A / B\u00a0\u00a0\u00a0主...") == "A / B"


@needs_data
def test_real_douban_top_250() -> None:
    """250 films; 搏击俱乐部 has the alias 斗阵俱乐部."""
    films = list(iter_films(DATA / "douban" / "douban_top250.csv"))
    assert len(films) == 250
    assert len({f.source_key for f in films}) == 250
    fight_club = next(f for f in films if f.title == "搏击俱乐部")
    assert "斗阵俱乐部" in fight_club.aliases
    assert fight_club.release_year == 1999
    assert all(f.release_year and f.rating for f in films)
    assert not any(f.problems for f in films)


@needs_data
def test_real_tmdb_fight_club() -> None:
    """Row 550 of the zipped TMDB 5000 has its overview, rating and release date."""
    films = list(iter_films(DATA / "tmdb" / "tmdb_5000_movies.csv.zip"))
    assert len(films) == 4803
    fight_club = next(f for f in films if f.tmdb_id == "550")
    assert fight_club.overview
    assert fight_club.rating == 8.3
    assert fight_club.release_date == date(1999, 10, 15)
    assert fight_club.source_key == "tmdb:550"
