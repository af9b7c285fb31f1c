"""How a model is trained: one frozen record shared by the proxy and full trainers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from nas.errors import NasError


@dataclass(frozen=True)
class TrainSettings:
    """How a model is trained.

    Attributes:
        epochs: passes over the training images (also the length of the cosine schedule).
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
        ema_decay: keep an exponential moving average of the weights with this decay per step
            and evaluate (and save) the average instead of the last weights; 0 turns it off.
        erase_prob: random erasing: the chance that each training image gets one random
            rectangle (2% to 33% of its area) set to the data set's mean; 0 turns it off.
        bn_images: before every evaluation, re-estimate the batch-norm statistics on this many
            training images (unaugmented, a fixed sample), as "precise BN" does; a short run's
            running statistics still hold much of their initial values. 0 keeps them.
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
    ema_decay: float = 0.0
    erase_prob: float = 0.0
    bn_images: int = 2048

    def __post_init__(self) -> None:
        # Written so that NaN fails every check (comparisons with NaN are false).
        checks = {
            "epochs": self.epochs >= 1, "batch_size": self.batch_size >= 1,
            "lr": self.lr > 0 and math.isfinite(self.lr),
            "weight_decay": 0 <= self.weight_decay < math.inf, "momentum": 0 <= self.momentum < 1,
            "label_smoothing": 0 <= self.label_smoothing < 1, "warmup_epochs": 0 <= self.warmup_epochs < math.inf,
            "pad": self.pad >= 0, "eval_batch_size": self.eval_batch_size >= 1,
            "max_train_samples": self.max_train_samples is None or self.max_train_samples >= 1,
            "seed": 0 <= self.seed < 2**63, "ema_decay": 0 <= self.ema_decay < 1,
            "erase_prob": 0 <= self.erase_prob <= 1, "bn_images": self.bn_images >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise NasError(f"invalid training setting {bad[0]}={getattr(self, bad[0])!r}")
