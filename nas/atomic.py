"""Writing a file atomically: the one way ``nas`` replaces a file (checkpoints, weights, metrics,
reports, exported configs).

The content goes to a temporary file of its own in the target's folder, is flushed to disk
(``fsync``) and renamed over the target (``os.replace``), so a reader sees the old file or the
new one, never half of one, and a failed write leaves no temporary file. Every write draws a new
temporary name (``.nas-<random>.tmp``, short, so a long target name still fits), so two
processes writing the same file at once never write into one temporary file: each renames a
whole file, and the last rename wins.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def temporary_file(folder: Path) -> tuple[Path, int]:
    """A new hidden file in ``folder``, created exclusively (mode 0666 & ~umask), and its descriptor."""
    for _ in range(100):
        tmp = folder / f".nas-{os.urandom(6).hex()}.tmp"
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "no free temporary file name")


def write_atomic(path: str | Path, write: Callable[[BinaryIO], None]) -> None:
    """Replace ``path`` with what ``write`` writes to the binary handle it is given.

    Args:
        path: the target file; its folder must exist.
        write: writes the whole content to the handle (e.g. ``lambda f: torch.save(obj, f)``).

    Raises:
        OSError: when the temporary file cannot be created, written or renamed; whatever
            ``write`` raises. In every case the temporary file is removed and ``path`` is unchanged.
    """
    target = Path(path)
    tmp, fd = temporary_file(target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (see :func:`write_atomic`)."""
    write_atomic(path, lambda handle: handle.write(data))


__all__ = ["temporary_file", "write_atomic", "write_bytes_atomic"]
