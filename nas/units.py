"""Counts and durations written for people: ``5_120_000`` -> ``"5.12M"``, ``4448`` s -> ``"1 h 14 min"``."""

from __future__ import annotations


def format_count(value: float) -> str:
    """``5_120_000`` -> ``"5.12M"``, ``1_500_000_000`` -> ``"1.5G"``, ``950`` -> ``"950"``."""
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.0f}"


def format_duration(seconds: float) -> str:
    """``42`` -> ``"42 s"``, ``754`` -> ``"12 min 34 s"``, ``4448`` -> ``"1 h 14 min"`` (rounded down)."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


__all__ = ["format_count", "format_duration"]
