"""Opening Optuna storages, with one-line errors for bad URLs and unreachable servers."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError

from nas.errors import NasError, StorageError
from nas.study.files import SQLITE_HEADER, study_files
from nas.text import check_text

#: The longest a SQLite connection waits for another writer's lock before its write fails (seconds).
SQLITE_LOCK_TIMEOUT_S = 120.0
#: The shortest such wait a storage is opened with (seconds): shorter, workers sharing a file fail
#: ordinary writes while another one commits.
MIN_SQLITE_LOCK_TIMEOUT_S = 2.0


def sqlite_lock_timeout(grace: float | None = None) -> float:
    """How long a SQLite storage waits for its lock when the workers writing through it are taken
    for dead after ``grace`` seconds of silence: never longer than the grace (a worker still
    waiting for the lock to write its heartbeat must not look dead), at most
    :data:`SQLITE_LOCK_TIMEOUT_S`.

    Raises:
        NasError: when ``grace`` is shorter than :data:`MIN_SQLITE_LOCK_TIMEOUT_S`, naming both.
    """
    if grace is None:
        return SQLITE_LOCK_TIMEOUT_S
    if grace < MIN_SQLITE_LOCK_TIMEOUT_S:
        raise NasError(f"the grace period ({grace:g} s) is shorter than the shortest lock timeout of a SQLite "
                       f"storage ({MIN_SQLITE_LOCK_TIMEOUT_S:g} s): a worker waiting for the lock would be taken for "
                       f"dead; use --grace {MIN_SQLITE_LOCK_TIMEOUT_S:g} or more")
    return min(SQLITE_LOCK_TIMEOUT_S, float(grace))


def default_storage(study_name: str) -> str:
    """``sqlite:///studies/<study>.db`` (:mod:`nas.study.files` maps the name to the file);
    nothing is created (``open_storage(..., create=True)`` does that).

    Raises:
        NasError: for a name that cannot be a study's.
    """
    return study_files(study_name).storage_url


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names, ``None`` for a server URL.

    Raises:
        StorageError: for a malformed URL, an in-memory SQLite database (its trials would vanish
            with the process) or a path that is not valid text.
    """
    shown = hide_password(url)
    if "://" not in url:
        raise StorageError(f"storage {shown!r}: not a database URL (expected e.g. sqlite:///studies/x.db or "
                           "postgresql://user:pass@host/db)")
    try:
        parsed = make_url(url)
    except Exception as exc:  # ArgumentError, ValueError (a bad port), ...
        raise StorageError(f"storage {shown!r}: not a database URL ({_first_line(exc)})") from None
    if not parsed.drivername.startswith("sqlite"):
        try:
            parsed.get_dialect()
        except NoSuchModuleError:
            raise StorageError(f"storage {shown!r}: unknown kind of database {parsed.drivername!r} (expected e.g. "
                               "sqlite:///studies/x.db or postgresql://user:pass@host/db)") from None
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        raise StorageError(f"storage {shown!r}: an in-memory database keeps nothing after the command ends; "
                           "give a file, e.g. sqlite:///studies/x.db")
    check_text(database, StorageError, empty=None, not_utf8=f"storage {shown!r}: the file name is not valid UTF-8",
               control=f"storage {shown!r}: the file name holds control characters")
    return Path(database)


def check_sqlite_file(path: Path, create: bool) -> None:
    """Check a SQLite storage file before SQLAlchemy opens it (and would create it).

    Args:
        path: the database file.
        create: ``True`` for commands that write (its folder is created, the file must be
            writable); ``False`` for commands that only read (the file must exist and hold studies).

    Raises:
        StorageError: naming the file and the problem.
    """
    shown = repr(str(path))
    if path.is_dir():
        raise StorageError(f"storage {shown} is a folder, not a database file")
    if not create:
        if not path.exists():
            raise StorageError(f"no storage {shown}: the file does not exist (check the path or the study name, "
                               "or run 'nas search' first)")
        _check_holds_studies(path, shown)
        return
    if path.exists():
        _check_header(path, shown)
        if not os.access(path, os.R_OK | os.W_OK):
            raise StorageError(f"storage {shown} is read-only (this command writes to the study)")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"storage {shown}: cannot create its folder {str(folder)!r} "
                           f"({(exc.strerror or type(exc).__name__).lower()})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(f"storage {shown}: its folder {str(folder)!r} is read-only (SQLite writes a journal there)")


