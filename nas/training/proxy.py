"""The proxy trainer: a short, deterministic training run that scores an architecture.

Images stay in memory as uint8 tensors, moved to the device once and normalised per batch;
augmentation works on whole batches; SGD with Nesterov momentum, a linear warm-up then a
cosine decay, and label smoothing (all in :mod:`nas.training.loop`). Accuracy is measured on the
validation split carved from the training set, never on the test set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from nas.data.dataset import Split, subset
from nas.training.evaluate import evaluate
from nas.training.loop import EpochStats, Trainer
from nas.training.settings import TrainSettings

__all__ = ["TrainResult", "TrainSettings", "evaluate", "train_proxy"]


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


def train_proxy(
    model: nn.Module,
    split: Split,
    settings: TrainSettings = TrainSettings(),
    device: str | torch.device | None = None,
    progress: bool = True,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``split.train_*`` and score it on ``split.val_*``.

    The same seed, model initialisation and data give the same result on the CPU. To stop
    and continue a run later, use :class:`nas.training.loop.Trainer` directly.

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
    if settings.max_train_samples is not None:
        split = subset(split, settings.max_train_samples, seed=settings.seed)
    trainer = Trainer(model, split.train_x, split.train_y, split.mean, split.std, settings, device,
                      val=(split.val_x, split.val_y), progress=progress)

    def report(stats: EpochStats) -> None:
        if on_epoch is not None:
            on_epoch(stats.epoch, stats.val_accuracy)

    history = trainer.run_epochs(settings.epochs, report, validate="every" if on_epoch is not None else "end")
    last = history[-1]
    train_time = sum(s.train_time_s for s in history)
    seen = trainer.steps_per_epoch * trainer.batch_size
    return TrainResult(
        val_accuracy=last.val_accuracy if last.val_accuracy is not None else 0.0,
        val_loss=last.val_loss if last.val_loss is not None else float("nan"),
        train_time_s=train_time,
        epochs=settings.epochs,
        train_samples=seen,
        samples_per_s=seen * settings.epochs / max(train_time, 1e-9),
        train_loss=last.train_loss,
        eval_time_s=sum(s.eval_time_s for s in history),
        history=tuple(s.val_accuracy for s in history if s.val_accuracy is not None),
    )
