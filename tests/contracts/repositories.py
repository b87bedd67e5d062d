"""The repository contract: every unit of work and repository, in one class to subclass.

An adapter's test binds the `uow_factory` fixture::

    class TestSqlRepositories(RepositoryContract):
        @pytest.fixture
        def uow_factory(self, engine) -> UnitOfWorkFactory:
            return SqlUnitOfWorkFactory(engine)
"""

from tests.contracts.library import LibraryContract
from tests.contracts.owned import OwnedDataContract
from tests.contracts.transactions import TransactionContract


class RepositoryContract(TransactionContract, LibraryContract, OwnedDataContract):
    """Everything a `UnitOfWork` and its repositories promise."""
