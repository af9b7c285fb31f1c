"""Modulated deformable convolution (DCNv2) and its low-cost variant, plus a FLOP handle.

The mask is ``2 * sigmoid(logits)`` rather than DCNv2's plain sigmoid: with the offset/mask
conv zero-initialised (offsets 0, logits 0) the mask is exactly 1, so a fresh layer computes
the same function as a standard conv with the same weight and training starts from it.

The convolution itself (:func:`deform_conv2d`) is written with ``grid_sample`` and a 1x1
conv rather than torchvision's ``deform_conv2d`` kernel: the same function (bilinear
sampling, zero outside the image, torchvision's offset layout), 6-8x faster to train on a CPU
(``benchmarks/deform_speed.py``), exportable to ONNX, and counted by fvcore exactly as a
regular conv of the weight's shape (the 1x1 conv's MACs; sampling is not counted).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DeformConv", "LowCostDeformConv", "deform_conv2d", "deform_conv_flop_handle"]


def deform_conv2d(
    x: torch.Tensor,
    offset: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Modulated deformable convolution, as ``torchvision.ops.deform_conv2d`` computes it.

    Each kernel tap ``k`` (row-major over the kernel) of each output pixel reads the input at
    its regular position plus ``(offset[:, 2k], offset[:, 2k + 1])`` (rows, columns) by bilinear
    interpolation, zero outside the image, scaled by ``mask[:, k]``; the taps are then summed
    with the weight. One offset group (the offsets are shared by every input channel).

    Args:
        x: input ``B x C x H x W``.
        offset: ``B x 2*kh*kw x Ho x Wo``.
        weight: ``O x C/groups x kh x kw`` (the groups are ``C // weight.shape[1]``).
        bias: ``O`` or None.
        stride: of the regular sampling grid.
        padding: of the regular sampling grid (zeros).
        mask: ``B x kh*kw x Ho x Wo`` modulation, or None (all ones).

    Returns:
        ``B x O x Ho x Wo``.
    """
    b, c, h, w = x.shape
    out_c, per_group, kh, kw = weight.shape
    taps = kh * kw
    ho, wo = offset.shape[2], offset.shape[3]
    dev, dtype = x.device, x.dtype
    rows = torch.arange(kh, device=dev, dtype=dtype).repeat_interleave(kw).view(1, taps, 1, 1)
    cols = torch.arange(kw, device=dev, dtype=dtype).repeat(kh).view(1, taps, 1, 1)
    base_y = (torch.arange(ho, device=dev, dtype=dtype) * stride - padding).view(1, 1, ho, 1) + rows
    base_x = (torch.arange(wo, device=dev, dtype=dtype) * stride - padding).view(1, 1, 1, wo) + cols
    off = offset.view(b, taps, 2, ho, wo)
    # grid_sample's coordinates with align_corners=True: -1 and 1 are the centres of the first and last pixels.
    gy = (base_y + off[:, :, 0]) * (2.0 / max(h - 1, 1)) - 1.0
    gx = (base_x + off[:, :, 1]) * (2.0 / max(w - 1, 1)) - 1.0
    grid = torch.stack((gx, gy), dim=-1).view(b, taps * ho, wo, 2)
    sampled = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    sampled = sampled.view(b, c, taps, ho, wo)
    if mask is not None:
        sampled = sampled * mask.view(b, 1, taps, ho, wo)
    # Channels ordered (input channel, tap) as the weight flattens: the taps' sum is a 1x1 conv.
    return F.conv2d(sampled.reshape(b, c * taps, ho, wo), weight.reshape(out_c, per_group * taps, 1, 1), bias,
                    groups=c // per_group)


def deform_conv_flop_handle(inputs: list[Any], outputs: list[Any]) -> int:
    """fvcore handle for ``torchvision::deform_conv2d``: MACs of a conv of the same weight shape.

    The op's arguments are ``(input, weight, offset, mask, bias, ...)``.

    Args:
        inputs: The traced op's inputs.
        outputs: The traced op's outputs.

    Returns:
        ``batch * out_h * out_w * prod(weight.shape)``.
    """
    from fvcore.nn.jit_handles import (
        get_shape,  # only needed while counting, by nas.cost
    )

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
        return deform_conv2d(x, offset, self.weight, self.bias, stride=self.stride, padding=self.padding, mask=mask)

    def exact_macs(self, out_h: int, out_w: int) -> int:
        """MACs for one image: a regular conv of the weight's shape plus the offset path's convs
        (every one of them outputs at the layer's resolution); bilinear sampling is not counted."""
        convs = [m for m in self.offset.modules() if isinstance(m, nn.Conv2d)]
        return out_h * out_w * (self.weight.numel() + sum(m.weight.numel() for m in convs))

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
