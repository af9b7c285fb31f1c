"""GhostNet bottleneck (Han et al. 2020)."""

from __future__ import annotations

from torch import Tensor, nn

from nas.arch.config import BlockConfig
from nas.blocks.common import attention, block_act
from nas.ops import DepthwiseConv, GhostModule


class GhostBottleneck(nn.Module):
    """``ghost_k5_s2_x72_c40[_g3][_se|_eca][_f]``: Ghost expand, (strided depthwise), attention, Ghost project.

    The shortcut is the identity when shapes match, else a strided depthwise kxk and a 1x1
    projection, each followed by BatchNorm, as in GhostNet. SE squeezes to a quarter of the
    hidden width (rounded to 4) with a hard-sigmoid gate.
    """

    def __init__(self, block: BlockConfig, in_channels: int) -> None:
        super().__init__()
        act, out = block_act(block), block.out_width(in_channels)
        hidden, ratio, k, s = block.hidden_width(in_channels), block.ghost or 2, block.kernel, block.stride
        layers: list[nn.Module] = [GhostModule(in_channels, hidden, ratio=ratio, act=act)]
        if s > 1:
            layers += [DepthwiseConv(hidden, k, s, factorize=block.factorize, mid_act=act), nn.BatchNorm2d(hidden)]
        layers += [attention(block.attn, hidden, se_divisor=4), GhostModule(hidden, out, ratio=ratio, act=False)]
        self.body = nn.Sequential(*layers)
        self.shortcut: nn.Module = nn.Identity()
        if s > 1 or in_channels != out:
            self.shortcut = nn.Sequential(
                DepthwiseConv(in_channels, k, s, factorize=block.factorize), nn.BatchNorm2d(in_channels),
                nn.Conv2d(in_channels, out, 1, bias=False), nn.BatchNorm2d(out),
            )

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x) + self.shortcut(x)
