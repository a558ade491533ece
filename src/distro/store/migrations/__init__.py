"""Alembic migrations of the ledger; `Ledger` runs them to head when it opens a database."""
