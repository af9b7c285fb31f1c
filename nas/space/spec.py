"""Typed description of a search space: what a space file declares, after validation.

A value in a space is either fixed (a scalar) or a :class:`Dim`, a labelled categorical
choice. Labels are stable (``stem.kind``, ``s2.depth``, ``s2.hetconv_p``, ``width``), so a
sampled architecture is a flat ``{label: value}`` dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

Scalar = Union[None, bool, int, float, str]


@dataclass(frozen=True)
class Dim:
    """A searchable dimension.

    Attributes:
        label: its stable name in sampled parameter dicts.
        choices: the values it can take.
        where: its key path in the space file, for error messages.
    """

    label: str
    choices: tuple[Scalar, ...]
    where: str


Value = Union[Dim, Scalar]


def choices(value: Value) -> tuple[Scalar, ...]:
    """Every value a fixed-or-searchable value can take."""
    return value.choices if isinstance(value, Dim) else (value,)


@dataclass(frozen=True)
class GhostSpec:
    """Ghost pointwise convs: either one dimension (0 = off) or on/off with a conditional ratio."""

    use: Value
    ratio: Value


@dataclass(frozen=True)
class StemSpec:
    kind: Value
    channels: Value
    kernel: Value
    stride: Value
    act: Value


@dataclass(frozen=True)
class StageSpec:
    """One stage: either generated from a family (``family``/``depth``/``channels``/...) or a
    fixed list of blocks (``blocks``) some of which (``removable``) may be deleted."""

    index: int
    family: Value = None
    depth: Value = 1
    channels: Value = None
    stride: int = 1
    kernel: Value = 3
    expand: Value = None
    factorize: Value = False
    hetconv_p: Value = 1
    ghost: GhostSpec | None = None
    attn: Value = "none"
    act: Value = None
    shortcut: Value = "block"
    blocks: tuple[str, ...] = ()
    removable: tuple[int, ...] = ()

    @property
    def prefix(self) -> str:
        return f"s{self.index + 1}"


@dataclass(frozen=True)
class HeadSpec:
    hidden: Value = None
    act: Value = "relu"
    dropout: Value = 0.0


@dataclass(frozen=True)
class SpaceSpec:
    """A whole search space.

    Attributes:
        name: the space's name.
        source: the file it was read from.
        input: ``(C, H, W)``, or None to take it from the data set.
        classes: number of classes, or None to take it from the data set.
        width: a width multiplier applied to every stage's channels (and the stem's).
    """

    name: str
    source: str
    input: tuple[int, int, int] | None
    classes: int | None
    width: Value
    stem: StemSpec
    stages: tuple[StageSpec, ...]
    head: HeadSpec
    description: str = ""
