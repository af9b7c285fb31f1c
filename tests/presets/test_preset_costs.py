"""The papers' networks as presets, checked against the published / reference counts."""

import pytest

from nas.blocks import build_model
from nas.cost import count_flops, count_params
from nas.presets import PRESETS, get_preset

M = 1e6


def cost(name):
    config = get_preset(name)
    model = build_model(config)
    return count_flops(model, config.input_shape).total, count_params(model)


VGG = {1: (313.46, 14.99), 2: (175.05, 8.46), 4: (105.85, 5.19), 8: (71.24, None), 16: (53.94, None),
       32: (45.29, None), 64: (40.97, None)}


@pytest.mark.parametrize("part", sorted(VGG))
def test_vgg16_hetconv(part):
    flops, params = cost(f"vgg16-cifar-p{part}")
    ref_flops, ref_params = VGG[part]
    assert flops / M == pytest.approx(ref_flops, rel=0.005)
    if ref_params:
        assert params / M == pytest.approx(ref_params, rel=0.01)


def test_resnet56_hetconv():
    base, _ = cost("resnet56-cifar-p1")
    assert base / M == pytest.approx(125.49, rel=0.005)
    for part, cut in ((2, 44.3), (4, 66.4)):
        flops, _ = cost(f"resnet56-cifar-p{part}")
        assert 100 * (1 - flops / base) == pytest.approx(cut, abs=0.3)


def test_mobilenetv3_small_and_ldc():
    flops, params = cost("mobilenetv3-small")
    assert flops / M == pytest.approx(56.82, rel=0.01)
    assert params / M == pytest.approx(2.54, rel=0.01)
    ldc0, _ = cost("mobilenetv3-small-ldc0")
    for variant, delta in ((1, -5.01), (2, -6.31), (3, -11.33)):
        other, _ = cost(f"mobilenetv3-small-ldc{variant}")
        assert (other - ldc0) / M == pytest.approx(delta, abs=0.2)
    dc0, _ = cost("mobilenetv3-small-dc0")
    assert (dc0 - flops) / M == pytest.approx(9.14, abs=0.5)
    assert ldc0 - flops < (dc0 - flops) / 4  # the low-cost offset path costs far less


def test_ghostnet():
    flops, params = cost("ghostnet-1.0")
    assert flops / M == pytest.approx(141.7, rel=0.02)
    assert params / M == pytest.approx(5.18, rel=0.02)


@pytest.mark.parametrize("name, flops_g, params_m", [
    ("convnext-tiny", 4.46, 28.59), ("convnext-tiny-k3", 4.385, 28.32), ("convnext-tiny-k3x1", 4.378, 28.31),
])
def test_convnext(name, flops_g, params_m):
    flops, params = cost(name)
    assert flops / 1e9 == pytest.approx(flops_g, rel=0.01)
    assert params / M == pytest.approx(params_m, rel=0.01)


def test_multilevel_shortcut_is_free():
    assert cost("convnext-tiny-multilevel") == cost("convnext-tiny")
    model = build_model(get_preset("convnext-tiny-multilevel"))
    assert all(stage.shortcut is not None for stage in model.stages)


def test_hsnet():
    config = get_preset("hsnet")
    flops, params = cost("hsnet")
    assert 200 * M <= flops <= 260 * M and 2.5 * M <= params <= 3.5 * M
    eca = [any(b.attn == "eca" for b in stage.blocks) for stage in config.stages]
    assert eca == [True, True, True, False]
    assert config.head.hidden == 1280 and config.input_shape == (3, 224, 224)


def test_every_preset_is_listed():
    expected = {f"vgg16-cifar-p{p}" for p in VGG} | {f"resnet56-cifar-p{p}" for p in (1, 2, 4)} | {
        "mobilenetv3-small", "mobilenetv3-small-dc0", "ghostnet-1.0", "hsnet", "convnext-tiny",
        "convnext-tiny-k3", "convnext-tiny-k3x1", "convnext-tiny-multilevel",
    } | {f"mobilenetv3-small-ldc{v}" for v in range(4)}
    assert set(PRESETS) == expected
