"""The proxy trainer: a short, deterministic training run that scores an architecture.

Data stay in memory as uint8 tensors, moved to the device once and normalised per batch;
augmentation works on whole batches; SGD with Nesterov momentum, a linear warm-up then a
cosine decay, and label smoothing. Accuracy is measured on the validation split carved from
the training set, never on the test set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nas.data.dataset import Split
from nas.errors import TrainingDiverged
from nas.train.augment import shift_flip
from nas.train.device import pick_device


@dataclass(frozen=True)
class TrainSettings:
    """How a proxy model is trained.

    Attributes:
        epochs: passes over the training images.
        batch_size: images per step.
        lr: peak learning rate (scaled by ``batch_size / 128``).
        weight_decay: L2 penalty on weights (not on norms and biases).
        momentum: SGD momentum (Nesterov).
        label_smoothing: cross-entropy label smoothing.
        warmup_epochs: linear warm-up, as a fraction of an epoch or more.
        augment: random shifts (and flips, for ``flip``).
        pad: maximum shift in pixels.
        flip: horizontal flips (fine for natural images and clothing; not for digits).
        seed: seeds initialisation order, shuffling and augmentation.
        eval_batch_size: batch size for validation.
    """

    epochs: int = 2
    batch_size: int = 128
    lr: float = 0.1
    weight_decay: float = 5e-4
    momentum: float = 0.9
    label_smoothing: float = 0.1
    warmup_epochs: float = 0.3
    augment: bool = True
    pad: int = 2
    flip: bool = True
    seed: int = 0
    eval_batch_size: int = 512


@dataclass(frozen=True)
class TrainResult:
    """What a proxy training run measured."""

    val_accuracy: float
    val_loss: float
    train_time_s: float
    epochs: int
    train_samples: int
    samples_per_s: float


def _normalizer(split: Split, device: torch.device) -> Callable[[Tensor], Tensor]:
    mean = torch.tensor(split.mean, device=device).view(1, -1, 1, 1) * 255
    inv_std = 1.0 / (torch.tensor(split.std, device=device).view(1, -1, 1, 1) * 255)
    return lambda x: (x.float() - mean) * inv_std


def _param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for p in model.parameters():
        if p.requires_grad:
            (decay if p.ndim > 1 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


@torch.inference_mode()
def evaluate(
    model: nn.Module, x: Tensor, y: Tensor, normalize: Callable[[Tensor], Tensor], batch_size: int = 512,
) -> tuple[float, float]:
    """Accuracy and mean cross-entropy of ``model`` on (already on-device) ``x``, ``y``."""
    was_training = model.training
    model.eval()
    correct, loss = 0, 0.0
    for i in range(0, len(y), batch_size):
        logits = model(normalize(x[i : i + batch_size])).float()
        target = y[i : i + batch_size]
        loss += F.cross_entropy(logits, target, reduction="sum").item()
        correct += (logits.argmax(1) == target).sum().item()
    model.train(was_training)
    return correct / len(y), loss / len(y)


def train_proxy(
    model: nn.Module,
    split: Split,
    settings: TrainSettings = TrainSettings(),
    device: str | torch.device | None = None,
    progress: bool = True,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``split.train_*`` and score it on ``split.val_*``.

    Raises:
        TrainingDiverged: when the loss becomes non-finite.
    """
    from tqdm.auto import tqdm

    device = pick_device(str(device) if device else None)
    torch.manual_seed(settings.seed)
    gen = torch.Generator().manual_seed(settings.seed)
    model.to(device).train()
    train_x, train_y = split.train_x.to(device), split.train_y.to(device)
    val_x, val_y = split.val_x.to(device), split.val_y.to(device)
    normalize = _normalizer(split, device)
    n, bs = len(train_y), settings.batch_size
    steps_per_epoch = max(1, n // bs)  # drop the last partial batch: steady shapes, steady BN
    total = steps_per_epoch * settings.epochs
    warmup = max(1, int(settings.warmup_epochs * steps_per_epoch))
    lr = settings.lr * bs / 128
    opt = torch.optim.SGD(_param_groups(model, settings.weight_decay), lr=lr, momentum=settings.momentum, nesterov=True)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup)))
    )
    bar = tqdm(total=total, desc="train", unit="step", leave=False, disable=not progress, dynamic_ncols=True)
    start, step = time.perf_counter(), 0
    val_acc = val_loss = 0.0
    try:
        for epoch in range(settings.epochs):
            order = torch.randperm(n, generator=gen).to(device)
            for i in range(steps_per_epoch):
                idx = order[i * bs : (i + 1) * bs]
                xb = normalize(train_x[idx])
                if settings.augment:
                    xb = shift_flip(xb, settings.pad, settings.flip, gen)
                loss = F.cross_entropy(model(xb), train_y[idx], label_smoothing=settings.label_smoothing)
                if not torch.isfinite(loss):
                    raise TrainingDiverged(f"loss became {loss.item()} at epoch {epoch + 1} step {i + 1}")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                schedule.step()
                step += 1
                if step % 10 == 0:
                    bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
                bar.update(1)
            if on_epoch is not None or epoch == settings.epochs - 1:
                val_acc, val_loss = evaluate(model, val_x, val_y, normalize, settings.eval_batch_size)
                if on_epoch is not None:
                    on_epoch(epoch, val_acc)
    finally:
        bar.close()
    elapsed = time.perf_counter() - start
    if not math.isfinite(val_loss):
        raise TrainingDiverged(f"validation loss became {val_loss}")
    samples = steps_per_epoch * bs * settings.epochs
    return TrainResult(val_acc, val_loss, elapsed, settings.epochs, steps_per_epoch * bs, samples / elapsed)
