"""Object storage in a folder on local disk, served by npc's own file route.

Layout: the file for key `audio/m1/t1.mp3` is `{root}/audio/m1/t1.mp3`; its content
type sits beside it in a hidden JSON sidecar `{root}/audio/m1/.t1.mp3.meta`. Key
segments may not start with a dot, so no key can name a sidecar or a temporary file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import mimetypes
import os
import tempfile
from pathlib import Path
from typing import Final
from urllib.parse import quote

from npc_core.errors import Conflict, DomainValidationError, NotFound
from npc_core.ports import Clock, StoredObject

MAX_KEY_LENGTH: Final = 512
# NAME_MAX is 255 bytes on common filesystems; the sidecar and temporary names add
# a dot, a suffix and random letters to a segment, so segments stay well below it.
MAX_SEGMENT_BYTES: Final = 200
MAX_CONTENT_TYPE_LENGTH: Final = 255
DEFAULT_CONTENT_TYPE: Final = "application/octet-stream"
_LOCK_STRIPES: Final = 64
_MAX_EXPIRES_DIGITS: Final = 20


def _bad_key(reason: str) -> DomainValidationError:
    return DomainValidationError("key", reason)


def validate_key(key: str) -> str:
    """Return `key` when it is a safe relative POSIX path; `DomainValidationError` otherwise.

    A safe key is 1-512 characters of UTF-8 text, without backslashes or control
    characters (NUL included), not absolute, made of non-empty `/`-separated segments
    none of which starts with a dot (so no `.` or `..`) or exceeds 200 UTF-8 bytes.
    """
    if not key:
        raise _bad_key("must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise _bad_key(f"must be at most {MAX_KEY_LENGTH} characters")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad_key("must be valid UTF-8 text") from None
    if "\\" in key:
        raise _bad_key("must use '/' as separator, not backslashes")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in key):  # noqa: PLR2004
        raise _bad_key("must not contain control characters")
    if key.startswith("/"):
        raise _bad_key("must be a relative path")
    for segment in key.split("/"):
        _validate_segment(segment)
    return key


def _validate_segment(segment: str) -> None:
    if not segment:
        raise _bad_key("must not contain empty segments")
    if segment.startswith("."):
        raise _bad_key("segments must not start with '.' (no '.', '..' or hidden files)")
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        raise _bad_key(f"segments must be at most {MAX_SEGMENT_BYTES} bytes")


def _validate_content_type(content_type: str) -> str:
    if (
        not content_type
        or len(content_type) > MAX_CONTENT_TYPE_LENGTH
        or not content_type.isascii()
        or not content_type.isprintable()
    ):
        raise DomainValidationError(
            "content_type", "must be 1-255 printable ASCII characters (a MIME type)"
        )
    return content_type


def _meta_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.meta")


def _fsync_directory(directory: Path) -> None:
    """Make renames in `directory` durable; some platforms cannot open folders, and that is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, fsync it, and rename it over `path`."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


