"""The billing state has one owner: no module but lib/billing_state.py defines or writes
a `billing.*` table."""

from __future__ import annotations

import re
from pathlib import Path

import dagster_project

PACKAGE = Path(dagster_project.__file__).parent
OWNER = PACKAGE / "lib" / "billing_state.py"
WRITE = re.compile(
    r"\b(insert\s+(or\s+\w+\s+)?into|update|delete\s+from|merge\s+into|truncate(\s+table)?"
    r"|(create|alter|drop)\s+(or\s+replace\s+)?(table|view|schema|sequence)(\s+if\s+(not\s+)?exists)?)"
    r"\s+billing\b",
    re.IGNORECASE,
)


def writes_to_billing(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if WRITE.search(line)]


def test_only_the_state_module_writes_the_billing_tables():
    writers = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != OWNER and (lines := writes_to_billing(path))
    }
    assert writers == {}


def test_the_check_sees_a_write():
    """The pattern the test above relies on matches the writes the state module does."""
    assert len(writers := writes_to_billing(OWNER)) == 12, writers
