"""DifyWorkflowRunner on httpx.MockTransport: requests sent and answers mapped to npc errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.dify import DifyOptions, DifyWorkflowRunner, RetryPolicy
from adapters.memory import ScriptedWorkflowRunner
from npc_core.errors import (
    UpstreamFailed,
    UpstreamTimeout,
    UpstreamUnavailable,
    WorkflowNotConfigured,
)
from npc_core.ports import (
    CharacterAnalysisInput,
    DialogueDiscussionInput,
    Workflow,
    WorkflowRunner,
)

BASE = "https://dify.example.com/v1"
KEY = "app-0123456789abcdefghijklmn"
FAST = DifyOptions(retry=RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002))
DISCUSS = DialogueDiscussionInput("林舟", {"traits": ["冷静"]}, "要下雨了", "他很担心", ())
Handler = Callable[[httpx.Request], httpx.Response]


def answer(status: str = "succeeded", outputs: Any = None, error: str | None = None) -> Any:
    return {
        "task_id": "t1",
        "workflow_run_id": "r1",
        "data": {
            "id": "r1",
            "status": status,
            "outputs": outputs,
            "error": error,
            "elapsed_time": 0.5,
            "total_tokens": 42,
        },
    }


def runner_with(handler: Handler, **kwargs: Any) -> tuple[DifyWorkflowRunner, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(record))
    keys = kwargs.pop("keys", {Workflow.DIALOGUE_DISCUSSION.value: KEY})
    return DifyWorkflowRunner(client, BASE, keys, options=FAST, **kwargs), seen


def test_the_runner_is_a_workflow_runner() -> None:
    """DifyWorkflowRunner satisfies the WorkflowRunner port (checked by mypy)."""
    runner, _ = runner_with(lambda _: httpx.Response(200))
    port: WorkflowRunner = runner
    assert port is runner


def test_the_repr_names_workflows_but_no_key() -> None:
    """Logging the runner shows the base URL and configured workflows, never a key."""
    runner, _ = runner_with(lambda _: httpx.Response(200))
    assert "dialogue_discussion" in repr(runner)
    assert KEY not in repr(runner)


async def test_a_blocking_run_sends_dify_s_request_and_parses_the_outputs() -> None:
    """One POST /workflows/run: bearer key, blocking mode, the user, inputs as strings/JSON."""
    outputs = {"ai_response": "嗯", "insights": ["一"], "personality_tags": ["克制"]}
    runner, seen = runner_with(lambda _: httpx.Response(200, json=answer(outputs=outputs)))
    result = await runner.discuss_dialogue("user-7", DISCUSS)
    assert (result.run_id, result.ai_response, result.insights) == ("r1", "嗯", ("一",))
    [request] = seen
    assert str(request.url) == f"{BASE}/workflows/run"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.content)
    assert body["response_mode"] == "blocking"
    assert body["user"] == "user-7"
    assert body["inputs"]["dialogue"] == "要下雨了"
    assert json.loads(body["inputs"]["character_profile"]) == {"traits": ["冷静"]}
    assert json.loads(body["inputs"]["history"]) == []


async def test_a_workflow_without_a_key_is_not_configured() -> None:
    """No key: WorkflowNotConfigured naming NPC_DIFY_KEY_..., and nothing is sent."""
    runner, seen = runner_with(lambda _: httpx.Response(200))
    with pytest.raises(WorkflowNotConfigured) as caught:
        await runner.analyze_character("u", CharacterAnalysisInput("m", "c", "", (), {}))
    assert caught.value.setting == "NPC_DIFY_KEY_CHARACTER_ANALYSIS"
    assert seen == []


async def test_a_workflow_without_a_key_uses_the_fallback_when_given() -> None:
    """With a fallback runner (development), unkeyed workflows are answered by it."""
    runner, seen = runner_with(lambda _: httpx.Response(200), fallback=ScriptedWorkflowRunner())
    result = await runner.analyze_character("u", CharacterAnalysisInput("夜航", "林舟", "", (), {}))
    assert result.run_id.startswith("offline-")
    assert seen == []


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (401, "unauthorized", WorkflowNotConfigured),
        (400, "app_unavailable", WorkflowNotConfigured),
        (400, "not_workflow_app", WorkflowNotConfigured),
        (400, "invalid_param", UpstreamFailed),
        (403, "forbidden", UpstreamFailed),
        (404, "not_found", UpstreamFailed),
        (413, "file_too_large", UpstreamFailed),
    ],
)
async def test_refusals_are_not_retried(status: int, code: str, error: type[Exception]) -> None:
    """Other 4xx are tried once: a wrong key or app is not configured, the rest failed."""
    body = {"code": code, "message": "nope", "status": status}
    runner, seen = runner_with(lambda _: httpx.Response(status, json=body))
    with pytest.raises(error):
        await runner.discuss_dialogue("u", DISCUSS)
    assert len(seen) == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_overload_and_server_errors_are_retried_then_unavailable(status: int) -> None:
    """429 and 5xx are retried up to the attempts, then UpstreamUnavailable with Retry-After."""
    runner, seen = runner_with(
        lambda _: httpx.Response(status, headers={"Retry-After": "0"}, text="busy")
    )
    with pytest.raises(UpstreamUnavailable) as caught:
        await runner.discuss_dialogue("u", DISCUSS)
    assert len(seen) == 3
    assert caught.value.retry_after == FAST.unavailable_retry_after  # Dify said 0: use ours


async def test_a_retry_after_is_carried_to_the_caller() -> None:
    """A Retry-After too long to wait for ends the call at once, carrying it."""
    runner, seen = runner_with(
        lambda _: httpx.Response(429, headers={"Retry-After": "120"}, json={"code": "x"})
    )
    with pytest.raises(UpstreamUnavailable) as caught:
        await runner.discuss_dialogue("u", DISCUSS)
    assert caught.value.retry_after == 120
    assert len(seen) == 1


async def test_connection_errors_are_retried_then_unavailable() -> None:
    """A refused connection is retried, then UpstreamUnavailable."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    runner, seen = runner_with(refuse)
    with pytest.raises(UpstreamUnavailable, match="ConnectError"):
        await runner.discuss_dialogue("u", DISCUSS)
    assert len(seen) == 3


