"""Developer and CI sessions: `nox` runs lint, typecheck, unit and integration tests."""

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests", "integration"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff and the import-linter contracts (npc_core stays pure)."""
    session.install("-e", ".", "ruff>=0.6", "import-linter>=2.0")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Strict mypy over the library, the adapters, the entrypoints and the tests."""
    session.install("-e", ".[test]", "mypy>=1.11")
    session.run("mypy")
    session.run("mypy", "tests", "benchmarks")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, property and state-machine tests on in-memory adapters (no network)."""
    session.install("-e", ".[test]")
    session.run("pytest", "tests/unit", "--hypothesis-profile=ci", *session.posargs)


@nox.session(python=PYTHON)
def integration(session: nox.Session) -> None:
    """Tests against real MariaDB, Redis and loopback servers the tests start."""
    session.install("-e", ".[test]")
    # Exit code 5 means pytest collected nothing: no adapter needs a real server yet.
    session.run("pytest", "tests/integration", *session.posargs, success_codes=[0, 5])


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: each prints ratios against a baseline measured in the same run."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "benchmarks", *session.posargs)
