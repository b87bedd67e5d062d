"""NPC_OSS_* settings choose OssStorage; the whole creation flow then stores files in OSS.

Runs the HTTP app wired by `build` against the loopback OSS-compatible server, which
checks the V4 signature of every request, so each file the flow writes and each URL a
client is given goes through real signing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from litestar.testing import AsyncTestClient

from adapters.storage import LocalDiskStorage
from adapters.storage.oss import OssStorage, StorageUnavailable
from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from entrypoints.settings import ConfigurationError, Settings
from tests.oss_server import FakeOss

SECRET = "test-secret-test-secret-test-secret-0123"


@pytest.fixture
def oss() -> Iterator[FakeOss]:
    with FakeOss() as server:
        yield server


def oss_env(server: FakeOss, **changes: str) -> dict[str, str]:
    return {
        "NPC_JWT_SECRET": SECRET,
        "NPC_OSS_ENDPOINT": server.endpoint,
        "NPC_OSS_BUCKET": server.bucket,
        "NPC_OSS_REGION": server.region,
        "NPC_OSS_ACCESS_KEY_ID": server.access_key_id,
        "NPC_OSS_ACCESS_KEY_SECRET": server.access_key_secret,
        **changes,
    }


def test_oss_settings_are_read_and_the_secret_masked(oss: FakeOss) -> None:
    """Every NPC_OSS_* variable lands in Settings; the secret never shows in its repr."""
    settings = Settings.from_env(oss_env(oss, NPC_OSS_CUSTOM_DOMAIN="media.npc.test"))
    assert (settings.oss_endpoint, settings.oss_bucket, settings.oss_region) == (
        oss.endpoint,
        oss.bucket,
        oss.region,
    )
    assert settings.oss_access_key_id == oss.access_key_id
    assert settings.oss_access_key_secret.value == oss.access_key_secret
    assert settings.oss_custom_domain == "media.npc.test"
    assert oss.access_key_secret not in repr(settings)


@pytest.mark.parametrize(
    "missing",
    [
        "NPC_OSS_ENDPOINT",
        "NPC_OSS_REGION",
        "NPC_OSS_ACCESS_KEY_ID",
        "NPC_OSS_ACCESS_KEY_SECRET",
    ],
)
def test_a_bucket_without_the_rest_is_refused(oss: FakeOss, missing: str) -> None:
    """With NPC_OSS_BUCKET set, each other required variable is named when missing."""
    with pytest.raises(ConfigurationError, match=missing):
        Settings.from_env(oss_env(oss, **{missing: ""}))


def test_oss_settings_without_a_bucket_are_refused(oss: FakeOss) -> None:
    """Half-configured OSS (no bucket) is a mistake, not a silent fall-back to local disk."""
    with pytest.raises(ConfigurationError, match="NPC_OSS_BUCKET"):
        Settings.from_env(oss_env(oss, NPC_OSS_BUCKET=""))
    with pytest.raises(ConfigurationError, match="NPC_OSS_BUCKET"):
        Settings.from_env({"NPC_OSS_CUSTOM_DOMAIN": "media.npc.test"})


def test_without_oss_settings_files_stay_on_local_disk(tmp_path: Path) -> None:
    """The embedded default keeps LocalDiskStorage, served by the /files route."""
    container = build(Settings.from_env({"NPC_DATA_DIR": str(tmp_path)}))
    assert isinstance(container.deps.storage, LocalDiskStorage)
    assert container.files is container.deps.storage
    assert "local files" in container.description


async def test_a_bucket_setting_wires_oss_and_pings_it_on_start(
    oss: FakeOss, tmp_path: Path
) -> None:
    """NPC_OSS_BUCKET chooses OssStorage: no /files route, a start-up ping, a readiness probe."""
    settings = Settings.from_env(oss_env(oss, NPC_DATA_DIR=str(tmp_path)))
    container = build(settings)
    assert isinstance(container.deps.storage, OssStorage)
    assert container.files is None
    assert f"OSS bucket {oss.bucket}" in container.description
    await container.start()
    try:
        assert [r.method for r in oss.received] == ["HEAD"]
        await container.deps.probes["storage"]()
    finally:
        await container.stop()
    assert not (tmp_path / "files").exists()


async def test_a_wrong_secret_stops_the_start(oss: FakeOss, tmp_path: Path) -> None:
    """The start-up ping fails loudly on bad credentials instead of failing every upload."""
    settings = Settings.from_env(
        oss_env(oss, NPC_DATA_DIR=str(tmp_path), NPC_OSS_ACCESS_KEY_SECRET="wrong")
    )
    container = build(settings)
    with pytest.raises(StorageUnavailable, match="SignatureDoesNotMatch"):
        await container.start()
    await container.stop()


def test_a_bad_bucket_name_is_a_configuration_error(oss: FakeOss, tmp_path: Path) -> None:
    """oss2's own checks surface as a ConfigurationError naming NPC_OSS_*."""
    settings = Settings.from_env(
        oss_env(oss, NPC_DATA_DIR=str(tmp_path), NPC_OSS_BUCKET="Not_A_Bucket")
    )
    with pytest.raises(ConfigurationError, match="NPC_OSS_"):
        build(settings)


