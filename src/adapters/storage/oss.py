"""Object storage on Aliyun OSS through oss2, signed with V4 (region-scoped) signatures.

oss2 blocks (requests underneath), so every call runs in a worker thread under two
limits: oss2's own connect and read timeouts, which free the thread, and an overall
deadline, which frees the caller even when the thread is still stuck. Clients get
V4-signed GET URLs, on the custom domain when one is configured.

Errors: a missing object is `NotFound("file", key)`; every other failure (refused,
unreachable, too slow, a bad signature, a corrupted transfer) is `StorageUnavailable`,
an `OSError`, so a task that meets one fails rather than recording half a result.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Final, TypeVar
from urllib.parse import urlsplit

import attrs
import oss2
from oss2 import exceptions as oss_errors

from adapters.storage.local import validate_key
from npc_core.errors import DomainValidationError, NotFound
from npc_core.ports import StoredObject

T = TypeVar("T")

MAX_URL_SECONDS: Final = 7 * 24 * 3600  # the longest a V4 signed URL may live
MAX_CONTENT_TYPE_LENGTH: Final = 255
MAX_REASON_CHARS: Final = 300
PING_KEY: Final = "npc-ping"  # never written: a HEAD on it proves bucket and credentials


@attrs.frozen
class OssConfig:
    """Where the bucket is, who signs, and how long each call may take (seconds).

    `endpoint` and `custom_domain` without a scheme are taken as https. The custom
    domain must be bound to the bucket (CNAME): signed URLs are built on it.
    """

    endpoint: str
    bucket: str
    region: str
    access_key_id: str
    access_key_secret: str = attrs.field(repr=False)
    custom_domain: str = ""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    deadline: float = 120.0
    cache_control: str = "private, max-age=3600"


class StorageUnavailable(OSError):
    """OSS did not do what was asked: refused it, failed it, or could not be reached in time.

    `status` and `code` are OSS's answer when there was one (e.g. 403
    SignatureDoesNotMatch); `request_id` is what Aliyun support asks for.
    """

    def __init__(
        self,
        operation: str,
        key: str,
        reason: str,
        *,
        status: int | None = None,
        code: str = "",
        request_id: str = "",
    ) -> None:
        self.operation = operation
        self.key = key
        self.status = status
        self.code = code
        self.request_id = request_id
        answer = f" ({status} {code}, request {request_id})" if status and status > 0 else ""
        super().__init__(f"OSS {operation} {key!r} failed{answer}: {reason}")


def _with_scheme(address: str) -> str:
    address = address.strip().rstrip("/")
    return address if urlsplit(address).scheme in {"http", "https"} else f"https://{address}"


def _check_content_type(content_type: str) -> None:
    if (
        not content_type
        or len(content_type) > MAX_CONTENT_TYPE_LENGTH
        or not content_type.isascii()
        or not content_type.isprintable()
    ):
        raise DomainValidationError(
            "content_type", "must be 1-255 printable ASCII characters (a MIME type)"
        )


def _unavailable(operation: str, key: str, error: Exception) -> StorageUnavailable:
    if isinstance(error, oss_errors.OssError):
        details = error.details if isinstance(error.details, dict) else {}
        body = error.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        reason = str(details.get("Message") or body or type(error).__name__)[:MAX_REASON_CHARS]
        return StorageUnavailable(
            operation,
            key,
            reason,
            status=error.status if error.status > 0 else None,  # oss2 uses -1/-2 for no answer
            code=str(error.code or ""),
            request_id=str(error.request_id or ""),
        )
    return StorageUnavailable(operation, key, str(error) or type(error).__name__)


class OssStorage:
    """Files in an OSS bucket under their keys; URLs are V4-signed and expire."""

    def __init__(self, config: OssConfig, *, session: oss2.Session | None = None) -> None:
        if not config.region:
            raise ValueError("V4 signatures need the bucket's region (e.g. cn-hangzhou)")
        if not (config.access_key_id and config.access_key_secret):
            raise ValueError("an access key id and secret are required")
        self._config = config
        auth = oss2.AuthV4(config.access_key_id, config.access_key_secret)
        # oss2 hands this straight to requests, which takes (connect, read) seconds.
        timeouts = (config.connect_timeout, config.read_timeout)
        try:
            self._bucket = oss2.Bucket(
                auth,
                _with_scheme(config.endpoint),
                config.bucket,
                session=session,
                connect_timeout=timeouts,
                region=config.region,
                app_name="npc",
            )
            self._url_bucket = (
                oss2.Bucket(
                    auth,
                    _with_scheme(config.custom_domain),
                    config.bucket,
                    is_cname=True,
                    region=config.region,
                )
                if config.custom_domain
                else self._bucket
            )
        except oss_errors.ClientError as error:
            raise ValueError(f"bad OSS settings: {error.body}") from None

    @property
    def config(self) -> OssConfig:
        """The bucket and limits this storage was built with."""
        return self._config

    async def _call(self, operation: str, key: str, call: Callable[[], T]) -> T:
        """Run a blocking oss2 call in a thread, mapping its failures to ours."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(call), self._config.deadline)
        except TimeoutError:
            raise StorageUnavailable(
                operation, key, f"no answer within {self._config.deadline:g} s"
            ) from None
        except oss_errors.NoSuchKey:
            raise NotFound("file", key) from None
        except StorageUnavailable:
            raise
        except (oss_errors.OssError, OSError) as error:  # requests' errors are OSErrors
            raise _unavailable(operation, key, error) from error

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        """Upload `data` under `key` with its content type and Cache-Control, replacing it."""
        validate_key(key)
        _check_content_type(content_type)
        payload = bytes(data)
        headers = {"Content-Type": content_type, "Cache-Control": self._config.cache_control}
        await self._call("put", key, lambda: self._bucket.put_object(key, payload, headers=headers))
        return StoredObject(key, len(payload), content_type)

    async def get(self, key: str) -> bytes:
        """The object's bytes (checked against OSS's CRC-64); `NotFound` when there is none."""
        validate_key(key)

        def read() -> bytes:
            result = self._bucket.get_object(key)
            data = bytes(result.read())
            expected = result.content_length
            if expected is not None and len(data) != expected:
                raise StorageUnavailable("get", key, f"got {len(data)} of {expected} bytes")
            # oss2 computes the CRC while reading but only compares it in get_object_to_file.
            oss2.utils.check_crc("get", result.client_crc, result.server_crc, result.request_id)
            return data

        return await self._call("get", key, read)

    async def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""
        validate_key(key)
        with contextlib.suppress(NotFound):
            await self._call("delete", key, lambda: self._bucket.delete_object(key))

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under `key` (a HEAD request)."""
        validate_key(key)
        return bool(await self._call("exists", key, lambda: self._bucket.object_exists(key)))

    async def url(self, key: str, expires_in: int = 3600) -> str:
        """A V4-signed GET URL valid for `expires_in` seconds (at most 7 days).

        Signing is local computation: no request is made.
        """
        validate_key(key)
        if not 0 < expires_in <= MAX_URL_SECONDS:
            raise DomainValidationError(
                "expires_in", f"must be between 1 and {MAX_URL_SECONDS} seconds"
            )
        return str(self._url_bucket.sign_url("GET", key, expires_in, slash_safe=True))

    async def ping(self) -> None:
        """Raise `StorageUnavailable` unless the bucket answers to these credentials."""
        await self._call("ping", PING_KEY, lambda: self._bucket.object_exists(PING_KEY))

    async def close(self) -> None:
        """Release the pooled connections."""
        for bucket in {id(b): b for b in (self._bucket, self._url_bucket)}.values():
            bucket.session.session.close()
