"""Accuracy and loss of a classifier on in-memory images."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nas.training.normalize import Normalize


def model_device(model: nn.Module) -> torch.device:
    """Where ``model``'s parameters are (the CPU for a model without any)."""
    return next((p.device for p in model.parameters()), torch.device("cpu"))


@torch.inference_mode()
def accuracy_and_loss(
    model: nn.Module, x: Tensor, y: Tensor, normalize: Callable[[Tensor], Tensor], batch_size: int
) -> tuple[float, float]:
    """Accuracy and mean cross-entropy of ``model`` on ``x``, ``y`` (already on its device), in eval mode.

    Args:
        model: the classifier (its train/eval mode is restored).
        x: images, turned into model input by ``normalize`` batch by batch.
        y: int64 labels.
        normalize: e.g. a :class:`~nas.training.normalize.Normalize`.
        batch_size: images per forward pass.

    Returns:
        ``(accuracy, loss)``; ``(0.0, 0.0)`` for no images.
    """
    was_training = model.training
    model.eval()
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    loss = torch.zeros((), dtype=torch.float64, device=x.device)
    for i in range(0, len(y), batch_size):
        logits = model(normalize(x[i : i + batch_size])).float()
        target = y[i : i + batch_size]
        loss += F.cross_entropy(logits, target, reduction="sum")
        correct += (logits.argmax(1) == target).sum()
    model.train(was_training)
    n = max(1, len(y))
    return correct.item() / n, loss.item() / n


def evaluate(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
) -> tuple[float, float]:
    """Accuracy and mean cross-entropy of ``model`` on ``x``, ``y``, in eval mode.

    Args:
        model: the classifier (moved to ``device``; its train/eval mode is restored).
        x: uint8 images (normalised with ``mean``/``std``, in [0, 1] units; default: scaled to
            [0, 1]) or float images (used as they are).
        y: int64 labels.
        batch_size: images per forward pass.
        device: where to run (default: where the model's parameters are).
        mean: per-channel mean for uint8 images.
        std: per-channel std for uint8 images.

    Returns:
        ``(accuracy, loss)``.
    """
    device = torch.device(device) if device is not None else model_device(model)
    channels = x.shape[1]
    normalize = Normalize(mean or (0.0,) * channels, std or (1.0,) * channels, device, False)
    model.to(device)
    return accuracy_and_loss(model, x.to(device), y.to(device), normalize, batch_size)
