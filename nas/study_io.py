"""Opening a stored study by name, with one-line errors, for report / export / status."""

from __future__ import annotations

from pathlib import Path

import optuna

from nas.errors import NasError
from nas.search.storage import STUDIES_DIR, open_storage


def study_storage_url(study: str, storage: str | None) -> str:
    """The storage URL of a study: ``--storage``, else ``sqlite:///studies/<study>.db`` (which must exist)."""
    if storage:
        return storage
    path = STUDIES_DIR / f"{study}.db"
    if not path.exists():
        raise NasError(f"no study {study!r} in {path} (run 'nas search' first or pass --storage)")
    return f"sqlite:///{path}"


def load_study(study: str, storage: str | None = None) -> optuna.Study:
    """Load a study; an unknown name lists the studies the storage holds.

    Raises:
        NasError / StorageError: as one line.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = study_storage_url(study, storage)
    backend = open_storage(url)
    try:
        return optuna.load_study(study_name=study, storage=backend)
    except KeyError:
        names = optuna.study.get_all_study_names(backend)
        known = ", ".join(names) if names else "none"
        raise NasError(f"no study {study!r} in {url} (studies there: {known})") from None


__all__ = ["load_study", "study_storage_url", "Path"]
