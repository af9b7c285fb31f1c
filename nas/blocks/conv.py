"""Plain VGG conv (conv-BN-act), its HetConv / Ghost / deformable variants, and max pooling."""

from __future__ import annotations

from torch import Tensor, nn

from nas.arch.config import BlockConfig
from nas.blocks.common import attention, block_act, conv_unit
from nas.ops import DeformConv, LowCostDeformConv, make_act


class ConvBlock(nn.Module):
    """``conv_k3_s1_c64[_p4][_g2][_dc|_ldc][_eca]``: one conv with norm, activation, attention."""

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        act, out = block_act(block), block.out_width(in_channels)
        if block.deform != "none":
            deform = DeformConv if block.deform == "dc" else LowCostDeformConv
            self.conv: nn.Module = nn.Sequential(
                deform(in_channels, out, kernel=block.kernel, stride=block.stride), nn.BatchNorm2d(out), make_act(act)
            )
        else:
            self.conv = conv_unit(block, in_channels, out, block.stride, act)
        self.attn = attention(block.attn, out)

    def forward(self, x: Tensor) -> Tensor:
        return self.attn(self.conv(x))


class PoolBlock(nn.Module):
    """``pool_k2_s2``: max pooling between VGG stages."""

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(block.kernel, block.stride)

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(x)
