"""Architecture configs to and from YAML (and plain dicts), validated on load.

The file format::

    name: mobilenetv3-small
    input: 3x224x224
    classes: 1000
    stem: conv_k3_s2_c16_hs
    stages:
      - [bneck_k3_s2_x16_c16_se_re]               # a stage is a list of blocks ...
      - blocks: [cnx_k7_c96_r3]                    # ... or a mapping with a shortcut level
        shortcut: stage
    head: head_x1024_hs_d0.2
    meta: {study: demo, trial: 12}                 # optional, free-form, not part of the config

Loading and saving round-trip exactly: ``from_dict(to_dict(c)) == c``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nas.arch.config import ArchConfig, StageConfig
from nas.arch.limits import MAX_CLASSES, MAX_IN_CHANNELS, MAX_RESOLUTION
from nas.arch.notation import (
    decode_block,
    decode_blocks,
    decode_head,
    encode_block,
    encode_blocks,
    encode_head,
)
from nas.arch.safe_yaml import YamlProblem, load_yaml, read_text
from nas.arch.shapes import validate
from nas.arch.vocab import SHORTCUTS
from nas.errors import ConfigError

_KEYS = ("name", "input", "classes", "stem", "stages", "head", "meta")


def parse_input(text: object, where: str = "input") -> tuple[int, int, int]:
    """Parse ``CxHxW`` (H must equal W) into ``(C, H, W)``."""
    try:
        dims = tuple(int(v) for v in str(text).lower().split("x"))
    except ValueError:
        dims = ()
    if len(dims) != 3 or min(dims) < 1:
        raise ConfigError(where, f"expected CxHxW like 3x32x32, got {text!r}")
    if dims[0] > MAX_IN_CHANNELS or max(dims[1:]) > MAX_RESOLUTION:
        raise ConfigError(
            where, f"{text!r} is too large (at most {MAX_IN_CHANNELS} channels and {MAX_RESOLUTION} pixels a side)"
        )
    if dims[1] != dims[2]:
        raise ConfigError(where, f"only square inputs are supported, got {text!r}")
    return dims  # type: ignore[return-value]


def to_dict(config: ArchConfig, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """A plain, YAML/JSON-ready dict of the config."""
    stages: list[Any] = []
    for stage in config.stages:
        blocks = encode_blocks(stage.blocks)
        stages.append(blocks if stage.shortcut == "block" else {"blocks": blocks, "shortcut": stage.shortcut})
    data: dict[str, Any] = {
        "name": config.name,
        "input": f"{config.in_channels}x{config.resolution}x{config.resolution}",
        "classes": config.num_classes,
        "stem": encode_block(config.stem),
        "stages": stages,
        "head": encode_head(config.head),
    }
    if meta:
        data["meta"] = dict(meta)
    return data


def from_dict(data: object, check: bool = True) -> ArchConfig:
    """Build and (by default) validate a config from :func:`to_dict`'s form.

    Raises:
        ConfigError: naming the key path of the first problem.
    """
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"{data!r:.40}"
        raise ConfigError("", f"expected a mapping of keys (name, input, stem, stages, ...) at the top level, got {got}")
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ConfigError(str(unknown[0]), f"unknown key (known: {', '.join(_KEYS)})")
    for key in ("stem", "stages"):
        if key not in data:
            raise ConfigError(key, "missing")
    channels, resolution, _ = parse_input(data.get("input", "3x224x224"))
    classes = data.get("classes", 1000)
    if not isinstance(classes, int) or isinstance(classes, bool) or not 1 <= classes <= MAX_CLASSES:
        raise ConfigError("classes", f"expected an integer from 1 to {MAX_CLASSES:,}, got {classes!r}")
    name = data.get("name", "arch")
    if not isinstance(name, str):
        raise ConfigError("name", f"expected a string, got {name!r}")
    stem, repeat = decode_block(data["stem"], "stem")
    if repeat != 1:
        raise ConfigError("stem", "the stem is a single block (no _r)")
    raw_stages = data["stages"]
    if not isinstance(raw_stages, list) or not raw_stages:
        raise ConfigError("stages", "expected a non-empty list of stages")
    stages = tuple(_stage(raw, f"stages[{i}]") for i, raw in enumerate(raw_stages))
    head = decode_head(data.get("head", "head_re"))
    meta = data.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise ConfigError("meta", "expected a mapping")
    config = ArchConfig(
        stem=stem, stages=stages, head=head, in_channels=channels, resolution=resolution,
        num_classes=classes, name=name,
    )
    if check:
        validate(config)
    return config


def _stage(raw: object, where: str) -> StageConfig:
    shortcut = "block"
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - {"blocks", "shortcut"})
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}", "unknown key (known: blocks, shortcut)")
        shortcut = raw.get("shortcut", "block")
        if shortcut not in SHORTCUTS:
            raise ConfigError(f"{where}.shortcut", f"expected one of {', '.join(SHORTCUTS)}, got {shortcut!r}")
        raw = raw.get("blocks")
        where = f"{where}.blocks"
    elif isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ConfigError(where, "expected a non-empty list of block strings")
    return StageConfig(decode_blocks(raw, where), shortcut)


def dumps(config: ArchConfig, meta: dict[str, Any] | None = None, comment: str | None = None) -> str:
    """The config as YAML text (with an optional leading ``#`` comment)."""
    text = yaml.safe_dump(to_dict(config, meta), sort_keys=False, default_flow_style=None, width=100)
    if comment:
        text = "".join(f"# {line}\n" for line in comment.splitlines()) + text
    return text


def loads(text: str, source: str = "<string>") -> ArchConfig:
    """Parse YAML text into a validated config; errors name ``source``."""
    return load_with_meta(text, source)[0]


def load_with_meta(text: str, source: str = "<string>") -> tuple[ArchConfig, dict[str, Any]]:
    """Parse YAML text into a validated config and its free-form ``meta`` mapping.

    Raises:
        ConfigError: naming ``source`` and the key path (or the YAML problem).
    """
    try:
        data = load_yaml(text)
    except YamlProblem as exc:
        raise ConfigError(source, str(exc)) from None
    try:
        config = from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.where}" if exc.where else source, exc.message) from None
    return config, dict(data.get("meta") or {})


def load_config(path: str | Path) -> ArchConfig:
    """Load and validate an architecture YAML file."""
    path = Path(path)
    try:
        text = read_text(path)
    except YamlProblem as exc:
        raise ConfigError(str(path), str(exc)) from None
    return loads(text, str(path))


def save_config(
    config: ArchConfig, path: str | Path, meta: dict[str, Any] | None = None, comment: str | None = None
) -> Path:
    """Write a config as YAML (atomically: a partial file never replaces a good one)."""
    from nas.outputs import write_output

    return write_output(path, dumps(config, meta, comment))
