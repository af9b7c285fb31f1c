"""Formatting numbers for the subcommands' output."""

from __future__ import annotations


def human(value: float | None, unit: str = "") -> str:
    """``5_120_000`` -> ``5.12M``."""
    if value is None:
        return "-"
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.2f}{suffix}{unit}"
    return f"{value:.0f}{unit}"
