"""The outbox the application reads to send messages: one JSON-lines file per message,
written atomically and named by the message's id, so writing it again after a crash
leaves the same single file (its table row is stamped by lib/billing_state.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_message(folder: Path, message_id: str, record: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message_id}.jsonl"
    temporary = folder / f".{message_id}.jsonl.tmp"
    temporary.write_text(json.dumps(record, sort_keys=True) + "\n")
    os.replace(temporary, path)
    return path
