"""What handlers receive: the use cases' deps and the authenticated user."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from entrypoints.bootstrap import Container
from npc_core.errors import TokenInvalid
from npc_core.model import Task, User
from npc_core.services import Deps, authenticate, get_task

# OpenAPI: routes that need `Authorization: Bearer <token>` from /api/auth/login.
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def container_of(state: State) -> Container:
    """The container the app was built with."""
    found: Container = state.container
    return found


async def provide_deps(state: State) -> Deps:
    """The ports for the use cases."""
    return container_of(state).deps


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    """The token of `Authorization: Bearer <token>`; None when the header is absent."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenInvalid("the Authorization header must be `Bearer <token>`")
    return token.strip()


async def provide_user(request: Request[Any, Any, Any], deps: NamedDependency[Deps]) -> User:
    """The caller, from the bearer token (401 with a distinct code otherwise).

    Taking `deps` (not `state`) puts it in a batch after `deps`: Litestar resolves a
    batch of two or more dependencies in an anyio task group, which cost each
    authenticated request more than the rest of its dependency injection.
    """
    return await authenticate(deps, bearer_token(request))


async def settle(deps: Deps, user_id: str, task: Task, wait: float) -> Task:
    """Wait up to `wait` seconds for the task to finish; the task as it then stands."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    delay = 0.05
    while not task.status.terminal and (remaining := deadline - loop.time()) > 0:
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.5)
        task = await get_task(deps, user_id, task.id)
    return task
