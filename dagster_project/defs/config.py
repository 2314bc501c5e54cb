"""Run configuration shared by the assets that act at an instant."""

import dagster as dg


class AsOfConfig(dg.Config):
    as_of: str | None = None
    """Act as if it were this UTC instant (ISO-8601; tests, backfills); empty = now."""
