"""Login, authentication and the profile page."""

from __future__ import annotations

import attrs

from npc_core.errors import NotFound, TokenInvalid, TokenMissing
from npc_core.model import UsageToday, User, _checks
from npc_core.ports import UnitOfWork
from npc_core.services.deps import Deps
from npc_core.services.quota import usage_today


@attrs.frozen
class Login:
    code: str = attrs.field(validator=_checks.text(128))


@attrs.frozen
class LoginResult:
    token: str
    expires_in: int
    user: User
    created: bool


async def login(deps: Deps, command: Login) -> LoginResult:
    """Exchange a login code for a token, creating the user on first login."""
    identity = await deps.identity.identify(command.code)
    created = False
    async with deps.uow() as uow:
        user = await uow.users.get_by_openid(identity.openid)
        if user is None:
            now = deps.clock.now()
            user = User(
                id=deps.ids.new_id(), openid=identity.openid, created_at=now, updated_at=now
            )
            await uow.users.add(user)
            await uow.commit()
            created = True
    issued = deps.tokens.issue(user.id)
    return LoginResult(issued.token, issued.expires_in, user, created)


async def authenticate(deps: Deps, token: str | None) -> User:
    """The user a bearer token names (`TokenMissing`, `TokenInvalid`, `TokenExpired`)."""
    if not token:
        raise TokenMissing("a bearer token is required")
    user_id = deps.tokens.verify(token)
    return await load_user(deps, user_id, missing=TokenInvalid("the token names no user"))


async def load_user(deps: Deps, user_id: str, missing: Exception | None = None) -> User:
    """The user with `user_id`, or raise `missing` (default `NotFound`)."""
    async with deps.uow() as uow:
        return await require_user(uow, user_id, missing)


async def require_user(uow: UnitOfWork, user_id: str, missing: Exception | None = None) -> User:
    """The user with `user_id` read in `uow` (one unit of work less than `load_user`)."""
    user = await uow.users.get(user_id)
    if user is None:
        raise missing or NotFound("user", user_id)
    return user


@attrs.frozen
class Profile:
    user: User
    usage: UsageToday


async def get_profile(deps: Deps, user_id: str) -> Profile:
    """Membership, usage today and the quota, for the profile page."""
    user = await load_user(deps, user_id)
    return Profile(user, await usage_today(deps, user))
