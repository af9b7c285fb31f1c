"""What every proxy shares: a private copy of the model, the weights scored, seeded RNG."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nas.zero_cost.batch import Batch


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the body with torch's global CPU RNG seeded, restoring the caller's state after."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def scoring_copy(model: nn.Module, train: bool, dtype: torch.dtype = torch.float32) -> nn.Module:
    """A deep copy of ``model`` to score, so the caller's weights, buffers, gradients and mode
    are never touched.

    Args:
        model: the network.
        train: train mode (BatchNorm normalises with batch statistics, as at the start of
            training) or eval mode (running statistics). Dropout is always off, so a score is
            a function of the weights and the batch, not of dropout noise.
        dtype: floating-point type of the copy's parameters and buffers.

    Returns:
        The copy, with gradients enabled and cleared on every parameter.
    """
    net = copy.deepcopy(model).to(dtype=dtype)
    net.train(train)
    for module in net.modules():
        if isinstance(module, nn.modules.dropout._DropoutNd):
            module.eval()
    for p in net.parameters():
        p.requires_grad_(True)
        p.grad = None
    return net


def scored_weights(model: nn.Module) -> list[nn.Parameter]:
    """The parameters the gradient proxies sum over: weight tensors of convolutions and linear
    layers of every kind (``ndim >= 2``: Conv1d/2d, Linear, deformable and HetConv weights).
    Biases and normalisation scales are left out, as in the original proxies, which score the
    weights of Conv and Linear layers only."""
    return [p for p in model.parameters() if p.ndim >= 2]


def loss_gradients(model: nn.Module, batch: Batch) -> list[tuple[Tensor, Tensor]]:
    """``(weight, dL/dweight)`` for each scored weight of a train-mode copy of ``model``, where
    L is the mean cross-entropy (no label smoothing) over ``batch``."""
    net = scoring_copy(model, train=True)
    weights = scored_weights(net)
    loss = F.cross_entropy(net(batch.images), batch.labels)
    grads = torch.autograd.grad(loss, weights, allow_unused=True)
    return [(w.detach(), torch.zeros_like(w) if g is None else g) for w, g in zip(weights, grads)]
