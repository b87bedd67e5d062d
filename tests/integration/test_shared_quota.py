"""The daily quota holds across API processes: Redis counts for all of them at once.

Two `npc serve` processes share MariaDB and a Redis server of the test's own. A free
user with 20 AI actions left sends 50 analysis requests at once, spread over both.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx

from npc_core.model import next_quota_reset
from tests.dify_server import DifyControl
from tests.integration.dify_support import FERRY, LIN_ZHOU
from tests.integration.processes import login, npc_env, serving
from tests.integration.redis_support import RedisServer

pytest_plugins = ["tests.integration.deployment_fixtures"]

REQUESTS = 50
QUOTA = 20


async def _burst(bases: list[str], auth: dict[str, str]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:
        return await asyncio.gather(
            *(
                client.post(
                    f"{bases[n % len(bases)]}/api/dify/character-analysis",
                    headers=auth,
                    # A context of its own per request: no answer comes from the cache.
                    json={
                        "movieId": FERRY,
                        "characterId": LIN_ZHOU,
                        "dialogues": [],
                        "userContext": {"request": n},
                    },
                )
                for n in range(REQUESTS)
            )
        )


def test_fifty_concurrent_ai_requests_through_two_processes_spend_exactly_the_quota(
    tmp_path: Path, dify: tuple[str, DifyControl], database_url: str, redis_server: RedisServer
) -> None:
    """Exactly 20 of 50 concurrent requests succeed; 30 are 429 `quota_exceeded`.

    Each refusal carries a Retry-After reaching the next Shanghai midnight, and the
    workflow ran only for the 20 that were let through.
    """
    dify[1].script("character_analysis", latency=0.3)  # so the requests overlap
    env = npc_env(
        tmp_path / "data", database_url, redis_server.url, dify, NPC_QUOTA_FREE_DAILY=str(QUOTA)
    )
    with serving(env, tmp_path / "a.log") as a, serving(env, tmp_path / "b.log") as b:
        auth = login(a)
        answers = asyncio.run(_burst([a, b], auth))
        profile = httpx.get(f"{b}/api/user/profile", headers=auth).json()
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * QUOTA + [429] * (REQUESTS - QUOTA), [
        r.text for r in answers if r.status_code not in {200, 429}
    ]
    refused = [r for r in answers if r.status_code == 429]
    assert {r.json()["error"]["code"] for r in refused} == {"quota_exceeded"}
    now = datetime.now(UTC)
    midnight = next_quota_reset(now)
    for r in refused:
        assert abs(int(r.headers["retry-after"]) - (midnight - now).total_seconds()) < 120
    assert profile["usageToday"]["used"] == QUOTA
    assert len(dify[1].run_requests("character_analysis")) == QUOTA
