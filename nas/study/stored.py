"""Opening a stored study by name, with one-line errors: the one opener every command reads through.

Nothing here creates a folder, a database file or a study. ``nas report``, ``export``,
``status`` and ``finalize`` open a study that must exist: a mistyped storage path or study name
says that no such storage or study exists. ``nas search`` asks first whether the study it is
about to create or join exists (``writable``): a SQLite file that does not exist holds no study.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, NamedTuple

import optuna

from nas.errors import NasError
from nas.study import attrs as A
from nas.study.files import STUDIES_DIR, study_files
from nas.study.storage import default_storage, hide_password, open_storage, sqlite_file


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
            lock no longer than that (see :func:`nas.study.storage.sqlite_lock_timeout`).
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


def quiet_optuna() -> None:
    """Optuna logs each failed trial with a traceback and warns about experimental features;
    nas records failures in its own lines instead."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message=".*constraints_func.*")
    warnings.filterwarnings("ignore", message=".*multivariate.*")
    warnings.filterwarnings("ignore", message=".*group.*")


def existing_study(name: str, url: str) -> optuna.Study | None:
    """The stored study ``name``, or ``None`` if the storage has none of that name: the search's
    probe before it creates or joins a study (:func:`nas.study.stored.open_stored`, ``writable``).

    A SQLite file that does not exist holds no study: it is not created here (only once every
    check has passed, by :func:`nas.searching.study.open_study`).
    """
    try:
        return open_stored(name, url, writable=True).study
    except NoSuchStudy:
        return None


def nas_attrs(study: optuna.Study, url: str, wait_s: float = 10.0) -> dict[str, Any]:
    """The study's user attrs, refusing a study that ``nas search`` did not make.

    A study another ``nas`` process is creating this very moment gets ``wait_s`` seconds to
    store its settings.

    Raises:
        NasError: for a study without ``nas``'s identity.
    """
    deadline = time.time() + wait_s
    while True:
        stored = study.user_attrs
        if isinstance(stored.get(A.STUDY_SETTINGS), dict) and "max_flops" in stored[A.STUDY_SETTINGS]:
            return stored
        if study.get_trials(deepcopy=False) or time.time() >= deadline:
            raise NasError(
                f"study {study.study_name!r} in {url} was not made by nas search (it stores no nas settings); "
                "use another --study"
            )
        time.sleep(0.5)


__all__ = ["NoSuchStudy", "StoredStudy", "existing_study", "load_study", "nas_attrs", "open_stored", "quiet_optuna",
           "study_storage_url"]
