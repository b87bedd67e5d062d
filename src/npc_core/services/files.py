"""Stored files through the storage port, its failures turned into a retryable core error.

Adapters raise `OSError` for an outage (a full disk, a refused connection, an OSS 5xx,
a timeout); use cases see `StorageUnavailable`, an upstream error a task retries.
"""

from __future__ import annotations

from collections.abc import Iterable

from npc_core.errors import StorageUnavailable
from npc_core.ports import StoredObject
from npc_core.services.deps import Deps


def _unavailable(operation: str, key: str, error: OSError) -> StorageUnavailable:
    """The core error for a storage call's failure, naming the call and the key once."""
    text = str(error) or type(error).__name__
    return StorageUnavailable(key, text if key in text else f"{operation} {key!r}: {text}")


async def put_file(deps: Deps, key: str, data: bytes, content_type: str) -> StoredObject:
    """Store a file; `StorageUnavailable` when the storage fails (disk, network, OSS, timeout)."""
    try:
        return await deps.storage.put(key, data, content_type)
    except OSError as error:
        raise _unavailable("put", key, error) from error


async def delete_files(deps: Deps, keys: Iterable[str]) -> None:
    """Delete files (a missing one is no error); `StorageUnavailable` when the storage fails."""
    for key in keys:
        try:
            await deps.storage.delete(key)
        except OSError as error:
            raise _unavailable("delete", key, error) from error


async def file_exists(deps: Deps, key: str) -> bool:
    """Whether a file is stored; `StorageUnavailable` when the storage cannot tell."""
    try:
        return await deps.storage.exists(key)
    except OSError as error:
        raise _unavailable("exists", key, error) from error
