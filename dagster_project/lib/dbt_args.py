"""Building dbt command lines: pure functions, unit-tested."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


def normalize_as_of(as_of: str | None) -> str | None:
    """An ISO-8601 instant as naive UTC text dbt can cast, or None for "now".

    Text without an offset is taken as UTC, like every timestamp of the contract.
    """
    if not as_of:
        return None
    parsed = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.isoformat(sep=" ")


def as_of_instant(as_of: str | None) -> datetime:
    """The pinned instant as a naive UTC datetime, or the current time when not pinned."""
    pinned = normalize_as_of(as_of)
    return datetime.fromisoformat(pinned) if pinned else datetime.now(UTC).replace(tzinfo=None)


# How the pinned instant reaches dbt (dbt/macros/run_as_of.sql): an environment variable,
# not --vars. dbt re-parses the whole project when a var changes, and every daily run
# pins another instant; a changed environment variable re-parses only what reads it.
AS_OF_ENV = "BILLING_AS_OF"


def build_args(*, full_refresh: bool = False) -> list[str]:
    return ["build", "--full-refresh"] if full_refresh else ["build"]


@contextmanager
def pinned_as_of(as_of: str | None) -> Iterator[None]:
    """The dbt processes started inside evaluate at `as_of` (now when None)."""
    before = os.environ.pop(AS_OF_ENV, None)
    pinned = normalize_as_of(as_of)
    if pinned:
        os.environ[AS_OF_ENV] = pinned
    try:
        yield
    finally:
        os.environ.pop(AS_OF_ENV, None)
        if before is not None:
            os.environ[AS_OF_ENV] = before
