"""Turning a trial's choices into an architecture config.

This is the only module that calls ``trial.suggest_*``. Any object with Optuna's
``suggest_categorical(name, choices)`` works: a live ``optuna.Trial``, an
``optuna.trial.FixedTrial`` replaying a stored parameter dict, or :class:`RandomChooser`.
Replaying a trial's ``params`` therefore rebuilds exactly the same config.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig
from nas.arch.families import FAMILY_TABLE
from nas.arch.notation import decode_block
from nas.arch.shapes import validate
from nas.arch.vocab import DEFORMS
from nas.space.spec import (
    Dim,
    GhostSpec,
    HeadSpec,
    Scalar,
    SpaceSpec,
    StageSpec,
    StemSpec,
    Value,
)
from nas.space.widths import hidden_channels, round_channels

#: Expansion ratio of each family when a space does not choose one.
DEFAULT_EXPAND = {"bneck": 4.0, "ghost": 2.0, "reshet": 2.0, "cnx": 4.0}


class Chooser(Protocol):
    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any: ...


class RandomChooser:
    """Uniform random choices, recorded in ``params`` (replayable with ``FixedTrial``)."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.params: dict[str, Any] = {}

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        if name not in self.params:
            self.params[name] = self.rng.choice(list(choices))
        return self.params[name]


