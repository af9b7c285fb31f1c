"""Opening a stored study by name, with one-line errors: the one opener every command reads through.

Nothing here creates a folder, a database file or a study. ``nas report``, ``export``,
``status`` and ``finalize`` open a study that must exist: a mistyped storage path or study name
says that no such storage or study exists. ``nas search`` asks first whether the study it is
about to create or join exists (``writable``): a SQLite file that does not exist holds no study.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import optuna

from nas.errors import NasError
from nas.searching.storage import default_storage, hide_password, open_storage, sqlite_file
from nas.study.files import STUDIES_DIR, study_files


class NoSuchStudy(NasError):
    """The storage holds no study of that name (or, for a default storage, does not exist)."""


class StoredStudy(NamedTuple):
    """A stored study, the storage it was opened through and that storage's URL."""

    study: optuna.Study
    storage: optuna.storages.BaseStorage
    url: str


def study_storage_url(study: str, storage: str | None) -> str:
    """The storage URL of a study: ``--storage``, else ``sqlite:///studies/<study>.db`` (which must exist).

    Raises:
        NasError: for an odd study name.
        NoSuchStudy: for a default database that does not exist (naming the studies that the
            default folder does hold).
    """
    files = study_files(study)
    if storage is not None:
        return storage
    path = files.database
    if not path.is_file():
        known = sorted(p.stem for p in STUDIES_DIR.glob("*.db")) if STUDIES_DIR.is_dir() else []
        where = f"{STUDIES_DIR}/ holds: {', '.join(known)}" if known else f"{STUDIES_DIR}/ holds no study"
        raise NoSuchStudy(f"no study {study!r}: {path} does not exist ({where}; run 'nas search' first "
                          "or pass --storage)")
    return files.storage_url


def open_stored(
    study: str, storage: str | None = None, sampler: optuna.samplers.BaseSampler | None = None,
    grace: float | None = None, *, writable: bool = False,
) -> StoredStudy:
    """Open stored study ``study``; nothing is created.

    Args:
        study: the study name.
        storage: its storage URL; by default ``sqlite:///studies/<study>.db``, which must exist
            unless ``writable``.
        sampler: the sampler the loaded study gets (Optuna's default when ``None``).
        grace: the grace period of a writer's heartbeats; a SQLite storage then waits for its
            lock no longer than that (see :func:`nas.searching.storage.sqlite_lock_timeout`).
        writable: for a command that writes to the study next (``nas search``): a SQLite file
            must be writable (instead of holding studies), and one that does not exist holds no
            study; an explicit ``storage`` is taken as given, without checking the name.

    Returns:
        The study, its storage and the storage's URL.

    Raises:
        NoSuchStudy: when the storage holds no study ``study`` (the studies it holds named).
        NasError / StorageError: as one line.
    """
    if optuna.logging.get_verbosity() < optuna.logging.WARNING:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = _storage_url(study, storage, writable)
    if writable:
        path = sqlite_file(url)
        if path is not None and not path.exists():
            raise NoSuchStudy(f"no study {study!r} in {hide_password(url)} (the file does not exist)")
    backend = open_storage(url, grace_period=grace, create=writable)
    try:
        return StoredStudy(optuna.load_study(study_name=study, storage=backend, sampler=sampler), backend, url)
    except KeyError:
        names = optuna.study.get_all_study_names(backend)
        known = ", ".join(names) if names else "none"
        raise NoSuchStudy(f"no study {study!r} in {hide_password(url)} (studies there: {known})") from None


def _storage_url(study: str, storage: str | None, writable: bool) -> str:
    """The URL to open: a reader's must name an existing default database (or be given); a
    writer's default is the one it would create."""
    if not writable:
        return study_storage_url(study, storage)
    return storage if storage is not None else default_storage(study)


def load_study(study: str, storage: str | None = None) -> optuna.Study:
    """The study alone of :func:`open_stored` (for reading)."""
    return open_stored(study, storage).study


__all__ = ["NoSuchStudy", "StoredStudy", "load_study", "open_stored", "study_storage_url", "Path"]
