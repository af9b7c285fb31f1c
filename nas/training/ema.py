"""An exponential moving average of a model's weights, evaluated instead of the last weights."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn


class WeightEMA:
    """A copy of a model whose floating-point weights and buffers follow the model's as an EMA.

    After update ``n`` (counting from 1) each tensor becomes ``ema + (1 - d) * (model - ema)``
    with ``d = min(decay, (1 + n) / (10 + n))``: the short ramp keeps the random initial
    weights from dominating short runs. Integer buffers (batch counters) are copied.

    Args:
        model: the model to follow (copied; the copy is in eval mode without gradients).
        decay: the decay per update, in [0, 1).
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    def rate(self) -> float:
        """The decay the next update uses."""
        n = self.updates + 1
        return min(self.decay, (1 + n) / (10 + n))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the average towards ``model``'s current weights."""
        d = self.rate()
        for avg, cur in zip(self.model.state_dict().values(), model.state_dict().values()):
            if avg.is_floating_point():
                avg.lerp_(cur, 1.0 - d)
            else:
                avg.copy_(cur)
        self.updates += 1

    def state_dict(self) -> dict[str, Any]:
        """The averaged weights and the update count."""
        return {"model": self.model.state_dict(), "updates": self.updates, "decay": self.decay}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.model.load_state_dict(state["model"])
        self.updates = int(state["updates"])
