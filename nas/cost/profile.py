"""A model's full cost profile: FLOPs, parameters, latency, activation memory, per stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from nas.cost._modes import modes_restored
from nas.cost.flops import count_flops
from nas.cost.latency import LatencyResult, measure_latency
from nas.cost.memory import peak_activation_bytes
from nas.cost.params import count_params, count_params_by_stage
from nas.cost.stages import stage_modules

__all__ = ["Profile", "StageCost", "profile_model", "stage_output_shapes"]


@dataclass(frozen=True)
class StageCost:
    """Cost of one breakdown entry (``stem``, ``stage1``..., ``head``, or ``model``).

    Attributes:
        name: Breakdown label.
        flops: FLOPs of the entry at the profiled input.
        params: Parameters of the entry.
        out_shape: Output shape of the entry for one image, without the batch dimension
            (empty when the entry was not called).
    """

    name: str
    flops: int
    params: int
    out_shape: tuple[int, ...]


@dataclass(frozen=True)
class Profile:
    """Cost of a model at one input shape.

    Attributes:
        flops: Total FLOPs (project convention, batch 1).
        params: Total parameters.
        latency_ms: Median batch-1 inference latency, or ``None`` if not measured.
        latency: The whole latency measurement (p10/p50/p90, threads), or ``None``.
        peak_activation_bytes: Activation memory of a batch-1 training step, or ``None``.
        input_shape: ``(C, H, W)`` profiled.
        stages: Per-entry costs, in network order.
    """

    flops: int
    params: int
    latency_ms: float | None
    peak_activation_bytes: int | None
    input_shape: tuple[int, int, int]
    stages: tuple[StageCost, ...]
    latency: LatencyResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (counts as ints, shapes as lists)."""
        return {
            "flops": int(self.flops),
            "params": int(self.params),
            "latency_ms": None if self.latency_ms is None else float(self.latency_ms),
            "latency": None if self.latency is None else {
                "p10_ms": self.latency.p10_ms, "p50_ms": self.latency.p50_ms, "p90_ms": self.latency.p90_ms,
                "repeats": self.latency.repeats, "threads": self.latency.threads,
            },
            "peak_activation_bytes": (
                None if self.peak_activation_bytes is None else int(self.peak_activation_bytes)
            ),
            "input_shape": [int(d) for d in self.input_shape],
            "stages": [
                {"name": s.name, "flops": int(s.flops), "params": int(s.params),
                 "out_shape": [int(d) for d in s.out_shape]}
                for s in self.stages
            ],
        }


def stage_output_shapes(model: nn.Module, input_shape: tuple[int, int, int]) -> dict[str, tuple[int, ...]]:
    """Output shape (batch dimension dropped) of each breakdown entry for one image.

    Args:
        model: The network; run once in eval mode under ``torch.no_grad``, mode restored.
        input_shape: ``(C, H, W)`` of one image.

    Returns:
        Mapping ``label -> shape``; entries never called are absent.
    """
    shapes: dict[str, tuple[int, ...]] = {}
    handles = []
    for label, name in stage_modules(model).items():
        def hook(_mod: nn.Module, _inp: Any, out: Any, label: str = label) -> None:
            tensor = out[0] if isinstance(out, (tuple, list)) else out
            shapes[label] = tuple(int(d) for d in tensor.shape[1:])
        handles.append(model.get_submodule(name).register_forward_hook(hook))
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    try:
        with modes_restored(model), torch.no_grad():
            model.eval()
            model(torch.randn(1, *input_shape, device=device))
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def profile_model(
    model: nn.Module,
    input_shape: tuple[int, int, int],
    latency: bool = True,
    memory: bool = True,
    latency_repeats: int = 30,
    threads: int = 1,
) -> Profile:
    """Profile ``model`` at ``input_shape``.

    Args:
        model: The network to profile; left in the mode it was in.
        input_shape: ``(C, H, W)`` of one image.
        latency: Measure batch-1 inference latency (default device).
        memory: Measure batch-1 training activation memory (default device).
        latency_repeats: Timed forwards for the latency median.
        threads: CPU threads the latency is measured under (1 by default, as on an edge device).

    Returns:
        The profile, with per-stage FLOPs, parameters and output shapes.
    """
    input_shape = (int(input_shape[0]), int(input_shape[1]), int(input_shape[2]))
    flops = count_flops(model, input_shape)
    params_by_stage = count_params_by_stage(model)
    shapes = stage_output_shapes(model, input_shape)
    labels = list(flops.by_stage) + [k for k in params_by_stage if k not in flops.by_stage]
    stages = tuple(
        StageCost(
            name=label,
            flops=flops.by_stage.get(label, 0),
            params=params_by_stage.get(label, 0),
            out_shape=shapes.get(label, ()),
        )
        for label in labels
    )
    timing = measure_latency(model, input_shape, repeats=latency_repeats, threads=threads) if latency else None
    return Profile(
        flops=flops.total,
        params=count_params(model),
        latency_ms=None if timing is None else timing.median_ms,
        peak_activation_bytes=peak_activation_bytes(model, input_shape) if memory else None,
        input_shape=input_shape,
        stages=stages,
        latency=timing,
    )