class LocalDiskStorage:
    """Files in a folder, with URLs signed for npc's own `/files/{key}` route.

    Blocking file work runs in worker threads. Writes are atomic (temporary file,
    fsync, rename), so a reader sees the old file or the new one, never a torn one.
    Puts and deletes of one key are serialized within the process, so a file and its
    recorded content type always come from the same put.
    """

    def __init__(self, root: Path, public_base_url: str, signing_key: bytes, clock: Clock) -> None:
        if not signing_key:
            raise ValueError("the URL signing key must not be empty")
        self._root = Path(root).absolute()
        # Resolved once: the root itself may be a link (e.g. a mounted volume), keys may not.
        self._real_root = Path(os.path.realpath(self._root))
        self._base_url = public_base_url.rstrip("/")
        self._signing_key = bytes(signing_key)
        self._clock = clock
        self._locks = tuple(asyncio.Lock() for _ in range(_LOCK_STRIPES))

    @property
    def root(self) -> Path:
        """The folder holding the files."""
        return self._root

    def _path(self, key: str) -> Path:
        """The file path of a valid key, always inside the root."""
        validate_key(key)
        path = self._root.joinpath(*key.split("/"))
        # Validation already rules out escapes; this keeps it true if the rules change.
        if os.path.commonpath([self._root, os.path.normpath(path)]) != str(self._root):
            raise _bad_key("must stay inside the storage folder")
        # A symbolic link planted inside the folder could point anywhere: never follow one.
        if os.path.realpath(path) != str(self._real_root.joinpath(*key.split("/"))):
            raise _bad_key("must not pass through a symbolic link")
        return path

    def _lock(self, key: str) -> asyncio.Lock:
        return self._locks[hash(key) % _LOCK_STRIPES]

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        """Store `data` under `key` atomically, replacing what was there.

        `Conflict` when the key needs a folder where a file is, or names a folder.
        """
        path = self._path(key)
        _validate_content_type(content_type)
        payload = bytes(data)
        async with self._lock(key):
            await asyncio.to_thread(self._put_sync, key, path, payload, content_type)
        return StoredObject(key, len(payload), content_type)

    @staticmethod
    def _put_sync(key: str, path: Path, data: bytes, content_type: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise Conflict(f"key {key!r} needs a folder where a file is stored") from None
        if path.is_dir():
            raise Conflict(f"key {key!r} names a folder of other files")
        _atomic_write(path, data)
        meta = json.dumps({"content_type": content_type}).encode("utf-8")
        _atomic_write(_meta_path(path), meta)
        _fsync_directory(path.parent)

    async def get(self, key: str) -> bytes:
        """Return the file's bytes; `NotFound("file", key)` when there is none."""
        path = self._path(key)
        return await asyncio.to_thread(self._read_sync, key, path)

    @staticmethod
    def _read_sync(key: str, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound("file", key) from None

    async def open(self, key: str) -> tuple[bytes, str]:
        """Return the file's bytes and content type, for the file route; `NotFound` when missing.

        A file without a readable recorded type gets one guessed from its name.
        """
        path = self._path(key)
        async with self._lock(key):
            return await asyncio.to_thread(self._open_sync, key, path)

    @classmethod
    def _open_sync(cls, key: str, path: Path) -> tuple[bytes, str]:
        data = cls._read_sync(key, path)
        return data, cls._content_type_sync(path)

    @staticmethod
    def _content_type_sync(path: Path) -> str:
        try:
            recorded = json.loads(_meta_path(path).read_bytes())
        except (OSError, ValueError):
            recorded = None
        if isinstance(recorded, dict):
            content_type = recorded.get("content_type")
            if isinstance(content_type, str) and content_type:
                return content_type
        guessed, _ = mimetypes.guess_type(path.name)
        return guessed or DEFAULT_CONTENT_TYPE

    async def delete(self, key: str) -> None:
        """Remove the file and its recorded type; a missing key is not an error."""
        path = self._path(key)
        async with self._lock(key):
            await asyncio.to_thread(self._delete_sync, path)

    @staticmethod
    def _delete_sync(path: Path) -> None:
        if path.is_dir():
            return
        for target in (path, _meta_path(path)):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                target.unlink()

    async def exists(self, key: str) -> bool:
        """Return whether a file is stored under `key`."""
        path = self._path(key)
        return await asyncio.to_thread(path.is_file)

    async def url(self, key: str, expires_in: int = 3600) -> str:
        """Return `{base}/files/{key}?expires={unix}&signature={hex}`, valid `expires_in` seconds.

        With an empty public base URL the result is root-relative (`/files/...`).
        """
        validate_key(key)
        if expires_in <= 0:
            raise DomainValidationError("expires_in", "must be a positive number of seconds")
        expires = int(self._clock.now().timestamp()) + expires_in
        signature = self._sign(key, expires)
        return (
            f"{self._base_url}/files/{quote(key, safe='/')}?expires={expires}&signature={signature}"
        )

    def _sign(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    def verify(self, key: str, expires: int | str, signature: str) -> bool:
        """Return whether `signature` was issued by `url` for `key` and `expires` is still ahead.

        `expires` is the unix time from the URL (an int, or the query string's digits);
        anything malformed, tampered with or expired by the clock answers False. The
        signature comparison takes constant time.
        """
        try:
            validate_key(key)
        except DomainValidationError:
            return False
        if isinstance(expires, str):
            if not (expires.isascii() and expires.isdigit()) or len(expires) > _MAX_EXPIRES_DIGITS:
                return False
            expires = int(expires)
        expected = self._sign(key, expires).encode("ascii")
        given = signature.encode("utf-8", errors="replace")
        authentic = hmac.compare_digest(expected, given)
        return authentic and self._clock.now().timestamp() < expires

    async def ping(self) -> None:
        """Raise `OSError` unless a file can be written in the root (created when missing)."""
        await asyncio.to_thread(self._ping_sync)

    def _ping_sync(self) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".ping.", suffix=".tmp", dir=self._root)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            Path(probe).unlink()
