"""Building dbt command lines: pure functions, unit-tested."""

from __future__ import annotations

import json
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


def build_args(*, as_of: str | None = None, full_refresh: bool = False) -> list[str]:
    args = ["build"]
    as_of = normalize_as_of(as_of)
    if as_of:
        args += ["--vars", json.dumps({"as_of": as_of})]
    if full_refresh:
        args.append("--full-refresh")
    return args
