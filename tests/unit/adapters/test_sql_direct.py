"""`direct.compiled`: the SQL text and parameter order a driver-direct query runs with."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.sql import direct
from adapters.sql.tables import movies

DIALECT = create_async_engine("mysql+aiomysql://root@127.0.0.1/none").dialect  # never connects


def test_parameters_come_in_the_order_the_text_uses_them() -> None:
    """Named values map onto the positional placeholders in order; the text is kept."""
    statement = (
        select(movies.c.id)
        .where(movies.c.rating <= bindparam("high"), movies.c.rating >= bindparam("low"))
        .limit(bindparam("most"))
    )
    query = direct.compiled(statement, DIALECT)
    assert query.names == ("high", "low", "most")
    assert query.sql.count("%s") == 3
    assert query.values({"most": 3, "low": 1, "high": 2}) == (2, 1, 3)
    hits = direct.compiled.cache_info().hits
    assert direct.compiled(statement, DIALECT) is query
    assert direct.compiled.cache_info().hits == hits + 1  # kept, not compiled again


def test_a_statement_rendered_at_execution_is_refused() -> None:
    """An expanding IN (its placeholders depend on the values) cannot run from fixed text."""
    statement = select(movies.c.id).where(movies.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(TypeError, match="rendered at execution"):
        direct.compiled(statement, DIALECT)


def test_values_the_statement_binds_itself_are_sent_too() -> None:
    """A literal the statement holds (coalesce's -1) is sent in its place among the caller's."""
    statement = select(func.coalesce(movies.c.release_year, -1)).where(
        movies.c.id == bindparam("film")
    )
    query = direct.compiled(statement, DIALECT)
    assert query.values({"film": "f1"}) == (-1, "f1")
    with pytest.raises(KeyError, match="film"):
        query.values({})
