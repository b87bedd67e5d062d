"""`direct.compiled`: the SQL text and parameter order a driver-direct query runs with."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select
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
    sql, names = direct.compiled(statement, DIALECT)
    assert names == ("high", "low", "most")
    assert sql.count("%s") == 3
    hits = direct.compiled.cache_info().hits
    assert direct.compiled(statement, DIALECT) == (sql, names)
    assert direct.compiled.cache_info().hits == hits + 1  # kept, not compiled again


def test_a_statement_rendered_at_execution_is_refused() -> None:
    """An expanding IN (its placeholders depend on the values) cannot run from fixed text."""
    statement = select(movies.c.id).where(movies.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(TypeError, match="rendered at execution"):
        direct.compiled(statement, DIALECT)
