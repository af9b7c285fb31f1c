"""Counts written for people: ``5_120_000`` -> ``"5.12M"`` (shared by search, report, export and the CLI)."""

from __future__ import annotations


def format_count(value: float) -> str:
    """``5_120_000`` -> ``"5.12M"``, ``1_500_000_000`` -> ``"1.5G"``, ``950`` -> ``"950"``."""
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.0f}"


__all__ = ["format_count"]
