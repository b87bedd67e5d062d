"""Fixtures of a deployment's backing services, one set per test.

For a test module that sets `pytest_plugins = ["tests.integration.deployment_fixtures"]`
(which brings `tests.integration.redis_support` too):

- `dify`: the Dify-compatible test server in a thread: its `/v1` base URL and control.
- `database_url`: a fresh MariaDB database migrated to head, dropped afterwards.
- `redis_server` (from `redis_support`): a `redis-server` of the test's own.

PYTEST_DONT_REWRITE: no asserts here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dify_server import DifyControl, dify_server
from tests.integration.mariadb_support import fresh_database

pytest_plugins = ["tests.integration.redis_support"]


@pytest.fixture
def dify() -> Iterator[tuple[str, DifyControl]]:
    """The Dify-compatible test server, serving the canned outputs."""
    with dify_server() as server:
        yield server


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh MariaDB database at the newest schema."""
    with fresh_database() as url:
        yield url
