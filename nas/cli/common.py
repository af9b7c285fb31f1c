"""Helpers shared by subcommands: resolving a preset-or-file target, formatting numbers."""

from __future__ import annotations

from pathlib import Path

from nas.arch.config import ArchConfig
from nas.arch.io import load_config, parse_input
from nas.errors import ConfigError


def resolve_target(target: str, input_shape: str | None = None, classes: int | None = None) -> ArchConfig:
    """A preset name or a config YAML path, optionally re-targeted to another input.

    Raises:
        ConfigError: for an unknown preset / unreadable file / bad input, naming it.
    """
    from nas.presets import PRESETS

    if target in PRESETS:
        config = PRESETS[target]()
    elif Path(target).suffix in (".yaml", ".yml") or Path(target).exists():
        config = load_config(target)
    else:
        raise ConfigError("TARGET", f"{target!r} is neither a preset (see 'nas presets') nor a config file")
    if input_shape is not None or classes is not None:
        c, h, _ = parse_input(input_shape, "--input") if input_shape else (None, None, None)
        config = config.with_input(c, h, classes)
        from nas.arch.shapes import validate

        validate(config)
    return config


def human(value: float | None, unit: str = "") -> str:
    """``5_120_000`` -> ``5.12M``."""
    if value is None:
        return "-"
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.2f}{suffix}{unit}"
    return f"{value:.0f}{unit}"
