"""Contract of object storage: bytes under keys, overwritten in place."""

from __future__ import annotations

import pytest

from npc_core.errors import NotFound
from npc_core.ports import ObjectStorage, StoredObject


class StorageContract:
    """What every `ObjectStorage` promises; subclasses bind the `storage` fixture."""

    @pytest.fixture
    def storage(self) -> ObjectStorage:
        raise NotImplementedError("bind storage to the adapter under test")

    async def test_put_then_get_returns_the_same_bytes(self, storage: ObjectStorage) -> None:
        """Every byte value survives a round trip; `put` reports key, size and type."""
        data = bytes(range(256)) * 3
        stored = await storage.put("audio/m1/t1.mp3", data, "audio/mpeg")
        assert stored == StoredObject("audio/m1/t1.mp3", len(data), "audio/mpeg")
        assert await storage.get("audio/m1/t1.mp3") == data
        assert await storage.exists("audio/m1/t1.mp3")

    async def test_putting_a_key_again_overwrites_it(self, storage: ObjectStorage) -> None:
        """A retried task writing the same key replaces the file, never duplicates it."""
        await storage.put("comics/c1/panel-1.png", b"first version", "image/png")
        stored = await storage.put("comics/c1/panel-1.png", b"second", "image/png")
        assert stored.size == len(b"second")
        assert await storage.get("comics/c1/panel-1.png") == b"second"

    async def test_an_empty_file_is_a_file(self, storage: ObjectStorage) -> None:
        """Zero bytes are stored and read back as zero bytes, not as missing."""
        await storage.put("empty/file", b"", "application/octet-stream")
        assert await storage.exists("empty/file")
        assert await storage.get("empty/file") == b""

    async def test_getting_a_missing_key_is_not_found(self, storage: ObjectStorage) -> None:
        """`get` of a key never written raises `NotFound` naming the key."""
        with pytest.raises(NotFound) as raised:
            await storage.get("missing/key.png")
        assert raised.value.entity_id == "missing/key.png"
        assert not await storage.exists("missing/key.png")

    async def test_delete_removes_and_tolerates_missing_keys(self, storage: ObjectStorage) -> None:
        """After `delete` the key is gone; deleting a missing key is not an error."""
        await storage.put("a/b.txt", b"x", "text/plain")
        await storage.put("a/c.txt", b"y", "text/plain")
        await storage.delete("a/b.txt")
        await storage.delete("a/b.txt")
        await storage.delete("never/was")
        assert not await storage.exists("a/b.txt")
        assert await storage.get("a/c.txt") == b"y"

    async def test_url_names_a_fetchable_location(self, storage: ObjectStorage) -> None:
        """`url` gives a non-empty URL for a stored key."""
        await storage.put("audio/m1/t1.mp3", b"ID3", "audio/mpeg")
        url = await storage.url("audio/m1/t1.mp3", expires_in=60)
        assert url
        assert "://" in url or url.startswith("/")

    async def test_ping_succeeds_when_usable(self, storage: ObjectStorage) -> None:
        """A working storage answers `ping` without raising."""
        await storage.ping()
