"""OssStorage against an OSS-compatible server on loopback that checks every V4 signature.

The server (`tests.oss_server`) recomputes each request's signature with the secret it
was configured with, so passing the storage contract here means oss2 signs what npc
asks for correctly; a wrong secret, a tampered URL or an expired one is refused.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from adapters.storage.oss import MAX_URL_SECONDS, OssConfig, OssStorage, StorageUnavailable
from npc_core.errors import DomainValidationError, NotFound
from npc_core.ports import ObjectStorage
from tests.contracts.storage import StorageContract
from tests.oss_server import FakeOss

CUSTOM_DOMAIN = "media.npc.test"


@pytest.fixture
def oss() -> Iterator[FakeOss]:
    with FakeOss(custom_domain=CUSTOM_DOMAIN) as server:
        yield server


def config_for(server: FakeOss, **changes: object) -> OssConfig:
    values: dict[str, object] = {
        "endpoint": server.endpoint,
        "bucket": server.bucket,
        "region": server.region,
        "access_key_id": server.access_key_id,
        "access_key_secret": server.access_key_secret,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        "deadline": 10.0,
        **changes,
    }
    return OssConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def storage(oss: FakeOss) -> OssStorage:
    return OssStorage(config_for(oss))


class TestOssStorage(StorageContract):
    @pytest.fixture
    def storage(self, oss: FakeOss) -> OssStorage:
        return OssStorage(config_for(oss))


def test_oss_storage_is_object_storage(oss: FakeOss) -> None:
    """OssStorage satisfies the ObjectStorage port (checked by mypy here)."""
    storage: ObjectStorage = OssStorage(config_for(oss))
    assert storage is not None


def fetch(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=5.0)


# --- what goes over the wire -------------------------------------------------------------


async def test_every_request_carries_a_v4_signature_for_the_region(
    storage: OssStorage, oss: FakeOss
) -> None:
    """Put, get, exists, delete and ping are all signed OSS4-HMAC-SHA256 with the region scope."""
    await storage.put("audio/m1/t1.mp3", b"ID3", "audio/mpeg")
    await storage.get("audio/m1/t1.mp3")
    await storage.exists("audio/m1/t1.mp3")
    await storage.delete("audio/m1/t1.mp3")
    await storage.ping()
    assert [r.method for r in oss.received] == ["PUT", "GET", "HEAD", "DELETE", "HEAD"]
    for request in oss.received:
        assert request.signed_by == "header"
        authorization = request.headers["authorization"]
        assert authorization.startswith(f"OSS4-HMAC-SHA256 Credential={oss.access_key_id}/")
        assert f"/{oss.region}/oss/aliyun_v4_request" in authorization
        assert request.headers["x-oss-content-sha256"] == "UNSIGNED-PAYLOAD"


async def test_uploads_carry_content_type_and_cache_control(
    storage: OssStorage, oss: FakeOss
) -> None:
    """The object keeps the content type it was put with and npc's Cache-Control."""
    await storage.put("comics/c1/panel-1.png", b"\x89PNG", "image/png")
    stored = oss.objects["comics/c1/panel-1.png"]
    assert (stored.data, stored.content_type) == (b"\x89PNG", "image/png")
    assert stored.cache_control == "private, max-age=3600"
    custom = OssStorage(config_for(oss, cache_control="public, max-age=60"))
    await custom.put("comics/c1/panel-2.png", b"\x89PNG", "image/png")
    assert oss.objects["comics/c1/panel-2.png"].cache_control == "public, max-age=60"


async def test_unicode_and_spaces_in_keys_are_signed_and_stored_as_given(
    storage: OssStorage, oss: FakeOss
) -> None:
    """Keys are percent-encoded on the wire and in the canonical URI alike."""
    key = "中文/文件 名+(1).png"
    await storage.put(key, b"data", "image/png")
    assert key in oss.objects
    assert await storage.get(key) == b"data"
    response = fetch(await storage.url(key))
    assert response.status_code == 200
    assert response.content == b"data"


