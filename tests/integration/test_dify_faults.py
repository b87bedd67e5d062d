"""Each Dify fault, through the HTTP API, ends in its documented behaviour, never a 500.

Retried faults succeed with the attempts counted by the server; the others answer
502 upstream_failed / upstream_bad_output, 503 upstream_unavailable (with Retry-After)
or workflow_not_configured (naming the setting), or 504 upstream_timeout.
Task-backed routes record the failure on the task (`status: failed`, `success: false`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.dify_server import DifyControl, Fault, FaultSpec, ServerFile, dify_server
from tests.dify_server import canned as c
from tests.integration.dify_support import (
    FAST,
    FERRY,
    LIN_ZHOU,
    Npc,
    make_monologue,
    make_story,
    make_storyboard,
    npc,
)

ANALYSIS = "/api/characters/dialogue-analysis"
BODY = {
    "movieId": FERRY,
    "characterId": LIN_ZHOU,
    "dialogue": "要下雨了",
    "userInsight": "他在担心",
}
WORKFLOW = "dialogue_discussion"


@pytest.fixture
def dify() -> Iterator[tuple[str, DifyControl]]:
    with dify_server() as server:
        yield server


async def analyse(api: Npc) -> Any:
    return await api.client.post(ANALYSIS, headers=await api.login(), json=BODY)


def attempts(api: Npc, workflow: str = WORKFLOW) -> int:
    return len(api.dify.run_requests(workflow))


@pytest.mark.parametrize(
    ("faults", "tries"),
    [
        ([FaultSpec(Fault.RATE_LIMITED, retry_after="1")], 2),
        ([Fault.SERVER_ERROR], 2),
        ([Fault.BAD_GATEWAY, FaultSpec(Fault.UNAVAILABLE, retry_after=None)], 3),
        ([FaultSpec(Fault.GATEWAY_TIMEOUT, retry_after=None)], 2),
        ([Fault.DROP], 2),
        ([FaultSpec(Fault.SLOW_FIRST_BYTE, seconds=0.3)], 1),
    ],
    ids=["429", "500", "502-503", "504", "dropped", "slow-first-byte"],
)
async def test_transient_faults_are_retried_and_succeed(
    tmp_path: Path, dify: tuple[str, DifyControl], faults: list[Fault | FaultSpec], tries: int
) -> None:
    """429 (after Retry-After), 5xx, a dropped blocking answer and a slow start still succeed.

    The route answers 200 with the workflow's output; the server saw `tries` runs.
    """
    async with npc(tmp_path, dify) as api:
        api.dify.fail(WORKFLOW, *faults)
        r = await analyse(api)
        assert r.status_code == 200, r.text
        assert r.json()["aiAnalysis"] == c.AI_RESPONSE
        assert attempts(api) == tries


@pytest.mark.parametrize(
    ("fault", "retry_after"),
    [
        (FaultSpec(Fault.RATE_LIMITED, retry_after="1"), "1"),
        (FaultSpec(Fault.BAD_GATEWAY, retry_after=None), "5"),
        (FaultSpec(Fault.SERVER_ERROR), "5"),
    ],
    ids=["429", "502", "500"],
)
async def test_persistent_overload_is_503_with_retry_after(
    tmp_path: Path, dify: tuple[str, DifyControl], fault: FaultSpec, retry_after: str
) -> None:
    """Overload on every attempt: 503 upstream_unavailable after 3 attempts, with Retry-After.

    Retry-After is Dify's when it sent one, else npc's default of 5 s. (A 5 s deadline
    leaves room for two 1 s waits.)
    """
    async with npc(tmp_path, dify, options=attrs.evolve(FAST, short_deadline=5)) as api:
        api.dify.fail(WORKFLOW, fault, fault, fault)
        r = await analyse(api)
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "upstream_unavailable"
        assert r.headers["retry-after"] == retry_after
        assert attempts(api) == 3


async def test_a_long_retry_after_is_passed_on_without_waiting(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """429 asking for 120 s is not waited for: 503 at once with Retry-After: 120, one attempt."""
    async with npc(tmp_path, dify) as api:
        api.dify.fail(WORKFLOW, FaultSpec(Fault.RATE_LIMITED, retry_after="120"))
        r = await analyse(api)
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "120"
        assert attempts(api) == 1


async def test_a_first_byte_slower_than_the_deadline_is_504(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """No byte before the call's deadline (2 s here): 504 upstream_timeout, one attempt."""
    async with npc(tmp_path, dify) as api:
        api.dify.fail(WORKFLOW, FaultSpec(Fault.SLOW_FIRST_BYTE, seconds=5))
        loop = asyncio.get_running_loop()
        started = loop.time()
        r = await analyse(api)
        assert r.status_code == 504, r.text
        assert r.json()["error"]["code"] == "upstream_timeout"
        assert loop.time() - started < 4
        assert attempts(api) == 1


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Fault.FAILED, 502, "upstream_failed"),
        (Fault.STOPPED, 502, "upstream_failed"),
        (Fault.BAD_REQUEST, 502, "upstream_failed"),
        (Fault.FORBIDDEN, 502, "upstream_failed"),
        (Fault.NOT_JSON, 502, "upstream_failed"),
        (Fault.APP_UNAVAILABLE, 503, "workflow_not_configured"),
    ],
)
async def test_refusals_and_failed_runs_are_not_retried(
    tmp_path: Path, dify: tuple[str, DifyControl], fault: Fault, status: int, code: str
) -> None:
    """A run that failed with HTTP 200, a 4xx, or a 200 that is not Dify's: one attempt."""
    async with npc(tmp_path, dify) as api:
        api.dify.fail(WORKFLOW, fault)
        r = await analyse(api)
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == code
        assert attempts(api) == 1


