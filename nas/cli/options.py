"""Parsing numeric command-line options so a bad value ends with one line, not argparse's usage."""

from __future__ import annotations

from nas.errors import NasError


class OptionError(NasError, ValueError):
    """A command-line option has a bad value; the message names the option."""


def count(text: object, option: str, minimum: int = 1, maximum: int = 1_000_000) -> int:
    """An integer option such as ``--repeats``, within ``[minimum, maximum]``.

    Args:
        text: the value as given (a string from argparse, or an int default).
        option: the option's name, for the message.
        minimum: the smallest value accepted.
        maximum: the largest value accepted (beyond it a value is a typo, not a request).

    Returns:
        The value as an int.

    Raises:
        OptionError: naming the option and the value.
    """
    try:
        value = int(str(text).strip())
    except ValueError:
        raise OptionError(f"{option}: expected an integer, got {text!r}") from None
    if not minimum <= value <= maximum:
        raise OptionError(f"{option}: expected an integer from {minimum} to {maximum:,}, got {value}")
    return value
