"""Parameter counts, total and per stage."""

from __future__ import annotations

from torch import nn

from nas.cost.stages import stage_modules

__all__ = ["count_params", "count_params_by_stage"]


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    """Count the parameters of ``model`` (shared parameters once).

    Args:
        model: The network to count.
        trainable_only: Count only parameters with ``requires_grad``.

    Returns:
        Number of scalar parameters.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def count_params_by_stage(model: nn.Module, trainable_only: bool = False) -> dict[str, int]:
    """Count parameters per breakdown entry (``stem``, ``stage1``..., ``head``, or ``model``).

    Args:
        model: The network to count.
        trainable_only: Count only parameters with ``requires_grad``.

    Returns:
        Mapping ``label -> parameter count``; values sum to ``count_params(model)``. Parameters
        outside the named stages (if any) are reported under ``other``.
    """
    result = {
        label: count_params(model.get_submodule(name), trainable_only)
        for label, name in stage_modules(model).items()
    }
    rest = count_params(model, trainable_only) - sum(result.values())
    if rest:
        result["other"] = rest
    return result
