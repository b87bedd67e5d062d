"""Explicit row <-> entity mappers: the domain classes know nothing of tables.

Each `*_row` gives the column values of an entity; each `*_from` rebuilds the entity
from a result row. JSON columns hold plain lists and objects; tuples, frozensets and
nested value objects are rebuilt here, so a stored entity comes back equal.
"""
