"""Opening Optuna storages, with one-line errors for bad URLs and unreachable servers."""

from __future__ import annotations

from pathlib import Path

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

from nas.errors import StorageError

STUDIES_DIR = Path("studies")


def default_storage(study_name: str, directory: Path = STUDIES_DIR) -> str:
    """``sqlite:///studies/<study>.db``."""
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / (study_name + '.db')}"


def open_storage(
    url: str,
    heartbeat_interval: int | None = None,
    grace_period: int | None = None,
    max_retry: int = 2,
) -> optuna.storages.BaseStorage:
    """An Optuna storage for ``url``.

    SQLite gets a lock timeout so that several processes on one host can share a file; with a
    heartbeat, a trial whose worker died is failed after the grace period and retried
    (``RetryHeartbeatStaleTrialCallback``), the retry pointing at the original.

    Raises:
        StorageError: naming the URL (password hidden) and the problem.
    """
    shown = _hide_password(url)
    if "://" not in url:
        raise StorageError(f"storage {shown!r}: not a database URL (expected e.g. sqlite:///studies/x.db or "
                           "postgresql://user:pass@host/db)")
    engine_kwargs: dict[str, object] = {}
    if url.startswith("sqlite"):
        engine_kwargs["connect_args"] = {"timeout": 120}
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
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


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _hide_password(url: str) -> str:
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        return f"{scheme}://{creds}@{host}"
    return url
