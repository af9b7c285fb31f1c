"""What an architecture argument may be: a config, a preset name or a config file."""

from __future__ import annotations

import os
from typing import Any

from nas.arch.config import ArchConfig


def resolve_arch(arch: Any, input_shape: Any = None, classes: Any = None) -> ArchConfig:
    """An :class:`ArchConfig`, a preset name or a config YAML path, optionally re-targeted to
    another input (``"CxHxW"``) and number of classes.

    Raises:
        ConfigError / OptionError: for an unknown preset, an unreadable file or a bad input, naming it.
    """
    from nas.arch.io import parse_input
    from nas.arch.shapes import validate
    from nas.errors import ConfigError
    from nas.options import OptionError, count, text

    if isinstance(arch, ArchConfig):
        config = arch
    elif isinstance(arch, (str, os.PathLike)):
        from nas.arch.io import load_config
        from nas.presets import PRESETS

        target = os.fspath(arch)
        if target in PRESETS:
            config = PRESETS[target]()
        elif os.path.splitext(target)[1] in (".yaml", ".yml") or os.path.exists(target):
            config = load_config(target)
        else:
            raise ConfigError("TARGET", f"{target!r} is neither a preset (see 'nas presets') nor a config file")
    else:
        raise OptionError(f"ARCH: expected an ArchConfig, a preset name or a config file, got {arch!r}")
    n_classes = None if classes is None else count(classes, "--classes")
    if input_shape is not None or n_classes is not None:
        c, h, _ = parse_input(text(input_shape, "--input"), "--input") if input_shape is not None else (None, None, None)
        config = config.with_input(c, h, n_classes)
        validate(config)
    return config


__all__ = ["resolve_arch"]
