"""Which stored film a source film goes into, and whether it changed since last time.

Loaded once per import from the database (the source bookkeeping at once, the film
titles on the first film that needs them) and kept current as films are committed, so
matching costs no query per film. Memory grows with the number of films, not lines.

A source film goes, in this order, into:
1. the film its source key went into before (same kind of source first: a screenplay
   named `--tmdb-id 550` and the TMDB row share the key `tmdb:550`);
2. the film with its TMDB id;
3. the film its source key would create, if it exists;
4. a film with one of its titles (folded) and its release year, whose TMDB id does not
   differ, that no source of the same catalogue (`douban`, `tmdb`...) reached yet
   (a catalogue lists a film once), and which, for a cast source, has no cast yet;
5. else a new film.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import attrs
from sqlalchemy import Connection, exists, or_, select

from adapters.importers.records import SourceFilm
from adapters.sql.bulk.ids import movie_id as movie_id_of
from adapters.sql.bulk.rows import Kind
from adapters.sql.mappers._json import texts
from adapters.sql.tables import character_dialogues, characters, movie_sources, movies
from npc_core.model import Movie, fold

TitleKey = tuple[str, int]


def catalogue(source_key: str) -> str:
    """The catalogue a source key belongs to: `tmdb` for `tmdb:550`."""
    return source_key.split(":", 1)[0]


def title_keys(titles: Iterable[str | None], year: int | None) -> set[TitleKey]:
    """The (folded title, year) pairs a film is matched by; none without a year."""
    if year is None:
        return set()
    return {(fold(t), year) for t in titles if t and fold(t)}


@attrs.define
class _Film:
    tmdb_id: str | None
    keys: set[TitleKey]


class Directory:
    """Stored films and sources, as far as matching needs them."""

    def __init__(self, connection: Connection) -> None:
        self._sources: dict[tuple[str, str], tuple[str, str]] = {}
        self._catalogues: dict[str, set[str]] = defaultdict(set)
        for key, kind, movie, digest in connection.execute(
            select(
                movie_sources.c.source_key,
                movie_sources.c.kind,
                movie_sources.c.movie_id,
                movie_sources.c.digest,
            )
        ):
            self._remember_source(key, Kind(kind), movie, digest)
        self._films: dict[str, _Film] | None = None
        self._by_tmdb: dict[str, str] = {}
        self._by_title: dict[TitleKey, set[str]] = defaultdict(set)

    def _remember_source(self, key: str, kind: Kind, movie: str, digest: str) -> None:
        self._sources[key, kind] = (movie, digest)
        if kind is Kind.METADATA:
            self._catalogues[movie].add(catalogue(key))

    def unchanged(self, film: SourceFilm, kind: Kind, digest: str) -> str | None:
        """The film's id if this very source was imported with this digest before."""
        known = self._sources.get((film.source_key, kind))
        return known[0] if known is not None and known[1] == digest else None

    def likely_id(self, film: SourceFilm, kind: Kind) -> str:
        """The film id `film` most likely goes into, without asking the database.

        Right unless a new source merges into another film (by TMDB id or title).
        """
        for each in (kind, *(k for k in Kind if k is not kind)):
            known = self._sources.get((film.source_key, each))
            if known is not None:
                return known[0]
        return movie_id_of(film.source_key)

    def is_new(self, film: SourceFilm) -> bool:
        """Whether no source with this key was ever imported (the film is likely new)."""
        return not any((film.source_key, k) in self._sources for k in Kind)

    def metadata_owned(self, movie_id: str) -> bool:
        """Whether a metadata source has reached the film."""
        return bool(self._catalogues.get(movie_id))

    def resolve(self, connection: Connection, film: SourceFilm, kind: Kind) -> str | None:
        """The id of the stored film `film` goes into; None for a new film."""
        if not self.is_new(film):
            return self.likely_id(film, kind)
        films = self._loaded(connection)
        if film.tmdb_id is not None and film.tmdb_id in self._by_tmdb:
            return self._by_tmdb[film.tmdb_id]
        own = movie_id_of(film.source_key)
        if own in films:
            return own
        year = film.release_year or (film.release_date.year if film.release_date else None)
        candidates: set[str] = set()
        for key in title_keys((film.title, film.original_title, *film.aliases), year):
            candidates |= self._by_title.get(key, set())
        for candidate in sorted(candidates):
            if self._accepts(connection, candidate, film, kind):
                return candidate
        return None

    def _accepts(
        self, connection: Connection, candidate: str, film: SourceFilm, kind: Kind
    ) -> bool:
        stored = self._loaded(connection)[candidate]
        if film.tmdb_id is not None and stored.tmdb_id not in (None, film.tmdb_id):
            return False
        if catalogue(film.source_key) in self._catalogues.get(candidate, set()):
            return False
        return kind is Kind.METADATA or not _has_cast(connection, candidate)

    def record(self, movie: Movie, source_key: str, kind: Kind, digest: str) -> None:
        """Remember a committed film and the source it was written from."""
        self._remember_source(source_key, kind, movie.id, digest)
        if self._films is not None:
            titles = (movie.title, movie.original_title, *movie.aliases)
            self._index(self._films, movie.id, movie.tmdb_id, titles, movie.release_year)

    def _loaded(self, connection: Connection) -> dict[str, _Film]:
        if self._films is None:
            films: dict[str, _Film] = {}
            self._films = films
            columns = (movies.c.id, movies.c.tmdb_id, movies.c.title)
            more = (movies.c.original_title, movies.c.aliases, movies.c.release_year)
            for movie, tmdb_id, title, original, aliases, year in connection.execute(
                select(*columns, *more)
            ):
                self._index(films, movie, tmdb_id, (title, original, *texts(aliases)), year)
        return self._films

    def _index(
        self,
        films: dict[str, _Film],
        movie: str,
        tmdb_id: str | None,
        titles: Iterable[str | None],
        year: int | None,
    ) -> None:
        old = films.get(movie)
        if old is not None:
            for key in old.keys:
                self._by_title[key].discard(movie)
        keys = title_keys(titles, year)
        films[movie] = _Film(tmdb_id, keys)
        for key in keys:
            self._by_title[key].add(movie)
        if tmdb_id is not None:
            self._by_tmdb.setdefault(tmdb_id, movie)


def _has_cast(connection: Connection, movie_id: str) -> bool:
    """Whether the film has characters or lines."""
    query = select(
        or_(
            exists().where(characters.c.movie_id == movie_id),
            exists().where(character_dialogues.c.movie_id == movie_id),
        )
    )
    return bool(connection.execute(query).scalar())
