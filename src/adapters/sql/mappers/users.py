"""Users."""

from __future__ import annotations

from sqlalchemy import RowMapping

from npc_core.model import Membership, User


def user_row(user: User) -> dict[str, object]:
    """Every column of a user."""
    return {
        "id": user.id,
        "openid": user.openid,
        "created_at": user.created_at,
        **profile_row(user),
        "usage_count": user.usage_count,
    }


def profile_row(user: User) -> dict[str, object]:
    """The columns `users.update` writes: never the usage count."""
    return {
        "nickname": user.nickname,
        "avatar_url": user.avatar_url,
        "membership": user.membership.value,
        "updated_at": user.updated_at,
    }


def user_from(row: RowMapping) -> User:
    """The user stored in `row`."""
    return User(
        id=row["id"],
        openid=row["openid"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        nickname=row["nickname"],
        avatar_url=row["avatar_url"],
        membership=Membership(row["membership"]),
        usage_count=row["usage_count"],
    )
