"""Local disk storage: the storage contract, key safety, signed URLs, atomic writes."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import ManualClock
from adapters.storage import LocalDiskStorage, validate_key
from npc_core.errors import Conflict, DomainValidationError, NotFound
from npc_core.ports import ObjectStorage
from tests.contracts.storage import StorageContract

SIGNING_KEY = b"test-signing-key"
BASE_URL = "https://npc.example.com"


def make_storage(root: Path, clock: ManualClock | None = None) -> LocalDiskStorage:
    return LocalDiskStorage(root, BASE_URL, SIGNING_KEY, clock or ManualClock())


def entries(folder: Path) -> list[str] | None:
    """The sorted names in `folder`, or None when it does not exist."""
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None


def url_parts(url: str) -> tuple[str, str, str]:
    """The key, expires and signature a storage URL carries."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, strict_parsing=True)
    assert parts.path.startswith("/files/")
    return unquote(parts.path.removeprefix("/files/")), query["expires"][0], query["signature"][0]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def local(root: Path, clock: ManualClock) -> LocalDiskStorage:
    return make_storage(root, clock)


class TestLocalDiskStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> LocalDiskStorage:
        return make_storage(tmp_path / "files")


def test_local_disk_storage_is_object_storage(tmp_path: Path) -> None:
    """LocalDiskStorage satisfies the ObjectStorage port (checked by mypy here)."""
    storage: ObjectStorage = make_storage(tmp_path)
    assert storage is not None


# --- layout and content types ---------------------------------------------------------


async def test_a_key_is_a_file_under_the_root(local: LocalDiskStorage, root: Path) -> None:
    """The key's segments are the folders and name of a plain file under the root."""
    await local.put("audio/m1/t1.mp3", b"ID3 data", "audio/mpeg")
    assert (root / "audio" / "m1" / "t1.mp3").read_bytes() == b"ID3 data"


async def test_content_type_round_trips_through_open(local: LocalDiskStorage) -> None:
    """`open` gives back the bytes and the content type the file was put with."""
    await local.put("comics/c1/panel-1.png", b"\x89PNG", "image/png")
    assert await local.open("comics/c1/panel-1.png") == (b"\x89PNG", "image/png")


async def test_content_type_is_kept_even_when_the_name_suggests_another(
    local: LocalDiskStorage,
) -> None:
    """The recorded type wins over the file extension."""
    await local.put("odd/name.png", b"{}", "application/json; charset=utf-8")
    assert await local.open("odd/name.png") == (b"{}", "application/json; charset=utf-8")


async def test_putting_again_replaces_the_content_type(local: LocalDiskStorage) -> None:
    """An overwrite records the new content type with the new bytes."""
    await local.put("a/file", b"one", "text/plain")
    await local.put("a/file", b"<svg/>", "image/svg+xml")
    assert await local.open("a/file") == (b"<svg/>", "image/svg+xml")


async def test_a_file_without_recorded_type_gets_a_guessed_one(
    local: LocalDiskStorage, root: Path
) -> None:
    """A file whose sidecar is gone is served with a type guessed from its name."""
    await local.put("audio/m1/t1.mp3", b"ID3", "audio/custom")
    for sidecar in (root / "audio" / "m1").glob(".*.meta"):
        sidecar.unlink()
    assert await local.open("audio/m1/t1.mp3") == (b"ID3", "audio/mpeg")
    await local.put("x/blob", b"?", "text/plain")
    (root / "x" / ".blob.meta").write_text("not json")
    assert await local.open("x/blob") == (b"?", "application/octet-stream")


async def test_opening_a_missing_key_is_not_found(local: LocalDiskStorage) -> None:
    """`open` of a key never written raises NotFound naming the file."""
    with pytest.raises(NotFound) as raised:
        await local.open("comics/none/panel-1.png")
    assert (raised.value.entity, raised.value.entity_id) == ("file", "comics/none/panel-1.png")


