"""Training: the proxy trainer that scores architectures during a search."""

from __future__ import annotations

from nas.train.device import pick_device, set_threads
from nas.train.proxy import TrainResult, TrainSettings, evaluate, train_proxy

__all__ = ["TrainResult", "TrainSettings", "evaluate", "pick_device", "set_threads", "train_proxy"]
