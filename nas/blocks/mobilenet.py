"""MobileNetV3 inverted residual ("bneck"), laid out as torchvision's InvertedResidual."""

from __future__ import annotations

from torch import Tensor, nn

from nas.arch.config import BlockConfig
from nas.blocks.common import attention, block_act, pointwise
from nas.ops import DepthwiseConv, make_act


class Bneck(nn.Module):
    """``bneck_k5_s2_x96_c40[_se|_eca][_f][_g2]``: expand 1x1, depthwise kxk, attention, project 1x1.

    The expansion is skipped when the hidden width equals the input width; the residual is
    used when stride is 1 and the width is kept. With ``g`` the 1x1 convs are Ghost modules.
    """

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        act, out = block_act(block), block.out_width(in_channels)
        hidden = block.hidden_width(in_channels)
        layers: list[nn.Module] = []
        if hidden != in_channels:
            layers.append(pointwise(block, in_channels, hidden, act))
        layers += [
            DepthwiseConv(hidden, block.kernel, block.stride, factorize=block.factorize, mid_act=act),
            nn.BatchNorm2d(hidden),
            make_act(act),
            attention(block.attn, hidden),
            pointwise(block, hidden, out, "none"),
        ]
        self.body = nn.Sequential(*layers)
        self.residual = block.stride == 1 and in_channels == out

    def forward(self, x: Tensor) -> Tensor:
        y = self.body(x)
        return x + y if self.residual else y
