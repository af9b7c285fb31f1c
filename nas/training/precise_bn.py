"""Precise batch-norm statistics: re-estimate them from training batches before an evaluation.

A batch-norm layer evaluates with running statistics, an exponential average (momentum 0.1)
over the steps trained. After a short run they still hold much of their initial values (after
15 steps about 21%, 0.9**15), so a proxy measured that way scores its statistics, not its
weights: such a network often predicts one class. As "precise BN" in pycls and timm, this
resets every batch-norm layer and re-computes its statistics as the plain average over a fixed
set of training batches, with the weights frozen and dropout off; the result depends only on
the weights and those images, never on how long the model was trained.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm


def batch_norms(model: nn.Module) -> list[_BatchNorm]:
    """The model's batch-norm layers that keep running statistics."""
    return [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]


@torch.no_grad()
def recompute_bn_stats(model: nn.Module, batches: Iterable[Tensor]) -> int:
    """Replace every batch-norm layer's running statistics by their average over ``batches``.

    Args:
        model: the network (its weights are not changed; its train/eval mode is restored).
        batches: model inputs (already normalised), e.g. a few training batches.

    Returns:
        The number of batches used (0 when the model has no batch-norm layer: nothing is run).
    """
    norms = batch_norms(model)
    if not norms:
        return 0
    was_training = model.training
    momenta = [m.momentum for m in norms]
    model.eval()  # dropout (and everything else) as at evaluation ...
    for m in norms:  # ... but batch norm measuring batch statistics, averaged with equal weights
        m.reset_running_stats()
        m.momentum = None
        m.train()
    used = 0
    try:
        for x in batches:
            model(x)
            used += 1
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        model.train(was_training)
    return used
