"""ConvNeXt blocks (Liu et al. 2022), with factorized depthwise kernels as an option."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from nas.arch.config import BlockConfig
from nas.blocks.common import attention, block_act
from nas.ops import DepthwiseConv, LayerNorm2d, make_act


class ConvNeXtBlock(nn.Module):
    """``cnx_k7_c96[_e4][_f][_eca]``: depthwise kxk, LayerNorm, Linear xE, act, Linear, layer scale, residual.

    The depthwise conv keeps its bias, as in the original (no norm follows it directly).

    With ``f`` the kxk depthwise conv is a kx1 then a 1xk depthwise conv with the block's
    activation between them.
    """

    def __init__(self, block: BlockConfig, in_channels: int, layer_scale: float = 1e-6) -> None:
        super().__init__()
        act, channels = block_act(block), in_channels
        hidden = block.hidden_width(in_channels) if block.expand is not None or block.hidden else 4 * channels
        self.dw = DepthwiseConv(channels, block.kernel, 1, factorize=block.factorize, mid_act=act, bias=True)
        self.norm = nn.LayerNorm(channels, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(channels, hidden), make_act(act), nn.Linear(hidden, channels))
        self.gamma = nn.Parameter(torch.full((channels,), layer_scale))
        self.attn = attention(block.attn, channels)

    def forward(self, x: Tensor) -> Tensor:
        y = self.dw(x).permute(0, 2, 3, 1)
        y = (self.mlp(self.norm(y)) * self.gamma).permute(0, 3, 1, 2)
        return x + self.attn(y)


class Downsample(nn.Module):
    """``down_k2_s2_c192``: LayerNorm then an unpadded kxk/stride conv (ConvNeXt stage entry)."""

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        self.norm = LayerNorm2d(in_channels)
        self.conv = nn.Conv2d(in_channels, block.out_width(in_channels), block.kernel, block.stride)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(self.norm(x))


class Patchify(nn.Module):
    """``patch_k4_s4_c96``: an unpadded kxk/stride conv then LayerNorm (ConvNeXt stem)."""

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        out = block.out_width(in_channels)
        self.conv = nn.Conv2d(in_channels, out, block.kernel, block.stride)
        self.norm = LayerNorm2d(out)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(self.conv(x))
