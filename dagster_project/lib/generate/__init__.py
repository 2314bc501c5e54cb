"""Deterministic sample landing data (contract `BILLING.md` 1.1 and 1.2).

`generate(GenerateConfig(...))` writes every landing source under `landing_dir`, one
sub-folder per day (`usage_records/2026-10-03/part-0001.jsonl`), rotating through the
configured formats file by file. The same config always produces byte-identical files.

How it stays deterministic and streams at any volume:

* Every pseudo-random value of an event is derived from `hash(hash(row index, day,
  seed, salt))` in DuckDB (a pure function, whatever the thread count), never from
  `random()`. Row order is fixed by an `ORDER BY` on (delivery kind, source day, row
  index), and numbers are computed exactly (integer arithmetic for the row selection,
  decimals for money) or rounded to decimal text before they are written.
* Usage events, gateway requests and calls are generated set-based, one `COPY (...) TO`
  per part file from `range()`; Python loops over days and files only, so memory does
  not grow with the volume (DuckDB's `memory_limit` applies, sorts spill to a
  temporary folder).
* The small reference tables (workspaces, agents and their snapshot timelines) are
  built in Python from a keyed hash (blake2b), also deterministic.

Realism: Zipf-like workspace sizes (a few workspaces produce most events), an hourly
rhythm (business hours busier) and a weekly one (weekends quieter), plan changes,
workspaces created, suspended and cancelled inside the window, several agents per
workspace, call-linked usage (call_minutes, transcription, synthesis refer to a call of
`calls/` of the same workspace), daily storage per active workspace, LLM tokens, and
timestamps with `Z`, with an offset, and without offset.

Bad input (a `bad_row_rate` share of usage, gateway and call rows, evenly spread; the
kinds rotate per format class - JSONL files through every kind, CSV/Parquet files
through all but invalid_json - so each appears once the volume allows; the exact
values are listed in `BAD_ROW_VALUES`), re-deliveries (`duplicate_rate`, in a file of
a later day), late deliveries (`late_rate` of usage rows, written 1-5 days after their
day) and one unparseable file (`usage_records/<middle day>/part-NNNN.parquet`, garbage bytes).

Files are written under a hidden temporary name in the target folder and renamed, so a
reader never sees half a file; a file whose bytes would not change is left untouched
(same mtime), so re-running the same config re-delivers nothing.

The modules, by concern: `config` (GenerateConfig with its defaults, GenerateSummary,
the checks), `run` (`generate()` itself), `window` (the days), `randomness` (the keyed
hashes), `reference` (the seed files, the product tables), `workspaces` and `snapshots`
(workspaces/ and agents/), `volumes` (rows per day), `streams` (the streamed sources'
day tables and part files) with `usage`, `gateway` and `calls` (the row SQL of each),
`bad_rows`, `deliveries` (late rows and duplicates), `timestamps`, `files` (formats,
COPY, atomic publish) and `sql` (the DuckDB connection).
"""

from dagster_project.lib.generate.bad_rows import (
    BAD_ROW_VALUES,
    CALL_BAD_KINDS,
    FUTURE_DAYS,
    GATEWAY_BAD_KINDS,
    NO_RATE_GATEWAY,
    NO_RATE_USAGE,
    UNKNOWN_RESOURCE_TYPE,
    UNKNOWN_WORKSPACE_PREFIX,
    USAGE_BAD_KINDS,
)
from dagster_project.lib.generate.config import (
    FORMAT_SUFFIX,
    SOURCE_NAMES,
    GenerateConfig,
    GenerateSummary,
)
from dagster_project.lib.generate.deliveries import DUP_MAX_DAYS, LATE_MAX_DAYS
from dagster_project.lib.generate.reference import SEEDS_DIR
from dagster_project.lib.generate.run import generate

__all__ = [
    "BAD_ROW_VALUES",
    "CALL_BAD_KINDS",
    "DUP_MAX_DAYS",
    "FORMAT_SUFFIX",
    "FUTURE_DAYS",
    "GATEWAY_BAD_KINDS",
    "LATE_MAX_DAYS",
    "NO_RATE_GATEWAY",
    "NO_RATE_USAGE",
    "SEEDS_DIR",
    "SOURCE_NAMES",
    "UNKNOWN_RESOURCE_TYPE",
    "UNKNOWN_WORKSPACE_PREFIX",
    "USAGE_BAD_KINDS",
    "GenerateConfig",
    "GenerateSummary",
    "generate",
]
