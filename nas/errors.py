"""Errors that reach the user as one clear line (and exit code 2 from the CLI)."""

from __future__ import annotations


class NasError(Exception):
    """Base class of the errors the CLI reports as one line with exit code 2.

    Anything raised as a ``NasError`` is the user's input being wrong (a malformed file, an
    impossible budget, a missing data set, a bad storage URL), never a bug in ``nas``.
    """


class ConfigError(NasError, ValueError):
    """An architecture config (YAML, notation string or dataclass field) is invalid.

    Args:
        where: the key path or token that is wrong, e.g. ``stages[2].blocks[0]``.
        message: what is wrong with it.
    """

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class SpaceError(NasError, ValueError):
    """A search-space file is invalid; the message names the file and the key path."""


class DataError(NasError):
    """A data set is missing or unreadable."""


class StorageError(NasError):
    """An Optuna storage URL is malformed or its server cannot be reached."""


class TrainingDiverged(RuntimeError):
    """Training produced a non-finite loss; the trial is marked FAIL with this reason."""
