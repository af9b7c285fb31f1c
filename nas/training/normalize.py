"""Per-batch normalisation of uint8 images on the device."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


class Normalize:
    """uint8 images to float, ``(x / 255 - mean) / std`` in one fused multiply-add.

    Args:
        mean: per-channel mean, in [0, 1] units.
        std: per-channel standard deviation, in [0, 1] units.
        device: where the batches are.
        channels_last: return batches in channels-last memory layout.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], device: torch.device, channels_last: bool) -> None:
        scale = 1.0 / (255.0 * torch.tensor(std, dtype=torch.float32))
        self.scale = scale.view(1, -1, 1, 1).to(device)
        self.shift = (-torch.tensor(mean, dtype=torch.float32) * 255.0 * scale).view(1, -1, 1, 1).to(device)
        self.format = torch.channels_last if channels_last else torch.contiguous_format

    def __call__(self, x: Tensor) -> Tensor:
        """``x`` normalised (float images are only re-laid out)."""
        if x.is_floating_point():
            return x.contiguous(memory_format=self.format)
        out = torch.addcmul(self.shift, x.float(), self.scale)
        return out.contiguous(memory_format=self.format)
