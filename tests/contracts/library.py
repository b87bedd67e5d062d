"""Contract of the film library repositories: search, recommendation, characters, lines."""

from __future__ import annotations

import pytest

from npc_core.errors import Conflict
from npc_core.model import Movie, PageRequest
from npc_core.ports import UnitOfWork, UnitOfWorkFactory
from tests.contracts import builders as b
from tests.contracts.uow import UnitOfWorkFixture, given, given_movies, write_then_commit


async def _add_movies(uow_factory: UnitOfWorkFactory, *movies: Movie) -> None:
    async def fill(uow: UnitOfWork) -> None:
        for movie in movies:
            await uow.movies.add(movie)

    await given(uow_factory, fill)


async def _search(
    uow_factory: UnitOfWorkFactory, keyword: str, page: PageRequest | None = None
) -> list[str]:
    async with uow_factory() as uow:
        found = await uow.movies.search(keyword, page or PageRequest())
    return [m.title for m in found.items]


class LibraryContract(UnitOfWorkFixture):
    """What the shared film library promises."""

    async def test_movies_round_trip(self, uow_factory: UnitOfWorkFactory) -> None:
        """A stored film comes back equal, every field included."""
        film = b.movie(original_title="Fight Club", overview="失眠的白领", aliases=("搏击会",))
        await _add_movies(uow_factory, film)
        async with uow_factory() as uow:
            assert await uow.movies.get(film.id) == film
            assert await uow.movies.get(b.new_id()) is None

    async def test_search_ranks_exact_then_prefix_then_contains_then_overview(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Exact titles first, then prefixes, then contains, then overviews; ties by rating."""
        await _add_movies(
            uow_factory,
            b.movie("地下搏击", rating=9.0),
            b.movie("平凡的一天", overview="一场搏击改变了一切", rating=9.5),
            b.movie("搏击之王", rating=7.0),
            b.movie("搏击", rating=6.0),
            b.movie("搏击俱乐部", rating=8.75),
            b.movie("海上钢琴师", rating=9.25),
        )
        assert await _search(uow_factory, "搏击") == [
            "搏击",
            "搏击俱乐部",
            "搏击之王",
            "地下搏击",
            "平凡的一天",
        ]

    async def test_chinese_keywords_match_inside_titles(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Chinese matches inside a title: 搏击 and 俱乐部 both find 搏击俱乐部."""
        await _add_movies(uow_factory, b.movie("搏击俱乐部"), b.movie("海上钢琴师"))
        assert await _search(uow_factory, "搏击") == ["搏击俱乐部"]
        assert await _search(uow_factory, "俱乐部") == ["搏击俱乐部"]

    async def test_latin_search_ignores_case_and_width(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Original titles and aliases match case-insensitively, full-width letters alike."""
        await _add_movies(
            uow_factory,
            b.movie("搏击俱乐部", original_title="Fight Club"),
            b.movie("楚门的世界", aliases=("The Truman Show",)),
        )
        assert await _search(uow_factory, "fight club") == ["搏击俱乐部"]
        assert await _search(uow_factory, "FIGHT") == ["搏击俱乐部"]
        assert await _search(uow_factory, "ＦＩＧＨＴ") == ["搏击俱乐部"]
        assert await _search(uow_factory, "truman") == ["楚门的世界"]

    @pytest.mark.parametrize("keyword", ["", "   ", "　"])
    async def test_a_blank_keyword_finds_nothing(
        self, uow_factory: UnitOfWorkFactory, keyword: str
    ) -> None:
        """A blank search is no search: it returns an empty page, not the whole library."""
        await _add_movies(uow_factory, b.movie("搏击俱乐部"))
        async with uow_factory() as uow:
            found = await uow.movies.search(keyword, PageRequest())
        assert found.items == ()
        assert found.total == 0

    async def test_search_pages_report_total_and_more(self, uow_factory: UnitOfWorkFactory) -> None:
        """Pages cut the ranked list; `has_more` tells of more; `total` counts every match.

        Unless `total_exact` is False: then the search stopped once it had found more
        than the page reaches, and `total` is a lower bound beyond the page.
        """
        await _add_movies(uow_factory, *(b.movie(f"电影{i:02d}", rating=i / 4) for i in range(25)))
        async with uow_factory() as uow:
            first = await uow.movies.search("电影", PageRequest(1, 10))
            last = await uow.movies.search("电影", PageRequest(3, 10))
            beyond = await uow.movies.search("电影", PageRequest(4, 10))
        assert (len(first.items), first.has_more) == (10, True)
        assert first.total == 25 if first.total_exact else 10 < first.total <= 25
        assert [m.title for m in first.items][:2] == ["电影24", "电影23"]
        assert (len(last.items), last.total, last.has_more, last.total_exact) == (
            5,
            25,
            False,
            True,
        )
        assert [m.title for m in last.items] == ["电影04", "电影03", "电影02", "电影01", "电影00"]
        assert (beyond.items, beyond.total, beyond.total_exact) == ((), 25, True)

    async def test_keywords_are_text_never_patterns_or_sql(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """`%`, `_`, quotes and SQL in a keyword match only themselves, literally."""
        await _add_movies(
            uow_factory,
            b.movie("百分百 100%"),
            b.movie("下划线 a_b"),
            b.movie("It's a Wonderful Life"),
            b.movie('双引号 "引用"'),
            b.movie("ab 普通"),
            b.movie("反斜杠 a\\b"),
        )
        assert await _search(uow_factory, "%") == ["百分百 100%"]
        assert await _search(uow_factory, "0%") == ["百分百 100%"]
        assert await _search(uow_factory, "_") == ["下划线 a_b"]
        assert await _search(uow_factory, "a_b") == ["下划线 a_b"]
        assert await _search(uow_factory, "'") == ["It's a Wonderful Life"]
        assert await _search(uow_factory, '"引用"') == ['双引号 "引用"']
        assert await _search(uow_factory, "\\") == ["反斜杠 a\\b"]
        assert await _search(uow_factory, "' OR '1'='1") == []
        assert await _search(uow_factory, "%' OR 1=1; --") == []

    async def test_punctuation_only_keywords_match_punctuation(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A keyword of punctuation alone finds the titles holding it, full-width alike."""
        await _add_movies(uow_factory, b.movie("你好！"), b.movie("再见。"), b.movie("无标点"))
        assert await _search(uow_factory, "!") == ["你好！"]
        assert await _search(uow_factory, "！") == ["你好！"]
        assert await _search(uow_factory, "。") == ["再见。"]
        assert await _search(uow_factory, "?!") == []

    async def test_mixed_and_full_width_keywords(self, uow_factory: UnitOfWorkFactory) -> None:
        """Chinese and Latin mix in one keyword; full-width text matches on either side."""
        await _add_movies(
            uow_factory,
            b.movie("X战警：第一战", original_title="X-Men: First Class", rating=7.5),
            b.movie("ＡＢＣ谋杀案", rating=6.5),
            b.movie("Fight Club 搏击俱乐部", rating=8.75),
        )
        assert await _search(uow_factory, "x战警") == ["X战警：第一战"]
        assert await _search(uow_factory, "Ｘ战警") == ["X战警：第一战"]
        assert await _search(uow_factory, "abc谋杀") == ["ＡＢＣ谋杀案"]
        assert await _search(uow_factory, "club 搏击") == ["Fight Club 搏击俱乐部"]
        assert await _search(uow_factory, "  fight   CLUB  ") == ["Fight Club 搏击俱乐部"]
        assert await _search(uow_factory, "men: first") == ["X战警：第一战"]

    async def test_every_pair_of_characters_is_not_a_match(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A keyword matches as a whole: its pieces scattered over a title are no match."""
        await _add_movies(uow_factory, b.movie("击俱与俱乐", overview="abc 与 bcd"))
        assert await _search(uow_factory, "击俱乐") == []
        assert await _search(uow_factory, "abcd") == []
        assert await _search(uow_factory, "击俱") == ["击俱与俱乐"]
        assert await _search(uow_factory, "c 与 b") == ["击俱与俱乐"]

    async def test_long_overviews_match_anywhere(self, uow_factory: UnitOfWorkFactory) -> None:
        """A keyword near the end of a very long overview still finds the film."""
        long_overview = "很长的简介。" * 2_000 + "结尾的秘密"
        await _add_movies(
            uow_factory,
            b.movie("长篇", overview=long_overview, rating=5.0),
            b.movie("短篇", overview="结尾的秘密就在这里", rating=6.0),
        )
        assert await _search(uow_factory, "结尾的秘密") == ["短篇", "长篇"]
        assert await _search(uow_factory, "尾的") == ["短篇", "长篇"]
        assert await _search(uow_factory, "密") == ["短篇", "长篇"]

    async def test_equal_ranks_and_ratings_order_by_title(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Ties of rank and rating come by title (code point order); no rating counts as 0."""
        await _add_movies(
            uow_factory,
            b.movie("战争 B", rating=None),
            b.movie("战争 a", rating=0.0),
            b.movie("战争 A", rating=7.0),
            b.movie("战争 Z", rating=7.0),
        )
        assert await _search(uow_factory, "战争") == ["战争 A", "战争 Z", "战争 B", "战争 a"]

    async def test_recommended_films_are_best_rated_then_most_popular(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """The home page lists higher ratings first; popularity breaks ties; unrated come last."""
        await _add_movies(
            uow_factory,
            b.movie("一般", rating=6.5, popularity=100),
            b.movie("未评分", rating=None, popularity=1000),
            b.movie("冷门佳作", rating=9.0, popularity=1),
            b.movie("热门佳作", rating=9.0, popularity=50),
        )
        async with uow_factory() as uow:
            page = await uow.movies.recommended(PageRequest(1, 3))
        assert [m.title for m in page.items] == ["热门佳作", "冷门佳作", "一般"]
        assert (page.total, page.has_more) == (4, True)

    async def test_characters_list_most_important_first(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A film's characters come by importance, then lines, then name; other films' stay out."""
        film, other = b.new_id(), b.new_id()
        await given_movies(uow_factory, film, other)
        cast = [
            b.character(film, "Bob", importance=2, line_count=5),
            b.character(film, "主角", importance=5, line_count=100),
            b.character(film, "Alice", importance=2, line_count=5),
            b.character(film, "反派", importance=4, line_count=120),
            b.character(film, "话痨", importance=2, line_count=50),
            b.character(other, "别的电影", importance=5),
        ]

        async def fill(uow: UnitOfWork) -> None:
            for person in cast:
                await uow.characters.add(person)

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            listed = await uow.characters.list_for_movie(film)
            assert await uow.characters.get(cast[1].id) == cast[1]
        assert [c.name for c in listed] == ["主角", "反派", "话痨", "Alice", "Bob"]

    async def test_dialogues_come_in_film_order(self, uow_factory: UnitOfWorkFactory) -> None:
        """Lines page in film order, optionally one character's; speakerless lines included."""
        film, other = b.new_id(), b.new_id()
        await given_movies(uow_factory, film, other)
        cast = [b.character(film, "英雄"), b.character(film, "反派"), b.character(other, "路人")]
        hero, villain, stranger = (person.id for person in cast)
        speakers = [hero, villain, None, hero, villain, hero]
        lines = [
            b.line(film, order, who)
            for order, who in zip([50, 10, 30, 20, 60, 40], speakers, strict=True)
        ]
        lines.append(b.line(other, 1, stranger))

        async def fill(uow: UnitOfWork) -> None:
            for person in cast:
                await uow.characters.add(person)
            await uow.dialogues.add_many(lines)

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            everything = await uow.dialogues.for_movie(film, PageRequest(1, 4))
            rest = await uow.dialogues.for_movie(film, PageRequest(2, 4))
            heros = await uow.dialogues.for_movie(film, PageRequest(), hero)
            first_two = await uow.dialogues.for_character(hero, 2)
        assert [d.order for d in everything.items] == [10, 20, 30, 40]
        assert (everything.total, everything.has_more) == (6, True)
        assert [d.order for d in rest.items] == [50, 60]
        assert everything.items[2] == lines[2]
        assert [d.order for d in heros.items] == [20, 40, 50]
        assert heros.total == 3
        assert [d.order for d in first_two] == [20, 40]

    async def test_a_duplicate_line_conflicts(self, uow_factory: UnitOfWorkFactory) -> None:
        """`add_many` refuses a line whose id is taken."""
        film = b.new_id()
        await given_movies(uow_factory, film)
        first = b.line(film, 1)
        await given(uow_factory, lambda uow: uow.dialogues.add_many([first]))
        async with uow_factory() as uow:
            with pytest.raises(Conflict):
                await write_then_commit(
                    uow, uow.dialogues.add_many([b.line(first.movie_id, 2), first])
                )
