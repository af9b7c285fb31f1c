"""Ghost module (GhostNet, Han et al. 2020): a few primary maps plus cheap depthwise "ghosts"."""

from __future__ import annotations

import math

import torch
from torch import nn

from nas.ops.act import make_act

__all__ = ["GhostModule"]


def _act(act: bool | str) -> nn.Module:
    if act is True:
        return make_act("relu")
    if act is False:
        return nn.Identity()
    return make_act(act)


class GhostModule(nn.Module):
    """Primary conv producing ``ceil(out/ratio)`` maps, a depthwise conv deriving the rest.

    ``primary``: Conv(in, init, kernel, stride) -> BN -> act; ``cheap``: depthwise
    Conv(init, init*(ratio-1), dw_size) -> BN -> act; the two are concatenated and the first
    ``out_channels`` maps kept.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        ratio: Total maps per primary map (``ratio - 1`` ghosts each); at least 2.
        dw_size: Kernel size of the cheap depthwise conv.
        kernel: Kernel size of the primary conv.
        stride: Stride of the primary conv.
        act: ``True`` for ReLU, ``False`` for none, or an activation name for ``make_act``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        ratio: int = 2,
        dw_size: int = 3,
        kernel: int = 1,
        stride: int = 1,
        act: bool | str = True,
    ) -> None:
        super().__init__()
        if ratio < 2:
            raise ValueError(f"ghost ratio must be at least 2, got {ratio}")
        self.out_channels = out_channels
        self.init_channels = math.ceil(out_channels / ratio)
        new_channels = self.init_channels * (ratio - 1)
        self.primary = nn.Sequential(
            nn.Conv2d(in_channels, self.init_channels, kernel, stride, kernel // 2, bias=False),
            nn.BatchNorm2d(self.init_channels),
            _act(act),
        )
        self.cheap = nn.Sequential(
            nn.Conv2d(
                self.init_channels, new_channels, dw_size, 1, dw_size // 2,
                groups=self.init_channels, bias=False,
            ),
            nn.BatchNorm2d(new_channels),
            _act(act),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.primary(x)
        x2 = self.cheap(x1)
        return torch.cat([x1, x2], dim=1)[:, : self.out_channels]

    def exact_macs(self, out_h: int, out_w: int) -> int:
        """MACs of the two convs (normalization excluded) for one image.

        Args:
            out_h: Output height.
            out_w: Output width.

        Returns:
            ``out_h * out_w * (primary + cheap weight elements)``.
        """
        primary = self.primary[0].weight.numel()
        cheap = self.cheap[0].weight.numel()
        return out_h * out_w * (primary + cheap)
