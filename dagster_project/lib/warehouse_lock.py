"""One writer at a time, whoever starts the run.

DuckDB lets one process open a database file for writing and no other process open it
at all meanwhile; a second process fails at once ("Could not set lock on file").
Every run that opens the warehouse (from the UI, a schedule, a sensor, a backfill or
the command line) first takes an exclusive lock on a file beside it,
`<warehouse>.lock`, and holds it until the run ends; a second run waits for it instead
of failing. The lock file names its holder, so the one waiting can say whom it waits
for. The lock is the operating system's (`flock`): a crashed run cannot leave it behind.

A process outside the pipeline that holds DuckDB's own lock (someone who opened the
warehouse file itself) is waited for with a backoff, then named in one line.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

# DuckDB's message when another process holds the database file.
_DUCKDB_LOCK = re.compile(
    r"Could not set lock on file .*?Conflicting lock is held in (.*?) \(PID (\d+)\)", re.DOTALL
)


# what a run logs when it takes and gives back the warehouse (the times tell who held it)
HOLDING = "holding the warehouse"
RELEASED = "released the warehouse"


class WarehouseBusy(Exception):
    """The warehouse stayed held for longer than the run is willing to wait."""


@dataclass
class _Held:
    handle: object
    count: int


# Within one process the lock is re-entrant: the run's resources (DuckDB, dbt) each take
# it, and they must not wait for each other.
_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def lock_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".lock")


def holder_of(warehouse_path: Path) -> str | None:
    """Who holds the writer lock, as it wrote itself into the lock file; None if free."""
    path = lock_path(warehouse_path)
    if not path.exists():
        return None
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            return handle.read().strip() or "another run"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def duckdb_holder(error_text: str) -> tuple[int, str] | None:
    """(PID, program) of the process DuckDB's lock error names, if it is one."""
    match = _DUCKDB_LOCK.search(error_text)
    return (int(match[2]), Path(match[1]).name) if match else None


@contextlib.contextmanager
def warehouse_writer(
    warehouse_path: Path,
    *,
    holder: str,
    wait_seconds: float,
    outside_wait_seconds: float,
    say: Callable[[str], None] = lambda _: None,
    duckdb_config: dict | None = None,
) -> Iterator[None]:
    """Hold the warehouse for this process: wait up to `wait_seconds` for another run,
    then up to `outside_wait_seconds` for a process outside the pipeline."""
    path = lock_path(warehouse_path)
    with _guard:
        held = _held.get(path)
        if held is not None:
            held.count += 1
    if held is None:
        warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            _take(handle, warehouse_path, wait_seconds, say)
            handle.seek(0)
            handle.truncate()
            handle.write(f"{holder} (PID {os.getpid()})\n")
            handle.flush()
            _wait_for_outside_holder(warehouse_path, outside_wait_seconds, say,
                                     duckdb_config or {})
        except BaseException:
            handle.close()
            raise
        with _guard:
            held = _held[path] = _Held(handle, 1)
        say(f"{HOLDING} ({holder})")
    try:
        yield
    finally:
        with _guard:
            held.count -= 1
            done = held.count == 0
            if done:
                del _held[path]
        if done:
            held.handle.seek(0)
            held.handle.truncate()
            held.handle.close()  # closing the file releases the lock
            say(RELEASED)


def _take(handle, warehouse_path: Path, wait_seconds: float, say) -> None:
    deadline = time.monotonic() + wait_seconds
    told = None
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        handle.seek(0)
        who = handle.read().strip() or "another run"
        if who != told:
            say(f"waiting for the warehouse: it is in use by {who}")
            told = who
        if time.monotonic() >= deadline:
            raise WarehouseBusy(
                f"the warehouse is still in use by {who} after {wait_seconds:.0f} s; "
                "try again when it has finished")
        time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))


def _wait_for_outside_holder(warehouse_path: Path, wait_seconds: float, say,
                             config: dict) -> None:
    """DuckDB's own lock held by a process that did not take the writer lock."""
    if not warehouse_path.exists():
        return
    deadline = time.monotonic() + wait_seconds
    delay = 0.2
    told = False
    while True:
        try:
            duckdb.connect(str(warehouse_path), config=config).close()
            return
        except duckdb.IOException as error:
            found = duckdb_holder(str(error))
            if found is None:
                return  # not a lock: the step that opens the file reports it
        pid, program = found
        who = f"a process outside the pipeline (PID {pid}, {program})"
        if not told:
            say(f"waiting for the warehouse: it is open in {who}")
            told = True
        if time.monotonic() >= deadline:
            raise WarehouseBusy(
                f"the warehouse is held by {who} for over {wait_seconds:.0f} s; close it "
                "there (analysts read the published copy) and run again")
        time.sleep(min(delay, max(0.05, deadline - time.monotonic())))
        delay = min(delay * 2, 5.0)
