"""``SearchSpace``: a validated space file bound to an input, ready to sample."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nas.arch.config import ArchConfig
from nas.arch.families import FAMILY_TABLE
from nas.errors import ConfigError, SpaceError
from nas.space.parse import FAMILY_OPTION, choices, load_space
from nas.space.sample import Chooser, EdgeChooser, RandomChooser, sample_config
from nas.space.spec import Dim, GhostSpec, SpaceSpec, StageSpec


@dataclass(frozen=True)
class DimInfo:
    """A dimension as listed by ``nas space``."""

    label: str
    choices: tuple[Any, ...]
    condition: str = ""


class SearchSpace:
    """A search space for a given input shape and class count.

    Args:
        spec: the parsed space.
        input_shape: ``(C, H, W)``; defaults to the space file's ``input``.
        num_classes: defaults to the space file's ``classes``.
    """

    def __init__(
        self, spec: SpaceSpec, input_shape: tuple[int, int, int] | None = None, num_classes: int | None = None
    ) -> None:
        shape = input_shape or spec.input
        classes = num_classes or spec.classes
        if shape is None or classes is None:
            raise SpaceError(f"{spec.source}: input: takes its shape from the data set; give one (--input)")
        self.spec, self.input_shape, self.num_classes = spec, tuple(shape), int(classes)

    @classmethod
    def load(
        cls, path: str | Path, input_shape: tuple[int, int, int] | None = None, num_classes: int | None = None
    ) -> SearchSpace:
        """Read, validate and bind a space file; refuses it if some corner of it cannot be built."""
        space = cls(load_space(path), input_shape, num_classes)
        space.check_samples()
        return space

    @classmethod
    def from_text(
        cls, text: str, source: str, input_shape: tuple[int, int, int] | None = None, num_classes: int | None = None
    ) -> SearchSpace:
        """Like :meth:`load`, from a space file's text (e.g. the copy a study stores); ``source`` names it."""
        import yaml

        from nas.space.parse import parse_space

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpaceError(f"{source}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
        space = cls(parse_space(data, source), input_shape, num_classes)
        space.check_samples()
        return space

    @property
    def name(self) -> str:
        return self.spec.name

    def sample(self, trial: Chooser) -> ArchConfig:
        """The config a trial's choices select (the only entry point the search uses)."""
        return sample_config(self.spec, trial, self.input_shape, self.num_classes)  # type: ignore[arg-type]

    def random(self, n: int, seed: int = 0) -> Iterator[tuple[dict[str, Any], ArchConfig]]:
        """``n`` random architectures, with the params that replay each."""
        for i in range(n):
            chooser = RandomChooser(seed * 100_003 + i)
            config = self.sample(chooser)
            yield chooser.params, config

    def check_samples(self, n: int = 24, seed: int = 0) -> None:
        """Build-check the space's corners and ``n`` random samples.

        Raises:
            SpaceError: naming the file, the choices and the problem.
        """
        choosers: list[Chooser] = [EdgeChooser(0), EdgeChooser(-1)]
        choosers += [RandomChooser(seed * 100_003 + i) for i in range(n)]
        for chooser in choosers:
            try:
                self.sample(chooser)
            except ConfigError as exc:
                params = ", ".join(f"{k}={v}" for k, v in chooser.params.items())  # type: ignore[attr-defined]
                raise SpaceError(
                    f"{self.spec.source}: with {params} at input {'x'.join(map(str, self.input_shape))}: {exc}"
                ) from None

    def dimensions(self) -> list[DimInfo]:
        """Every searchable dimension, once, in sampling order, with its condition."""
        dims: dict[str, DimInfo] = {}

        def add(value: object, condition: str = "") -> None:
            if isinstance(value, Dim) and value.label not in dims:
                dims[value.label] = DimInfo(value.label, value.choices, condition)

        spec = self.spec
        add(spec.width)
        for value in (spec.stem.kind, spec.stem.channels, spec.stem.stride, spec.stem.act):
            add(value)
        add(spec.stem.kernel, "stem.kind in conv, dc, ldc")
        for stage in spec.stages:
            if stage.blocks:
                for i in stage.removable:
                    dims[f"{stage.prefix}.keep{i}"] = DimInfo(f"{stage.prefix}.keep{i}", (True, False))
                add(stage.shortcut)
                continue
            for value in (stage.family, stage.depth, stage.channels, stage.kernel, stage.act, stage.shortcut):
                add(value)
            for key, option in FAMILY_OPTION.items():
                families = [f for f in choices(stage.family) if option in FAMILY_TABLE[f].options]  # type: ignore[index]
                value = getattr(stage, key)
                condition = "" if len(families) == len(choices(stage.family)) else (
                    f"{stage.prefix}.family in {', '.join(families)}"  # type: ignore[arg-type]
                )
                if isinstance(value, GhostSpec):
                    add(value.use, condition)
                    ratio_cond = f"{value.use.label} is true" if isinstance(value.use, Dim) else condition
                    add(value.ratio, ratio_cond)
                elif families:
                    add(value, condition)
        for value in (spec.head.hidden, spec.head.act, spec.head.dropout):
            add(value)
        return list(dims.values())

    def size(self) -> int:
        """How many distinct parameter combinations the space holds (conditionals counted exactly
        per stage; a shared dimension counted once)."""
        spec = self.spec
        shared: set[str] = set()
        total = 1
        for value in (spec.width, spec.stem.kind, spec.stem.channels, spec.stem.stride, spec.stem.act,
                      spec.stem.kernel, spec.head.hidden, spec.head.act, spec.head.dropout):
            total *= len(choices(value))
        for stage in spec.stages:
            total *= _stage_count(stage, shared)
        for label_count in _shared_counts(spec, shared):
            total *= label_count
        return total

    def __repr__(self) -> str:
        return f"SearchSpace({self.spec.name!r}, input={self.input_shape}, classes={self.num_classes})"


def _count(value: object, shared: set[str]) -> int:
    if isinstance(value, Dim) and value.label.count(".") == 0:  # a shared label, counted once
        shared.add(value.label)
        return 1
    return len(value.choices) if isinstance(value, Dim) else 1


def _stage_count(stage: StageSpec, shared: set[str]) -> int:
    if stage.blocks:
        return 2 ** len(stage.removable) * _count(stage.shortcut, shared)
    base = math.prod(_count(v, shared) for v in (stage.depth, stage.channels, stage.kernel, stage.act, stage.shortcut))
    total = 0
    for family in choices(stage.family):
        options = FAMILY_TABLE[family].options  # type: ignore[index]
        n = base
        for key, option in FAMILY_OPTION.items():
            value = getattr(stage, key)
            if option not in options or value is None:
                continue
            if isinstance(value, GhostSpec):
                ratios = _count(value.ratio, shared)
                n *= ratios if value.use is None else (
                    1 + ratios if isinstance(value.use, Dim) else (ratios if value.use else 1)
                )
            else:
                n *= _count(value, shared)
        total += n
    return total


def _shared_counts(spec: SpaceSpec, labels: set[str]) -> list[int]:
    found: dict[str, int] = {}
    for stage in spec.stages:
        for key in ("kernel", "expand", "factorize", "hetconv_p", "attn", "act", "shortcut", "depth"):
            value = getattr(stage, key)
            if isinstance(value, Dim) and value.label in labels:
                found[value.label] = len(value.choices)
        if isinstance(stage.ghost, GhostSpec):
            for value in (stage.ghost.use, stage.ghost.ratio):
                if isinstance(value, Dim) and value.label in labels:
                    found[value.label] = len(value.choices)
    return list(found.values())