async def test_the_creation_flow_stores_its_files_in_oss(oss: FakeOss, tmp_path: Path) -> None:
    """Voice and comic land in the bucket; clients get signed OSS URLs that fetch them."""
    settings = Settings.from_env(oss_env(oss, NPC_DATA_DIR=str(tmp_path)))
    async with AsyncTestClient(app=create_app(build(settings))) as client:
        auth = await _login(client)
        board_id = await _storyboard(client, auth)
        r = await client.post(
            "/api/monologue/generate",
            headers=auth,
            json={"storyboardId": board_id, "characterId": LIN_ZHOU, "frameContext": []},
        )
        assert r.json()["status"] == "completed", r.text
        r = await client.post(
            "/api/audio/synthesize",
            headers=auth,
            json={"monologueId": r.json()["monologueId"], "voiceConfig": {"voice": "female-1"}},
        )
        audio = r.json()
        assert audio["status"] == "completed", r.text
        r = await client.post(
            "/api/comic/generate",
            headers=auth,
            json={"storyboardId": board_id, "audioId": audio["audioId"]},
        )
        assert r.json()["status"] == "completed", r.text
        r = await client.get(f"/api/comics/{r.json()['comicId']}", headers=auth)
        comic = r.json()
        urls = [audio["audioUrl"], comic["audioUrl"], *comic["panelUrls"]]
        async with httpx.AsyncClient(timeout=5.0) as outside:
            answers = [await outside.get(url) for url in urls]
        for url, answer in zip(urls, answers, strict=True):
            assert url.startswith(f"{oss.endpoint}/{oss.bucket}/"), url
            assert "x-oss-signature=" in url
            assert answer.status_code == 200, url
            key = urlsplit(url).path.removeprefix(f"/{oss.bucket}/")
            assert answer.content == oss.objects[key].data
        assert sorted(k.split("/")[0] for k in oss.objects) == ["audio", "comics", "comics"]
        assert (await client.get("/files/audio/x.mp3?expires=1&signature=00")).status_code == 404
        page = await client.get(urlsplit(comic["comicUrl"]).path)
        assert page.status_code == 200
        assert comic["audioUrl"].split("?")[0] in page.text


LIN_ZHOU = "00000000-0000-4000-8000-00000000c001"
FERRY = "00000000-0000-4000-8000-00000000f001"


async def _login(client: AsyncTestClient[Any]) -> dict[str, str]:
    r = await client.post("/api/auth/login", json={"code": "dev-oss"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def _storyboard(client: AsyncTestClient[Any], auth: dict[str, str]) -> str:
    r = await client.post(
        "/api/story/collaborative-reconstruct",
        headers=auth,
        json={
            "movieId": FERRY,
            "characterId": LIN_ZHOU,
            "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
        },
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        "/api/storyboard/collaborative-create",
        headers=auth,
        json={
            "storyId": r.json()["storyId"],
            "userFrames": [
                {"order": 1, "sceneDescription": "甲板"},
                {"order": 2, "dialogue": "要下雨了"},
            ],
        },
    )
    assert r.status_code == 200, r.text
    return str(r.json()["finalStoryboard"]["id"])