async def test_delete_removes_the_recorded_type_too(local: LocalDiskStorage, root: Path) -> None:
    """After delete nothing of the file is left in its folder."""
    await local.put("a/b.txt", b"x", "text/plain")
    await local.delete("a/b.txt")
    assert list((root / "a").iterdir()) == []


@pytest.mark.parametrize("content_type", ["", "text/plain\r\nX-Evil: 1", "text/é", "a" * 256])
async def test_unsafe_content_types_are_rejected(
    local: LocalDiskStorage, content_type: str
) -> None:
    """Content types are printable ASCII (they become a response header), 1-255 long."""
    with pytest.raises(DomainValidationError) as raised:
        await local.put("a/b", b"x", content_type)
    assert raised.value.field == "content_type"


# --- key safety ---------------------------------------------------------------------------

UNSAFE_KEYS = [
    "",
    "/etc/passwd",
    "../outside",
    "a/../../outside",
    "a/..",
    "./a",
    "a/./b",
    ".hidden",
    "a/.t1.mp3.meta",
    "a//b",
    "a/",
    "a\\..\\b",
    "a\x00b",
    "a\nb",
    "a\x7fb",
    "\udc80",
    "x" * 513,
    "a/" + "y" * 201,
]


@pytest.mark.parametrize("key", UNSAFE_KEYS)
async def test_unsafe_keys_are_rejected_by_every_operation(
    local: LocalDiskStorage, key: str
) -> None:
    """Absolute, dotted, empty-segment, backslash, control-character, over-long keys fail."""
    attempts = [
        local.put(key, b"x", "text/plain"),
        local.get(key),
        local.open(key),
        local.delete(key),
        local.exists(key),
        local.url(key),
    ]
    for attempt in attempts:
        with pytest.raises(DomainValidationError) as raised:
            await attempt
        assert raised.value.field == "key"
    assert not local.verify(key, "9999999999", "00")


@pytest.mark.parametrize(
    "key",
    ["audio/0b6f2a8e-1c9d-4f7a-9c1e-3a5b7d9f1e2c/t-1.mp3", "中文/文件 名.png", "a", "x" * 200],
)
def test_ordinary_keys_are_accepted(key: str) -> None:
    """Keys like the ones derived from ids, unicode and spaces included, pass."""
    assert validate_key(key) == key


def test_keys_may_be_512_characters_but_not_more() -> None:
    """The length limit is 512 characters."""
    key = "/".join(["z" * 127] * 4)
    assert len(key) == 511
    assert validate_key(key + "z") == key + "z"
    with pytest.raises(DomainValidationError):
        validate_key(key + "zz")


KEY_FRAGMENTS = ["a", "b", "/", ".", "..", "\\", "\x00", ":", "~", " ", "é", "\n", "%2e", "\udc80"]
KEY_TEXT = st.lists(st.sampled_from(KEY_FRAGMENTS), max_size=30).map("".join) | st.text(max_size=40)


