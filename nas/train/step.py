"""One SGD step on a batch drawn from in-memory images: shared by the proxy and full trainers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nas.errors import TrainingDiverged
from nas.train.augment import crop_flip


def train_step(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    normalize: object,
    padded: Tensor,
    labels: Tensor,
    idx: Tensor,
    size: tuple[int, int],
    pad: int,
    augment: bool,
    flip: bool,
    label_smoothing: float,
    generator: torch.Generator,
    check: bool,
    where: str,
) -> Tensor:
    """Train on ``padded[idx]`` (randomly shifted/flipped when ``augment``); returns the detached loss.

    Raises:
        TrainingDiverged: when ``check`` and the loss is not finite (``where`` names the step).
    """
    xb = crop_flip(padded, idx, size, pad, flip, generator) if augment else padded[idx]
    loss = F.cross_entropy(model(normalize(xb)), labels[idx], label_smoothing=label_smoothing)  # type: ignore[operator]
    if check and not torch.isfinite(loss):
        raise TrainingDiverged(f"loss became {loss.item():.4g} at {where}")
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.detach()
