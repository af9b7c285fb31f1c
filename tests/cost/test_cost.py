"""Cost module: FLOPs convention, exact-MAC replacement, params, latency, memory, profile."""

from __future__ import annotations

import json

import pytest
import torch
import torchvision
from torch import nn
from torchvision.ops import DeformConv2d

from nas.cost import (
    count_flops,
    count_params,
    count_params_by_stage,
    measure_latency,
    peak_activation_bytes,
    profile_model,
)


def _conv_macs(cin: int, cout: int, k: int, h: int, w: int, groups: int = 1) -> int:
    return cout * (cin // groups) * k * k * h * w


class ExactOp(nn.Module):
    """A 3x3 conv whose analytic cost is declared to be a fixed formula of the output size."""

    def __init__(self, cin: int, cout: int, stride: int = 1, per_pixel: int = 7) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.per_pixel = per_pixel
        self.calls: list[tuple[int, int]] = []

    def exact_macs(self, out_h: int, out_w: int) -> int:
        self.calls.append((out_h, out_w))
        return self.per_pixel * out_h * out_w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class NestedExactOp(nn.Module):
    """Has ``exact_macs`` and contains two modules that also have it."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.a = ExactOp(c, c, per_pixel=1000)
        self.b = ExactOp(c, c, per_pixel=1000)

    def exact_macs(self, out_h: int, out_w: int) -> int:
        return 5 * out_h * out_w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x))


class ToyNetwork(nn.Module):
    """Shaped like the builder's network: stem -> stages -> head."""

    def __init__(self, width: int = 8, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.stages = nn.ModuleList([
            nn.Sequential(nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()),
            nn.Sequential(ExactOp(width, 2 * width, stride=2), nn.BatchNorm2d(2 * width), nn.ReLU()),
        ])
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Dropout(0.2), nn.Linear(2 * width, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return self.head(x)


class DeformNet(nn.Module):
    """Offset conv feeding a deformable conv, optionally swapped for a plain conv."""

    def __init__(self, deform: bool = True) -> None:
        super().__init__()
        self.offset = nn.Conv2d(4, 2 * 3 * 3, 3, 1, 1)
        self.deform = deform
        self.conv: nn.Module = DeformConv2d(4, 6, 3, 1, 1) if deform else nn.Conv2d(4, 6, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x, self.offset(x)) if self.deform else self.conv(x) + 0 * self.offset(x).sum()


def _replace_bn(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, nn.Identity())
        else:
            _replace_bn(child)


def test_mobilenet_v3_small_matches_convention() -> None:
    model = torchvision.models.mobilenet_v3_small()
    flops = count_flops(model, (3, 224, 224))
    assert flops.total == pytest.approx(56.82e6, rel=0.005)
    assert flops.by_stage == {"model": flops.total}
    assert flops.conv_like_unsupported == ()
    assert count_params(model) == pytest.approx(2.54e6, rel=0.01)


def test_resnet18_excludes_norms() -> None:
    model = torchvision.models.resnet18()
    flops = count_flops(model, (3, 224, 224))
    assert flops.total == pytest.approx(1.814e9, rel=0.001)
    assert flops.unsupported == {} and flops.conv_like_unsupported == ()
    _replace_bn(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert count_flops(model, (3, 224, 224)).total == flops.total


def test_layer_and_group_norm_excluded() -> None:
    with_norm = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.InstanceNorm2d(8),
                              nn.Flatten(1), nn.LayerNorm(8 * 16), nn.Linear(8 * 16, 4))
    without = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Flatten(1), nn.Linear(8 * 16, 4))
    expected = _conv_macs(3, 8, 3, 4, 4) + 8 * 16 * 4
    assert count_flops(with_norm, (3, 4, 4)).total == expected
    assert count_flops(without, (3, 4, 4)).total == expected


def test_exact_macs_replaces_traced_count() -> None:
    op = ExactOp(4, 6, stride=2, per_pixel=7)
    model = nn.Sequential(nn.Conv2d(3, 4, 1, bias=False), op)
    flops = count_flops(model, (3, 10, 12))
    assert op.calls == [(5, 6)]
    assert flops.total == _conv_macs(3, 4, 1, 10, 12) + 7 * 5 * 6


def test_nested_exact_macs_counted_once() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 1, bias=False), NestedExactOp(4))
    flops = count_flops(model, (3, 6, 6))
    assert flops.total == _conv_macs(3, 4, 1, 6, 6) + 5 * 6 * 6
    assert model[1].a.calls == [] and model[1].b.calls == []


def test_deform_conv_counted_like_conv() -> None:
    torch.manual_seed(0)
    deform = count_flops(DeformNet(deform=True), (4, 9, 9))
    plain = count_flops(DeformNet(deform=False), (4, 9, 9))
    assert deform.conv_like_unsupported == ()
    assert "torchvision::deform_conv2d" not in deform.unsupported
    assert deform.total == plain.total == _conv_macs(4, 18, 3, 9, 9) + _conv_macs(4, 6, 3, 9, 9)


def test_train_or_eval_gives_same_count_and_mode_restored() -> None:
    model = ToyNetwork()
    model.train()
    model.stages[0].eval()  # mixed modes must be restored module by module
    in_train = count_flops(model, (3, 32, 32))
    assert model.training and model.stem.training and not model.stages[0].training
    model.eval()
    in_eval = count_flops(model, (3, 32, 32))
    assert not model.training
    assert in_train == in_eval


