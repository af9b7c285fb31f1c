"""Where a study's files live: the one mapping from a study name to its default database, its
report and the folder its finalised runs train in, used by every command.

A name that is a plain file name maps to itself (``lightweight-5M-fashion-mnist``, ``研究``,
``run 2``). A character that would make the name leave its folder, mean something else to a
file system or end the path of a ``sqlite:///`` URL (``/``, ``\\``, a leading ``.``, ``?``, ``#``,
``%``, ``:``, ...) is written as ``~XX`` of its UTF-8 bytes, and so is ``~`` itself, so the mapping
is one-to-one: distinct names never share a file, and ``../escape`` stays inside ``studies/`` as
``~2E.~2Fescape.db``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nas.errors import NasError
from nas.text import check_text

STUDIES_DIR = Path("studies")
REPORTS_DIR = Path("reports")
RUNS_DIR = Path("runs")
#: File names are limited to 255 bytes; this leaves room for ``.html`` and a temporary suffix.
MAX_STEM_BYTES = 200
#: The first 16 bytes of every SQLite database file, a study's default storage among them.
SQLITE_HEADER = b"SQLite format 3\x00"
_ESCAPED = frozenset('/\\%?#~:*"<>|')


def check_study_name(name: str) -> str:
    """``name``, refused when it is empty, not valid UTF-8 or holds control characters.

    Raises:
        NasError: naming what is wrong with it.
    """
    return check_text(name, NasError, empty="the study name is empty",
                      not_utf8=f"study name {name!r} is not valid UTF-8",
                      control=f"study name {name!r} holds control characters")


def _escape(c: str) -> str:
    return "".join(f"~{b:02X}" for b in c.encode("utf-8"))


def file_stem(name: str) -> str:
    """The file name (without suffix) that stands for study ``name``.

    Raises:
        NasError: for a name :func:`check_study_name` refuses, or one too long for a file name.
    """
    check_study_name(name)
    stem = "".join(_escape(c) if c in _ESCAPED or (i == 0 and c == ".") else c for i, c in enumerate(name))
    if len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        raise NasError(f"study name {name[:40]!r}... is too long for a file name "
                       f"(at most {MAX_STEM_BYTES} bytes of UTF-8)")
    return stem


@dataclass(frozen=True)
class StudyFiles:
    """The files of one study, relative to the working directory."""

    name: str
    stem: str

    @property
    def database(self) -> Path:
        """The default SQLite database (``studies/STEM.db``)."""
        return STUDIES_DIR / f"{self.stem}.db"

    @property
    def storage_url(self) -> str:
        """The default storage URL, ``sqlite:///studies/STEM.db``."""
        return f"sqlite:///{self.database}"

    @property
    def report(self) -> Path:
        """The default report page (``reports/STEM.html``)."""
        return REPORTS_DIR / f"{self.stem}.html"

    @property
    def runs(self) -> Path:
        """The default folder of its finalised runs (``runs/STEM``)."""
        return RUNS_DIR / self.stem


def study_files(name: str) -> StudyFiles:
    """The files of study ``name``.

    Raises:
        NasError: for a name that cannot be a study's (see :func:`file_stem`).
    """
    return StudyFiles(name, file_stem(name))


__all__ = ["MAX_STEM_BYTES", "REPORTS_DIR", "RUNS_DIR", "SQLITE_HEADER", "STUDIES_DIR", "StudyFiles",
           "check_study_name", "file_stem", "study_files"]