async def test_concurrent_calls_share_one_client_safely(storage: OssStorage) -> None:
    """Twenty puts and gets at once (worker threads, pooled connections) all succeed."""
    keys = [f"race/{n}.bin" for n in range(20)]
    await asyncio.gather(*(storage.put(k, k.encode(), "text/plain") for k in keys))
    assert await asyncio.gather(*(storage.get(k) for k in keys)) == [k.encode() for k in keys]


# --- signed URLs -------------------------------------------------------------------------


async def test_a_signed_url_serves_the_file_to_anyone_holding_it(
    storage: OssStorage, oss: FakeOss
) -> None:
    """The URL is a V4 presigned GET with the expiry asked for; a plain client fetches it."""
    await storage.put("audio/m1/t1.mp3", b"ID3 audio", "audio/mpeg")
    url = await storage.url("audio/m1/t1.mp3", expires_in=60)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == oss.endpoint
    assert parts.path == f"/{oss.bucket}/audio/m1/t1.mp3"
    query = parse_qs(parts.query)
    assert query["x-oss-signature-version"] == ["OSS4-HMAC-SHA256"]
    assert query["x-oss-expires"] == ["60"]
    assert query["x-oss-credential"][0].startswith(f"{oss.access_key_id}/")
    response = fetch(url)
    assert response.status_code == 200
    assert response.content == b"ID3 audio"
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["cache-control"] == "private, max-age=3600"
    assert oss.received[-1].signed_by == "query"


async def test_a_tampered_signed_url_is_refused(storage: OssStorage) -> None:
    """Another key, a longer life or an altered signature: 403 SignatureDoesNotMatch."""
    await storage.put("comics/c1/panel-1.png", b"one", "image/png")
    await storage.put("comics/c1/panel-2.png", b"two", "image/png")
    url = await storage.url("comics/c1/panel-1.png", expires_in=60)
    forged = [
        url.replace("panel-1.png", "panel-2.png"),
        url.replace("x-oss-expires=60", "x-oss-expires=600"),
        url[:-1] + ("0" if url[-1] != "0" else "1"),
    ]
    for attempt in forged:
        response = fetch(attempt)
        assert response.status_code == 403, attempt
        assert b"<Code>SignatureDoesNotMatch</Code>" in response.content


async def test_a_signed_url_expires(storage: OssStorage, oss: FakeOss) -> None:
    """Past its `expires_in` the URL is refused with AccessDenied."""
    await storage.put("a/b.png", b"x", "image/png")
    url = await storage.url("a/b.png", expires_in=60)
    oss.clock_offset = timedelta(seconds=55)
    assert fetch(url).status_code == 200
    oss.clock_offset = timedelta(seconds=62)
    response = fetch(url)
    assert response.status_code == 403
    assert b"<Code>AccessDenied</Code>" in response.content


async def test_unsigned_requests_are_refused(storage: OssStorage, oss: FakeOss) -> None:
    """The server really checks: a bare GET of a stored object is 403."""
    await storage.put("a/b.png", b"x", "image/png")
    assert fetch(f"{oss.endpoint}/{oss.bucket}/a/b.png").status_code == 403


async def test_urls_use_the_custom_domain_when_one_is_bound(oss: FakeOss) -> None:
    """With a custom domain the URL is https://{domain}/{key}, signed for the bucket."""
    storage = OssStorage(config_for(oss, custom_domain=CUSTOM_DOMAIN))
    await storage.put("audio/m1/t1.mp3", b"ID3", "audio/mpeg")
    url = await storage.url("audio/m1/t1.mp3")
    assert url.startswith(f"https://{CUSTOM_DOMAIN}/audio/m1/t1.mp3?")
    # Reach the loopback server under the domain's name (no DNS here).
    local = urlsplit(url)._replace(scheme="http", netloc=urlsplit(oss.endpoint).netloc).geturl()
    response = fetch(local, Host=CUSTOM_DOMAIN)
    assert response.status_code == 200
    assert response.content == b"ID3"
    explicit = OssStorage(config_for(oss, custom_domain=f"http://{CUSTOM_DOMAIN}/"))
    assert (await explicit.url("a/b")).startswith(f"http://{CUSTOM_DOMAIN}/a/b?")