def test_network_by_stage() -> None:
    model = ToyNetwork(width=8, num_classes=10)
    flops = count_flops(model, (3, 32, 32))
    assert list(flops.by_stage) == ["stem", "stage1", "stage2", "head"]
    assert sum(flops.by_stage.values()) == flops.total
    assert flops.by_stage["stem"] == _conv_macs(3, 8, 3, 16, 16)
    assert flops.by_stage["stage1"] == _conv_macs(8, 8, 3, 16, 16)
    assert flops.by_stage["stage2"] == 7 * 8 * 8  # exact_macs replaces the traced conv
    # fvcore's default counts adaptive_avg_pool2d (one per input element) and the linear.
    assert flops.by_stage["head"] == 16 * 8 * 8 + 16 * 10
    params = count_params_by_stage(model)
    assert list(params) == ["stem", "stage1", "stage2", "head"]
    assert sum(params.values()) == count_params(model)
    assert params["head"] == 16 * 10 + 10


def test_count_params_trainable_only() -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    model[0].requires_grad_(False)
    assert count_params(model) == 15 + 8
    assert count_params(model, trainable_only=True) == 8


def test_latency_positive() -> None:
    model = ToyNetwork()
    model.train()
    result = measure_latency(model, (3, 32, 32), device="cpu", warmup=2, repeats=5, threads=1)
    assert result.repeats == 5
    assert 0 < result.p10_ms <= result.median_ms <= result.p90_ms
    assert model.training


def test_peak_activation_grows_with_batch_and_width() -> None:
    model = ToyNetwork(width=8)
    b1 = peak_activation_bytes(model, (3, 32, 32), batch_size=1, device="cpu")
    b4 = peak_activation_bytes(model, (3, 32, 32), batch_size=4, device="cpu")
    wide = peak_activation_bytes(ToyNetwork(width=32), (3, 32, 32), batch_size=1, device="cpu")
    assert 0 < b1 < b4
    assert b4 >= 3 * b1
    assert wide > b1
    # Deterministic, and the model's gradients and modes are left alone.
    assert peak_activation_bytes(model, (3, 32, 32), batch_size=1, device="cpu") == b1
    assert all(p.grad is None for p in model.parameters())
    assert model.training


def test_profile_model_to_dict() -> None:
    model = ToyNetwork()
    prof = profile_model(model, (3, 32, 32), latency=True, memory=True, latency_repeats=3)
    assert prof.flops == count_flops(model, (3, 32, 32)).total
    assert prof.params == count_params(model)
    assert prof.latency_ms is not None and prof.latency_ms > 0
    assert prof.peak_activation_bytes is not None and prof.peak_activation_bytes > 0
    assert [s.name for s in prof.stages] == ["stem", "stage1", "stage2", "head"]
    assert [s.out_shape for s in prof.stages] == [(8, 16, 16), (8, 16, 16), (16, 8, 8), (10,)]
    assert sum(s.flops for s in prof.stages) == prof.flops
    data = json.loads(json.dumps(prof.to_dict()))
    assert data["flops"] == prof.flops and data["input_shape"] == [3, 32, 32]
    assert data["stages"][2]["out_shape"] == [16, 8, 8]
    bare = profile_model(model, (3, 32, 32), latency=False, memory=False)
    assert bare.latency_ms is None and bare.peak_activation_bytes is None


def test_conv_like_unsupported_flags_mac_ops() -> None:
    from nas.cost import FlopCount

    count = FlopCount(total=0, by_stage={"model": 0},
                      unsupported={"torchvision::deform_conv2d": 1, "aten::addmm": 2, "aten::topk": 1})
    assert count.conv_like_unsupported == ("aten::addmm", "torchvision::deform_conv2d")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_peak_activation_cuda_grows_with_batch() -> None:
    model = ToyNetwork(width=16)
    b1 = peak_activation_bytes(model, (3, 64, 64), batch_size=1, device="cuda")
    b8 = peak_activation_bytes(model, (3, 64, 64), batch_size=8, device="cuda")
    assert 0 < b1 < b8
    assert next(model.parameters()).device.type == "cpu"


@pytest.mark.parametrize("threads, expected", [(None, 1), (1, 1), (2, 2)])
def test_latency_threads_are_fixed_stated_and_restored(threads, expected) -> None:
    before = torch.get_num_threads()
    kwargs = {} if threads is None else {"threads": threads}
    result = measure_latency(ToyNetwork(), (3, 32, 32), device="cpu", warmup=1, repeats=3, **kwargs)
    assert result.threads == expected  # the default is 1 thread, as on an edge device
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("kwargs", [{"repeats": 0}, {"repeats": -1}, {"warmup": -1}, {"threads": 0}, {"threads": -4}])
def test_latency_refuses_bad_counts(kwargs) -> None:
    before = torch.get_num_threads()
    with pytest.raises(ValueError):
        measure_latency(ToyNetwork(), (3, 32, 32), device="cpu", **kwargs)
    assert torch.get_num_threads() == before


def test_profile_reports_latency_percentiles_and_threads() -> None:
    prof = profile_model(ToyNetwork(), (3, 32, 32), memory=False, latency_repeats=5, threads=1)
    data = json.loads(json.dumps(prof.to_dict()))["latency"]
    assert data["threads"] == 1 and data["repeats"] == 5
    assert 0 < data["p10_ms"] <= data["p50_ms"] <= data["p90_ms"]
    assert data["p50_ms"] == prof.latency_ms
