"""Login and the user's own view of their account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from entrypoints.http.wire.common import Wire


class LoginRequest(Wire):
    code: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=128,
            description="The code from `wx.login`.",
            examples=["dev-alice"],
        ),
    ]


class UserInfo(Wire):
    id: str
    nickname: str | None
    avatar_url: str | None
    membership_type: str
    usage_count: int
    created_at: datetime


class LoginResponse(Wire):
    token: str
    expires_in: int
    user_info: UserInfo


class UsageInfo(Wire):
    date: str
    used: int
    limit: int
    remaining: int
    resets_at: datetime


class ProfileResponse(Wire):
    success: bool
    user_info: UserInfo
    usage_today: UsageInfo
