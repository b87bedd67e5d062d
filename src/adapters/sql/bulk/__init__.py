"""Bulk import into the film library: source films to rows, one transaction per film.

`LibraryWriter` writes what `adapters.importers` reads (`SourceFilm`s) through a sync
engine (`create_bulk_engine`); `validate` checks a film without a database. Ids are
stable (`ids`), merges follow `merge`, matching follows `directory`.
"""

from adapters.sql.bulk.check import validate
from adapters.sql.bulk.engine import create_bulk_engine
from adapters.sql.bulk.ids import NAMESPACE, stable_id
from adapters.sql.bulk.writer import ChangeHook, LibraryWriter, Status, Written

__all__ = [
    "NAMESPACE",
    "ChangeHook",
    "LibraryWriter",
    "Status",
    "Written",
    "create_bulk_engine",
    "stable_id",
    "validate",
]