async def test_a_failed_run_is_502_and_the_quota_is_kept(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """Status failed with HTTP 200 is 502 upstream_failed naming the workflow; no AI action used."""
    async with npc(tmp_path, dify) as api:
        auth = await api.login()
        api.dify.fail(WORKFLOW, Fault.FAILED)
        r = await api.client.post(ANALYSIS, headers=auth, json=BODY)
        assert r.status_code == 502
        assert r.json()["error"]["details"] == [{"field": "workflow", "reason": WORKFLOW}]
        profile = await api.client.get("/api/user/profile", headers=auth)
        assert profile.json()["usageToday"]["used"] == 0


async def test_malformed_output_is_502_bad_output(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """An output of the wrong shape (insights as a broken JSON string) is upstream_bad_output."""
    async with npc(tmp_path, dify) as api:
        api.dify.script(WORKFLOW, {"ai_response": "好", "insights": "[broken"})
        r = await analyse(api)
        assert r.status_code == 502, r.text
        assert r.json()["error"]["code"] == "upstream_bad_output"
        api.dify.script(WORKFLOW, {"insights": []})
        r = await analyse(api)
        assert r.json()["error"]["code"] == "upstream_bad_output"
        assert attempts(api) == 2


async def test_a_wrong_key_is_503_not_configured_naming_the_setting(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """Dify's 401 (the key is wrong): 503 workflow_not_configured naming the setting, once."""
    _, control = dify
    keys = {**control.keys, WORKFLOW: "app-wrongwrongwrongwrongwron"}
    async with npc(tmp_path, dify, keys=keys) as api:
        r = await analyse(api)
        assert r.status_code == 503, r.text
        error = r.json()["error"]
        assert error["code"] == "workflow_not_configured"
        assert error["details"][0]["reason"].endswith("NPC_DIFY_KEY_DIALOGUE_DISCUSSION")
        assert api.dify.count("POST", "/workflows/run") == 1


async def test_a_workflow_without_a_key_is_503_and_dify_is_not_called(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """No NPC_DIFY_KEY_DIALOGUE_DISCUSSION: 503 workflow_not_configured naming it."""
    _, control = dify
    keys = {k: v for k, v in control.keys.items() if k != WORKFLOW}
    async with npc(tmp_path, dify, keys=keys) as api:
        r = await analyse(api)
        assert r.status_code == 503, r.text
        assert "NPC_DIFY_KEY_DIALOGUE_DISCUSSION" in r.json()["error"]["details"][0]["reason"]
        assert api.dify.count("POST", "/workflows/run") == 0


async def test_a_dropped_chat_stream_is_recovered_from_the_run(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """The chat stream dies after its first text: the reply is read from the run detail.

    One run (not two: a run is not idempotent), the full reply, at least one GET of the run.
    """
    async with npc(tmp_path, dify) as api:
        api.dify.script("character_chat", latency=0.2)
        api.dify.fail("character_chat", Fault.DROP)
        r = await api.client.post(
            "/api/chat/character",
            headers=await api.login(),
            json={"sessionId": "s1", "message": "你好", "characterId": LIN_ZHOU},
            params={"stream": 1},
        )
        assert r.status_code == 200, r.text
        texts = [
            json.loads(line.removeprefix("data: "))
            for line in r.text.splitlines()
            if line.startswith("data: ")
        ]
        assert "".join(t.get("text", "") for t in texts[:-1]) == c.REPLY
        assert texts[-1]["reply"] == c.REPLY
        assert attempts(api, "character_chat") == 1
        assert api.dify.count("GET", "/workflows/run/") >= 1


async def test_a_mid_stream_error_event_is_upstream_failed(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """An `error` event: 502 upstream_failed whole, an `error` event with the code streamed."""
    async with npc(tmp_path, dify) as api:
        auth = await api.login()
        message = {"sessionId": "s1", "message": "你好", "characterId": LIN_ZHOU}
        api.dify.fail("character_chat", Fault.ERROR_EVENT, Fault.ERROR_EVENT)
        r = await api.client.post("/api/chat/character", headers=auth, json=message)
        assert r.status_code == 502, r.text
        assert r.json()["error"]["code"] == "upstream_failed"
        r = await api.client.post(
            "/api/chat/character", headers=auth, json=message, params={"stream": 1}
        )
        assert "event: error" in r.text
        assert '"code": "upstream_failed"' in r.text
        assert attempts(api, "character_chat") == 2


@pytest.mark.parametrize(("ascii_json", "split"), [(True, None), (False, 1), (True, 3)])
async def test_pings_escaped_json_and_split_bytes_change_nothing(
    tmp_path: Path, dify: tuple[str, DifyControl], ascii_json: bool, split: int | None
) -> None:
    r"""Pings between events, `\u` escapes or raw UTF-8 sent a byte at a time: same reply."""
    _, control = dify
    control.ascii_json, control.split_bytes, control.pings = ascii_json, split, True
    async with npc(tmp_path, dify) as api:
        r = await api.client.post(
            "/api/chat/character",
            headers=await api.login(),
            json={"sessionId": "s1", "message": "你好", "characterId": LIN_ZHOU},
        )
        assert r.status_code == 200, r.text
        assert r.json()["reply"] == c.REPLY


async def test_a_chat_past_its_deadline_is_504_and_stopped_at_dify(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """A chat run still going at the deadline: 504 upstream_timeout, and its task is stopped."""
    async with npc(tmp_path, dify) as api:
        api.dify.script("character_chat", latency=30)
        r = await api.client.post(
            "/api/chat/character",
            headers=await api.login(),
            json={"sessionId": "s1", "message": "你好", "characterId": LIN_ZHOU},
        )
        assert r.status_code == 504, r.text
        [run] = api.dify.runs.values()
        for _ in range(200):
            if api.dify.stopped(run.task_id):
                break
            await asyncio.sleep(0.01)
        [request] = api.dify.run_requests("character_chat")
        assert request.body is not None
        assert api.dify.stops == [(run.task_id, request.body["user"])]


async def voice_route(api: Npc, fault: Fault | None = None, **script: Any) -> Any:
    auth = await api.login()
    monologue_id = await make_monologue(
        api, auth, await make_storyboard(api, auth, await make_story(api, auth))
    )
    if fault is not None:
        api.dify.fail("voice_synthesis", fault)
    if script:
        api.dify.script("voice_synthesis", **script)
    return await api.client.post(
        "/api/audio/synthesize",
        headers=auth,
        json={"monologueId": monologue_id, "voiceConfig": {"voice": "female-1"}},
    )


async def test_an_expired_file_url_fails_the_task(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """The audio URL had expired: the voice task fails (not retried: the run is done)."""
    async with npc(tmp_path, dify) as api:
        r = await voice_route(api, Fault.EXPIRED_FILES)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["status"], body["success"]) == ("failed", False)
        assert "could not be downloaded: HTTP 403" in body["error"]
        assert attempts(api, "voice_synthesis") == 1


async def test_a_file_of_the_wrong_kind_fails_the_task(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """An `audio` output that downloads as text/html is bad output; nothing is stored."""
    async with npc(tmp_path, dify) as api:
        html = ServerFile(b"<html>login</html>", "audio/mpeg", "x.mp3", served_as="text/html")
        r = await voice_route(api, outputs={"audio": html})
        body = r.json()
        assert (body["status"], body["success"]) == ("failed", False)
        assert "is not audio" in body["error"]


async def test_a_failed_voice_run_fails_the_task_once(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """Status failed in workflow_finished: the task fails with Dify's message, one attempt."""
    async with npc(tmp_path, dify) as api:
        r = await voice_route(api, Fault.FAILED)
        body = r.json()
        assert (body["status"], body["success"]) == ("failed", False)
        assert "quota exceeded" in body["error"]
        assert attempts(api, "voice_synthesis") == 1


async def test_a_rate_limited_voice_run_is_retried_and_completes(
    tmp_path: Path, dify: tuple[str, DifyControl]
) -> None:
    """429 once on the voice app: retried inside the task, which completes; two attempts."""
    async with npc(tmp_path, dify) as api:
        r = await voice_route(api, Fault.RATE_LIMITED)
        body = r.json()
        assert body["status"] == "completed", body
        assert attempts(api, "voice_synthesis") == 2
