"""The proxy trainer: a short, deterministic training run that scores an architecture.

Images stay in memory as uint8 tensors, moved to the device once and normalised per batch;
augmentation works on whole batches; SGD with Nesterov momentum, a linear warm-up then a
cosine decay, and label smoothing. Accuracy is measured on the validation split carved from
the training set, never on the test set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nas.data.dataset import Split, subset
from nas.errors import NasError, TrainingDiverged
from nas.train.augment import pad_images
from nas.train.device import pick_device
from nas.train.step import train_step


@dataclass(frozen=True)
class TrainSettings:
    """How a proxy model is trained.

    Attributes:
        epochs: passes over the training images.
        batch_size: images per step (the last partial batch of an epoch is dropped).
        lr: peak learning rate at batch size 128 (scaled linearly with ``batch_size``).
        weight_decay: L2 penalty on weights (not on norms and biases).
        momentum: SGD momentum (Nesterov).
        label_smoothing: cross-entropy label smoothing.
        warmup_epochs: length of the linear warm-up, in epochs (fractions allowed).
        augment: random shifts (and flips, when ``flip``).
        pad: maximum shift in pixels.
        flip: horizontal flips (fine for natural images and clothing; not for digits).
        seed: seeds the global RNG, shuffling and augmentation.
        max_train_samples: train on a class-balanced subset of this many images.
        eval_batch_size: batch size for validation.
        channels_last: channels-last memory layout; None uses it on CUDA only, where
            convolutions gain from it (on the CPU small models lose).
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
    max_train_samples: int | None = None
    eval_batch_size: int = 1024
    channels_last: bool | None = None

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs >= 1, "batch_size": self.batch_size >= 1, "lr": self.lr > 0,
            "weight_decay": self.weight_decay >= 0, "momentum": 0 <= self.momentum < 1,
            "label_smoothing": 0 <= self.label_smoothing < 1, "warmup_epochs": self.warmup_epochs >= 0,
            "pad": self.pad >= 0, "eval_batch_size": self.eval_batch_size >= 1,
            "max_train_samples": self.max_train_samples is None or self.max_train_samples >= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise NasError(f"invalid training setting {bad[0]}={getattr(self, bad[0])!r}")


@dataclass(frozen=True)
class TrainResult:
    """What a proxy training run measured.

    Attributes:
        val_accuracy: accuracy on the validation split after the last epoch.
        val_loss: mean cross-entropy (without smoothing) there.
        train_time_s: seconds spent in training steps (shuffling and augmentation included,
            validation excluded).
        epochs: epochs trained.
        train_samples: training images seen per epoch.
        samples_per_s: training images per second of ``train_time_s``.
        train_loss: mean training loss of the last epoch (with smoothing).
        eval_time_s: seconds spent on validation.
        history: validation accuracy after each epoch where it was measured.
    """

    val_accuracy: float
    val_loss: float
    train_time_s: float
    epochs: int
    train_samples: int
    samples_per_s: float
    train_loss: float = float("nan")
    eval_time_s: float = 0.0
    history: tuple[float, ...] = ()


