"""CIFAR ResNet basic block with a parameter-free shortcut (He et al., option A)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from nas.arch.config import BlockConfig
from nas.blocks.common import attention, block_act, conv_unit
from nas.ops import make_act


class BasicBlock(nn.Module):
    """``basic_k3_s2_c32[_p4][_g2][_se|_eca]``: two kxk convs and a residual.

    The shortcut subsamples and zero-pads channels (no parameters, no FLOPs); only a block
    that narrows its width falls back to a 1x1 projection.
    """

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        act, out = block_act(block), block.out_width(in_channels)
        self.conv1 = conv_unit(block, in_channels, out, block.stride, act)
        self.conv2 = conv_unit(block, out, out, 1, "none")
        self.attn = attention(block.attn, out)
        self.act = make_act(act)
        self.stride, self.pad = block.stride, out - in_channels
        self.project: nn.Module | None = None
        if out < in_channels:
            self.project = nn.Sequential(
                nn.Conv2d(in_channels, out, 1, block.stride, bias=False), nn.BatchNorm2d(out)
            )

    def shortcut(self, x: Tensor) -> Tensor:
        if self.project is not None:
            return self.project(x)
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        if self.pad > 0:
            x = F.pad(x, (0, 0, 0, 0, 0, self.pad))
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.attn(self.conv2(self.conv1(x))) + self.shortcut(x))
