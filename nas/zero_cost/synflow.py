"""SynFlow (Tanaka et al. 2020; as a zero-cost proxy, Abdelfattah et al. 2021).

Definition used here: on a float64 copy of the network in eval mode, every parameter is
replaced by its absolute value; an all-ones input of one image gives ``R = sum(network(1))``
and the score is ``S = sum_w |w * dR/dw|`` over the weight tensors of convolutions and linear
layers (:func:`nas.zero_cost.common.scored_weights`). The data batch is used only for its
image shape. BatchNorm runs in eval mode: at initialisation its running statistics are
(0, 1), so it is a per-channel scale, as the original's "no BN" variant intends.

The proxy returns ``ln S``. ``S`` spans hundreds of orders of magnitude across architectures
(it grows like the product of the layers' weight sums), which a rank correlation does not
mind but a plot, a mean or a float32 would; the log keeps it finite and comparable.

Overflow: if the float64 pass overflows (``S`` beyond ~1e308), it is repeated with the input
and the backward seed each scaled by ``2**-k`` (k = 256, then 512) and ``2 k ln 2`` added back:
exact for positively homogeneous networks (bias-free convolutions, ReLU, BatchNorm at
initialisation), and close otherwise, since biases are negligible at such magnitudes. A network
whose score is 0 (no path from input to output) gets ``ln`` of the smallest float64,
about -744.4, so every score is finite.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nas.zero_cost.batch import Batch
from nas.zero_cost.common import scored_weights, scoring_copy, seeded

#: ``ln`` of the smallest positive float64: the score of a network with no signal path.
FLOOR = math.log(5e-324)

_SCALES = (0, 256, 512)


def _log_synflow(net: nn.Module, shape: tuple[int, ...], k: int) -> float:
    """``ln S`` from one pass with input and seed scaled by ``2**-k`` (nan/inf if it overflows)."""
    for p in net.parameters():
        p.grad = None
    scale = 2.0 ** -k
    ones = torch.full((1, *shape), scale, dtype=torch.float64)
    weights = scored_weights(net)
    out = net(ones)
    grads = torch.autograd.grad(out.sum() * scale, weights, allow_unused=True)
    per_tensor = [(w * g).abs().sum() for w, g in zip(weights, grads) if g is not None]
    if not per_tensor:
        return FLOOR
    total = torch.stack(per_tensor).sum().item()
    if not math.isfinite(total):
        return math.inf
    if total <= 0.0:
        return FLOOR
    return math.log(total) + 2 * k * math.log(2.0)


def synflow(model: nn.Module, batch: Batch, seed: int = 0) -> float:
    """The natural log of the SynFlow score of ``model`` (see the module's docstring).

    Args:
        model: the network (not modified: a float64 copy is scored).
        batch: real training images; only their shape is used.
        seed: seeds torch's RNG during scoring (SynFlow itself draws nothing).

    Returns:
        ``ln S``, finite.
    """
    with seeded(seed):
        net = scoring_copy(model, train=False, dtype=torch.float64)
        with torch.no_grad():
            for p in net.parameters():
                p.abs_()
        shape = tuple(batch.images.shape[1:])
        for k in _SCALES:
            value = _log_synflow(net, shape, k)
            if math.isfinite(value):
                return value
    return 2 * _SCALES[-1] * math.log(2.0) + math.log(1.7976931348623157e308)  # a lower bound, still finite