@pytest.mark.parametrize("expires_in", [0, -5, MAX_URL_SECONDS + 1])
async def test_url_lifetimes_are_one_second_to_seven_days(
    storage: OssStorage, expires_in: int
) -> None:
    """OSS refuses V4 URLs living longer than 7 days; npc refuses to make them."""
    with pytest.raises(DomainValidationError) as raised:
        await storage.url("a/b", expires_in=expires_in)
    assert raised.value.field == "expires_in"


# --- failures ----------------------------------------------------------------------------


async def test_a_wrong_secret_fails_with_a_signature_error(oss: FakeOss) -> None:
    """Signed with the wrong secret, every call is refused (403) and raises an OSError."""
    storage = OssStorage(config_for(oss, access_key_secret="not-the-secret"))
    for attempt in (
        storage.put("a/b", b"x", "text/plain"),
        storage.get("a/b"),
        storage.exists("a/b"),
        storage.ping(),
    ):
        with pytest.raises(StorageUnavailable) as raised:
            await attempt
        assert isinstance(raised.value, OSError)
        assert raised.value.status == 403
    with pytest.raises(StorageUnavailable) as raised:
        await storage.put("a/b", b"x", "text/plain")
    assert raised.value.code == "SignatureDoesNotMatch"
    assert raised.value.request_id
    assert "SignatureDoesNotMatch" in str(raised.value)
    assert oss.objects == {}
    bad_url = await storage.url("a/b")
    assert fetch(bad_url).status_code == 403


async def test_an_unknown_key_or_region_is_refused(oss: FakeOss) -> None:
    """Another access key id, or a credential scoped to another region, never gets in."""
    for changes in ({"access_key_id": "LTAI-someone-else"}, {"region": "cn-beijing"}):
        storage = OssStorage(config_for(oss, **changes))
        with pytest.raises(StorageUnavailable) as raised:
            await storage.put("a/b", b"x", "text/plain")
        assert raised.value.code in {"InvalidAccessKeyId", "InvalidArgument"}
    assert oss.objects == {}


async def test_a_missing_bucket_fails_ping_and_puts(oss: FakeOss) -> None:
    """A bucket the server does not have: ping and put raise, get is not a mere NotFound."""
    storage = OssStorage(config_for(oss, bucket="no-such-bucket"))
    with pytest.raises(StorageUnavailable) as raised:
        await storage.ping()
    assert raised.value.status == 404
    with pytest.raises(StorageUnavailable):
        await storage.put("a/b", b"x", "text/plain")
    with pytest.raises(StorageUnavailable) as raised:
        await storage.get("a/b")
    assert raised.value.code == "NoSuchBucket"


async def test_server_errors_are_oserrors_not_not_found(storage: OssStorage, oss: FakeOss) -> None:
    """A 503 from OSS raises StorageUnavailable (an OSError) carrying the status and code."""
    oss.fail_next(503, "ServiceUnavailable", times=2)
    with pytest.raises(StorageUnavailable) as raised:
        await storage.put("a/b", b"x", "text/plain")
    assert (raised.value.status, raised.value.code) == (503, "ServiceUnavailable")
    with pytest.raises(OSError, match="ServiceUnavailable"):
        await storage.get("a/b")
    await storage.put("a/b", b"x", "text/plain")


async def test_a_corrupted_download_is_caught_by_the_crc(storage: OssStorage, oss: FakeOss) -> None:
    """Bytes that do not match OSS's CRC-64 raise instead of being returned."""
    await storage.put("audio/m1/t1.mp3", b"original bytes", "audio/mpeg")
    oss.corrupt_next_get = True
    with pytest.raises(StorageUnavailable):
        await storage.get("audio/m1/t1.mp3")
    assert await storage.get("audio/m1/t1.mp3") == b"original bytes"


