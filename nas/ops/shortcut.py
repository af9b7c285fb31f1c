"""Stage-level shortcut: maps a stage's input to its output shape ("synchronous pooling")."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["StageShortcut"]


class StageShortcut(nn.Module):
    """Identity, or average pooling (stride > 1) then a 1x1 conv + BN (channels differ).

    Args:
        in_channels: Channels of the shortcut source.
        out_channels: Channels of the stage output.
        stride: Spatial reduction between source and stage output.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        # ceil_mode matches the output size of a stride-s conv with "same" padding on odd sizes.
        self.pool: nn.Module = (
            nn.AvgPool2d(stride, stride, ceil_mode=True) if stride > 1 else nn.Identity()
        )
        self.proj: nn.Module = (
            nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))
            if in_channels != out_channels
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.pool(x))
