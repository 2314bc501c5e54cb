"""Warehouse connections that are closed even when the work inside fails."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import duckdb


class ConnectionProvider(Protocol):
    def get_connection(self): ...


@contextmanager
def warehouse_connection(provider: ConnectionProvider) -> Iterator[duckdb.DuckDBPyConnection]:
    """`provider.get_connection()` (e.g. Dagster's DuckDBResource), closed on error too.

    DuckDBResource closes its connection only on success; a connection left open after
    a failure keeps the database file locked with its configuration for the process.
    """
    with provider.get_connection() as con:
        try:
            yield con
        finally:
            con.close()
