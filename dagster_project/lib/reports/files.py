"""Writing report files: safe names, atomic replacement (a reader never sees half a file)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def safe_name(value: str) -> str:
    """A file name from an id: only letters, digits, `_`, `.`, `-`; never `..` or hidden."""
    name = _UNSAFE.sub("_", value).lstrip(".")
    return name or "_"


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


class StagedFolder:
    """Build a folder beside `target`, then swap it in whole: a reader sees the previous
    set of files or the new one, and files of workspaces no longer reported disappear."""

    def __init__(self, target: Path):
        self.target = target
        self.path: Path | None = None

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(dir=self.target.parent, prefix=f".{self.target.name}."))
        self.path.chmod(0o755)
        return self.path

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.path is not None
        if exc_type is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        previous = self.target.with_name(f".{self.target.name}.previous")
        shutil.rmtree(previous, ignore_errors=True)
        if self.target.exists():
            os.replace(self.target, previous)
        os.replace(self.path, self.target)
        shutil.rmtree(previous, ignore_errors=True)
