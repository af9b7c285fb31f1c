"""Activation factory: one string name per activation used in the search space."""

from __future__ import annotations

from torch import nn

__all__ = ["ACTIVATIONS", "make_act"]

_FACTORIES: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "hswish": nn.Hardswish,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "hsigmoid": nn.Hardsigmoid,
    "sigmoid": nn.Sigmoid,
    "none": nn.Identity,
}

#: Names accepted by :func:`make_act`.
ACTIVATIONS: tuple[str, ...] = tuple(_FACTORIES)


def make_act(name: str) -> nn.Module:
    """Build an activation module from its name.

    Args:
        name: One of :data:`ACTIVATIONS` (``"none"`` gives ``nn.Identity``).

    Returns:
        A fresh activation module.

    Raises:
        ValueError: If ``name`` is not a known activation.
    """
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}"
        ) from None
    return factory()
