"""An append-only table of measurements: a JSON-lines file, one row per key, shared by processes.

Long measurements (a full training takes an hour on one core) write their result the moment
it exists, so an interrupted run, or the next session on a fresh machine, continues where the
last one stopped. Rows are only ever appended, each as one ``write`` of one line under an
exclusive ``flock``, so two processes measuring into the same file never interleave or both
store a key; a reader skips nothing and never sees half a row (a torn last line left by a
killed writer is ignored, and cut off by the next append). Nothing stored is ever rewritten.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nas.errors import NasError


def commit_of(path: str | Path) -> str:
    """The git commit of the checkout holding ``path`` (``+dirty`` when tracked files have
    changes; ``unknown`` outside a checkout), recorded with each measured row."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=path,
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def work_folder(path: str | Path, option: str) -> Path:
    """``path`` as a folder of kept work: refused at once when it, or a folder above it, is a file.

    Raises:
        NasError: naming ``option`` and the file in the way.
    """
    path = Path(path)
    for part in (path, *path.parents):
        if part.exists() and not part.is_dir():
            raise NasError(f"{option}: {part} is a file, not a folder")
    return path


def claim(folder: str | Path) -> bool:
    """Take the work kept in ``folder`` for this process unless a live process on this host holds it.

    A claim is the file ``folder/claim`` holding the owner's pid, created exclusively; a claim
    whose process is gone (killed, or a previous session's) is taken over.

    Returns:
        True when this process holds it now (also when it already did).
    """
    path = work_folder(folder, "claim") / "claim"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NasError(f"cannot create {path.parent}: {exc.strerror}") from None
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(path.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid == os.getpid():
                return True
            if pid > 0:
                try:
                    os.kill(pid, 0)
                    return False  # a live process holds it
                except ProcessLookupError:
                    pass
                except PermissionError:
                    return False  # alive, another user's
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True


class Ledger:
    """The rows of a JSON-lines file, keyed by ``row[key_field]``.

    Args:
        path: the file (created with its folder on the first append).
        key_field: the field that names a row; two rows never share its value.
        check: called on every row before it is appended; raises :class:`NasError` to refuse it.
    """

    def __init__(self, path: str | Path, key_field: str = "key", check: Callable[[dict[str, Any]], None] | None = None):
        self.path = Path(path)
        self.key_field = key_field
        self.check = check
        if self.path.exists() and not self.path.is_file():
            raise NasError(f"{self.path} is not a file; give a JSON-lines file path")

    @contextmanager
    def _locked(self) -> Iterator[Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield f
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _parse(self, text: str) -> list[dict[str, Any]]:
        rows = []
        lines = text.split("\n")
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):  # a torn last line: a writer was killed mid-write
                    continue
                raise NasError(f"{self.path}:{number}: not a JSON object; the file is not a results table") from None
            if not isinstance(row, dict) or self.key_field not in row:
                raise NasError(f"{self.path}:{number}: a row without {self.key_field!r}; the file is not a results table")
            rows.append(row)
        return rows

    def rows(self) -> list[dict[str, Any]]:
        """Every row, in the order appended (none when the file does not exist)."""
        if not self.path.exists():
            return []
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise NasError(f"cannot read {self.path}: {exc}") from None
        return self._parse(text)

    def keys(self) -> set[str]:
        """The keys of the stored rows."""
        return {row[self.key_field] for row in self.rows()}

    def get(self, key: str) -> dict[str, Any] | None:
        """The row stored under ``key``, or None."""
        return next((row for row in self.rows() if row[self.key_field] == key), None)

    def append(self, row: dict[str, Any]) -> bool:
        """Store ``row`` unless a row with its key is already there.

        Returns:
            True when it was appended, False when its key was already stored (nothing written).

        Raises:
            NasError: when ``check`` refuses it, it has no key or is not JSON.
        """
        if self.key_field not in row:
            raise NasError(f"a row without {self.key_field!r} cannot be stored")
        if self.check is not None:
            self.check(row)
        try:
            line = json.dumps(row, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise NasError(f"row {row[self.key_field]!r} is not JSON: {exc}") from None
        with self._locked() as f:
            f.seek(0)
            text = f.read()
            if any(r[self.key_field] == row[self.key_field] for r in self._parse(text)):
                return False
            lead = ""
            if text and not text.endswith("\n"):
                last = text.rsplit("\n", 1)[-1]
                try:
                    json.loads(last)
                    lead = "\n"
                except json.JSONDecodeError:  # a torn row of a killed writer: cut it off
                    f.truncate(len(text.encode("utf-8")) - len(last.encode("utf-8")))
            f.seek(0, os.SEEK_END)
            f.write(lead + line + "\n")
            f.flush()
            os.fsync(f.fileno())
        return True
