"""SNIP (Lee et al. 2019; as a zero-cost proxy, Abdelfattah et al. 2021).

``S = sum_w |w * dL/dw|`` over the weight tensors of convolutions and linear layers, with L the
mean cross-entropy of the batch on a train-mode copy (BatchNorm with batch statistics, dropout
off). It is the first-order estimate of how much the loss changes when every weight is removed.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from nas.zero_cost.batch import Batch
from nas.zero_cost.common import loss_gradients, seeded


def snip(model: nn.Module, batch: Batch, seed: int = 0) -> float:
    """The SNIP saliency of ``model`` on ``batch``.

    Args:
        model: the network (not modified: a copy is scored).
        batch: real training images and labels.
        seed: seeds torch's RNG during scoring.

    Returns:
        ``sum |w * dL/dw|`` (>= 0).
    """
    with seeded(seed):
        pairs = loss_gradients(model, batch)
    return snip_of(pairs)


def snip_of(pairs: Sequence[tuple[Tensor, Tensor]]) -> float:
    """SNIP from ``(weight, dL/dweight)`` pairs (:func:`nas.zero_cost.common.loss_gradients`)."""
    return float(sum((w * g).abs().sum().item() for w, g in pairs))
