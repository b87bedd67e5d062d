"""A development identity provider: any login code is a stable fake user."""

from __future__ import annotations

import hashlib
from typing import Final

from npc_core.errors import IdentityRejected
from npc_core.ports import Identity

REJECTED_CODE: Final = "invalid"


class DevelopmentIdentityProvider:
    """Turns any code into an openid derived from it, so the same code is the same user.

    For the embedded mode and tests only: it proves nothing about the caller. The code
    `invalid` (and an empty one) is refused, to exercise the rejection path.
    """

    def __init__(self, prefix: str = "dev-") -> None:
        self._prefix = prefix

    async def identify(self, code: str) -> Identity:
        """Return the identity the code stands for; `IdentityRejected` for a refused code."""
        if not code.strip() or code == REJECTED_CODE:
            raise IdentityRejected("the login code was refused")
        digest = hashlib.sha256(code.encode()).hexdigest()
        # 24 hex digits (96 bits) after the prefix keep the openid near WeChat's 28 characters.
        return Identity(openid=f"{self._prefix}{digest[:24]}")