async def test_read_timeouts_are_retried_then_timeout() -> None:
    """Timeouts on every attempt end as UpstreamTimeout."""

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    runner, seen = runner_with(slow)
    with pytest.raises(UpstreamTimeout):
        await runner.discuss_dialogue("u", DISCUSS)
    assert len(seen) == 3


@pytest.mark.parametrize(("status", "message"), [("failed", "模型超时"), ("stopped", "stopped")])
async def test_http_200_with_a_failed_run_is_upstream_failed(status: str, message: str) -> None:
    """HTTP 200 whose run failed or was stopped is UpstreamFailed with Dify's message."""
    runner, seen = runner_with(
        lambda _: httpx.Response(
            200, json=answer(status, None, "模型超时" if status == "failed" else None)
        )
    )
    with pytest.raises(UpstreamFailed, match=message):
        await runner.discuss_dialogue("u", DISCUSS)
    assert len(seen) == 1


async def test_a_partially_succeeded_run_counts_as_success() -> None:
    """Status `partial-succeeded` (some node failed, outputs present) is used."""
    outputs = {"ai_response": "好"}
    runner, _ = runner_with(
        lambda _: httpx.Response(200, json=answer("partial-succeeded", outputs))
    )
    assert (await runner.discuss_dialogue("u", DISCUSS)).ai_response == "好"


async def test_a_200_that_is_not_json_is_failed_not_retried() -> None:
    """An HTML page with 200 (a proxy's) is UpstreamFailed after one attempt: may cost twice."""
    runner, seen = runner_with(lambda _: httpx.Response(200, text="<html>hi</html>"))
    with pytest.raises(UpstreamFailed):
        await runner.discuss_dialogue("u", DISCUSS)
    assert len(seen) == 1


def test_a_base_url_that_is_not_http_is_refused() -> None:
    """The base URL must be absolute http(s)."""
    client = httpx.AsyncClient()
    with pytest.raises(ValueError, match="absolute"):
        DifyWorkflowRunner(client, "dify.example.com/v1", {})
