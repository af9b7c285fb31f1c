"""Gradient norm (as a zero-cost proxy, Abdelfattah et al. 2021).

``S = sum_l ||dL/dW_l||_2``: the Euclidean (Frobenius) norm of the loss gradient of each weight
tensor of a convolution or linear layer, summed over the tensors, as the original sums its
per-layer norms. L is the mean cross-entropy of the batch on a train-mode copy (BatchNorm with
batch statistics, dropout off).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from nas.zero_cost.batch import Batch
from nas.zero_cost.common import loss_gradients, seeded


def grad_norm(model: nn.Module, batch: Batch, seed: int = 0) -> float:
    """The summed per-tensor gradient norm of ``model`` on ``batch``.

    Args:
        model: the network (not modified: a copy is scored).
        batch: real training images and labels.
        seed: seeds torch's RNG during scoring.

    Returns:
        ``sum_l ||dL/dW_l||`` (>= 0).
    """
    with seeded(seed):
        pairs = loss_gradients(model, batch)
    return grad_norm_of(pairs)


def grad_norm_of(pairs: Sequence[tuple[Tensor, Tensor]]) -> float:
    """The gradient norm from ``(weight, dL/dweight)`` pairs (:func:`nas.zero_cost.common.loss_gradients`)."""
    return float(sum(g.double().norm().item() for _, g in pairs))
