"""Writing an output file (a report, an exported config) safely: checked first, then atomically.

An output is written atomically (:func:`nas.atomic.write_atomic`: a temporary file of its own in
the target's folder, renamed over the target), so a reader sees the old file or the new one,
never half of one; on any failure the temporary file is removed and an existing output is left
as it was. A path that is a study's storage (or any SQLite database), a folder, a device, a fifo
or a socket is refused before anything is written, and every refusal or failure is one
:class:`~nas.errors.OutputError` line naming the path.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from nas.atomic import write_bytes_atomic
from nas.errors import NasError
from nas.study.files import SQLITE_HEADER
from nas.text import check_text


class OutputError(NasError):
    """An output file cannot be written where asked (a protected, odd or unwritable path)."""


def shown_path(path: str | Path) -> str:
    """``path`` as printable text: undecodable bytes become ``\\xNN``-style escapes."""
    return repr(os.fsdecode(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def check_path_text(path: str | Path, what: str) -> str:
    """The path as a string, refusing one that is empty, not valid UTF-8 or holds control characters.

    Args:
        path: the path as given by the user.
        what: how the message names it, e.g. ``"output"`` or ``"--storage"``.

    Returns:
        ``os.fspath(path)``.

    Raises:
        OutputError: naming the path and what is odd about it.
    """
    text = os.fsdecode(path)
    shown = shown_path(text)
    return check_text(text, OutputError, empty=f"{what}: the path is empty",
                      not_utf8=f"{what} {shown}: the path is not valid UTF-8; use a plain file name",
                      control=f"{what} {shown}: the path holds control characters (a newline, a tab, ...)")


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_output(path: str | Path, protect: Iterable[str | Path] = (), what: str = "output") -> Path:
    """Check that ``path`` may be (over)written as an output file; nothing is created.

    Args:
        path: the output as given.
        protect: files that must never be overwritten (a study's database and its journals).
        what: how the message names the path.

    Returns:
        The real location to write (symbolic links resolved).

    Raises:
        OutputError: for an odd path, a protected file, an existing SQLite database, folder or
            special file, or a parent that is not a folder.
    """
    text = check_path_text(path, what)
    shown = shown_path(text)
    if text.endswith(os.sep) or (os.altsep and text.endswith(os.altsep)):
        raise OutputError(f"{what} {shown} names a folder; give a file name")
    target = Path(os.path.realpath(text))
    for other in protect:
        real = Path(os.path.realpath(other))
        same = real == target
        if not same:
            try:
                same = _same_file(os.stat(target), os.stat(real))
            except OSError:
                same = False
        if same:
            raise OutputError(f"{what} {shown} is the study's storage file; refusing to write over it "
                              "(choose another file name)")
    try:
        st = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as exc:
        raise OutputError(f"{what} {shown}: cannot write there ({_reason(exc)})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{what} {shown} is a folder; give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{what} {shown} exists and is not a regular file (a device, fifo or socket)")
        if _is_sqlite(target):
            raise OutputError(f"{what} {shown} is a SQLite database; refusing to write over it "
                              "(choose another file name)")
    parent = _existing_ancestor(target.parent)
    if not parent.is_dir():
        raise OutputError(f"{what} {shown}: cannot write there ({shown_path(parent)} is not a folder)")
    return target


def write_output(path: str | Path, data: str | bytes, protect: Iterable[str | Path] = (),
                 what: str = "output") -> Path:
    """Write ``data`` to ``path`` atomically, creating its folder.

    Args:
        path: the output file.
        data: the content; text is written as UTF-8.
        protect: files that must never be overwritten (see :func:`check_output`).
        what: how messages name the path.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        OutputError: one line naming the path; nothing is left behind and an existing file at
            ``path`` is unchanged.
    """
    target = check_output(path, protect, what)
    shown = shown_path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    created = _make_parents(target.parent, shown, what)
    try:
        write_bytes_atomic(target, payload)
    except BaseException as exc:
        _remove(created)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {what} {shown}: {_reason(exc)}") from None
        raise
    return Path(path)


def _make_parents(folder: Path, shown: str, what: str) -> list[Path]:
    """Create ``folder`` and missing parents; the ones created, deepest first."""
    missing: list[Path] = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    made: list[Path] = []
    try:
        for part in reversed(missing):
            part.mkdir()
            made.insert(0, part)
    except OSError as exc:
        _remove(made)
        raise OutputError(f"cannot write {what} {shown}: cannot create folder {shown_path(part)} "
                          f"({_reason(exc)})") from None
    return made


def _remove(folders: list[Path]) -> None:
    """Remove the (empty) folders a failed write created, deepest first."""
    try:
        for folder in folders:
            folder.rmdir()
    except OSError:
        pass


def _existing_ancestor(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _reason(exc: OSError) -> str:
    """``permission denied``, ``no space left on device``, ...: the OS's words, without the path."""
    return (exc.strerror or type(exc).__name__).lower()


__all__ = ["OutputError", "check_output", "check_path_text", "shown_path", "write_output"]
