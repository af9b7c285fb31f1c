"""NASWOT (Mellor et al. 2021, "Neural Architecture Search without Training").

Each image of the batch gets a binary code: one bit per unit of every rectifier in the network,
1 where the unit's input is positive. ``K[i, j]`` counts the units on which images ``i`` and
``j`` agree (the number of units minus the Hamming distance of their codes) and the score is
``ln |det K|``: high when the network separates the images into distinct linear regions.

Activations: the original's units are ReLUs. This space also has Hardswish, GELU and SiLU; for
every such module (and ReLU6 / LeakyReLU) the bit is the sign of the module's *input*
(``x > 0``), read by a forward pre-hook, i.e. which side of the activation's knee the unit is
on (for all of these ``act(x) > 0`` exactly when ``x > 0``). Sigmoid-type gates (ECA, SE) and
the identity carry no region boundary and are not counted.

The copy runs in train mode (BatchNorm with batch statistics, as the original), dropout off,
without gradients. A batch larger than ``max_images`` is sub-sampled with the seed. If ``K`` is
singular (two images with identical codes, e.g. all units dead), ``ln det(K + I)`` is returned
instead, so the score is always finite.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from nas.zero_cost.batch import Batch
from nas.zero_cost.common import scoring_copy, seeded

#: Modules whose input sign makes a unit's code bit.
RECTIFIERS: tuple[type[nn.Module], ...] = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.Hardswish, nn.GELU, nn.SiLU)


def agreement_kernel(codes: Tensor) -> Tensor:
    """``K[i, j] = units - hamming(codes[i], codes[j])`` for binary codes ``N x units`` (float64)."""
    c = codes.flatten(1).to(torch.float32)
    units = c.shape[1]
    both = (c @ c.T).double()  # integer counts < 2**24 per module: exact in float32
    ones = c.sum(1).double()
    return 2 * both - ones[:, None] - ones[None, :] + units


def naswot(model: nn.Module, batch: Batch, seed: int = 0, max_images: int = 64) -> float:
    """The NASWOT score ``ln |det K|`` of ``model`` on ``batch`` (see the module's docstring).

    Args:
        model: the network (not modified: a copy is scored).
        batch: real training images (labels unused).
        seed: picks the sub-batch when ``batch`` has more than ``max_images`` images.
        max_images: the kernel's size at most.

    Returns:
        ``ln |det K|``, finite.
    """
    with seeded(seed):
        images = batch.images
        if len(images) > max_images:
            images = images[torch.randperm(len(images))[:max_images]]
        net = scoring_copy(model, train=True)
        kernel = torch.zeros(len(images), len(images), dtype=torch.float64)

        def hook(_module: nn.Module, inputs: tuple[Tensor, ...]) -> None:
            kernel.add_(agreement_kernel(inputs[0].detach() > 0))

        handles = [m.register_forward_pre_hook(hook) for m in net.modules() if isinstance(m, RECTIFIERS)]
        try:
            with torch.no_grad():
                net(images)
        finally:
            for h in handles:
                h.remove()
    sign, logdet = torch.linalg.slogdet(kernel)
    if sign == 0 or not math.isfinite(logdet.item()):
        sign, logdet = torch.linalg.slogdet(kernel + torch.eye(len(kernel), dtype=torch.float64))
    return float(logdet.item())