class _Normalize:
    """uint8 images to float, ``(x / 255 - mean) / std`` in one fused multiply-add."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], device: torch.device, channels_last: bool) -> None:
        scale = 1.0 / (255.0 * torch.tensor(std, dtype=torch.float32))
        self.scale = scale.view(1, -1, 1, 1).to(device)
        self.shift = (-torch.tensor(mean, dtype=torch.float32) * 255.0 * scale).view(1, -1, 1, 1).to(device)
        self.format = torch.channels_last if channels_last else torch.contiguous_format

    def __call__(self, x: Tensor) -> Tensor:
        if x.is_floating_point():
            return x.contiguous(memory_format=self.format)
        out = torch.addcmul(self.shift, x.float(), self.scale)
        return out.contiguous(memory_format=self.format)


def _param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for p in model.parameters():
        if p.requires_grad:
            (decay if p.ndim > 1 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def _model_device(model: nn.Module) -> torch.device:
    return next((p.device for p in model.parameters()), torch.device("cpu"))


@torch.inference_mode()
def _evaluate(model: nn.Module, x: Tensor, y: Tensor, normalize: _Normalize, batch_size: int) -> tuple[float, float]:
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
    device = torch.device(device) if device is not None else _model_device(model)
    channels = x.shape[1]
    normalize = _Normalize(mean or (0.0,) * channels, std or (1.0,) * channels, device, False)
    model.to(device)
    return _evaluate(model, x.to(device), y.to(device), normalize, batch_size)


def _lr_factor(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def train_proxy(
    model: nn.Module,
    split: Split,
    settings: TrainSettings = TrainSettings(),
    device: str | torch.device | None = None,
    progress: bool = True,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``split.train_*`` and score it on ``split.val_*``.

    The same seed, model initialisation and data give the same result on the CPU.

    Args:
        model: the classifier, trained in place.
        split: the data (see :func:`nas.data.split_train_val`).
        settings: how to train.
        device: where to train (default: CUDA when available, else the CPU).
        progress: show a progress bar (only when the output is a terminal).
        on_epoch: called as ``on_epoch(epoch, val_accuracy)`` after each epoch, ``epoch``
            counting from 1 (an exception it raises, e.g. to prune a trial, stops training).

    Returns:
        The validation score and the training's cost.

    Raises:
        TrainingDiverged: when the loss becomes non-finite.
    """
    from tqdm.auto import tqdm

    device = pick_device(str(device) if device is not None else None)
    torch.manual_seed(settings.seed)
    if settings.max_train_samples is not None:
        split = subset(split, settings.max_train_samples, seed=settings.seed)
    channels_last = settings.channels_last if settings.channels_last is not None else device.type == "cuda"
    model.to(device, memory_format=torch.channels_last if channels_last else torch.contiguous_format).train()
    gen = torch.Generator(device=device).manual_seed(settings.seed)
    pad = settings.pad if settings.augment else 0
    train_x = pad_images(split.train_x.to(device), pad)
    train_y = split.train_y.to(device)
    val_x, val_y = split.val_x.to(device), split.val_y.to(device)
    size = (int(split.train_x.shape[2]), int(split.train_x.shape[3]))
    normalize = _Normalize(split.mean, split.std, device, channels_last)

    n, bs = len(train_y), min(settings.batch_size, len(train_y))
    steps_per_epoch = n // bs  # the last partial batch is dropped: steady shapes, steady BN
    total = steps_per_epoch * settings.epochs
    warmup = max(1, round(settings.warmup_epochs * steps_per_epoch))
    lr = settings.lr * settings.batch_size / 128
    # foreach: one multi-tensor update per step instead of one per parameter (~10% faster on
    # the CPU for small models, and the default on CUDA anyway).
    opt = torch.optim.SGD(
        _param_groups(model, settings.weight_decay), lr=lr, momentum=settings.momentum, nesterov=True, foreach=True
    )
    # A finiteness check reads the loss back; on a GPU that stalls the queue, so do it rarely.
    check_every = 1 if device.type == "cpu" else 25
    bar = tqdm(total=total, desc="train", unit="step", leave=False, disable=None if progress else True)
    train_time = eval_time = 0.0
    val_acc, val_loss, train_loss = 0.0, float("nan"), float("nan")
    history: list[float] = []
    step = 0
    try:
        for epoch in range(1, settings.epochs + 1):
            start = time.perf_counter()
            order = torch.randperm(n, generator=gen, device=device)
            running = torch.zeros((), device=device)
            for i in range(steps_per_epoch):
                factor = _lr_factor(step, warmup, total)
                for group in opt.param_groups:
                    group["lr"] = lr * factor
                idx = order[i * bs : (i + 1) * bs]
                running += train_step(
                    model, opt, normalize, train_x, train_y, idx, size, pad, settings.augment, settings.flip,
                    settings.label_smoothing, gen, (i + 1) % check_every == 0, f"epoch {epoch} step {i + 1}",
                )
                step += 1
                bar.update(1)
            train_loss = running.item() / max(1, steps_per_epoch)
            if not math.isfinite(train_loss):
                raise TrainingDiverged(f"loss became {train_loss:.4g} during epoch {epoch}")
            train_time += time.perf_counter() - start
            bar.set_postfix(loss=f"{train_loss:.3f}", refresh=False)
            if on_epoch is not None or epoch == settings.epochs:
                start = time.perf_counter()
                val_acc, val_loss = _evaluate(model, val_x, val_y, normalize, settings.eval_batch_size)
                eval_time += time.perf_counter() - start
                history.append(val_acc)
                if not math.isfinite(val_loss):
                    raise TrainingDiverged(f"validation loss became {val_loss:.4g} after epoch {epoch}")
                if on_epoch is not None:
                    on_epoch(epoch, val_acc)
    finally:
        bar.close()
    seen = steps_per_epoch * bs
    return TrainResult(
        val_accuracy=val_acc,
        val_loss=val_loss,
        train_time_s=train_time,
        epochs=settings.epochs,
        train_samples=seen,
        samples_per_s=seen * settings.epochs / max(train_time, 1e-9),
        train_loss=train_loss,
        eval_time_s=eval_time,
        history=tuple(history),
    )