class EdgeChooser:
    """Always the first (``index=0``) or last (``index=-1``) choice: the corners of a space."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.params: dict[str, Any] = {}

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        return self.params.setdefault(name, list(choices)[self.index])


def _pick(trial: Chooser, value: Value) -> Scalar:
    return trial.suggest_categorical(value.label, value.choices) if isinstance(value, Dim) else value


def _stem(trial: Chooser, stem: StemSpec, width: float) -> BlockConfig:
    kind = _pick(trial, stem.kind)
    channels = round_channels(_pick(trial, stem.channels) * width)  # type: ignore[operator]
    stride = _pick(trial, stem.stride)
    if kind == "patch":  # ConvNeXt's patchify stem has no activation
        return BlockConfig("patch", out=channels, kernel=stride, stride=stride)  # type: ignore[arg-type]
    act = _pick(trial, stem.act)
    if kind == "hsstem":
        return BlockConfig("hsstem", out=channels, stride=stride, act=act)  # type: ignore[arg-type]
    kernel = _pick(trial, stem.kernel)
    deform = kind if kind in DEFORMS[1:] else "none"
    return BlockConfig("conv", out=channels, kernel=kernel, stride=stride, act=act, deform=deform)  # type: ignore[arg-type]


def _ghost(trial: Chooser, ghost: GhostSpec | None) -> int:
    if ghost is None:
        return 0
    if ghost.use is not None and not _pick(trial, ghost.use):
        return 0
    return int(_pick(trial, ghost.ratio))  # type: ignore[arg-type]


def _generated_stage(trial: Chooser, stage: StageSpec, in_channels: int, width: float) -> StageConfig:
    family = str(_pick(trial, stage.family))
    options = FAMILY_TABLE[family].options
    depth = int(_pick(trial, stage.depth))  # type: ignore[arg-type]
    out = round_channels(_pick(trial, stage.channels) * width)  # type: ignore[operator]
    kernel = int(_pick(trial, stage.kernel))  # type: ignore[arg-type]
    act = _pick(trial, stage.act)
    attn = _pick(trial, stage.attn) if "attn" in options else "none"
    part = int(_pick(trial, stage.hetconv_p)) if "part" in options else 1  # type: ignore[arg-type]
    ghost = _ghost(trial, stage.ghost) if "ghost" in options else 0
    factorize = bool(_pick(trial, stage.factorize)) if "factorize" in options else False
    expand = DEFAULT_EXPAND.get(family)
    if "expand" in options and stage.expand is not None:
        expand = float(_pick(trial, stage.expand))  # type: ignore[arg-type]
    shortcut = str(_pick(trial, stage.shortcut))

    common: dict[str, Any] = {"out": out, "kernel": kernel, "attn": attn, "act": act}
    blocks: list[BlockConfig] = []
    if family == "cnx":
        if stage.stride > 1 or in_channels != out:
            blocks.append(BlockConfig("down", out=out, kernel=stage.stride, stride=stage.stride))
        cnx_expand = None if expand == DEFAULT_EXPAND["cnx"] else expand
        blocks += [BlockConfig("cnx", expand=cnx_expand, factorize=factorize, **common)] * depth
        return StageConfig(tuple(blocks), shortcut)
    for j in range(depth):
        block_in, stride = (in_channels, stage.stride) if j == 0 else (out, 1)
        if family in ("conv", "basic"):
            block = BlockConfig(family, stride=stride, part=part, ghost=ghost, **common)
        elif family == "reshet":
            hidden = hidden_channels(block_in, expand, part)  # type: ignore[arg-type]
            block = BlockConfig(family, stride=stride, hidden=hidden, part=part, ghost=ghost, **common)
        else:  # bneck, ghost
            hidden = hidden_channels(block_in, expand)  # type: ignore[arg-type]
            block = BlockConfig(family, stride=stride, hidden=hidden, ghost=ghost, factorize=factorize, **common)
        blocks.append(block)
    return StageConfig(tuple(blocks), shortcut)


def _fixed_stage(trial: Chooser, stage: StageSpec) -> StageConfig:
    blocks = []
    for i, text in enumerate(stage.blocks):
        if i in stage.removable and not trial.suggest_categorical(f"{stage.prefix}.keep{i}", (True, False)):
            continue
        blocks.append(decode_block(text)[0])
    return StageConfig(tuple(blocks), str(_pick(trial, stage.shortcut)))


def _head(trial: Chooser, head: HeadSpec) -> HeadConfig:
    hidden = _pick(trial, head.hidden)
    # The activation acts only after a hidden layer; without one it is not a choice.
    act = str(_pick(trial, head.act)) if hidden is not None else HeadConfig().act
    return HeadConfig(hidden=hidden, act=act, dropout=float(_pick(trial, head.dropout)))  # type: ignore[arg-type]


def sampling_pieces(spec: SpaceSpec) -> list[tuple[Callable[[Chooser], object], bool]]:
    """The sampler cut into independent pieces (width, stem, each stage, head), in order.

    Each piece asks its own dimensions (and the shared ones it uses) of the chooser it is
    given, as :func:`sample_config` does; ``nas.space.count`` runs them to count a space.

    Returns:
        ``(piece, exact)`` pairs; ``exact`` marks pieces whose different choices can build the
        same thing (a fixed stage where two equal blocks are removable), to count by result.
    """
    pieces: list[tuple[Callable[[Chooser], object], bool]] = [
        (lambda t: _pick(t, spec.width), False),
        (lambda t: _stem(t, spec.stem, 1.0), False),
    ]
    for stage in spec.stages:
        if stage.blocks:
            pieces.append((lambda t, s=stage: _fixed_stage(t, s), True))
        else:
            pieces.append((lambda t, s=stage: _generated_stage(t, s, 64, 1.0), False))
    pieces.append((lambda t: _head(t, spec.head), False))
    return pieces


def sample_config(
    spec: SpaceSpec, trial: Chooser, input_shape: tuple[int, int, int], num_classes: int
) -> ArchConfig:
    """The architecture a trial's choices select from a space, for a given input.

    Raises:
        ConfigError: if the chosen architecture cannot be built (a space file's static checks
            make this rare; a search records it as a failed trial).
    """
    width = float(_pick(trial, spec.width))  # type: ignore[arg-type]
    stem = _stem(trial, spec.stem, width)
    channels = stem.out_width(input_shape[0])
    stages = []
    for stage in spec.stages:
        if stage.blocks:
            config = _fixed_stage(trial, stage)
        else:
            config = _generated_stage(trial, stage, channels, width)
        stages.append(config)
        channels = next((b.out for b in reversed(config.blocks) if b.out is not None), channels)
    config = ArchConfig(
        stem=stem, stages=tuple(stages), head=_head(trial, spec.head), in_channels=input_shape[0], resolution=input_shape[1],
        num_classes=num_classes, name=spec.name,
    )
    validate(config)
    return config
