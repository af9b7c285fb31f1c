"""FLOPs of a model in the project's convention (fvcore MACs, normalization excluded).

One multiply-accumulate of a convolution, linear layer, matmul or einsum is one FLOP, as
fvcore counts it; normalization layers are excluded and element-wise ops (activations,
adds, muls) are not counted. ``torchvision::deform_conv2d`` is counted like a regular conv
of the same weight shape. A submodule with an ``exact_macs(out_h, out_w)`` method (an op whose
traced graph does redundant work, such as a masked HetConv) has its traced count replaced
by that analytic count.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

with warnings.catch_warnings():  # fvcore's import uses torch.jit.script, deprecated in torch 2.x
    warnings.simplefilter("ignore", FutureWarning)
    from fvcore.nn import FlopCountAnalysis

from nas.cost._modes import modes_restored
from nas.cost.stages import stage_modules
from nas.ops.deform import deform_conv_flop_handle

__all__ = ["CONV_LIKE_MARKERS", "UNCOUNTED_OPS", "FlopCount", "count_flops", "exact_macs_modules"]

_NORM_OPS = ("aten::batch_norm", "aten::layer_norm", "aten::group_norm", "aten::instance_norm")

#: Ops the convention does not count (element-wise, pooling, reductions, softmax); they are
#: left out of ``FlopCount.unsupported``. Names without namespace and trailing ``_``.
UNCOUNTED_OPS = frozenset({
    "abs", "add", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "clamp_min", "cos", "div", "dropout", "elu", "erf", "exp",
    "feature_alpha_dropout", "feature_dropout", "gelu", "hardsigmoid", "hardswish", "hardtanh",
    "leaky_relu", "log", "log_softmax", "max_pool1d", "max_pool2d", "max_pool3d", "mean", "mish",
    "mul", "neg", "pow", "prelu", "reciprocal", "relu", "relu6", "rsqrt", "rsub", "sigmoid",
    "silu", "sin", "softmax", "softplus", "sqrt", "square", "std", "sub", "sum", "tanh", "var",
    "where",
})

#: Substrings marking an op that carries MACs and must never be left uncounted.
CONV_LIKE_MARKERS = ("conv", "linear", "matmul", "mm", "einsum", "deform")


def _zero_handle(inputs: list[Any], outputs: list[Any]) -> int:
    return 0


def _base_op_name(op: str) -> str:
    return op.split("::")[-1].split(".")[-1].rstrip("_")


@dataclass(frozen=True)
class FlopCount:
    """FLOPs of one model at one input shape (batch 1).

    Attributes:
        total: Total FLOPs (MACs).
        by_stage: FLOPs per breakdown entry (``stem``, ``stage1``..., ``head``, or ``model``);
            the values sum to ``total``.
        unsupported: Ops fvcore found no handle for, with occurrence counts, excluding the
            ops the convention does not count (``UNCOUNTED_OPS``).
    """

    total: int
    by_stage: dict[str, int]
    unsupported: dict[str, int]

    @property
    def conv_like_unsupported(self) -> tuple[str, ...]:
        """Unsupported ops that carry MACs; non-empty means the count is wrong."""
        return tuple(
            op for op in sorted(self.unsupported)
            if any(m in op.split("::")[-1].lower() for m in CONV_LIKE_MARKERS)
        )


def exact_macs_modules(model: nn.Module) -> dict[str, nn.Module]:
    """Outermost submodules (the model included) that define ``exact_macs``.

    Args:
        model: The network to scan.

    Returns:
        Mapping ``qualified name -> module``; modules nested in another such module are left
        out, since their parent's analytic count already covers them.
    """
    found: dict[str, nn.Module] = {}
    for name, module in model.named_modules():
        if not callable(getattr(module, "exact_macs", None)):
            continue
        if any(_is_within(name, outer) for outer in found):
            continue
        found[name] = module
    return found


def _is_within(name: str, outer: str) -> bool:
    return outer == "" or name == outer or name.startswith(outer + ".")


def _output_sizes(
    model: nn.Module, modules: dict[str, nn.Module], x: torch.Tensor
) -> dict[str, list[tuple[int, int]]]:
    """Spatial output size of each call of ``modules`` during one forward of ``x``."""
    sizes: dict[str, list[tuple[int, int]]] = {name: [] for name in modules}
    handles = []
    for name, module in modules.items():
        def hook(_mod: nn.Module, _inp: Any, out: Any, name: str = name) -> None:
            tensor = out[0] if isinstance(out, (tuple, list)) else out
            sizes[name].append((int(tensor.shape[-2]), int(tensor.shape[-1])))
        handles.append(module.register_forward_hook(hook))
    try:
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return sizes


def _analysis(model: nn.Module, x: torch.Tensor) -> FlopCountAnalysis:
    analysis = FlopCountAnalysis(model, x)
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    # A None handle does not override fvcore's default norm handles; a zero handle does.
    analysis.set_op_handle(**{op: _zero_handle for op in _NORM_OPS})
    analysis.set_op_handle("torchvision::deform_conv2d", deform_conv_flop_handle)
    return analysis


def count_flops(model: nn.Module, input_shape: tuple[int, int, int] = (3, 224, 224)) -> FlopCount:
    """Count FLOPs of ``model`` on one input of shape ``input_shape`` in the project's convention.

    The model is counted in eval mode under ``torch.no_grad``; every module's training flag is
    restored afterwards.

    Args:
        model: The network to count.
        input_shape: ``(C, H, W)`` of one image; the batch size is 1.

    Returns:
        The total, the per-stage breakdown and the unsupported ops.
    """
    with modes_restored(model):
        model.eval()
        param = next(model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        x = torch.randn(1, *input_shape, device=device)
        with torch.no_grad(), warnings.catch_warnings():
            # Tracing emits deprecation / tracer warnings that say nothing about the count.
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            exact_mods = exact_macs_modules(model)
            sizes = _output_sizes(model, exact_mods, x) if exact_mods else {}
            analysis = _analysis(model, x)
            by_module = analysis.by_module()
            unsupported_raw: Counter[str] = analysis.unsupported_ops()

    # Correction per exact module: analytic count minus what the trace attributed to it.
    deltas = {
        name: sum(int(mod.exact_macs(h, w)) for h, w in sizes[name]) - int(by_module.get(name, 0))
        for name, mod in exact_mods.items()
    }

    def corrected(module_name: str) -> int:
        fixed = int(by_module.get(module_name, 0))
        return fixed + sum(d for name, d in deltas.items() if _is_within(name, module_name))

    total = corrected("")
    by_stage = {label: corrected(name) for label, name in stage_modules(model).items()}
    rest = total - sum(by_stage.values())
    if rest:
        by_stage["other"] = rest
    unsupported = {
        op: int(n) for op, n in sorted(unsupported_raw.items()) if _base_op_name(op) not in UNCOUNTED_OPS
    }
    return FlopCount(total=total, by_stage=by_stage, unsupported=unsupported)
