"""Alembic migrations of the ledger; `Ledger` runs them to head when it opens a database."""

#: The newest revision in ``versions/``: a ledger already there opens without Alembic. A test
#: checks it against Alembic's own view of the scripts, so a new migration must bump it.
HEAD = "0001"
