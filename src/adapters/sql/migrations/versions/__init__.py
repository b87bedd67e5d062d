"""Migration scripts, one per schema revision, oldest first (Alembic loads them itself)."""
