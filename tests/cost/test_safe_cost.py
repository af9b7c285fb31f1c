"""safe_cost: parameters from the meta device, refusal of what cannot fit, the FLOPs lower bound."""

from __future__ import annotations

import pytest
import torch

from nas.arch.notation import decode_arch
from nas.blocks import build_model
from nas.cost import (
    ArchTooLarge,
    count_flops,
    count_params,
    safe_cost,
    weight_flops_lower_bound,
)
from nas.presets import get_preset

SMALL = "conv_k3_c16 | bneck_k3_s2_x48_c24_eca reshet_k3_s2_x48_c32_p4_g2 | cnx_k3_c32_f | head_x64_hs"


def test_safe_cost_equals_the_counters():
    config = decode_arch(SMALL, 1, 28, 10)
    model = build_model(config)
    cost = safe_cost(config)
    assert (cost.flops, cost.params, cost.exact) == (count_flops(model, (1, 28, 28)).total, count_params(model), True)


@pytest.mark.parametrize("name", ["mobilenetv3-small-ldc1", "hsnet", "ghostnet-1.0", "resnet56-cifar-p4"])
def test_meta_device_params_equal_real_params(name):
    config = get_preset(name).with_input(resolution=64)
    with torch.device("meta"):
        shell = build_model(config)
    assert sum(p.numel() for p in shell.parameters()) == count_params(build_model(config))


def test_weights_bound_the_flops_from_below():
    config = decode_arch(SMALL, 1, 28, 10)
    model = build_model(config)
    assert 0 < weight_flops_lower_bound(model) <= count_flops(model, (1, 28, 28)).total


def test_over_a_budget_without_counting():
    config = decode_arch(SMALL, 1, 28, 10)
    bound = weight_flops_lower_bound(build_model(config))
    cost = safe_cost(config, max_flops=bound - 1)
    assert not cost.exact and cost.flops == bound
    assert safe_cost(config, max_flops=bound).exact


def test_too_large_is_refused_in_one_line_without_allocating():
    config = decode_arch("conv_k3_c20000 | conv_k3_c20000 | head_re", 1, 28, 10, name="wide")
    with pytest.raises(ArchTooLarge) as exc:
        safe_cost(config, memory_bytes=8 * 2**30)
    message = str(exc.value)
    assert "'wide'" in message and "3,600,460,010 parameters" in message and "\n" not in message
    assert safe_cost(decode_arch(SMALL, 1, 28, 10), memory_bytes=8 * 2**30).exact
