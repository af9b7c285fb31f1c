"""HSNet blocks (Yu, Gao, Hu 2021): ResHet residual blocks and the light stem."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from nas.arch.config import BlockConfig
from nas.blocks.common import attention, block_act, conv_unit, pointwise
from nas.ops import make_act


class ResHet(nn.Module):
    """``reshet_k3_s2_e2_c64_p4_g2[_eca]``: pointwise in, improved HetConv kxk, pointwise out, residual.

    With stride 1 and a kept width this is ResHetModel_A (identity shortcut); otherwise
    ResHetModel_B, whose shortcut is a strided depthwise kxk plus a 1x1 projection. The
    pointwise convs are Ghost modules when ``g`` is set, and then so is the HetConv's 1x1 part
    (HSNet's improved HetConv). Attention, when set, acts on the residual branch's output.
    """

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        act, out = block_act(block), block.out_width(in_channels)
        hidden, k, s = block.hidden_width(in_channels), block.kernel, block.stride
        self.body = nn.Sequential(
            pointwise(block, in_channels, hidden, act),
            conv_unit(block, hidden, hidden, s, act),
            pointwise(block, hidden, out, "none"),
            attention(block.attn, out),
        )
        self.shortcut: nn.Module = nn.Identity()
        if s > 1 or in_channels != out:
            layers: list[nn.Module] = []
            if s > 1:
                layers += [
                    nn.Conv2d(in_channels, in_channels, k, s, k // 2, groups=in_channels, bias=False),
                    nn.BatchNorm2d(in_channels),
                ]
            layers += [nn.Conv2d(in_channels, out, 1, bias=False), nn.BatchNorm2d(out)]
            self.shortcut = nn.Sequential(*layers)
        self.act = make_act(act)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.body(x) + self.shortcut(x))


class HSStem(nn.Module):
    """``hsstem_s2_c32``: HSNet's Inception-style light stem.

    A strided 3x3 conv to half the width, then two branches side by side: a depthwise-separable
    3x3 conv and a 3x3 max pool; their concatenation is fused by a 1x1 conv.
    """

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        act, out = block_act(block), block.out_width(in_channels)
        half = max(1, out // 2)
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, half, 3, block.stride, 1, bias=False), nn.BatchNorm2d(half), make_act(act)
        )
        self.sep = nn.Sequential(
            nn.Conv2d(half, half, 3, 1, 1, groups=half, bias=False), nn.BatchNorm2d(half),
            nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), make_act(act),
        )
        self.pool = nn.MaxPool2d(3, 1, 1)
        self.fuse = nn.Sequential(nn.Conv2d(2 * half, out, 1, bias=False), nn.BatchNorm2d(out), make_act(act))

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(x)
        return self.fuse(torch.cat([self.sep(x), self.pool(x)], dim=1))
