"""``SearchSpace``: a validated space file bound to an input, ready to sample."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nas.arch.config import ArchConfig
from nas.arch.families import FAMILY_TABLE
from nas.arch.vocab import CONV_STEMS
from nas.errors import ConfigError, SpaceError
from nas.space.count import combine, enumerate_paths, gate_labels
from nas.space.parse import FAMILY_OPTION, load_space
from nas.space.sample import (
    Chooser,
    EdgeChooser,
    RandomChooser,
    sample_config,
    sampling_pieces,
)
from nas.space.spec import Dim, GhostSpec, SpaceSpec, choices


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
        for value in (spec.stem.kind, spec.stem.channels, spec.stem.stride):
            add(value)
        kinds = [str(k) for k in choices(spec.stem.kind)]
        with_act = [k for k in kinds if k != "patch"]
        if with_act:
            add(spec.stem.act, "" if len(with_act) == len(kinds) else f"stem.kind in {', '.join(with_act)}")
        with_kernel = [k for k in kinds if k in CONV_STEMS]
        if with_kernel:
            add(spec.stem.kernel, "" if len(with_kernel) == len(kinds) else f"stem.kind in {', '.join(with_kernel)}")
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
        add(spec.head.hidden)
        add(spec.head.act, "head.hidden is not null" if None in choices(spec.head.hidden) else "")
        add(spec.head.dropout)
        return list(dims.values())

    def size(self) -> int:
        """How many distinct architectures the space holds.

        Exact for conditional dimensions (a dimension counts only where the sampler asks it)
        and shared ones (counted once): it is the number of distinct choice sets a trial can
        make, counted by running the sampler itself (see ``nas.space.count``), except that
        removing either of two equal blocks counts once. Two choice sets give the same
        architecture otherwise only when width rounding maps two widths to one.
        """
        gates = gate_labels(self.spec)
        pieces = [enumerate_paths(piece, gates, exact) for piece, exact in sampling_pieces(self.spec)]
        return combine(pieces)

    def __repr__(self) -> str:
        return f"SearchSpace({self.spec.name!r}, input={self.input_shape}, classes={self.num_classes})"

