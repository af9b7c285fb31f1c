"""Modulated deformable convolution (DCNv2) and its low-cost variant, plus a FLOP handle.

The mask is ``2 * sigmoid(logits)`` rather than DCNv2's plain sigmoid: with the offset/mask
conv zero-initialised (offsets 0, logits 0) the mask is exactly 1, so a fresh layer computes
the same function as a standard conv with the same weight and training starts from it.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torchvision.ops import deform_conv2d

__all__ = ["DeformConv", "LowCostDeformConv", "deform_conv_flop_handle"]


def deform_conv_flop_handle(inputs: list[Any], outputs: list[Any]) -> int:
    """fvcore handle for ``torchvision::deform_conv2d``: MACs of a conv of the same weight shape.

    The op's arguments are ``(input, weight, offset, mask, bias, ...)``.

    Args:
        inputs: The traced op's inputs.
        outputs: The traced op's outputs.

    Returns:
        ``batch * out_h * out_w * prod(weight.shape)``.
    """
    from fvcore.nn.jit_handles import get_shape  # only needed while counting, by nas.cost

    weight_shape = get_shape(inputs[1])
    out_shape = get_shape(outputs[0])
    return int(out_shape[0] * out_shape[2] * out_shape[3] * math.prod(weight_shape))


def _zero_conv(conv: nn.Conv2d) -> nn.Conv2d:
    nn.init.zeros_(conv.weight)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)
    return conv


class DeformConv(nn.Module):
    """Modulated deformable conv; ``offset`` is a zero-initialised kxk conv to ``3*k*k`` maps.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel: Kernel size ``k``.
        stride: Stride (of the offset conv and the deformable conv).
        groups: Weight groups of the deformable conv.
        bias: Whether the deformable conv has a bias.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int = 3,
        stride: int = 1,
        groups: int = 1,
        bias: bool = False,
    ) -> None:
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups {groups} must divide {in_channels} input and {out_channels} output channels")
        self.kernel = kernel
        self.stride = stride
        self.padding = kernel // 2
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, kernel, kernel))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.offset = self._make_offset(in_channels)
        self.reset_parameters()

    def _make_offset(self, in_channels: int) -> nn.Module:
        k = self.kernel
        return _zero_conv(nn.Conv2d(in_channels, 3 * k * k, k, self.stride, self.padding))

    def reset_parameters(self) -> None:
        """Kaiming-uniform weight (as ``nn.Conv2d``), uniform bias from the fan-in."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.weight[0].numel())
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kk = self.kernel * self.kernel
        out = self.offset(x)
        offset, logits = out[:, : 2 * kk], out[:, 2 * kk :]
        mask = 2.0 * torch.sigmoid(logits)
        return deform_conv2d(
            x, offset, self.weight, self.bias, stride=self.stride, padding=self.padding, mask=mask
        )

    def extra_repr(self) -> str:
        out_c, in_g, k, _ = self.weight.shape
        return f"out_channels={out_c}, in_per_group={in_g}, kernel={k}, stride={self.stride}"


class LowCostDeformConv(DeformConv):
    """:class:`DeformConv` whose offset/mask conv is depthwise kxk -> 1x1 (zero-initialised)."""

    def _make_offset(self, in_channels: int) -> nn.Module:
        k = self.kernel
        return nn.Sequential(
            nn.Conv2d(in_channels, in_channels, k, self.stride, self.padding, groups=in_channels, bias=False),
            _zero_conv(nn.Conv2d(in_channels, 3 * k * k, 1)),
        )
