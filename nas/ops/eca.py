"""Efficient channel attention (ECA-Net): a 1-D conv across pooled channel descriptors."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["ECA", "eca_kernel_size"]


def eca_kernel_size(channels: int, gamma: int = 2, b: int = 1) -> int:
    """Adaptive ECA kernel size: ``t = int(|(log2(C) + b) / gamma|)``, rounded up to odd.

    Args:
        channels: Number of channels ``C``.
        gamma: Divisor of the mapping.
        b: Offset of the mapping.

    Returns:
        The odd kernel size.
    """
    t = int(abs((math.log2(channels) + b) / gamma))
    return t if t % 2 else t + 1


class ECA(nn.Module):
    """Global average pool -> Conv1d(1, 1, k) across channels -> sigmoid -> scale the input.

    Args:
        channels: Number of channels.
        k: Kernel size of the channel conv; ``None`` for :func:`eca_kernel_size`.
    """

    def __init__(self, channels: int, k: int | None = None) -> None:
        super().__init__()
        self.k = eca_kernel_size(channels) if k is None else k
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv = nn.Conv1d(1, 1, self.k, padding=(self.k - 1) // 2, bias=False)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pool(x).flatten(1).unsqueeze(1)  # (B, 1, C)
        y = self.gate(self.conv(y)).transpose(1, 2).unsqueeze(-1)  # (B, C, 1, 1)
        return x * y
