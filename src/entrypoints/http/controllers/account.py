"""Login, the profile, and the user's works."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from entrypoints.http import errors, present
from entrypoints.http.dependencies import BEARER, provide_user
from entrypoints.http.params import Page, PageSize, page_request
from entrypoints.http.wire.auth import LoginRequest, LoginResponse, ProfileResponse, UsageInfo
from entrypoints.http.wire.results import DeletedResponse, WorkDetailResponse, WorksResponse
from npc_core.model import User
from npc_core.services import Deps, delete_work, get_profile, get_work, list_works, login
from npc_core.services.users import Login


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post(
        "/login",
        operation_id="login",
        responses=errors.LOGIN,
        status_code=200,
        summary="Log in with a wx.login code",
        description="Exchanges the code for npc's bearer token (JWT) and the user's info; "
        "creates the user on first login.",
    )
    async def login(
        self, data: JSONBody[LoginRequest], deps: NamedDependency[Deps]
    ) -> LoginResponse:
        result = await login(deps, Login(data.code))
        return LoginResponse(
            token=result.token,
            expires_in=result.expires_in,
            user_info=present.user_info(result.user),
        )


class ProfileController(Controller):
    path = "/api/user"
    tags = ["user"]
    dependencies = {"user": Provide(provide_user)}
    security = BEARER

    @get(
        "/profile",
        operation_id="getProfile",
        responses=errors.OWN,
        summary="Membership, usage today and quota",
    )
    async def profile(
        self, user: NamedDependency[User], deps: NamedDependency[Deps]
    ) -> ProfileResponse:
        found = await get_profile(deps, user.id)
        usage = found.usage
        return ProfileResponse(
            success=True,
            user_info=present.user_info(found.user),
            usage_today=UsageInfo(
                date=usage.day.isoformat(),
                used=usage.used,
                limit=usage.limit,
                remaining=usage.remaining,
                resets_at=usage.resets_at,
            ),
        )


class WorksController(Controller):
    path = "/api/works"
    tags = ["works"]
    dependencies = {"user": Provide(provide_user)}
    security = BEARER

    @get("/", operation_id="listWorks", responses=errors.OWN_LIST, summary="My works, newest first")
    async def list(
        self,
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> WorksResponse:
        found = await list_works(deps, user.id, page_request(page, page_size))
        return WorksResponse(
            success=True,
            works=[present.work(w) for w in found.items],
            total=found.total,
            page=page,
            page_size=page_size,
            has_more=found.has_more,
        )

    @get(
        "/{work_id:str}",
        operation_id="getWork",
        responses=errors.OWN_ITEM,
        summary="One of my works",
    )
    async def get(
        self, user: NamedDependency[User], deps: NamedDependency[Deps], work_id: FromPath[str]
    ) -> WorkDetailResponse:
        found = await get_work(deps, user.id, work_id)
        return WorkDetailResponse(
            success=True,
            work=present.work(found.work),
            storyboard_id=found.storyboard.id if found.storyboard else None,
            comic_id=found.comic.id if found.comic else None,
        )

    @delete(
        "/{work_id:str}",
        operation_id="deleteWork",
        # 503: the work's files could not be deleted (storage down); the work stays.
        responses=errors.documented(400, 401, 404, 409, 503),
        status_code=200,
        summary="Delete one of my works (a comic's share link stops working)",
    )
    async def delete(
        self, user: NamedDependency[User], deps: NamedDependency[Deps], work_id: FromPath[str]
    ) -> DeletedResponse:
        await delete_work(deps, user.id, work_id)
        return DeletedResponse(success=True, id=work_id)
