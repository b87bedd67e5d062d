"""Liveness and readiness: which backing services answer."""

from __future__ import annotations

import asyncio

import attrs

from npc_core.services.deps import Deps, Probe

PROBE_TIMEOUT_SECONDS = 2.0
# What the API serves without, only slower or with fewer routes: without the cache reads
# go to the database; without the task queue only task-backed routes fail (503
# `queue_unavailable`). Taking every process out of the balancer for them would stop
# the film reads too.
OPTIONAL_PROBES = frozenset({"cache", "queue"})


@attrs.frozen
class Readiness:
    """Each probe's state (`ok` or why not).

    `checks` are what the API cannot serve without: ready only when all are ok.
    `optional` are what it can (`OPTIONAL_PROBES`): one failing leaves the API ready
    but `degraded`.
    """

    checks: dict[str, str]
    optional: dict[str, str] = attrs.field(factory=dict)

    @property
    def ready(self) -> bool:
        """Whether every required backing service answered."""
        return all(state == "ok" for state in self.checks.values())

    @property
    def degraded(self) -> bool:
        """Whether any backing service, required or optional, did not answer."""
        return not self.ready or any(state != "ok" for state in self.optional.values())


async def _run(probe: Probe) -> str:
    try:
        await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
    except TimeoutError:
        return "timeout"
    except Exception as error:  # noqa: BLE001 - a probe reports any failure, never raises
        return f"error: {type(error).__name__}"
    return "ok"


async def readiness(deps: Deps) -> Readiness:
    """Run every probe concurrently, each within a short timeout.

    The cache is always probed (its own `ping` unless a probe named `cache` is given).
    Probes named in `OPTIONAL_PROBES` go to `Readiness.optional`, the rest to `checks`.
    """
    probes = {"cache": deps.cache.ping, **deps.probes}
    names = list(probes)
    states = dict(zip(names, await asyncio.gather(*(_run(probes[n]) for n in names)), strict=True))
    return Readiness(
        {n: s for n, s in states.items() if n not in OPTIONAL_PROBES},
        {n: s for n, s in states.items() if n in OPTIONAL_PROBES},
    )


async def liveness() -> bool:
    """The process is up and its event loop turns."""
    await asyncio.sleep(0)
    return True
