"""Object storage adapters: local disk (the embedded default) and Aliyun OSS.

The OSS adapter lives in `adapters.storage.oss` and is not imported here: oss2 takes
a noticeable fraction of a second to import, which only a configured deployment pays.
"""

from adapters.storage.local import LocalDiskStorage, validate_key

__all__ = ["LocalDiskStorage", "validate_key"]
