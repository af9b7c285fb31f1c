"""Opening a stored study by name, with one-line errors, for report / export / status.

These commands only read: they never create a folder or a database file, and a mistyped
storage path or study name says that no such storage or study exists.
"""

from __future__ import annotations

from pathlib import Path

import optuna

from nas.errors import NasError
from nas.searching.storage import hide_password, open_storage
from nas.study.files import STUDIES_DIR, study_files


def study_storage_url(study: str, storage: str | None) -> str:
    """The storage URL of a study: ``--storage``, else ``sqlite:///studies/<study>.db`` (which must exist).

    Raises:
        NasError: for an odd study name, or a default database that does not exist (naming the
            studies that the default folder does hold).
    """
    files = study_files(study)
    if storage is not None:
        return storage
    path = files.database
    if not path.is_file():
        known = sorted(p.stem for p in STUDIES_DIR.glob("*.db")) if STUDIES_DIR.is_dir() else []
        where = f"{STUDIES_DIR}/ holds: {', '.join(known)}" if known else f"{STUDIES_DIR}/ holds no study"
        raise NasError(f"no study {study!r}: {path} does not exist ({where}; run 'nas search' first "
                       "or pass --storage)")
    return files.storage_url


def load_study(study: str, storage: str | None = None) -> optuna.Study:
    """Load a study for reading; an unknown name lists the studies the storage holds.

    Args:
        study: the study name.
        storage: its storage URL, by default ``sqlite:///studies/<study>.db``.

    Returns:
        The study.

    Raises:
        NasError / StorageError: as one line; nothing is created.
    """
    return open_stored(study, storage)[0]


def open_stored(
    study: str, storage: str | None = None, sampler: optuna.samplers.BaseSampler | None = None,
    grace: float | None = None,
) -> tuple[optuna.Study, optuna.storages.BaseStorage, str]:
    """Like :func:`load_study`, also returning the storage it opened and its URL (for writers
    such as ``nas finalize``, which must not create a storage either).

    Args:
        grace: the grace period of a writer's heartbeats; a SQLite storage then waits for its
            lock no longer than that (see :func:`nas.searching.storage.sqlite_lock_timeout`).

    Raises:
        NasError / StorageError: as one line; nothing is created.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = study_storage_url(study, storage)
    backend = open_storage(url, grace_period=grace, create=False)
    try:
        return optuna.load_study(study_name=study, storage=backend, sampler=sampler), backend, url
    except KeyError:
        names = optuna.study.get_all_study_names(backend)
        known = ", ".join(names) if names else "none"
        raise NasError(f"no study {study!r} in {hide_password(url)} (studies there: {known})") from None


__all__ = ["load_study", "open_stored", "study_storage_url", "Path"]
