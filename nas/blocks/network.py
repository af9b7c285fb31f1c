"""The modules of a built network: stem -> stages (with optional stage shortcuts) -> head."""

from __future__ import annotations

from torch import Tensor, nn

from nas.arch.config import HeadConfig
from nas.ops import make_act


class Stage(nn.Module):
    """Blocks in order, plus an optional stage-level shortcut (multi-level residual).

    With a shortcut, ``d`` is the stage input, or the output of the first ``lead`` blocks
    (a leading downsampling layer), and it is added to the stage output:
    ``d = blocks[:lead](x); out = blocks[lead:](d) + shortcut(d)``.

    Args:
        blocks: the stage's blocks, in order.
        shortcut: maps ``d`` to the stage output's shape, or ``None`` for no stage shortcut.
        lead: how many leading blocks run before the shortcut's source.
    """

    def __init__(self, blocks: list[nn.Module], shortcut: nn.Module | None = None, lead: int = 0) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.shortcut = shortcut
        self.lead = lead

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks[: self.lead]:
            x = block(x)
        d = x
        for block in self.blocks[self.lead:]:
            x = block(x)
        return x + self.shortcut(d) if self.shortcut is not None else x


class Head(nn.Module):
    """Global average pool, optional norm / hidden layer, dropout, linear classifier."""

    def __init__(self, head: HeadConfig, in_features: int, num_classes: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.AdaptiveAvgPool2d(1), nn.Flatten(1)]
        if head.norm == "ln":
            layers.append(nn.LayerNorm(in_features, eps=1e-6))
        if head.hidden is not None:
            layers.append(nn.Linear(in_features, head.hidden))
            if head.norm == "bn":
                layers.append(nn.BatchNorm1d(head.hidden))
            layers.append(make_act(head.act))
            in_features = head.hidden
        if head.dropout:
            layers.append(nn.Dropout(head.dropout))
        layers.append(nn.Linear(in_features, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class Network(nn.Module):
    """An image classifier: ``head(stages(stem(x)))``."""

    def __init__(self, stem: nn.Module, stages: list[Stage], head: Head) -> None:
        super().__init__()
        self.stem = stem
        self.stages = nn.ModuleList(stages)
        self.head = head

    def forward_features(self, x: Tensor) -> Tensor:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.forward_features(x))