async def test_a_slow_server_hits_the_read_timeout(oss: FakeOss) -> None:
    """oss2's read timeout ends a call to a server that stops answering, freeing the thread."""
    storage = OssStorage(config_for(oss, read_timeout=0.3, deadline=10.0))
    oss.delay = 1.0
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        await storage.exists("a/b")
    assert time.monotonic() - started < 1.5


async def test_the_overall_deadline_frees_the_caller(oss: FakeOss) -> None:
    """Even when oss2's own timeouts are long, the caller gets its answer at the deadline."""
    storage = OssStorage(config_for(oss, read_timeout=10.0, deadline=0.3))
    oss.delay = 1.0
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match=r"no answer within 0\.3 s"):
        await storage.get("a/b")
    assert time.monotonic() - started < 1.5


async def test_an_unreachable_endpoint_fails_ping(oss: FakeOss) -> None:
    """Nothing listening: ping raises StorageUnavailable quickly."""
    endpoint = oss.endpoint
    oss.stop()
    storage = OssStorage(config_for(oss, endpoint=endpoint))
    with pytest.raises(StorageUnavailable):
        await storage.ping()


async def test_missing_objects_are_not_found_and_deletes_are_idempotent(
    storage: OssStorage,
) -> None:
    """NoSuchKey becomes NotFound("file", key); exists says False; delete does not care."""
    with pytest.raises(NotFound) as raised:
        await storage.get("comics/none/panel-1.png")
    assert (raised.value.entity, raised.value.entity_id) == ("file", "comics/none/panel-1.png")
    assert not await storage.exists("comics/none/panel-1.png")
    await storage.delete("comics/none/panel-1.png")


# --- input checks and construction ---------------------------------------------------------


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../outside", "a//b", ".hidden", "a\x00b"])
async def test_unsafe_keys_are_refused_before_any_request(
    storage: OssStorage, oss: FakeOss, key: str
) -> None:
    """The same key rules as local disk: refused with a validation error, nothing sent."""
    for attempt in (
        storage.put(key, b"x", "text/plain"),
        storage.get(key),
        storage.delete(key),
        storage.exists(key),
        storage.url(key),
    ):
        with pytest.raises(DomainValidationError):
            await attempt
    assert oss.received == []


@pytest.mark.parametrize("content_type", ["", "text/plain\r\nX-Evil: 1", "text/é"])
async def test_unsafe_content_types_are_refused(
    storage: OssStorage, oss: FakeOss, content_type: str
) -> None:
    """Content types become a header: printable ASCII only."""
    with pytest.raises(DomainValidationError):
        await storage.put("a/b", b"x", content_type)
    assert oss.received == []


def test_the_config_never_shows_the_secret(oss: FakeOss) -> None:
    """The access key secret is left out of the config's repr (it ends up in logs)."""
    assert oss.access_key_secret not in repr(config_for(oss))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"region": ""}, "region"),
        ({"access_key_secret": ""}, "secret"),
        ({"bucket": "Bad_Bucket"}, "bucket"),
        ({"endpoint": "http://bad endpoint/x"}, "endpoint"),
    ],
)
def test_bad_settings_are_refused_at_construction(
    oss: FakeOss, changes: dict[str, str], message: str
) -> None:
    """A missing region or secret, an invalid bucket name or endpoint: ValueError up front."""
    with pytest.raises(ValueError, match=message):
        OssStorage(config_for(oss, **changes))


async def test_close_releases_connections_and_a_new_call_reconnects(storage: OssStorage) -> None:
    """After close the pool is empty; requests opens new connections if used again."""
    await storage.put("a/b", b"x", "text/plain")
    await storage.close()
    assert await storage.get("a/b") == b"x"
