"""Typed, frozen architecture configs: the one thing the model builder ever sees.

An :class:`ArchConfig` is a stem block, a tuple of stages (each a tuple of blocks plus a
shortcut level) and a classifier head, for a given input (channels, resolution, classes).
Configs are hashable and comparable, so two architectures are the same exactly when their
configs are equal. Each block is written in a one-line notation (see ``notation.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from nas.arch.encode import encode_arch, encode_block
from nas.arch.vocab import ATTENTIONS, DEFORMS, FAMILIES, HEAD_NORMS, SHORTCUTS

__all__ = [
    "ATTENTIONS", "DEFORMS", "FAMILIES", "HEAD_NORMS", "SHORTCUTS", "ArchConfig", "BlockConfig", "HeadConfig",
    "StageConfig",
]


@dataclass(frozen=True)
class BlockConfig:
    """One block of a network.

    Attributes:
        kind: the block family (one of ``nas.arch.vocab.FAMILIES``).
        out: output channels; ``None`` keeps the input's (pooling).
        kernel: spatial kernel size of the block's main conv.
        stride: spatial stride of the block.
        expand: hidden width as a ratio of the input width (bottlenecks).
        hidden: hidden width in channels; overrides ``expand``.
        part: HetConv part P: 1/P of each filter's kernels are kxk, the rest 1x1 (1 = standard).
        ghost: Ghost ratio of the Ghost modules replacing pointwise convs; 0 = no Ghost.
        factorize: kxk depthwise kernels factorized into kx1 then 1xk.
        attn: channel attention: ``"none"``, ``"se"`` (squeeze-excite) or ``"eca"``.
        act: activation; ``None`` means the family's default.
        deform: deformable conv: ``"none"``, ``"dc"`` (DCNv2) or ``"ldc"`` (low-cost).
    """

    kind: str
    out: int | None = None
    kernel: int = 3
    stride: int = 1
    expand: float | None = None
    hidden: int | None = None
    part: int = 1
    ghost: int = 0
    factorize: bool = False
    attn: str = "none"
    act: str | None = None
    deform: str = "none"

    def replace(self, **changes: object) -> BlockConfig:
        return dataclasses.replace(self, **changes)

    def hidden_width(self, in_channels: int) -> int:
        """The block's hidden width for a given input width."""
        if self.hidden is not None:
            return self.hidden
        if self.expand is not None:
            return max(1, int(round(in_channels * self.expand)))
        return in_channels

    def out_width(self, in_channels: int) -> int:
        return in_channels if self.out is None else self.out

    def __str__(self) -> str:
        return encode_block(self)


@dataclass(frozen=True)
class StageConfig:
    """A stage: blocks run in order, and the shortcut level.

    Attributes:
        blocks: the blocks, first to last (repeats are written out).
        shortcut: ``"block"`` (each block's own residual only) or ``"stage"`` (also a
            stage-level shortcut to the stage output from the stage input, or from the output
            of the stage's leading transition block (``down``/``pool``) when it has one:
            ``d = down(x); out = blocks(d) + shortcut(d)``).
    """

    blocks: tuple[BlockConfig, ...]
    shortcut: str = "block"

    def replace(self, **changes: object) -> StageConfig:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class HeadConfig:
    """The classifier: global average pool, then an optional hidden layer, then a linear.

    Attributes:
        hidden: width of a hidden fully connected layer; ``None`` for none.
        act: activation after the hidden layer.
        norm: ``"bn"`` after the hidden layer, ``"ln"`` on the pooled features (ConvNeXt),
            or ``"none"``.
        dropout: dropout before the last linear layer.
    """

    hidden: int | None = None
    act: str = "relu"
    norm: str = "none"
    dropout: float = 0.0

    def replace(self, **changes: object) -> HeadConfig:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ArchConfig:
    """A whole network for a given input.

    Attributes:
        name: a label (preset name, or where the architecture came from).
        stem: the first block.
        stages: the stages, in order.
        head: the classifier.
        in_channels: input image channels.
        resolution: input image height and width.
        num_classes: number of classes.
    """

    stem: BlockConfig
    stages: tuple[StageConfig, ...]
    head: HeadConfig = field(default_factory=HeadConfig)
    in_channels: int = 3
    resolution: int = 224
    num_classes: int = 1000
    name: str = "arch"

    def replace(self, **changes: object) -> ArchConfig:
        return dataclasses.replace(self, **changes)

    def with_input(
        self,
        channels: int | None = None,
        resolution: int | None = None,
        classes: int | None = None,
    ) -> ArchConfig:
        """The same architecture for another input (channels, resolution, classes)."""
        return dataclasses.replace(
            self,
            in_channels=self.in_channels if channels is None else channels,
            resolution=self.resolution if resolution is None else resolution,
            num_classes=self.num_classes if classes is None else classes,
        )

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.in_channels, self.resolution, self.resolution)

    @property
    def blocks(self) -> tuple[BlockConfig, ...]:
        """Every block after the stem, in order."""
        return tuple(b for s in self.stages for b in s.blocks)

    def notation(self) -> str:
        """The whole architecture on one line: ``stem | stage | stage ... | head``."""
        return encode_arch(self)
