"""Squeeze-and-excitation attention and the channel rounding it uses."""

from __future__ import annotations

import torch
from torch import nn

from nas.ops.act import make_act

__all__ = ["SqueezeExcite", "make_divisible"]


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``v`` to the nearest multiple of ``divisor``, never dropping more than 10%.

    Args:
        v: The value to round.
        divisor: The multiple to round to.
        min_value: Lower bound of the result; ``divisor`` when ``None``.

    Returns:
        The rounded value.
    """
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class SqueezeExcite(nn.Module):
    """Pool -> 1x1 conv to ``squeeze_channels`` -> act -> 1x1 conv back -> gate -> scale.

    Args:
        channels: Input (and output) channels.
        squeeze_channels: Channels of the bottleneck.
        act: Activation name after the squeeze conv.
        gate: Activation name producing the per-channel scale.
    """

    def __init__(
        self, channels: int, squeeze_channels: int, act: str = "relu", gate: str = "hsigmoid"
    ) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1, bias=True)
        self.act = make_act(act)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1, bias=True)
        self.gate = make_act(gate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))
        return x * scale