@given(key=KEY_TEXT)
def test_no_key_ever_escapes_the_root(key: str) -> None:
    """Any key is either rejected or written to a file inside the root, nowhere else."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        root = base / "root"
        storage = make_storage(root)
        try:
            validate_key(key)
        except DomainValidationError:
            with pytest.raises(DomainValidationError, match=r"^key: "):
                asyncio.run(storage.put(key, b"payload", "text/plain"))
            assert not root.exists()
            return
        asyncio.run(storage.put(key, b"payload", "text/plain"))
        path = storage._path(key)
        assert path.resolve().is_relative_to(root.resolve())
        assert path.read_bytes() == b"payload"
        assert [entry.name for entry in base.iterdir()] == ["root"]
        assert asyncio.run(storage.get(key)) == b"payload"


async def test_a_key_below_a_file_is_a_conflict(local: LocalDiskStorage) -> None:
    """A key cannot need a folder where a file is, nor name a folder of other files."""
    await local.put("a/b", b"file", "text/plain")
    with pytest.raises(Conflict):
        await local.put("a/b/c", b"x", "text/plain")
    with pytest.raises(Conflict):
        await local.put("a", b"x", "text/plain")
    with pytest.raises(NotFound):
        await local.get("a")
    with pytest.raises(NotFound):
        await local.get("a/b/c")
    await local.delete("a")
    await local.delete("a/b/c")
    assert not await local.exists("a")
    assert await local.get("a/b") == b"file"


# --- signed URLs ----------------------------------------------------------------------


async def test_url_names_the_file_route_with_expiry_and_signature(
    local: LocalDiskStorage, clock: ManualClock
) -> None:
    """`url` is `{base}/files/{key}?expires={unix}&signature={hex}` and verifies."""
    url = await local.url("audio/m1/t1.mp3", expires_in=60)
    assert url.startswith(f"{BASE_URL}/files/audio/m1/t1.mp3?expires=")
    key, expires, signature = url_parts(url.removeprefix(BASE_URL))
    assert key == "audio/m1/t1.mp3"
    assert int(expires) == int(clock.now().timestamp()) + 60
    assert len(signature) == 64
    assert all(c in "0123456789abcdef" for c in signature)
    assert local.verify(key, expires, signature)
    assert local.verify(key, int(expires), signature)


async def test_a_url_expires_by_the_clock(local: LocalDiskStorage, clock: ManualClock) -> None:
    """A signed URL verifies until its expiry time and never after."""
    key, expires, signature = url_parts(
        (await local.url("a/b.png", expires_in=300)).removeprefix(BASE_URL)
    )
    clock.advance(299)
    assert local.verify(key, expires, signature)
    clock.advance(1)
    assert not local.verify(key, expires, signature)
    clock.advance(10_000)
    assert not local.verify(key, expires, signature)


async def test_tampered_urls_do_not_verify(local: LocalDiskStorage, root: Path) -> None:
    """Another key, a moved expiry, an altered or foreign signature, or garbage: all False."""
    key, expires, signature = url_parts(
        (await local.url("comics/c1/panel-1.png")).removeprefix(BASE_URL)
    )
    assert local.verify(key, expires, signature)
    assert not local.verify("comics/c1/panel-2.png", expires, signature)
    assert not local.verify(key, str(int(expires) + 1), signature)
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert not local.verify(key, expires, flipped)
    assert not local.verify(key, expires, signature.upper())
    assert not local.verify(key, expires, signature[:-1])
    assert not local.verify(key, expires, "")
    assert not local.verify(key, expires, signature + "é")
    assert not local.verify(key, "", signature)
    assert not local.verify(key, "-1", signature)
    assert not local.verify(key, "1e9", signature)
    assert not local.verify(key, "²", signature)
    assert not local.verify(key, "9" * 5000, signature)
    other = LocalDiskStorage(root, BASE_URL, b"another-key", ManualClock())
    assert not other.verify(key, expires, signature)


async def test_unicode_keys_are_quoted_in_urls(local: LocalDiskStorage) -> None:
    """A key with spaces and unicode is percent-encoded; the decoded key verifies."""
    url = await local.url("中文/文件 名.png")
    assert " " not in url
    assert "中" not in url
    key, expires, signature = url_parts(url.removeprefix(BASE_URL))
    assert key == "中文/文件 名.png"
    assert local.verify(key, expires, signature)


async def test_an_empty_base_url_gives_root_relative_urls(tmp_path: Path) -> None:
    """Without a public base URL the URL is `/files/...`, relative to the app's host."""
    storage = LocalDiskStorage(tmp_path, "", SIGNING_KEY, ManualClock())
    assert (await storage.url("a/b")).startswith("/files/a/b?expires=")
    trailing = LocalDiskStorage(tmp_path, "https://x.test/", SIGNING_KEY, ManualClock())
    assert (await trailing.url("a/b")).startswith("https://x.test/files/a/b?")


@pytest.mark.parametrize("expires_in", [0, -5])
async def test_url_lifetime_must_be_positive(local: LocalDiskStorage, expires_in: int) -> None:
    """A URL that would be expired already is a validation error on `expires_in`."""
    with pytest.raises(DomainValidationError) as raised:
        await local.url("a/b", expires_in=expires_in)
    assert raised.value.field == "expires_in"


