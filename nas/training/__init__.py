"""Training: one loop (:mod:`nas.training.loop`) used by the proxy trainer that scores
architectures during a search and by full training (:mod:`nas.training.full`)."""

from __future__ import annotations

from nas.training.device import pick_device, set_threads
from nas.training.evaluate import evaluate
from nas.training.loop import EpochStats, Trainer
from nas.training.proxy import TrainResult, train_proxy
from nas.training.settings import TrainSettings

__all__ = [
    "EpochStats", "TrainResult", "TrainSettings", "Trainer", "evaluate", "pick_device", "set_threads", "train_proxy",
]
