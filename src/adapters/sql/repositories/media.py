"""Monologues, synthesized audio and audio comics."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from adapters.sql.mappers.media import (
    audio_from,
    audio_row,
    comic_from,
    comic_row,
    monologue_from,
    monologue_row,
)
from adapters.sql.repositories._rows import get_owned
from adapters.sql.tables import audio_files, comics, monologues
from adapters.sql.transaction import Transaction
from npc_core.errors import NotFound
from npc_core.model import AudioFile, Comic, Monologue


class SqlMonologueRepository:
    """Generated monologues."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, monologue_id: str, user_id: str) -> Monologue | None:
        """Return the user's monologue, or None."""
        return await get_owned(self._tx, monologues, monologue_id, user_id, monologue_from)

    async def add(self, monologue: Monologue) -> None:
        """Add a monologue; `Conflict` when the id is taken."""
        await self._tx.write(insert(monologues).values(monologue_row(monologue)))


class SqlAudioRepository:
    """Synthesized audio files (the bytes live in object storage)."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, audio_id: str, user_id: str) -> AudioFile | None:
        """Return the user's audio file, or None."""
        return await get_owned(self._tx, audio_files, audio_id, user_id, audio_from)

    async def add(self, audio: AudioFile) -> None:
        """Add an audio file; `Conflict` when the id is taken."""
        await self._tx.write(insert(audio_files).values(audio_row(audio)))


class SqlComicRepository:
    """Audio comics, found by owner or by share token; views counted atomically."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, comic_id: str, user_id: str) -> Comic | None:
        """Return the user's comic, or None."""
        return await get_owned(self._tx, comics, comic_id, user_id, comic_from)

    async def for_work(self, work_id: str, user_id: str) -> Comic | None:
        """Return the user's newest comic of the work, or None."""
        found = await self._tx.read(
            select(comics)
            .where(comics.c.user_id == user_id, comics.c.work_id == work_id)
            .order_by(comics.c.created_at.desc(), comics.c.id.desc())
            .limit(1)
        )
        row = found.mappings().first()
        return None if row is None else comic_from(row)

    async def by_share_token(self, token: str) -> Comic | None:
        """Return the comic shared under `token`, whoever owns it, or None."""
        found = await self._tx.read(select(comics).where(comics.c.share_token == token))
        row = found.mappings().first()
        return None if row is None else comic_from(row)

    async def add(self, comic: Comic) -> None:
        """Add a comic; `Conflict` when the id or the share token is taken."""
        await self._tx.write(insert(comics).values(comic_row(comic)))

    async def count_view(self, comic_id: str) -> None:
        """Count one view: an atomic increment, so concurrent views all count."""
        result = await self._tx.write(
            update(comics).where(comics.c.id == comic_id).values(view_count=comics.c.view_count + 1)
        )
        if result.rowcount == 0:
            raise NotFound("comic", comic_id)
