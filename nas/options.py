"""Option values made typed: what a Python caller or the command line gives, checked in one place.

Every public function of :mod:`nas.api` takes its options by the command line's long names with
underscores (``train_subset=`` for ``--train-subset``), as Python values or as the strings the
command line passes on, and turns them into typed values here. A bad value is one
:class:`OptionError` line naming the option as the command line spells it, so ``nas search
--trials abc`` and ``nas.search(..., trials="abc")`` say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from nas.errors import NasError


class OptionError(NasError, ValueError):
    """An option has a bad value; the message names the option."""


def flag_name(name: str) -> str:
    """``"train_subset"`` -> ``"--train-subset"``."""
    return f"--{name.replace('_', '-')}"


def check_known(options: Mapping[str, Any], known: Iterable[str], function: str) -> None:
    """Refuse keyword options ``function`` does not take, listing those it does.

    Raises:
        OptionError: naming the first unknown option.
    """
    names = sorted(known)
    for name in options:
        if name not in names:
            raise OptionError(f"{function}: unknown option {name!r} (options: {', '.join(names)})")


def count(text: object, option: str, minimum: int = 1, maximum: int = 1_000_000) -> int:
    """An integer option such as ``--repeats``, within ``[minimum, maximum]``.

    Args:
        text: the value as given (a string from argparse, or an int).
        option: the option's name, for the message.
        minimum: the smallest value accepted.
        maximum: the largest value accepted (beyond it a value is a typo, not a request).

    Returns:
        The value as an int.

    Raises:
        OptionError: naming the option and the value.
    """
    value = integer(text, option)
    if value is None:
        raise OptionError(f"{option}: expected an integer, got None")
    if not minimum <= value <= maximum:
        raise OptionError(f"{option}: expected an integer from {minimum} to {maximum:,}, got {value}")
    return value


def integer(value: object, option: str) -> int | None:
    """A whole number given as an int, an integral float or a decimal string; ``None`` stays ``None``.

    Raises:
        OptionError: for a bool, a fraction, or text that is no decimal integer.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise OptionError(f"{option}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return int(value)
        raise OptionError(f"{option}: expected an integer, got {value!r}")
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        raise OptionError(f"{option}: expected an integer, got {value!r}") from None


def number(value: object, option: str) -> float | None:
    """A real number given as an int, a float or a string (``nan`` and ``inf`` parse; ranges are
    the caller's to check); ``None`` stays ``None``.

    Raises:
        OptionError: for a bool or text that is no number.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise OptionError(f"{option}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise OptionError(f"{option}: expected a number, got {value!r}") from None


def text(value: object, option: str) -> str | None:
    """A string option (a path, a URL, a name); ``None`` stays ``None``.

    Raises:
        OptionError: for anything but a string or a path.
    """
    import os

    if value is None or isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)  # type: ignore[return-value]
    raise OptionError(f"{option}: expected text, got {value!r}")


def flag(value: object, option: str) -> bool | None:
    """A yes/no option; ``None`` stays ``None``.

    Raises:
        OptionError: for anything but a bool.
    """
    if value is None or isinstance(value, bool):
        return value
    raise OptionError(f"{option}: expected True or False, got {value!r}")


__all__ = ["OptionError", "check_known", "count", "flag", "flag_name", "integer", "number", "text"]
