"""SQL adapters: MySQL 8 / MariaDB 10.11 and SQLite through SQLAlchemy Core and asyncio.

Core `Table`s (`tables.py`) and explicit mappers (`mappers/`), one repository per port
(`repositories/`), the unit of work (`uow.py`), the quota ledger (`ledger.py`), film
search through a gram index (`search.py`), and Alembic migrations shipped inside the
package (`migrations/`, run through `migrate.py`).
"""

from adapters.sql.engine import async_url, create_engine, sqlite_file_url, sync_url
from adapters.sql.ledger import SqlQuotaLedger
from adapters.sql.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "SqlQuotaLedger",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "async_url",
    "create_engine",
    "sqlite_file_url",
    "sync_url",
]
