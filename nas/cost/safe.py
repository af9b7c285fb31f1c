"""Cost of an architecture without ever allocating a model that could not fit in memory.

``safe_cost`` first builds the model on PyTorch's ``meta`` device (shapes only, no storage),
which counts its parameters in milliseconds whatever its size. An architecture whose float32
weights would not fit in half the memory available now is refused with one line; otherwise
the real model is built and its FLOPs counted with fvcore (``count_flops``).

Every multiply-accumulate count is at least the number of convolution and linear weights
(each weight is used at least once per image), so with a FLOPs budget an architecture whose
conv + linear weights alone exceed the budget is known to be over it without counting: its
cost comes back with ``exact=False`` and ``flops`` that lower bound.

The exact count of the last few architectures is remembered (configs are frozen and hashable):
a search counts an architecture when its sampler drafts it (:mod:`nas.searching.feasible`) and
again when the trial measures it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn

from nas.arch.config import ArchConfig
from nas.errors import NasError

__all__ = ["ArchCost", "ArchTooLarge", "available_memory_bytes", "safe_cost", "weight_flops_lower_bound"]

_BYTES_PER_PARAM = 4  # float32


class ArchTooLarge(NasError):
    """An architecture whose weights could not be held in memory; the message says how large."""


@dataclass(frozen=True)
class ArchCost:
    """FLOPs and parameters of an architecture at its input (batch 1).

    Attributes:
        flops: FLOPs (project convention); with ``exact=False`` a lower bound only.
        params: Parameters (exact).
        exact: False when ``flops`` is the conv + linear weight count that already exceeded
            the FLOPs budget, so the model was not built nor its FLOPs counted.
    """

    flops: int
    params: int
    exact: bool = True


def available_memory_bytes() -> int:
    """Memory available to a new allocation now (``MemAvailable`` on Linux), in bytes."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def weight_flops_lower_bound(model: nn.Module) -> int:
    """Conv and linear weights of ``model``: its FLOPs at batch 1 are at least this many."""
    return sum(
        m.weight.numel() for m in model.modules()
        if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)) and m.weight is not None
    )


def _human_bytes(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1e3:.1f} KB"


def safe_cost(config: ArchConfig, max_flops: int | None = None, memory_bytes: int | None = None) -> ArchCost:
    """FLOPs and params of ``config``, refusing an architecture too large to build.

    Args:
        config: the architecture (validated; see ``nas.arch.shapes.validate``).
        max_flops: a FLOPs budget; when the conv + linear weights alone exceed it, the
            FLOPs are not counted and the result has ``exact=False``.
        memory_bytes: memory to fit in; ``None`` for what is available now
            (:func:`available_memory_bytes`). The float32 weights must fit in half of it.

    Returns:
        The architecture's cost.

    Raises:
        ArchTooLarge: one line naming the architecture, its parameter count and its weights' size.
        ConfigError: if the config cannot be built.
    """
    from nas.blocks import build_model

    with torch.device("meta"):
        shell = build_model(config)
    params = sum(p.numel() for p in shell.parameters())
    lower_bound = weight_flops_lower_bound(shell)
    del shell
    if max_flops is not None and lower_bound > max_flops:
        # Over the budget whatever its size: an architecture too large to build is over any
        # budget this machine could train, not a failure.
        return ArchCost(flops=lower_bound, params=params, exact=False)
    limit = (available_memory_bytes() if memory_bytes is None else memory_bytes) // 2
    weights = params * _BYTES_PER_PARAM
    if weights > limit:
        raise ArchTooLarge(
            f"architecture {config.name!r} has {params:,} parameters ({_human_bytes(weights)} of weights), "
            f"more than this machine can hold (limit {_human_bytes(limit)}); use narrower or fewer layers"
        )
    return ArchCost(flops=_exact_flops(config), params=params)


@lru_cache(maxsize=16)
def _exact_flops(config: ArchConfig) -> int:
    from nas.blocks import build_model
    from nas.cost.flops import count_flops

    return count_flops(build_model(config), config.input_shape).total
