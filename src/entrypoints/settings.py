"""npc's settings: read once from `NPC_*` environment variables into one frozen object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Final

import attrs

MIN_SECRET_BYTES: Final = 32


class ConfigurationError(Exception):
    """The settings cannot run npc; the message says which variable to fix."""


@attrs.frozen(repr=False)
class Secret:
    """A value that never shows in logs or reprs."""

    value: str

    def __repr__(self) -> str:
        return "Secret('****')" if self.value else "Secret('')"

    def __bool__(self) -> bool:
        return bool(self.value)


class Environment(StrEnum):
    """Development allows conveniences that production refuses."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigurationError(f"{name} must be between {lo} and {hi}")
    return value


def _bool(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


@attrs.frozen
class Settings:
    """Everything configurable, with the embedded default when nothing is set."""

    env: Environment = Environment.DEVELOPMENT
    public_base_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("var")
    jwt_secret: Secret = Secret("")
    jwt_ttl_seconds: int = 7 * 24 * 3600
    wechat_app_id: str = ""
    wechat_app_secret: Secret = Secret("")
    wechat_base_url: str = "https://api.weixin.qq.com"
    database_url: Secret = Secret("")
    database_pool_size: int = 10
    redis_url: Secret = Secret("")
    dify_base_url: str = ""
    dify_keys: Mapping[str, Secret] = attrs.field(factory=dict)
    offline_workflows: bool = True
    free_daily_quota: int = 20
    premium_daily_quota: int = 200
    cors_origins: tuple[str, ...] = ()
    demo_library: bool = True
    task_concurrency: int = 8
    task_timeout_seconds: int = 600
    task_heartbeat_seconds: int = 30
    reconcile_seconds: int = 30
    storage_dir: Path | None = None
    storage_url_ttl_seconds: int = 3600
    oss_endpoint: str = ""
    oss_bucket: str = ""
    oss_region: str = ""
    oss_access_key_id: str = ""
    oss_access_key_secret: Secret = Secret("")
    oss_custom_domain: str = ""

    @property
    def files_dir(self) -> Path:
        """Where local disk keeps files: NPC_STORAGE_DIR, else `files` in the data folder."""
        return self.storage_dir or self.data_dir / "files"

    @property
    def production(self) -> bool:
        """Whether development conveniences are refused."""
        return self.env is Environment.PRODUCTION

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `NPC_*` variables (from `env`, default the process environment)."""
        env = os.environ if env is None else env
        try:
            environment = Environment(env.get("NPC_ENV", "development").strip().lower())
        except ValueError:
            raise ConfigurationError("NPC_ENV must be development or production") from None
        keys = {
            name.removeprefix("NPC_DIFY_KEY_").lower(): Secret(value)
            for name, value in env.items()
            if name.startswith("NPC_DIFY_KEY_") and value
        }
        settings = cls(
            env=environment,
            public_base_url=env.get("NPC_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            data_dir=Path(env.get("NPC_DATA_DIR", "var")),
            jwt_secret=Secret(env.get("NPC_JWT_SECRET", "")),
            jwt_ttl_seconds=_int(env, "NPC_JWT_TTL_SECONDS", 7 * 24 * 3600, 60, 90 * 24 * 3600),
            wechat_app_id=env.get("NPC_WECHAT_APP_ID", ""),
            wechat_app_secret=Secret(env.get("NPC_WECHAT_APP_SECRET", "")),
            wechat_base_url=env.get("NPC_WECHAT_BASE_URL", "https://api.weixin.qq.com").rstrip("/"),
            database_url=Secret(env.get("NPC_DATABASE_URL", "")),
            database_pool_size=_int(env, "NPC_DATABASE_POOL_SIZE", 10, 1, 1000),
            redis_url=Secret(env.get("NPC_REDIS_URL", "")),
            dify_base_url=env.get("NPC_DIFY_BASE_URL", "").rstrip("/"),
            dify_keys=keys,
            offline_workflows=_bool(
                env, "NPC_OFFLINE_WORKFLOWS", default=environment is Environment.DEVELOPMENT
            ),
            free_daily_quota=_int(env, "NPC_QUOTA_FREE_DAILY", 20, 0, 1_000_000),
            premium_daily_quota=_int(env, "NPC_QUOTA_PREMIUM_DAILY", 200, 0, 1_000_000),
            cors_origins=tuple(
                o.strip() for o in env.get("NPC_CORS_ORIGINS", "").split(",") if o.strip()
            ),
            demo_library=_bool(env, "NPC_DEMO_LIBRARY", default=True),
            task_concurrency=_int(env, "NPC_TASK_CONCURRENCY", 8, 1, 1000),
            task_timeout_seconds=_int(env, "NPC_TASK_TIMEOUT", 600, 5, 24 * 3600),
            task_heartbeat_seconds=_int(env, "NPC_TASK_HEARTBEAT", 30, 1, 3600),
            reconcile_seconds=_int(env, "NPC_RECONCILE_SECONDS", 30, 1, 3600),
            storage_dir=Path(env["NPC_STORAGE_DIR"]) if env.get("NPC_STORAGE_DIR") else None,
            storage_url_ttl_seconds=_int(env, "NPC_STORAGE_URL_TTL", 3600, 10, 7 * 24 * 3600),
            oss_endpoint=env.get("NPC_OSS_ENDPOINT", "").strip(),
            oss_bucket=env.get("NPC_OSS_BUCKET", "").strip(),
            oss_region=env.get("NPC_OSS_REGION", "").strip(),
            oss_access_key_id=env.get("NPC_OSS_ACCESS_KEY_ID", "").strip(),
            oss_access_key_secret=Secret(env.get("NPC_OSS_ACCESS_KEY_SECRET", "").strip()),
            oss_custom_domain=env.get("NPC_OSS_CUSTOM_DOMAIN", "").strip(),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse what production must not run with, naming the variable."""
        if self.wechat_app_id and not self.wechat_app_secret:
            raise ConfigurationError("NPC_WECHAT_APP_SECRET is required with NPC_WECHAT_APP_ID")
        self._check_oss()
        if not self.production:
            return
        if len(self.jwt_secret.value.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"NPC_JWT_SECRET must be set to at least {MIN_SECRET_BYTES} bytes in production"
            )
        if not self.wechat_app_id:
            raise ConfigurationError(
                "NPC_WECHAT_APP_ID and NPC_WECHAT_APP_SECRET are required in production: "
                "the development login accepts any code"
            )

    def _check_oss(self) -> None:
        """OSS needs all of its settings, or none of them (local disk then)."""
        required = {
            "NPC_OSS_ENDPOINT": self.oss_endpoint,
            "NPC_OSS_REGION": self.oss_region,
            "NPC_OSS_ACCESS_KEY_ID": self.oss_access_key_id,
            "NPC_OSS_ACCESS_KEY_SECRET": self.oss_access_key_secret.value,
        }
        if not self.oss_bucket:
            given = [name for name, value in required.items() if value]
            if given or self.oss_custom_domain:
                raise ConfigurationError(
                    "NPC_OSS_BUCKET is required with the other NPC_OSS_* settings"
                )
            return
        missing = [name for name, value in required.items() if not value]
        if missing:
            raise ConfigurationError(f"{', '.join(missing)} required with NPC_OSS_BUCKET")
