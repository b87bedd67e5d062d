"""Object storage in a dict."""

from __future__ import annotations

from urllib.parse import quote

from npc_core.errors import NotFound
from npc_core.ports import StoredObject


class MemoryObjectStorage:
    """Files kept in memory; URLs use a `memory://` scheme no client can fetch."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[bytes, str]] = {}

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        """Store `data` under `key`, replacing what was there."""
        self._files[key] = (bytes(data), content_type)
        return StoredObject(key, len(data), content_type)

    async def get(self, key: str) -> bytes:
        """Return the file's bytes; `NotFound` when there is none."""
        try:
            return self._files[key][0]
        except KeyError:
            raise NotFound("file", key) from None

    async def delete(self, key: str) -> None:
        """Remove the file, if any."""
        self._files.pop(key, None)

    async def exists(self, key: str) -> bool:
        """Return whether a file is stored under `key`."""
        return key in self._files

    async def url(self, key: str, expires_in: int = 3600) -> str:
        """Return a URL naming the key and its lifetime (like a signed URL, not checked)."""
        return f"memory://{quote(key, safe='/')}?expires={expires_in}"

    async def ping(self) -> None:
        """Succeed: memory is always there."""

    def content_type(self, key: str) -> str | None:
        """Return the stored file's content type, or None."""
        stored = self._files.get(key)
        return None if stored is None else stored[1]

    def keys(self) -> list[str]:
        """Return every stored key, sorted."""
        return sorted(self._files)
