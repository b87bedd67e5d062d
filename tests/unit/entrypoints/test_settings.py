"""Settings from NPC_* variables, the production refusals, and the composition root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from adapters.memory import DevelopmentIdentityProvider, ScriptedWorkflowRunner
from adapters.wechat import WeChatIdentityProvider
from entrypoints.bootstrap import build
from entrypoints.cli import parser
from entrypoints.settings import ConfigurationError, Environment, Secret, Settings
from npc_core.errors import WorkflowNotConfigured
from npc_core.ports import CharacterChatInput

LONG_SECRET = "x" * 40


def test_no_variables_give_the_embedded_default() -> None:
    """With nothing set: development, offline workflows, demo library, local port 8000."""
    settings = Settings.from_env({})
    assert settings.env is Environment.DEVELOPMENT
    assert settings.offline_workflows
    assert settings.demo_library
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.database_pool_size == 10
    assert Settings.from_env({"NPC_DATABASE_POOL_SIZE": "25"}).database_pool_size == 25


def test_secrets_never_show_in_reprs() -> None:
    """The JWT secret, the WeChat secret and database URLs are masked in repr()."""
    settings = Settings.from_env(
        {
            "NPC_JWT_SECRET": LONG_SECRET,
            "NPC_WECHAT_APP_ID": "wx1",
            "NPC_WECHAT_APP_SECRET": "wechat-secret-value",
            "NPC_DIFY_KEY_CHARACTER_CHAT": "app-key",
        }
    )
    text = repr(settings)
    assert LONG_SECRET not in text
    assert "wechat-secret-value" not in text
    assert "app-key" not in text
    assert settings.dify_keys["character_chat"] == Secret("app-key")


@pytest.mark.parametrize(
    ("env", "names"),
    [
        (
            {"NPC_ENV": "production", "NPC_WECHAT_APP_ID": "wx", "NPC_WECHAT_APP_SECRET": "s"},
            "NPC_JWT_SECRET",
        ),
        (
            {
                "NPC_ENV": "production",
                "NPC_JWT_SECRET": "short",
                "NPC_WECHAT_APP_ID": "wx",
                "NPC_WECHAT_APP_SECRET": "s",
            },
            "NPC_JWT_SECRET",
        ),
        ({"NPC_ENV": "production", "NPC_JWT_SECRET": LONG_SECRET}, "NPC_WECHAT_APP_ID"),
        ({"NPC_WECHAT_APP_ID": "wx"}, "NPC_WECHAT_APP_SECRET"),
        ({"NPC_ENV": "staging"}, "NPC_ENV"),
        ({"NPC_QUOTA_FREE_DAILY": "many"}, "NPC_QUOTA_FREE_DAILY"),
        ({"NPC_OFFLINE_WORKFLOWS": "maybe"}, "NPC_OFFLINE_WORKFLOWS"),
        ({"NPC_DATABASE_POOL_SIZE": "0"}, "NPC_DATABASE_POOL_SIZE"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(env: dict[str, str], names: str) -> None:
    """Production needs a long JWT secret and real WeChat login; bad values are named."""
    with pytest.raises(ConfigurationError, match=names):
        Settings.from_env(env)


def test_production_with_what_it_needs_starts(tmp_path: Path) -> None:
    """A long secret and WeChat credentials suffice; login then goes to WeChat."""
    settings = Settings.from_env(
        {
            "NPC_ENV": "production",
            "NPC_JWT_SECRET": LONG_SECRET,
            "NPC_WECHAT_APP_ID": "wx1",
            "NPC_WECHAT_APP_SECRET": "s",
            "NPC_DATA_DIR": str(tmp_path),
        }
    )
    container = build(settings)
    assert isinstance(container.deps.identity, WeChatIdentityProvider)
    assert not settings.offline_workflows


@pytest.mark.parametrize("name", ["NPC_REDIS_URL"])
def test_adapters_not_built_yet_are_refused_not_ignored(name: str, tmp_path: Path) -> None:
    """Setting the URL of an adapter this build lacks stops start-up instead of being ignored."""
    settings = Settings.from_env({name: "something://here", "NPC_DATA_DIR": str(tmp_path)})
    with pytest.raises(ConfigurationError, match=name):
        build(settings)


async def test_without_offline_workflows_ai_routes_are_not_configured(tmp_path: Path) -> None:
    """NPC_OFFLINE_WORKFLOWS=false and no Dify key: workflows raise WorkflowNotConfigured."""
    settings = Settings.from_env({"NPC_OFFLINE_WORKFLOWS": "false", "NPC_DATA_DIR": str(tmp_path)})
    container = build(settings)
    assert isinstance(container.deps.identity, DevelopmentIdentityProvider)
    with pytest.raises(WorkflowNotConfigured) as caught:
        await container.deps.workflows.chat("u", CharacterChatInput("林舟", {}, (), "你好"))
    assert caught.value.setting == "NPC_DIFY_KEY_CHARACTER_CHAT"


def test_development_secret_survives_a_restart(tmp_path: Path) -> None:
    """Without NPC_JWT_SECRET a development secret is kept under the data folder."""
    settings = Settings.from_env({"NPC_DATA_DIR": str(tmp_path)})
    first = build(settings, workflows=ScriptedWorkflowRunner())
    token = first.deps.tokens.issue("user-1").token
    second = build(settings, workflows=ScriptedWorkflowRunner())
    assert second.deps.tokens.verify(token) == "user-1"


def test_the_command_line_lists_serve() -> None:
    """`npc --help` lists every command; `serve` takes --host and --port."""
    help_text = parser().format_help()
    assert "serve" in help_text
    args = parser().parse_args(["serve", "--port", "9000"])
    assert (args.host, args.port) == ("127.0.0.1", 9000)
    result = subprocess.run(
        [sys.executable, "-c", "from entrypoints.cli import main; main(['--help'])"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "serve" in result.stdout


def test_serve_refuses_bad_production_settings_with_a_message() -> None:
    """`npc serve` in production without a JWT secret exits 2 with a clear message."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from entrypoints.cli import main; raise SystemExit(main(['serve']))",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"NPC_ENV": "production", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "NPC_JWT_SECRET" in result.stderr
