"""Alembic's environment and the migration scripts (`versions/`)."""
