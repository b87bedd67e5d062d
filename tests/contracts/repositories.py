"""The repository contract: every unit of work and repository, in one class to subclass.

An adapter's test binds the `uow_factory` fixture::

    class TestSqlRepositories(RepositoryContract):
        @pytest.fixture
        def uow_factory(self, engine) -> UnitOfWorkFactory:
            return SqlUnitOfWorkFactory(engine)

Rows refer to rows that exist, as a database with foreign keys insists: a row a user
owns to its user, a character or a line to its film, a line to its speaker, a log
entry or a message to its session. The tests store those first (`given_users`,
`given_movies`); references between aggregates (a storyboard's work, a comic's
audio) are plain ids and need nothing.
"""

from tests.contracts.library import LibraryContract
from tests.contracts.owned import OwnedDataContract
from tests.contracts.transactions import TransactionContract


class RepositoryContract(TransactionContract, LibraryContract, OwnedDataContract):
    """Everything a `UnitOfWork` and its repositories promise."""
