"""A tiny circuit breaker, so that a Redis that is down costs requests nothing.

Without it every request would pay a refused connection, or the whole connect
timeout when the host does not answer at all, before falling back. With it, the
first failure opens the breaker and callers skip Redis for `cooldown` seconds; then
one caller at a time tries again, and its success closes the breaker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

import redis.exceptions

logger = logging.getLogger(__name__)

# What "Redis is unusable" looks like to a caller: refused or dropped connections and
# timeouts (redis-py wraps socket errors, but asyncio's own may surface), and any error
# the server answers with (OOM, READONLY after a failover, LOADING after a restart).
UNAVAILABLE: Final = (redis.exceptions.RedisError, OSError)


class Breaker:
    """Closed while Redis answers; open for `cooldown` seconds after it fails.

    While open, `allows()` is False and callers degrade as their port allows. After the
    cooldown `allows()` lets exactly one caller through and re-arms the cooldown for the
    rest, so a Redis that stays down costs one attempt per cooldown, not one per
    request. `succeeded()` closes the breaker; `failed()` opens it again.

    Warnings are rate-limited: at most one per `warn_every` seconds, counting the
    failures it did not log, so an outage under load does not flood the logs.
    """

    def __init__(
        self,
        name: str,
        *,
        cooldown: float = 5.0,
        warn_every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.cooldown = cooldown
        self.warn_every = warn_every
        self._clock = clock
        self._open = False
        self._retry_at = 0.0
        self._next_warning_at = 0.0
        self._unlogged = 0

    @property
    def healthy(self) -> bool:
        """Whether the last contact with Redis succeeded (readiness reports this)."""
        return not self._open

    def allows(self) -> bool:
        """Whether the caller should use Redis now (always, unless the breaker is open)."""
        if not self._open:
            return True
        now = self._clock()
        if now < self._retry_at:
            return False
        self._retry_at = now + self.cooldown  # this caller tries; the others keep skipping
        return True

    def succeeded(self) -> None:
        """Redis answered: close the breaker (logging the recovery once)."""
        if self._open:
            self._open = False
            self._next_warning_at = 0.0  # the next outage is reported at once
            logger.info("%s: Redis answers again", self.name)

    def failed(self, action: str, error: BaseException) -> None:
        """Redis failed `action`: open the breaker and warn, at most once per `warn_every`."""
        now = self._clock()
        self._open = True
        self._retry_at = now + self.cooldown
        self.warn(
            f"{action} failed ({type(error).__name__}: {error}); "
            f"skipping Redis for {self.cooldown:g} s at a time until it answers"
        )

    def warn(self, message: str) -> None:
        """Log `message` as a warning unless one was logged less than `warn_every` ago."""
        now = self._clock()
        if now < self._next_warning_at:
            self._unlogged += 1
            return
        suffix = f" ({self._unlogged} similar warnings suppressed)" if self._unlogged else ""
        logger.warning("%s: %s%s", self.name, message, suffix)
        self._next_warning_at = now + self.warn_every
        self._unlogged = 0
