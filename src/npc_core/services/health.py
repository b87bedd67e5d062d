"""Liveness and readiness: which backing services answer."""

from __future__ import annotations

import asyncio

import attrs

from npc_core.services.deps import Deps

PROBE_TIMEOUT_SECONDS = 2.0


@attrs.frozen
class Readiness:
    """Each probe's state (`ok` or why not); ready only when all are ok."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        """Whether every backing service answered."""
        return all(state == "ok" for state in self.checks.values())


async def readiness(deps: Deps) -> Readiness:
    """Run every probe concurrently, each within a short timeout."""

    async def run(name: str) -> tuple[str, str]:
        try:
            await asyncio.wait_for(deps.probes[name](), PROBE_TIMEOUT_SECONDS)
        except TimeoutError:
            return name, "timeout"
        except Exception as error:  # noqa: BLE001 - a probe reports any failure, never raises
            return name, f"error: {type(error).__name__}"
        return name, "ok"

    results = await asyncio.gather(*(run(name) for name in deps.probes))
    return Readiness(dict(results))


async def liveness() -> bool:
    """The process is up and its event loop turns."""
    await asyncio.sleep(0)
    return True
