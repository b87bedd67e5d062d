"""The composition root builds the Dify runner from NPC_DIFY_* settings, and refuses bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.dify import DifyWorkflowRunner
from entrypoints.bootstrap import build
from entrypoints.settings import ConfigurationError, Settings
from npc_core.errors import WorkflowNotConfigured
from npc_core.ports import CharacterAnalysisInput, Workflow

LONG_SECRET = "x" * 40
ANALYSIS = CharacterAnalysisInput("夜航船", "林舟", "", (), {})


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"NPC_DATA_DIR": str(tmp_path), **env})


async def test_a_base_url_builds_the_dify_runner_and_closes_its_client(tmp_path: Path) -> None:
    """NPC_DIFY_BASE_URL + keys: a DifyWorkflowRunner; its shared client closes on stop."""
    container = build(
        settings(
            tmp_path,
            NPC_DIFY_BASE_URL="https://dify.example.com/v1/",
            NPC_DIFY_KEY_CHARACTER_CHAT="app-chat",
        )
    )
    runner = container.deps.workflows
    assert isinstance(runner, DifyWorkflowRunner)
    assert runner.configured(Workflow.CHARACTER_CHAT)
    assert not runner.configured(Workflow.COMIC_GENERATION)
    assert "Dify workflows at https://dify.example.com/v1" in container.description
    client = runner._api.client
    await container.stop()
    assert client.is_closed


async def test_development_falls_back_to_offline_for_workflows_without_a_key(
    tmp_path: Path,
) -> None:
    """In development with offline workflows on, an unkeyed workflow gets the offline engine."""
    container = build(settings(tmp_path, NPC_DIFY_BASE_URL="http://127.0.0.1:1/v1"))
    output = await container.deps.workflows.analyze_character("u", ANALYSIS)
    assert output.run_id.startswith("offline-")
    await container.stop()


async def test_production_never_falls_back(tmp_path: Path) -> None:
    """In production an unkeyed workflow is WorkflowNotConfigured naming its setting."""
    container = build(
        settings(
            tmp_path,
            NPC_ENV="production",
            NPC_JWT_SECRET=LONG_SECRET,
            NPC_WECHAT_APP_ID="wx1",
            NPC_WECHAT_APP_SECRET="s",
            NPC_OFFLINE_WORKFLOWS="true",
            NPC_DIFY_BASE_URL="https://dify.example.com/v1",
        )
    )
    with pytest.raises(WorkflowNotConfigured) as caught:
        await container.deps.workflows.analyze_character("u", ANALYSIS)
    assert caught.value.setting == "NPC_DIFY_KEY_CHARACTER_ANALYSIS"
    await container.stop()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NPC_DIFY_KEY_CHARACTER_CHAT": "app-x"}, "NPC_DIFY_BASE_URL"),
        (
            {"NPC_DIFY_BASE_URL": "https://d/v1", "NPC_DIFY_KEY_CHARACTER_ANALYSES": "app-x"},
            "NPC_DIFY_KEY_CHARACTER_ANALYSES",
        ),
        ({"NPC_DIFY_BASE_URL": "something://here"}, "NPC_DIFY_BASE_URL"),
    ],
    ids=["keys-without-url", "misspelt-key", "not-http"],
)
def test_bad_dify_settings_stop_start_up(tmp_path: Path, env: dict[str, str], named: str) -> None:
    """Keys without a URL, a key for no workflow, or a URL that is not http(s): refused by name."""
    with pytest.raises(ConfigurationError, match=named):
        build(settings(tmp_path, **env))
