"""Object storage adapters: local disk (the embedded default)."""

from adapters.storage.local import LocalDiskStorage, validate_key

__all__ = ["LocalDiskStorage", "validate_key"]
