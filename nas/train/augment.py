"""Light augmentation on whole batches: random shifts (pad + crop) and horizontal flips."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def shift_flip(x: Tensor, pad: int, flip: bool, generator: torch.Generator | None = None) -> Tensor:
    """Shift each image by up to ``pad`` pixels (zero fill) and flip half of them, vectorised."""
    n, _, h, w = x.shape
    if pad:
        padded = F.pad(x, (pad, pad, pad, pad))
        dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator, device="cpu").to(x.device)
        dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator, device="cpu").to(x.device)
        rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]
        cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]
        batch = torch.arange(n, device=x.device)[:, None, None, None]
        chan = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
        x = padded[batch, chan, rows, cols]
    if flip:
        mask = torch.rand(n, generator=generator, device="cpu").to(x.device) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(3), x)
    return x