def _check_header(path: Path, shown: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StorageError(f"storage {shown}: cannot read it ({(exc.strerror or type(exc).__name__).lower()})") from None
    if head and head != SQLITE_HEADER:
        raise StorageError(f"storage {shown} is not a SQLite database")
    return head


def _check_holds_studies(path: Path, shown: str) -> None:
    """Reading commands open only a database that Optuna wrote (nothing is added to any other)."""
    if not _check_header(path, shown):
        raise StorageError(f"storage {shown} is empty; no study is stored there")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                              timeout=SQLITE_LOCK_TIMEOUT_S)
        try:
            found = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='studies'").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise StorageError(f"storage {shown}: {_first_line(exc)}") from None
    if not found:
        raise StorageError(f"storage {shown} holds no studies (a SQLite database that nas did not write)")


def open_storage(
    url: str,
    heartbeat_interval: int | None = None,
    grace_period: float | None = None,
    max_retry: int = 2,
    *,
    create: bool = True,
) -> optuna.storages.BaseStorage:
    """An Optuna storage for ``url``.

    SQLite gets a lock timeout so that several processes on one host can share a file, within the
    grace period when one is given (:func:`sqlite_lock_timeout`); with a heartbeat, a trial whose
    worker died is failed after the grace period and retried (``RetryHeartbeatStaleTrialCallback``),
    the retry pointing at the original.

    Args:
        url: an SQLAlchemy URL (``sqlite:///studies/x.db``, ``postgresql://...``); in-memory
            SQLite is refused.
        heartbeat_interval, grace_period, max_retry: Optuna's stale-trial detection (without a
            heartbeat, ``grace_period`` is that of the workers' own heartbeats, e.g. finalisation
            claims, and only bounds the lock timeout).
        create: ``True`` (searching) creates a SQLite file and its folder; ``False`` (status,
            report, export) requires an existing SQLite file that holds studies and creates nothing.

    Returns:
        The storage.

    Raises:
        StorageError: naming the URL (password hidden) and the problem.
        NasError: for a SQLite storage with a grace period shorter than any lock timeout.
    """
    shown = hide_password(url)
    path = sqlite_file(url)
    engine_kwargs: dict[str, object] = {}
    if path is not None:
        timeout = sqlite_lock_timeout(grace_period)
        check_sqlite_file(path, create)
        engine_kwargs["connect_args"] = {"timeout": timeout}
    else:
        engine_kwargs["pool_pre_ping"] = True
        if url.startswith("postgresql"):
            engine_kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        return RDBStorage(
            url,
            engine_kwargs=engine_kwargs,
            heartbeat_interval=heartbeat_interval,
            grace_period=grace_period,
            heartbeat_stale_trial_callback=(
                RetryHeartbeatStaleTrialCallback(max_retry=max_retry) if heartbeat_interval else None
            ),
        )
    except ModuleNotFoundError as exc:
        hint = " (pip install 'psycopg[binary]')" if "psycopg" in str(exc.name) else ""
        raise StorageError(f"storage {shown!r}: database driver {exc.name!r} is not installed{hint}") from None
    except Exception as exc:  # SQLAlchemy raises many types; all mean "cannot use this URL"
        raise StorageError(f"storage {shown!r}: {_first_line(exc)}") from None


def database_files(study: optuna.Study) -> tuple[Path, ...]:
    """The files holding a study stored in SQLite (the database and its journals), else ``()``.

    Outputs must never be written over these.
    """
    storage = getattr(study, "_storage", None)
    backend = getattr(storage, "_backend", storage)
    engine = getattr(backend, "engine", None)
    url = getattr(engine, "url", None)
    if url is None or not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return ()
    database = str(url.database)
    return tuple(Path(database + suffix) for suffix in ("", "-journal", "-wal", "-shm"))


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def hide_password(url: str) -> str:
    """``url`` with its password (if any) shown as ``***``, for messages."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        return f"{scheme}://{creds}@{host}"
    return url
