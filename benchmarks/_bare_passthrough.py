"""The floor under bench_dify's load figure: the least a Litestar app can do per analysis.

`python -m benchmarks._bare_passthrough --port N --dify-url URL` serves one route,
`POST /api/characters/dialogue-analysis`, on the same server settings as `npc serve`
(`entrypoints.runtime.serve`): it decodes the JSON body, sends one blocking run to
Dify on a shared aiohttp session (as npc's adapter does) and answers with the run's
outputs. No authentication, no data, no retries, no deadline, no logging. What npc
costs above this is npc's own; what this costs is the stack's, on this machine.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import aiohttp
from litestar import Litestar, get, post

from benchmarks._dify_servers import server_arguments
from entrypoints.runtime import serve
from tests.dify_server import DifyControl


def create_app(dify_url: str) -> Litestar:
    """The one-route app, its session opened on start-up and closed on shutdown."""
    key = DifyControl().keys["dialogue_discussion"]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    run_url = f"{dify_url.rstrip('/')}/workflows/run"
    sessions: list[aiohttp.ClientSession] = []

    def open_session() -> None:
        sessions.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1024)))

    async def close_session() -> None:
        await sessions.pop().close()

    @post("/api/characters/dialogue-analysis", status_code=200)
    async def analysis(data: dict[str, Any]) -> dict[str, Any]:
        inputs = {"dialogue": data["dialogue"], "user_insight": data["userInsight"]}
        body = json.dumps({"inputs": inputs, "response_mode": "blocking", "user": "bare"})
        async with sessions[0].post(run_url, data=body.encode(), headers=headers) as answer:
            outputs = json.loads(await answer.read())["data"]["outputs"]
        return {"success": True, "aiAnalysis": outputs.get("ai_response")}

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([analysis, health], on_startup=[open_session], on_shutdown=[close_session])


def main(argv: list[str] | None = None) -> int:
    """Serve the floor app until terminated."""
    args = server_arguments("benchmarks._bare_passthrough", argv)
    serve(create_app(args.dify_url), "127.0.0.1", args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
