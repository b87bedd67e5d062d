"""Use cases for login, authentication, the profile and the film library."""

from __future__ import annotations

import pytest

from npc_core.errors import (
    DomainValidationError,
    IdentityRejected,
    NotFound,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
)
from npc_core.model import Membership, PageRequest
from npc_core.services import (
    ListDialogues,
    SearchMovies,
    authenticate,
    get_character,
    get_movie,
    get_profile,
    list_dialogues,
    login,
    recommended_movies,
    search_movies,
)
from npc_core.services.users import Login
from tests.unit.services.world import FERRY, LIGHTHOUSE, LIN_ZHOU, OLD_ZHOU, make_world


async def test_login_creates_the_user_once_and_the_token_names_it() -> None:
    """The same code twice is the same user; the token authenticates that user."""
    world = await make_world()
    first = await login(world.deps, Login("code-1"))
    again = await login(world.deps, Login("code-1"))
    assert first.created
    assert not again.created
    assert first.user.id == again.user.id
    assert first.expires_in > 0
    assert (await authenticate(world.deps, first.token)).id == first.user.id


async def test_login_with_a_refused_code_creates_nobody() -> None:
    """A code the identity provider rejects raises and stores no user."""
    world = await make_world()
    with pytest.raises(IdentityRejected):
        await login(world.deps, Login("invalid"))
    assert world.store.users == {}


async def test_login_rejects_a_blank_code_naming_the_field() -> None:
    """A blank code is a validation error on `code`."""
    with pytest.raises(DomainValidationError) as caught:
        Login("  ")
    assert caught.value.field == "code"


async def test_authentication_errors_are_distinct() -> None:
    """No token, a forged token and an expired token raise three different errors."""
    world = await make_world()
    issued = await login(world.deps, Login("code-2"))
    with pytest.raises(TokenMissing):
        await authenticate(world.deps, None)
    with pytest.raises(TokenInvalid):
        await authenticate(world.deps, "forged")
    world.clock.advance(10 * 24 * 3600)
    with pytest.raises(TokenExpired):
        await authenticate(world.deps, issued.token)


async def test_profile_shows_membership_usage_and_quota() -> None:
    """The profile carries the tier's daily limit and nothing used yet."""
    world = await make_world(free_daily=5, premium_daily=50)
    premium = await world.user("vip", Membership.PREMIUM)
    profile = await get_profile(world.deps, premium.id)
    assert profile.user.membership is Membership.PREMIUM
    assert (profile.usage.used, profile.usage.limit, profile.usage.remaining) == (0, 50, 50)


async def test_profile_of_an_unknown_user_is_not_found() -> None:
    """Asking for a profile of no user raises NotFound."""
    world = await make_world()
    with pytest.raises(NotFound):
        await get_profile(world.deps, "nobody")


async def test_search_ranks_exact_title_before_partial_matches() -> None:
    """Chinese keywords match inside titles; a blank keyword finds nothing."""
    world = await make_world()
    found = await search_movies(world.deps, SearchMovies("灯塔"))
    assert [m.id for m in found.items] == [LIGHTHOUSE]
    assert (await search_movies(world.deps, SearchMovies("夜航船"))).items[0].id == FERRY
    assert (await search_movies(world.deps, SearchMovies("night FERRY"))).items[0].id == FERRY
    assert (await search_movies(world.deps, SearchMovies("夜渡"))).items[0].id == FERRY
    assert (await search_movies(world.deps, SearchMovies("   "))).total == 0


async def test_search_rejects_an_overlong_keyword() -> None:
    """A keyword over 100 characters is a validation error on `keyword`."""
    with pytest.raises(DomainValidationError) as caught:
        SearchMovies("x" * 101)
    assert caught.value.field == "keyword"


async def test_recommendations_put_the_best_rated_first() -> None:
    """Recommendations are ordered by rating."""
    world = await make_world()
    page = await recommended_movies(world.deps, PageRequest(1, 10))
    assert [m.id for m in page.items] == [FERRY, LIGHTHOUSE]
    assert not page.has_more


async def test_movie_detail_lists_characters_most_important_first() -> None:
    """A film's detail carries its characters by importance; an unknown film is NotFound."""
    world = await make_world()
    detail = await get_movie(world.deps, FERRY)
    assert detail.characters[0].id == LIN_ZHOU
    importances = [c.importance for c in detail.characters]
    assert importances == sorted(importances, reverse=True)
    with pytest.raises(NotFound):
        await get_movie(world.deps, "missing")


async def test_dialogues_come_in_film_order_and_filter_by_character() -> None:
    """Lines are in film order, paginated, and filter to one character of that film."""
    world = await make_world()
    page = await list_dialogues(world.deps, ListDialogues(FERRY, page=PageRequest(1, 5)))
    assert [line.order for line in page.items] == [1, 2, 3, 4, 5]
    assert page.has_more
    assert page.total == 11
    lin = await list_dialogues(world.deps, ListDialogues(FERRY, LIN_ZHOU, PageRequest(1, 100)))
    assert lin.total == 5
    assert {line.character_id for line in lin.items} == {LIN_ZHOU}


async def test_dialogues_refuse_a_character_of_another_film() -> None:
    """A character of another film names `characterId`; a missing film or character is 404.

    Also past the last page, where no line answers for them.
    """
    world = await make_world()
    with pytest.raises(DomainValidationError) as caught:
        await list_dialogues(world.deps, ListDialogues(FERRY, OLD_ZHOU))
    assert caught.value.field == "characterId"
    with pytest.raises(NotFound) as missing:
        await list_dialogues(world.deps, ListDialogues("missing"))
    assert missing.value.entity == "movie"
    with pytest.raises(NotFound) as missing:
        await list_dialogues(world.deps, ListDialogues(FERRY, "missing", PageRequest(9, 50)))
    assert missing.value.entity == "character"
    beyond = await list_dialogues(world.deps, ListDialogues(FERRY, LIN_ZHOU, PageRequest(9, 50)))
    assert beyond.items == ()
    assert beyond.total == 5


async def test_character_detail_carries_its_film() -> None:
    """A character's page has the film; an unknown character is NotFound."""
    world = await make_world()
    detail = await get_character(world.deps, LIN_ZHOU)
    assert detail.movie.id == FERRY
    assert detail.character.line_count == 5
    with pytest.raises(NotFound):
        await get_character(world.deps, "missing")
