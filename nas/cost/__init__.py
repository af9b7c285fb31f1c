"""Cost of a model: FLOPs (project convention), parameters, latency, activation memory."""

from nas.cost.flops import (
    CONV_LIKE_MARKERS,
    UNCOUNTED_OPS,
    FlopCount,
    count_flops,
    exact_macs_modules,
)
from nas.cost.latency import LatencyResult, measure_latency
from nas.cost.memory import peak_activation_bytes
from nas.cost.params import count_params, count_params_by_stage
from nas.cost.profile import Profile, StageCost, profile_model, stage_output_shapes
from nas.cost.safe import ArchCost, ArchTooLarge, safe_cost, weight_flops_lower_bound
from nas.cost.stages import WHOLE_MODEL, stage_modules

__all__ = [
    "CONV_LIKE_MARKERS", "UNCOUNTED_OPS", "WHOLE_MODEL", "ArchCost", "ArchTooLarge", "FlopCount", "LatencyResult",
    "Profile",
    "StageCost", "count_flops", "count_params", "count_params_by_stage", "exact_macs_modules",
    "measure_latency", "peak_activation_bytes", "profile_model", "stage_modules",
    "safe_cost", "stage_output_shapes", "weight_flops_lower_bound",
]
