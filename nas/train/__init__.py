"""Training: one loop (:mod:`nas.train.loop`) used by the proxy trainer that scores
architectures during a search and by full training (:mod:`nas.train.full`)."""

from __future__ import annotations

from nas.train.device import pick_device, set_threads
from nas.train.evaluate import evaluate
from nas.train.loop import EpochStats, Trainer
from nas.train.proxy import TrainResult, train_proxy
from nas.train.settings import TrainSettings

__all__ = [
    "EpochStats", "TrainResult", "TrainSettings", "Trainer", "evaluate", "pick_device", "set_threads", "train_proxy",
]