def test_the_signing_key_must_not_be_empty(tmp_path: Path) -> None:
    """An empty signing key would make every URL forgeable; construction refuses it."""
    with pytest.raises(ValueError, match="signing key"):
        LocalDiskStorage(tmp_path, BASE_URL, b"", ManualClock())


# --- atomic writes --------------------------------------------------------------------------


async def test_overwrite_leaves_no_temporary_files(local: LocalDiskStorage, root: Path) -> None:
    """After puts only the file and its hidden sidecar are in the folder."""
    for n in range(5):
        await local.put("audio/m1/t1.mp3", f"version {n}".encode(), "audio/mpeg")
    assert sorted(p.name for p in (root / "audio" / "m1").iterdir()) == [
        ".t1.mp3.meta",
        "t1.mp3",
    ]
    assert await local.get("audio/m1/t1.mp3") == b"version 4"


async def test_a_failed_write_keeps_the_old_file(
    local: LocalDiskStorage, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails before its rename leaves the previous file whole, and no debris."""
    await local.put("comics/c1/panel-1.png", b"old picture", "image/png")

    def failing_replace(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        await local.put("comics/c1/panel-1.png", b"new picture, torn", "image/png")
    monkeypatch.undo()
    assert await local.open("comics/c1/panel-1.png") == (b"old picture", "image/png")
    assert sorted(p.name for p in (root / "comics" / "c1").iterdir()) == [
        ".panel-1.png.meta",
        "panel-1.png",
    ]


async def test_concurrent_puts_of_one_key_keep_bytes_and_type_together(
    local: LocalDiskStorage,
) -> None:
    """Racing puts of one key end with one put's bytes and that same put's type."""
    await asyncio.gather(
        *(local.put("race/key", f"body-{n}".encode(), f"text/x-{n}") for n in range(20))
    )
    data, content_type = await local.open("race/key")
    number = data.decode().removeprefix("body-")
    assert content_type == f"text/x-{number}"


async def test_puts_copy_the_bytes_they_are_given(local: LocalDiskStorage) -> None:
    """A mutable buffer changed after `put` does not change the stored file."""
    buffer = bytearray(b"original")
    stored = await local.put("a/buf", buffer, "text/plain")  # type: ignore[arg-type]
    buffer[:] = b"changed!"
    assert stored.size == 8
    assert await local.get("a/buf") == b"original"


# --- ping -------------------------------------------------------------------------------


async def test_ping_creates_the_root_and_leaves_nothing(
    local: LocalDiskStorage, root: Path
) -> None:
    """`ping` makes a missing root and proves it writable without leaving a probe file."""
    assert entries(root) is None
    await local.ping()
    assert entries(root) == []


async def test_ping_fails_when_the_root_cannot_hold_files(tmp_path: Path) -> None:
    """A root that is a file (or otherwise unwritable) makes `ping` raise."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    with pytest.raises(OSError, match=r"."):
        await make_storage(blocker).ping()


def _plant_links(root: Path, outside: Path) -> None:
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"not yours")
    root.mkdir(parents=True, exist_ok=True)
    (root / "linked").symlink_to(outside, target_is_directory=True)
    (root / "file-link.txt").symlink_to(outside / "secret.txt")


async def test_symbolic_links_inside_the_root_are_never_followed(
    local: LocalDiskStorage, root: Path, tmp_path: Path
) -> None:
    """A link planted in the storage folder (to a folder or a file outside) is refused."""
    outside = tmp_path / "outside"
    _plant_links(root, outside)
    for key in ["linked/secret.txt", "file-link.txt", "linked/new.txt"]:
        for attempt in [local.get(key), local.put(key, b"x", "text/plain"), local.exists(key)]:
            with pytest.raises(DomainValidationError) as raised:
                await attempt
            assert raised.value.field == "key"
    assert (outside / "secret.txt").read_bytes() == b"not yours"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
