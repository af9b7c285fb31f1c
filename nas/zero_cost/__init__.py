"""Zero-cost proxies: scores of an untrained network, from one batch, that may rank
architectures before any training.

* ``synflow``: ``ln`` of SynFlow, data-free, float64 (:mod:`nas.zero_cost.synflow`);
* ``naswot``: ``ln |det K|`` of the activation-code kernel (:mod:`nas.zero_cost.naswot`);
* ``snip``: ``sum |w * dL/dw|`` (:mod:`nas.zero_cost.snip`);
* ``grad_norm``: ``sum_l ||dL/dW_l||`` (:mod:`nas.zero_cost.grad_norm`).

Higher is better for all four. Each is deterministic for a seed and scores a private copy,
so the caller's model (weights, buffers, gradients, mode) and torch's RNG state are unchanged.
Scoring is a few small passes: one torch thread is about as fast as two on a quiet machine and
up to 10x faster while other processes load the CPU, so callers should score on one thread.

Example::

    split = split_train_val(load_dataset("fashion-mnist"), val_size=2000)
    batch = Batch.from_split(split, size=64, seed=0)
    scores = score(build_model(config), batch, seed=0)   # {"synflow": ..., "naswot": ..., ...}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from torch import nn

from nas.errors import NasError
from nas.zero_cost.batch import Batch, normalize
from nas.zero_cost.common import loss_gradients, seeded
from nas.zero_cost.grad_norm import grad_norm, grad_norm_of
from nas.zero_cost.naswot import naswot
from nas.zero_cost.snip import snip, snip_of
from nas.zero_cost.synflow import synflow

#: Proxy name -> ``proxy(model, batch, seed) -> float``.
PROXIES: dict[str, Callable[[nn.Module, Batch, int], float]] = {
    "synflow": synflow,
    "naswot": naswot,
    "snip": snip,
    "grad_norm": grad_norm,
}


def check_names(names: Sequence[str]) -> tuple[str, ...]:
    """The proxy names, checked.

    Raises:
        NasError: naming the first unknown proxy, or when none or a repeated one is given.
    """
    names = tuple(names)
    unknown = [n for n in names if n not in PROXIES]
    if unknown:
        raise NasError(f"unknown zero-cost proxy {unknown[0]!r} (choose from {', '.join(PROXIES)})")
    if not names:
        raise NasError("no zero-cost proxy named (choose from " + ", ".join(PROXIES) + ")")
    if len(set(names)) != len(names):
        raise NasError(f"zero-cost proxy named twice in {', '.join(names)}")
    return names


def score(model: nn.Module, batch: Batch, names: Sequence[str] = tuple(PROXIES), seed: int = 0) -> dict[str, float]:
    """Score ``model`` with the named proxies.

    Args:
        model: a network, e.g. from :func:`nas.build_model` (left unchanged).
        batch: one batch of real training data (see :class:`Batch`).
        names: proxies from :data:`PROXIES`, in the order wanted.
        seed: the same seed (and threads) always gives the same scores.

    Returns:
        ``{name: score}``, every score a finite float, higher meaning more promising.

    Raises:
        NasError: for an unknown proxy name.
    """
    names = check_names(names)
    shared: dict[str, float] = {}
    if "snip" in names and "grad_norm" in names:
        # Both read the same loss gradients (same seed, same copy): one backward pass serves both.
        with seeded(seed):
            pairs = loss_gradients(model, batch)
        shared = {"snip": snip_of(pairs), "grad_norm": grad_norm_of(pairs)}
    return {name: shared[name] if name in shared else PROXIES[name](model, batch, seed) for name in names}


__all__ = ["PROXIES", "Batch", "check_names", "grad_norm", "naswot", "normalize", "score", "snip", "synflow"]
